import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import Logging
import NIOCore
import Synchronization
import Testing

/// The HSS end to end over TCP on 127.0.0.1: the demo subscriber file, an I-CSCF and two S-CSCFs as
/// test clients, HSS-initiated RTR/PPR through the admin interface.
@Suite("HSS over TCP", .serialized)
struct CxOverTCPTests {
    static let realm = "localdomain"
    static let hss = "hss.localdomain"
    static let icscf = "icscf.localdomain"
    static let scscf1 = "scscf1.localdomain", scscf1Name = "sip:scscf1.localdomain:6060"
    static let scscf2 = "scscf2.localdomain", scscf2Name = "sip:scscf2.localdomain:6060"
    static let impi = "alice@localdomain", impu = "sip:alice@localdomain"
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/examples/subscribers.json").standardized.path

    struct Running {
        let server: DiameterServer
        let application: HSSApplication
    }

    static let context = HSSContext(originHost: hss, originRealm: realm, sequenceNumbers: SequenceNumberScheme(ind: 1))

    /// `sctpPort`: listen on SCTP (127.0.0.1) instead of TCP, with the watchdog and CER timeout out of the
    /// way of qemu's slow emulation (scripts/sctp-qemu.sh).
    static func start(
        shards: Int = 3, storage: (any SubscriberStorage)? = nil, sctpPort: Int? = nil, authorization: PeerAuthorization = .permissive,
        overload: OverloadGate? = nil, shPolicy: ShPolicy = ShPolicy()
    ) async throws -> Running {
        let store = try storage ?? InMemorySubscriberStorage(SubscriberFile.load(path: demo).subscriptions)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let directory = try SubscriberDirectory(shardCount: shards, context: context, storage: store)
        let app = HSSApplication(directory: directory, context: Self.context, logger: logger, shPolicy: shPolicy)
        var config = DiameterServerConfiguration(
            local: LocalPeer(
                originHost: hss, originRealm: realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415, originStateID: 1,
                applications: [.cx, .s6a, .sh]),
            listenAddresses: sctpPort == nil ? [("127.0.0.1", 0)] : [])
        if let sctpPort {
            config.sctpListeners = [SCTPListener(addresses: ["127.0.0.1"], port: sctpPort)]
            config.watchdogInterval = .seconds(600)
            config.capabilitiesExchangeTimeout = .seconds(600)
        }
        config.authorization = authorization
        config.overload = overload
        config.disconnectTimeout = .milliseconds(500)
        config.requestTimeout = .seconds(3)
        let server = try await DiameterServer(configuration: config, application: app, logger: logger)
        app.attach(server)
        return Running(server: server, application: app)
    }

