import ArgumentParser
import DiameterCore
import DiameterPeer
import Foundation
import HSSCore
import HSSServer
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `hss serve`: the HSS on Diameter Cx.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Diameter Cx (UAR, SAR, LIR, MAR; RTR/PPR to the S-CSCF) for the subscribers of a file.",
        discussion: """
            The subscriber file is JSON (docs/data-model.md). State the Cx procedures change (S-CSCF \
            assignment, registration state, SQN) is kept in memory in this release. SIGTERM or SIGINT sends \
            DPR to every peer and exits when they answered.

            Example:
              hss serve --subscribers docs/examples/subscribers.json --origin-host hss.localdomain --origin-realm localdomain
            """)

    @Option(help: "The subscriber file (JSON).")
    var subscribers: String

    @Option(help: "Our Diameter identity (Origin-Host).")
    var originHost = "hss.localdomain"

    @Option(help: "Our realm (Origin-Realm).")
    var originRealm = "localdomain"

    @Option(name: .customLong("listen"), help: "host:port to listen on (TCP); repeat for more. Default 127.0.0.1:3868.")
    var listen: [String] = []

    @Option(help: "Number of subscriber shards (actors). Default: 4 per core.")
    var shards: Int?

    @Option(name: .customLong("home-network"), help: "A Visited-Network-Identifier of the home network; repeat for more. Default: the Origin-Realm.")
    var homeNetworks: [String] = []

    @Option(help: "Largest SIP-Number-Auth-Items honoured in one MAA.")
    var maxAuthItems = 5

    @Option(help: "This node's IND for SQN = SEQ || IND (TS 33.102 Annex C), 0-31; distinct per cluster node.")
    var sqnInd: UInt64 = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0..<32).contains(sqnInd) else { throw ValidationError("--sqn-ind must be 0-31") }
        guard maxAuthItems >= 1 else { throw ValidationError("--max-auth-items must be at least 1") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        for l in listen where Self.hostPort(l) == nil { throw ValidationError("--listen \(l): expected host:port") }
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "hss")
        let file: SubscriberFile
        do { file = try SubscriberFile.load(path: subscribers) } catch {
            throw ValidationError("subscriber file: \(error.description)")
        }
        let context = CxContext(
            originHost: originHost, originRealm: originRealm, homeNetworks: Set(homeNetworks), maximumAuthItems: maxAuthItems,
            sequenceNumbers: SequenceNumberScheme(ind: sqnInd))
        let shardCount = shards ?? 4 * System.coreCount
        let storage = InMemorySubscriberStorage(file.subscriptions)
        let directory = try SubscriberDirectory(subscriptions: try storage.loadAll(), shardCount: shardCount, context: context, storage: storage)
        let application = CxApplication(directory: directory, context: context, logger: logger)
        let addresses = (listen.isEmpty ? ["127.0.0.1:3868"] : listen).compactMap(Self.hostPort)
        let local = LocalPeer(
            originHost: originHost, originRealm: originRealm,
            hostIPAddresses: addresses.compactMap { DiameterAddress($0.0) }.ifEmpty([DiameterAddress("127.0.0.1")!]),
            vendorID: VendorID.tgpp, originStateID: UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)))
        let configuration = DiameterServerConfiguration(local: local, listenAddresses: addresses.map { (host: $0.0, port: $0.1) })
        logger.info(
            "HSS starting",
            metadata: ["subscriptions": "\(file.subscriptions.count)", "shards": "\(shardCount)", "origin-host": "\(originHost)"])
        let service = HSSService(configuration: configuration, application: application, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension Array {
    func ifEmpty(_ other: [Element]) -> [Element] { isEmpty ? other : self }
}

/// The Diameter server as a service: runs until graceful shutdown, then DPR to every peer (RFC 6733 §5.4).
struct HSSService: Service {
    let configuration: DiameterServerConfiguration
    let application: CxApplication
    let logger: Logger

    func run() async throws {
        let server = try await DiameterServer(configuration: configuration, application: application, logger: logger)
        application.attach(server)
        try? await gracefulShutdown()
        logger.info("HSS stopping: DPR to every peer")
        await server.shutdown(cause: .rebooting)
    }
}
