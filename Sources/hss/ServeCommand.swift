import ArgumentParser
import DiameterCore
import DiameterPeer
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import HSSMetrics
import Hummingbird
import ProvisioningAPI
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
            Without --data-dir, the subscribers of --subscribers (JSON, docs/data-model.md) are served from \
            memory and Cx state is lost on exit. With --data-dir, everything lives in LMDB (docs/storage.md): \
            every answer that reports a state change leaves after the change is durably committed; \
            --subscribers then imports the file when the store is empty. SIGTERM or SIGINT sends DPR to every \
            peer and exits when they answered.

            Examples:
              hss serve --subscribers docs/examples/subscribers.json
              hss serve --data-dir /var/lib/hss --subscribers docs/examples/subscribers.json
            """)

    @Option(help: "The subscriber file (JSON). Required without --data-dir; with it, imported into an empty store.")
    var subscribers: String?

    @OptionGroup var storage: StorageOptions

    @Option(help: "Our Diameter identity (Origin-Host).")
    var originHost = "hss.localdomain"

    @Option(help: "Our realm (Origin-Realm).")
    var originRealm = "localdomain"

    @Option(name: .customLong("listen"), help: "host:port to listen on (TCP); repeat for more. Default 127.0.0.1:3868.")
    var listen: [String] = []

    @Option(help: "Number of subscriber shards (actors). Default: 4 per core.")
    var shards: Int?

    @Option(help: "Event-loop threads for Diameter I/O. Default: one per core.")
    var ioThreads: Int?

    @Option(name: .customLong("home-network"), help: "A Visited-Network-Identifier of the home network; repeat for more. Default: the Origin-Realm.")
    var homeNetworks: [String] = []

    @Option(help: "Largest SIP-Number-Auth-Items honoured in one MAA.")
    var maxAuthItems = 5

    @Option(help: "This node's IND for SQN = SEQ || IND (TS 33.102 Annex C), 0-31; distinct per cluster node.")
    var sqnInd: UInt64 = 0

    @Option(help: "Serve the provisioning REST API (docs/api.md) on host:port, e.g. 127.0.0.1:8080. Needs --api-token.")
    var api: String?

    @Option(help: "A bearer token the REST API accepts; repeat for more. Also read from HSS_API_TOKENS (comma-separated).")
    var apiToken: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0..<32).contains(sqnInd) else { throw ValidationError("--sqn-ind must be 0-31") }
        guard maxAuthItems >= 1 else { throw ValidationError("--max-auth-items must be at least 1") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        if let ioThreads, ioThreads < 1 { throw ValidationError("--io-threads must be at least 1") }
        if subscribers == nil && storage.dataDir == nil { throw ValidationError("give --subscribers, --data-dir, or both") }
        for l in listen where Self.hostPort(l) == nil { throw ValidationError("--listen \(l): expected host:port") }
        if let api {
            guard Self.hostPort(api) != nil else { throw ValidationError("--api \(api): expected host:port") }
            guard !apiTokens.isEmpty else { throw ValidationError("--api needs at least one --api-token (or HSS_API_TOKENS)") }
        }
    }

    var apiTokens: Set<String> {
        let env = ProcessInfo.processInfo.environment["HSS_API_TOKENS"]?.split(separator: ",").map(String.init) ?? []
        return Set((apiToken + env).filter { !$0.isEmpty })
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
        let context = CxContext(
            originHost: originHost, originRealm: originRealm, homeNetworks: Set(homeNetworks), maximumAuthItems: maxAuthItems,
            sequenceNumbers: SequenceNumberScheme(ind: sqnInd))
        let shardCount = shards ?? 4 * System.coreCount
        let metrics = HSSMetrics()
        let store: any SubscriberStorage
        var lmdb: LMDBSubscriberStore?
        if storage.dataDir != nil {
            let opened: LMDBSubscriberStore
            do { opened = try storage.open(observer: { metrics.committed(batch: $0, duration: $1) }) } catch { throw ValidationError("storage: \(error)") }
            lmdb = opened
            if let subscribers {
                if opened.subscriptionCount == 0 {
                    let file = try Self.loadFile(subscribers)
                    let n = try opened.bulkLoad(file.subscriptions)
                    logger.info("imported the subscriber file into the empty store", metadata: ["subscriptions": "\(n)"])
                } else {
                    logger.notice("store not empty: --subscribers ignored (use hss db import)", metadata: ["file": "\(subscribers)"])
                }
            }
            logger.info(
                "LMDB store open",
                metadata: ["path": "\(opened.configuration.path)", "subscriptions": "\(opened.subscriptionCount)", "epoch": "\(opened.epoch)",
                           "sync": "\(opened.configuration.noSync ? "nosync (lab mode)" : "durable")"])
            store = opened
        } else {
            store = InMemorySubscriberStorage(try Self.loadFile(subscribers ?? "").subscriptions)
        }
        let directory = try SubscriberDirectory(shardCount: shardCount, context: context, storage: store)
        let application = CxApplication(directory: directory, context: context, logger: logger)
        let addresses = (listen.isEmpty ? ["127.0.0.1:3868"] : listen).compactMap(Self.hostPort)
        let local = LocalPeer(
            originHost: originHost, originRealm: originRealm,
            hostIPAddresses: addresses.compactMap { DiameterAddress($0.0) }.ifEmpty([DiameterAddress("127.0.0.1")!]),
            vendorID: VendorID.tgpp, originStateID: UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)))
        let configuration = DiameterServerConfiguration(local: local, listenAddresses: addresses.map { (host: $0.0, port: $0.1) })
        logger.info("HSS starting", metadata: ["shards": "\(shardCount)", "origin-host": "\(originHost)"])
        let group = ioThreads.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) } ?? MultiThreadedEventLoopGroup.singleton
        let service = HSSService(configuration: configuration, application: application, logger: logger, group: group, metrics: metrics)
        var all: [any Service] = [service]
        if let api, let (host, port) = Self.hostPort(api) {
            let provisioning = ProvisioningAPI(admin: application.admin, storage: store, tokens: apiTokens, metrics: metrics)
            all.append(Application(router: provisioning.router(), configuration: .init(address: .hostname(host, port: port)), logger: logger))
            logger.info("provisioning API", metadata: ["address": "\(api)"])
        }
        let services = ServiceGroup(
            configuration: .init(services: all, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        lmdb?.close()
    }

    static func loadFile(_ path: String) throws -> SubscriberFile {
        do { return try SubscriberFile.load(path: path) } catch { throw ValidationError("subscriber file: \(error.description)") }
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
    let group: MultiThreadedEventLoopGroup
    let metrics: HSSMetrics

    func run() async throws {
        let server = try await DiameterServer(configuration: configuration, application: application, metrics: metrics, logger: logger, group: group)
        application.attach(server)
        try? await gracefulShutdown()
        logger.info("HSS stopping: DPR to every peer")
        await server.shutdown(cause: .rebooting)
    }
}
