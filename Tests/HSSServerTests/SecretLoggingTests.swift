import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Everything the HSS logs at trace level during authentication flows, checked for secrets: K, OPc, the
/// Digest password and HA1, and RAND/AUTN/XRES/CK/IK of the vectors it handed out (guide rule 10).
@Suite("No secret in a log line")
struct SecretLoggingTests {
    final class Capture: LogHandler, @unchecked Sendable {
        let lines = NIOLockedValueBox<[String]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.withLockedValue { $0.append("\(event.level) \(event.message) \(all) \(event.source)") }
        }
    }

    @Test("MAR (AKA ×3, SIP Digest, bad resync), SAR, LIR, RTR: the log holds none of the secrets")
    func noSecrets() async throws {
        let capture = Capture()
        let logger = Logger(label: "hss") { _ in capture }
        let file = try SubscriberFile.load(path: CxOverTCPTests.demo)
        let context = CxOverTCPTests.context
        let directory = try SubscriberDirectory(shardCount: 2, context: context, storage: InMemorySubscriberStorage(file.subscriptions))
        let app = HSSApplication(directory: directory, context: context, logger: logger)
        var config = DiameterServerConfiguration(
            local: LocalPeer(originHost: CxOverTCPTests.hss, originRealm: CxOverTCPTests.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415, originStateID: 1),
            listenAddresses: [("127.0.0.1", 0)])
        config.requestTimeout = .seconds(2)
        let server = try await DiameterServer(configuration: config, application: app, logger: logger)
        app.attach(server)
        let r = CxOverTCPTests.Running(server: server, application: app)
        let c = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)

        var handedOut: [[UInt8]] = []
        let aka = MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 3, serverName: CxOverTCPTests.scscf1Name)
        let maa = try await CxOverTCPTests.ask(c, aka, MultimediaAuthAnswer.self)
        for item in maa.sipAuthDataItems {
            handedOut += [item.sipAuthenticate, item.sipAuthorization, item.confidentialityKey, item.integrityKey].compactMap { $0 }
        }
        #expect(handedOut.count == 12)
        let digest = MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "SIP Digest"), sipNumberAuthItems: 1, serverName: CxOverTCPTests.scscf1Name)
        _ = try await CxOverTCPTests.ask(c, digest, MultimediaAuthAnswer.self)
        let resync = MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5", sipAuthorization: Array(repeating: 7, count: 30)),
            sipNumberAuthItems: 1, serverName: CxOverTCPTests.scscf1Name)
        #expect(try await CxOverTCPTests.ask(c, resync, MultimediaAuthAnswer.self).envelope.result == .unableToComply)
        let sar = ServerAssignmentRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentities: [CxOverTCPTests.impu],
            serverName: CxOverTCPTests.scscf1Name, serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        _ = try await CxOverTCPTests.ask(c, sar, ServerAssignmentAnswer.self)
        _ = try await CxOverTCPTests.ask(c, LocationInfoRequest(envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), publicIdentity: CxOverTCPTests.impu), LocationInfoAnswer.self)
        await c.close()
        // An RTR to a peer that is gone: the failure is logged.
        _ = try await app.admin.terminate("alice", reason: .permanentTermination)
        await server.shutdown()

        let log = capture.lines.withLockedValue { $0.joined(separator: "\n") }.lowercased()
        #expect(!log.isEmpty, "the capture saw the HSS's log")
        let alice = try #require(file.subscriptions.first?.privateIdentities.first)
        var secrets = ["secret", try #require(alice.digest?.ha1)]
        if let a = alice.aka { secrets += [a.k.description, a.opc.description, "30313233343536373839616263646566", "66656463626139383736353433323130"] }
        secrets += handedOut.map { $0.map { String(format: "%02x", $0) }.joined() }
        for s in secrets { #expect(!log.contains(s.lowercased()), "a secret appears in the log") }
    }
}