    static func client(_ r: Running, _ host: String) async throws -> TestClient {
        try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: host, originRealm: realm)
    }

    /// Hop-by-hop ids and session numbers, unique across suites running in parallel.
    static let counter = Atomic<UInt32>(100)
    static func next() -> UInt32 { counter.add(1, ordering: .relaxed).newValue }
    static func envelope(_ host: String) -> CxEnvelope {
        CxEnvelope(sessionID: "\(host);\(next())", originHost: host, originRealm: realm, destinationRealm: realm)
    }

    /// Sends a request and returns the typed answer.
    /// Sends `request` (Cx, S6a or Sh) and decodes the answer it gets back.
    static func ask<A: EnvelopedMessage>(_ c: TestClient, _ request: some EnvelopedMessage, _: A.Type) async throws -> A {
        let id = next()
        try await c.send(request.encode(hopByHopID: id, endToEndID: id))
        let m = try #require(try await c.receive())
        #expect(m.header.hopByHopID == id && !m.isRequest)
        return try A(decoding: m)
    }

    @Test("Registration flow: UAR → MAR → SAR → UAR → LIR, each answered by the shard of the subscription")
    func registration() async throws {
        let r = try await Self.start()
        let icscf = try await Self.client(r, Self.icscf)
        let scscf = try await Self.client(r, Self.scscf1)

        let uar = UserAuthorizationRequest(envelope: Self.envelope(Self.icscf), userName: Self.impi, publicIdentity: Self.impu, visitedNetworkIdentifier: Array(Self.realm.utf8))
        let uaa1 = try await Self.ask(icscf, uar, UserAuthorizationAnswer.self)
        #expect(uaa1.envelope.result == .firstRegistration)

        let mar = MultimediaAuthRequest(
            envelope: Self.envelope(Self.scscf1), userName: Self.impi, publicIdentity: Self.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 2, serverName: Self.scscf1Name)
        let maa = try await Self.ask(scscf, mar, MultimediaAuthAnswer.self)
        #expect(maa.envelope.result == .success)
        #expect(maa.sipAuthDataItems.count == 2)
        #expect(maa.envelope.sessionID == mar.envelope.sessionID)

        let sar = ServerAssignmentRequest(
            envelope: Self.envelope(Self.scscf1), userName: Self.impi, publicIdentities: [Self.impu], serverName: Self.scscf1Name,
            serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        let saa = try await Self.ask(scscf, sar, ServerAssignmentAnswer.self)
        #expect(saa.envelope.result == .success)
        #expect(String(decoding: try #require(saa.userData), as: UTF8.self).contains("<Identity>tel:+15551230001</Identity>"))

        let uaa2 = try await Self.ask(icscf, UserAuthorizationRequest(envelope: Self.envelope(Self.icscf), userName: Self.impi, publicIdentity: Self.impu, visitedNetworkIdentifier: Array(Self.realm.utf8)), UserAuthorizationAnswer.self)
        #expect(uaa2.envelope.result == .subsequentRegistration)
        #expect(uaa2.serverName == Self.scscf1Name)

        let lia = try await Self.ask(icscf, LocationInfoRequest(envelope: Self.envelope(Self.icscf), publicIdentity: "tel:+15551230001"), LocationInfoAnswer.self)
        #expect(lia.envelope.result == .success)
        #expect(lia.serverName == Self.scscf1Name)

        let state = await r.application.admin.subscription("alice")
        #expect(state?.registrationState(of: Self.impu) == .registered)
        #expect(state?.state.scscf?.originHost == Self.scscf1)
        await icscf.close()
        await scscf.close()
        await r.server.shutdown()
    }

    /// Reads the next request the HSS sends to `c`, and answers it with `result`.
    static func answerNext(_ c: TestClient, result: ResultCode = .success) async throws -> DiameterMessage {
        let m = try #require(try await c.receive())
        #expect(m.isRequest)
        let env = try CxEnvelope.decodeRequestEnvelope(m)
        let answer = env.answer(originHost: m.first(.destinationHost)?.string ?? "?", originRealm: realm, result: result)
        switch m.commandCode {
        case CommandDefinition.registrationTermination.code:
            try await c.send(RegistrationTerminationAnswer(envelope: answer).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
        default:
            try await c.send(PushProfileAnswer(envelope: answer).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
        }
        return m
    }

    @Test("A MAR from a new S-CSCF sends RTR NEW_SERVER_ASSIGNED to the old one; admin RTR and PPR reach the stored S-CSCF")
    func hssInitiated() async throws {
        let r = try await Self.start()
        let s1 = try await Self.client(r, Self.scscf1)
        let s2 = try await Self.client(r, Self.scscf2)
        let sar = ServerAssignmentRequest(
            envelope: Self.envelope(Self.scscf1), userName: Self.impi, publicIdentities: [Self.impu], serverName: Self.scscf1Name,
            serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        #expect(try await Self.ask(s1, sar, ServerAssignmentAnswer.self).envelope.result == .success)

        // S-CSCF 2 authenticates the user: the HSS answers it and tells S-CSCF 1.
        let mar = MultimediaAuthRequest(
            envelope: Self.envelope(Self.scscf2), userName: Self.impi, publicIdentity: Self.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "SIP Digest"), sipNumberAuthItems: 1, serverName: Self.scscf2Name)
        let maa = try await Self.ask(s2, mar, MultimediaAuthAnswer.self)
        #expect(maa.envelope.result == .success)
        let rtrMessage = try await Self.answerNext(s1)
        let rtr = try RegistrationTerminationRequest(decoding: rtrMessage)
        #expect(rtr.deregistrationReason.reasonCode == .newServerAssigned)
        #expect(rtr.envelope.destinationHost == Self.scscf1)
        #expect(rtr.userName == Self.impi)

        // S-CSCF 2 completes the registration; a profile change is pushed to it.
        let sar2 = ServerAssignmentRequest(
            envelope: Self.envelope(Self.scscf2), userName: Self.impi, publicIdentities: [Self.impu], serverName: Self.scscf2Name,
            serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        #expect(try await Self.ask(s2, sar2, ServerAssignmentAnswer.self).envelope.result == .success)
        var changed = try #require(await r.application.admin.subscription("alice"))
        changed.serviceProfiles[0].initialFilterCriteria[0].applicationServer.serverName = "sip:new-as.localdomain"
        async let pushed = r.application.admin.put(changed)
        let pprMessage = try await Self.answerNext(s2)
        let ppr = try PushProfileRequest(decoding: pprMessage)
        #expect(String(decoding: try #require(ppr.userData), as: UTF8.self).contains("sip:new-as.localdomain"))
        #expect(try await pushed.map(\.result) == [.success])

        // Operator removes the subscription: RTR PERMANENT_TERMINATION, then the identities are gone.
        async let removed = r.application.admin.terminate("alice", reason: .permanentTermination)
        let final = try RegistrationTerminationRequest(decoding: try await Self.answerNext(s2))
        #expect(final.deregistrationReason.reasonCode == .permanentTermination)
        #expect(try await removed.map(\.result) == [.success])
        let after = await r.application.admin.subscription("alice")
        #expect(after?.hasActiveRegistration == false)
        #expect(after?.state.scscf == nil)
        await s1.close()
        await s2.close()
        await r.server.shutdown()
    }

    @Test("An RTR to an S-CSCF that is not connected fails with a reason; state is still cleaned up")
    func unreachable() async throws {
        let r = try await Self.start()
        let s1 = try await Self.client(r, Self.scscf1)
        let sar = ServerAssignmentRequest(
            envelope: Self.envelope(Self.scscf1), userName: Self.impi, publicIdentities: [Self.impu], serverName: Self.scscf1Name,
            serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        #expect(try await Self.ask(s1, sar, ServerAssignmentAnswer.self).envelope.result == .success)
        await s1.close()
        try await Task.sleep(for: .milliseconds(200))
        let deliveries = try await r.application.admin.terminate("alice", reason: .serverChange)
        #expect(deliveries.first?.result == nil)
        #expect(deliveries.first?.failure != nil)
        #expect(await r.application.admin.subscription("alice")?.state.scscf == nil)
        await r.server.shutdown()
    }

    @Test("The HSS refuses an RTR sent to it: 3001 with the E-bit")
    func refusals() async throws {
        let r = try await Self.start()
        let c = try await Self.client(r, Self.scscf1)
        var env = Self.envelope(Self.scscf1)
        env.destinationHost = Self.hss
        let rtr = RegistrationTerminationRequest(
            envelope: env, userName: Self.impi, deregistrationReason: DeregistrationReason(reasonCode: .permanentTermination))
        try await c.send(rtr.encode(hopByHopID: 5, endToEndID: 5))
        let a = try #require(try await c.receive())
        #expect(a.first(.resultCode)?.unsigned32 == 3001)
        #expect(a.header.flags.contains(.error))
        await c.close()
        await r.server.shutdown()
    }

    @Test("Subscriptions spread over the shards by a stable hash")
    func sharding() {
        let ids = (0..<1000).map { "sub-\($0)" }
        let counts = Dictionary(grouping: ids) { SubscriberDirectory.shardIndex(of: $0, count: 8) }.mapValues(\.count)
        #expect(counts.count == 8)
        #expect(counts.values.allSatisfy { $0 > 80 && $0 < 170 })
        // Stable across processes and nodes: FNV-1a 64 of "alice" is 0x508b2abb65a03907 (computed with
        // Python), and 0x508b2abb65a03907 mod 8 = 7; Swift's seeded hashValue would differ per run.
        #expect(SubscriberDirectory.shardIndex(of: "alice", count: 8) == 7)
    }
}

extension CxEnvelope {
    static func decodeRequestEnvelope(_ m: DiameterMessage) throws -> CxEnvelope {
        switch m.commandCode {
        case CommandDefinition.registrationTermination.code: try RegistrationTerminationRequest(decoding: m).envelope
        default: try PushProfileRequest(decoding: m).envelope
        }
    }
}

@Suite("Supported-Features (TS 29.229 §7.2)", .serialized)
struct FeatureNegotiationTests {
    @Test("negotiate: the common features per list; a mandatory list with nothing in common → unsupported")
    func negotiate() {
        let sifcAndRestoration = SupportedFeatures(featureListID: 1, featureList: 0b0111)
        #expect(CxFeatures.negotiate([(sifcAndRestoration, false)]) == .answer([SupportedFeatures(featureListID: 1, featureList: 0b0101)]))
        #expect(CxFeatures.negotiate([(SupportedFeatures(featureListID: 1, featureList: 0b0010), true)]) == .unsupported)
        #expect(CxFeatures.negotiate([(SupportedFeatures(featureListID: 1, featureList: 0b0010), false)]) == .answer([SupportedFeatures(featureListID: 1, featureList: 0)]))
        #expect(CxFeatures.negotiate([(SupportedFeatures(featureListID: 2, featureList: 1), true)]) == .unsupported)
        #expect(CxFeatures.negotiate([]) == .answer([]))
    }

    static func supportedFeaturesAVP(list: UInt32, mandatory: Bool) -> AVP {
        AVP(code: 628, vendorID: 10415, flags: mandatory ? [.mandatory] : [], payload: .grouped([
            AVP(.vendorID, .data([0, 0, 0x28, 0xaf])),
            AVP(.featureListID, .data([0, 0, 0, 1])),
            AVP(.featureList, .data(withUnsafeBytes(of: list.bigEndian) { Array($0) })),
        ]))
    }

    @Test("over TCP: the UAA carries the common features; a required AliasInd-only list gets Exp 5011")
    func overTCP() async throws {
        let r = try await CxOverTCPTests.start()
        let icscf = try await CxOverTCPTests.client(r, CxOverTCPTests.icscf)
        var env = CxOverTCPTests.envelope(CxOverTCPTests.icscf)
        env.additionalAVPs = [Self.supportedFeaturesAVP(list: 0b0111, mandatory: false)]
        let uar = UserAuthorizationRequest(envelope: env, userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu, visitedNetworkIdentifier: Array(CxOverTCPTests.realm.utf8))
        let uaa = try await CxOverTCPTests.ask(icscf, uar, UserAuthorizationAnswer.self)
        #expect(uaa.envelope.result == .firstRegistration)
        #expect(uaa.envelope.supportedFeatures == [SupportedFeatures(featureListID: 1, featureList: 0b0101)])

        var env2 = CxOverTCPTests.envelope(CxOverTCPTests.icscf)
        env2.additionalAVPs = [Self.supportedFeaturesAVP(list: 0b0010, mandatory: true)]
        let uar2 = UserAuthorizationRequest(envelope: env2, userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu, visitedNetworkIdentifier: Array(CxOverTCPTests.realm.utf8))
        let refused = try await CxOverTCPTests.ask(icscf, uar2, UserAuthorizationAnswer.self)
        #expect(refused.envelope.result == .errorFeatureUnsupported)
        await icscf.close()
        await r.server.shutdown()
    }
}
