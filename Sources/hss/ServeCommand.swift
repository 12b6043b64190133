import ArgumentParser
import DiameterCore
import DiameterPeer
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import HSSCluster
import HSSMetrics
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
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
        abstract: "Serve Diameter Cx (UAR, SAR, LIR, MAR; RTR/PPR to the S-CSCF), and the provisioning API.",
        discussion: """
            Settings come from flags, then environment variables, then the configuration file (--config or \
            HSS_CONFIG; docs/config.md), then built-in defaults. With no settings at all, `hss serve` runs a \
            single node with LMDB under ./data, Diameter on 127.0.0.1:3868 and the API on 127.0.0.1:8080 (with \
            a token generated into ./data/api-token).

            With a data directory everything lives in LMDB (docs/storage.md): every answer that reports a \
            state change leaves after the change is durably committed; --subscribers then imports a JSON \
            subscriber file into an empty store. With --in-memory the subscriber file is served from memory and \
            Cx state is lost on exit. SIGTERM or SIGINT sends DPR to every peer, drains and flushes the writer, \
            and exits 0.

            Examples:
              hss serve
              hss serve --config /etc/hss/hss.yaml
              hss serve --data-dir /var/lib/hss --subscribers docs/examples/subscribers.json --api 127.0.0.1:8080 --api-token T
              hss serve --subscribers docs/examples/subscribers.json
              hss serve --in-memory --subscribers docs/examples/subscribers.json
            """)

    @Option(help: "The YAML configuration file (docs/config.md). Default: $HSS_CONFIG.")
    var config: String?

    @Option(help: "The subscriber file (JSON): imported into an empty store, or served with --in-memory.")
    var subscribers: String?

    @Flag(help: "Serve --subscribers from memory (no LMDB; Cx state is lost on exit).")
    var inMemory = false

    /// Overload control's defaults (docs/hardening.md "Overload"; measured in docs/benchmarks.md "Stale
    /// requests shed"): the event loops' lag over which the node asks for less traffic, and the pass after
    /// which the requests read next are refused as stale, as a multiple of that lag (a node configured to
    /// tolerate more lag, such as the test cluster's at 25 ms, sheds only past twice that). With stale
    /// requests shed at 6 ms, which bounds the
    /// admitted requests' tail (p99 6.4-8.8 ms at twice the capacity in the runs and phases measured, but
    /// for one at 10.6 ms and those while the host ran at half speed), the lag
    /// threshold went from 2 ms to 3 ms: the node runs hotter (DOIC clients got 90.8% of the closed-loop
    /// capacity on average over seven short runs at 3 ms shedding after 6 ms, against 84.5% over nine at 2 ms
    /// shedding after 8 ms).
    static let defaultLoopLagMs = 3.0
    static let shedAfterLoopLags = 2.0

    @Flag(help: "No overload control (DOIC reports, throttling under load; diameter.overload.enabled: false): for capacity benchmarks, which saturate the CPU on purpose.")
    var noOverloadControl = false

    @OptionGroup var storage: StorageOptions

    @Option(help: "Our Diameter identity (Origin-Host). Default: $HSS_ORIGIN_HOST or hss.localdomain.")
    var originHost: String?

    @Option(help: "Our realm (Origin-Realm). Default: $HSS_ORIGIN_REALM or localdomain.")
    var originRealm: String?

    @Option(name: .customLong("listen"), help: "host:port to listen on (TCP); repeat for more. Default 127.0.0.1:3868.")
    var listen: [String] = []

    @Option(help: "Number of subscriber shards (actors). Default: 4 per core.")
    var shards: Int?

    @Option(help: "Event-loop threads for Diameter I/O. Default: one per core.")
    var ioThreads: Int?

    @Option(name: .customLong("home-network"), help: "A Visited-Network-Identifier of the home network; repeat for more. Default: the Origin-Realm.")
    var homeNetworks: [String] = []

    @Option(help: "Largest SIP-Number-Auth-Items honoured in one MAA. Default 5.")
    var maxAuthItems: Int?

    @Option(help: "This node's IND for SQN = SEQ || IND (TS 33.102 Annex C), 0-31; distinct per cluster node. Default 0.")
    var sqnInd: UInt64?

    @Option(help: "Serve the provisioning REST API (docs/api.md) on host:port. Default 127.0.0.1:8080 when nothing else is set; 'off' to disable.")
    var api: String?

    @Option(help: "A bearer token the REST API accepts; repeat for more. Also read from HSS_API_TOKENS (comma-separated).")
    var apiToken: [String] = []

    @Option(help: "PEM certificate chain for the API (HTTPS with --api-tls-key).")
    var apiTLSCert: String?

    @Option(help: "PEM private key for the API.")
    var apiTLSKey: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: $HSS_LOG_LEVEL or info.")
    var logLevel: String?

    @Option(help: "Cluster: this node's id (docs/replication.md). Needs --data-dir and --cluster-member for every node.")
    var clusterNode: String?

    @Option(help: "Cluster: a node as id=host:port (its cluster link); repeat for every node, this one included.")
    var clusterMember: [String] = []

    @Option(help: "Cluster: its name (nodes of another cluster are refused). Default hss.")
    var clusterName: String?

    @Option(help: "Cluster: async, one or all followers durable before a write is answered. Default: one with 3+ nodes, else async.")
    var ackLevel: String?

    @Option(help: "Cluster: an etcd endpoint (http://host:port) for automatic failover; repeat for more.")
    var etcd: [String] = []

    @Option(help: "Cluster: the CA of etcd's certificates, for https:// etcd endpoints (cluster.etcdCA).")
    var etcdCA: String?

    @Option(help: "Cluster: this node's client certificate (PEM) for etcd (cluster.etcdCertificate; with --etcd-key).")
    var etcdCert: String?

    @Option(help: "Cluster: the key of --etcd-cert (cluster.etcdKey).")
    var etcdKey: String?

    @Option(help: "Cluster without etcd: the node that leads a new cluster.")
    var initialLeader: String?

    static func hostPort(_ text: String) -> (String, Int)? { ClusterConfiguration.hostPort(text) }

    /// The effective settings: flags, then environment, then the file, then defaults.
    struct Settings {
        var originHost: String
        var originRealm: String
        var listen: [String]
        var ioThreads: Int?
        var homeNetworks: [String]
        var maxAuthItems: Int
        var sqnInd: UInt64
        var shards: Int
        var dataDir: String?
        var mapSizeMiB: Int
        var nosync: Bool
        var sqnBlock: UInt64
        var commitBatch: Int
        var logRetention: Int
        var subscribers: String?
        var api: String?
        var apiTokens: Set<String>
        var apiTLSCertificate: String?
        var apiTLSKey: String?
        var logLevel: String
        var cluster: HSSConfiguration.Cluster?
        /// The file's `diameter.peerAuthorization` and `diameter.peers` (docs/hardening.md).
        var authorization: PeerAuthorization = .permissive
        var shPolicy = ShPolicy()
        /// The file's `diameter.tls` and `diameter.sctp` listeners.
        var tls: HSSConfiguration.TLS?
        var sctp: HSSConfiguration.SCTP?
        var maxConnections: Int?
        var maxConnectionsPerSource: Int?
        var maxRequestsPerSecond: Double?
        var overload: HSSConfiguration.Overload?
        /// Where the key ring was read from (reloaded by POST /api/v1/keys/rekey), and the ring.
        var keyFile: String?
        var keyRing: KeyRing?
        var apiAccessTokens: [APIToken] = []
        var apiRateLimit: Int?
        var apiAuditLog: String?
    }

    func settings() throws -> Settings {
        let env = ProcessInfo.processInfo.environment
        let file: HSSConfiguration
        if let path = config ?? env["HSS_CONFIG"] {
            do { file = try HSSConfiguration.load(path: path) } catch { throw ValidationError("\(error)") }
        } else {
            file = HSSConfiguration()
        }
        let envTokens = env["HSS_API_TOKENS"]?.split(separator: ",").map(String.init) ?? []
        let dataDir = inMemory ? nil : (storage.dataDir ?? env["HSS_DATA_DIR"] ?? file.storage?.dataDir)
        let embedded = config == nil && env["HSS_CONFIG"] == nil && dataDir == nil && !inMemory
        var s = Settings(
            originHost: originHost ?? env["HSS_ORIGIN_HOST"] ?? file.diameter?.originHost ?? "hss.localdomain",
            originRealm: originRealm ?? env["HSS_ORIGIN_REALM"] ?? file.diameter?.originRealm ?? "localdomain",
            listen: !listen.isEmpty ? listen : (file.diameter?.listen ?? ["127.0.0.1:3868"]),
            ioThreads: ioThreads ?? file.diameter?.ioThreads,
            homeNetworks: !homeNetworks.isEmpty ? homeNetworks : (file.cx?.homeNetworks ?? []),
            maxAuthItems: maxAuthItems ?? file.cx?.maxAuthItems ?? 5,
            sqnInd: sqnInd ?? file.cx?.sqnInd ?? 0,
            shards: shards ?? file.cx?.shards ?? 4 * System.coreCount,
            dataDir: embedded ? "./data" : dataDir,
            mapSizeMiB: storage.mapSize ?? file.storage?.mapSizeMiB ?? 4096,
            nosync: storage.nosync || (file.storage?.nosync ?? false),
            sqnBlock: storage.sqnBlock ?? file.storage?.sqnBlock ?? 1000,
            commitBatch: storage.commitBatch ?? file.storage?.commitBatch ?? 1000,
            logRetention: storage.logRetention ?? file.storage?.logRetentionRecords ?? 1_000_000,
            subscribers: subscribers ?? file.subscribers,
            api: api ?? file.api?.listen ?? (embedded ? "127.0.0.1:8080" : nil),
            apiTokens: Set((apiToken + envTokens + (file.api?.tokens ?? [])).filter { !$0.isEmpty }),
            apiTLSCertificate: apiTLSCert ?? file.api?.tlsCertificate, apiTLSKey: apiTLSKey ?? file.api?.tlsKey,
            logLevel: logLevel ?? env["HSS_LOG_LEVEL"] ?? file.logLevel ?? "info", cluster: file.cluster)
        if s.api == "off" { s.api = nil }
        do { s.authorization = try file.diameter?.authorization ?? .permissive } catch { throw ValidationError("\(error)") }
        do { s.shPolicy = try file.shPolicy() } catch { throw ValidationError("\(error)") }
        s.tls = file.diameter?.tls
        s.sctp = file.diameter?.sctp
        s.keyFile = storage.keyFile ?? file.storage?.keyFile ?? ProcessInfo.processInfo.environment["HSS_KEK_FILE"]
        s.keyRing = try storage.keyRing(configured: file.storage?.keyFile)
        s.maxConnections = file.diameter?.maxConnections
        s.maxConnectionsPerSource = file.diameter?.maxConnectionsPerSource
        s.maxRequestsPerSecond = file.diameter?.maxRequestsPerSecond
        s.overload = file.diameter?.overload
        s.apiAccessTokens = file.api?.accessTokens ?? []
        s.apiRateLimit = file.api?.rateLimit
        s.apiAuditLog = file.api?.auditLog
        if clusterNode != nil || s.cluster != nil {
            var c = s.cluster ?? HSSConfiguration.Cluster()
            c.node = clusterNode ?? c.node
            c.members = clusterMember.isEmpty ? c.members : clusterMember
            c.name = clusterName ?? c.name
            c.ackLevel = ackLevel ?? c.ackLevel
            c.etcd = etcd.isEmpty ? c.etcd : etcd
            c.etcdCA = etcdCA ?? c.etcdCA
            c.etcdCertificate = etcdCert ?? c.etcdCertificate
            c.etcdKey = etcdKey ?? c.etcdKey
            c.initialLeader = initialLeader ?? c.initialLeader
            s.cluster = c
            if s.dataDir == nil { throw ValidationError("a cluster node needs --data-dir") }
        }
        // The same checks as the file's, on the merged values.
        let merged = HSSConfiguration(
            diameter: .init(originHost: s.originHost, originRealm: s.originRealm, listen: s.listen, ioThreads: s.ioThreads),
            cx: .init(homeNetworks: s.homeNetworks, maxAuthItems: s.maxAuthItems, sqnInd: s.sqnInd, shards: s.shards), cluster: s.cluster,
            storage: .init(dataDir: s.dataDir, mapSizeMiB: s.mapSizeMiB, nosync: s.nosync, sqnBlock: s.sqnBlock, commitBatch: s.commitBatch,
                           logRetentionRecords: s.logRetention),
            api: .init(listen: s.api, tokens: nil, tlsCertificate: s.apiTLSCertificate, tlsKey: s.apiTLSKey), subscribers: s.subscribers, logLevel: s.logLevel)
        do { try merged.check(source: "settings") } catch { throw ValidationError("\(error)") }
        if s.dataDir == nil && s.subscribers == nil { throw ValidationError("--in-memory needs --subscribers") }
        return s
    }

    func run() async throws {
        var s = try settings()
        let level = Logger.Level(rawValue: s.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "hss")
        var context = HSSContext(
            originHost: s.originHost, originRealm: s.originRealm, homeNetworks: Set(s.homeNetworks), maximumAuthItems: s.maxAuthItems,
            sequenceNumbers: SequenceNumberScheme(ind: s.sqnInd))
        context.wallClock = { UInt64(max(0, Date().timeIntervalSince1970)) }
        let metrics = HSSMetrics()
        let store: any SubscriberStorage
        var lmdb: LMDBSubscriberStore?
        var cluster: ClusterNode?
        if let dataDir = s.dataDir {
            var c = LMDBConfiguration(
                path: dataDir, mapSize: s.mapSizeMiB << 20, noSync: s.nosync, maxBatch: s.commitBatch, logRetentionRecords: s.logRetention, sqnBlock: s.sqnBlock)
            c.commitObserver = { metrics.committed(batch: $0, duration: $1) }
            c.keyRing = s.keyRing
            let opened: LMDBSubscriberStore
            if let cc = s.cluster {
                let members = (cc.members ?? []).compactMap(HSSConfiguration.member).map { ClusterConfiguration.Member(id: $0.0, address: $0.1) }
                let configuration = ClusterConfiguration(
                    name: cc.name ?? "hss", node: cc.node ?? "", members: members, ackLevel: cc.ackLevel.flatMap(AckLevel.init(rawValue:)),
                    ackTimeout: .milliseconds(cc.ackTimeoutMs ?? 2000), leaderWait: .milliseconds(cc.leaderWaitMs ?? 2000), etcd: cc.etcd ?? [], leaseTTL: cc.leaseTTL ?? 2, initialLeader: cc.initialLeader,
                    tls: cc.tlsCertificate.map { ClusterTLS(certificateChainPath: $0, privateKeyPath: cc.tlsKey ?? "", trustRootsPath: cc.tlsCA ?? "") },
                    etcdTLS: cc.etcdCA.map { EtcdTLS(trustRootsPath: $0, certificateChainPath: cc.etcdCertificate, privateKeyPath: cc.etcdKey) },
                    leaderSilence: .milliseconds(cc.leaderSilenceMs ?? 600))
                do { cluster = try ClusterNode(configuration: configuration, dataDirectory: dataDir, store: c, logger: logger) } catch {
                    throw ValidationError("storage: \(error)")
                }
                opened = cluster!.store
            } else {
                do { opened = try LMDBSubscriberStore(c) } catch { throw ValidationError("storage: \(error)") }
                lmdb = opened
            }
            if let subscribers = s.subscribers {
                if opened.subscriptionCount == 0 {
                    let n = try opened.bulkLoad(try Self.loadFile(subscribers).subscriptions)
                    logger.info("imported the subscriber file into the empty store", metadata: ["subscriptions": "\(n)"])
                } else {
                    logger.notice("store not empty: --subscribers ignored (use hss subscriber import)", metadata: ["file": "\(subscribers)"])
                }
            }
            logger.info(
                "LMDB store open",
                metadata: ["path": "\(dataDir)", "subscriptions": "\(opened.subscriptionCount)", "epoch": "\(opened.epoch)",
                           "sync": "\(s.nosync ? "nosync (lab mode)" : "durable")"])
            store = cluster?.storage ?? opened
            if s.api != nil && s.apiTokens.isEmpty && s.apiAccessTokens.isEmpty {
                // No token configured: one generated into the data directory (0600), its path logged.
                s.apiTokens = [try Self.generatedToken(in: dataDir)]
                logger.notice("API token generated", metadata: ["file": "\(dataDir)/api-token"])
            }
        } else {
            store = InMemorySubscriberStorage(try Self.loadFile(s.subscribers ?? "").subscriptions)
        }
        if s.api != nil && s.apiTokens.isEmpty && s.apiAccessTokens.isEmpty {
            throw ValidationError("the API needs a token: --api-token, HSS_API_TOKENS, api.tokens or api.accessTokens")
        }
        let group = s.ioThreads.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) } ?? MultiThreadedEventLoopGroup.singleton
        // The shards run on the Diameter server's event loops: a request for a shard on its connection's
        // loop is answered in place (docs/architecture.md, "The request path").
        let directory = try SubscriberDirectory(shardCount: s.shards, context: context, storage: store, eventLoops: group)
        cluster?.attach(directory)
        let application = HSSApplication(directory: directory, context: context, logger: logger, shPolicy: s.shPolicy)
        let addresses = s.listen.compactMap(Self.hostPort)
        let local = LocalPeer(
            originHost: s.originHost, originRealm: s.originRealm,
            hostIPAddresses: addresses.compactMap { DiameterAddress($0.0) }.ifEmpty([DiameterAddress("127.0.0.1")!]),
            vendorID: VendorID.tgpp, originStateID: UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)),
            applications: [.cx, .s6a, .sh])
        var configuration = DiameterServerConfiguration(local: local, listenAddresses: addresses.map { (host: $0.0, port: $0.1) })
        configuration.authorization = s.authorization
        if let t = s.tls {
            configuration.tls = DiameterTLSConfiguration(
                certificateChainPath: t.certificate, privateKeyPath: t.key, trustRootsPath: t.ca, requireClientCertificate: t.requireClientCertificate ?? true,
                listenAddresses: (t.listen ?? ["127.0.0.1:5868"]).compactMap(Self.hostPort).map { (host: $0.0, port: $0.1) })
        }
        if let m = s.maxConnections { configuration.maximumConnections = m }
        if let m = s.maxConnectionsPerSource { configuration.maximumConnectionsPerSource = m }
        if let c = s.sctp { configuration.sctpListeners = [SCTPListener(addresses: c.addresses, port: c.port ?? 3868)] }
        let overloadControl = !noOverloadControl && (s.overload?.enabled ?? true)
        if overloadControl || s.maxRequestsPerSecond != nil {
            // Stale requests are shed only by overload control (docs/hardening.md "Overload").
            let shedMs = overloadControl ? s.overload?.shedAfterMs ?? Self.shedAfterLoopLags * (s.overload?.loopLagMs ?? Self.defaultLoopLagMs) : 0
            configuration.overload = OverloadGate(
                originHost: s.originHost, defaultPeerRate: s.maxRequestsPerSecond, shedAfter: shedMs > 0 ? .nanoseconds(Int64(shedMs * 1_000_000)) : nil)
        }
        logger.info("HSS starting", metadata: ["shards": "\(s.shards)", "origin-host": "\(s.originHost)"])
        if s.authorization.isPermissive {
            logger.warning(
                "PEER AUTHORISATION IS PERMISSIVE: any peer that completes a capabilities exchange may ask for authentication vectors and change serving nodes; list the peers in diameter.peers for a production network (docs/hardening.md)")
        } else {
            logger.notice("peer authorisation enforcing", metadata: ["peers": "\(s.authorization.rules?.count ?? 0)"])
        }
        let service = HSSService(configuration: configuration, application: application, logger: logger, group: group, metrics: metrics)
        var all: [any Service] = [service]
        if let cluster { all.append(ClusterService(node: cluster, metrics: metrics, logger: logger)) }
        if overloadControl, let gate = configuration.overload {
            let o = s.overload
            // The sample interval; also the least time between two cuts (a cut takes about that to reach the traffic).
            let interval = Duration.milliseconds(o?.intervalMs ?? 250)
            all.append(
                OverloadService(
                    gate: gate,
                    thresholds: .init(
                        loopLag: .microseconds(Int((o?.loopLagMs ?? Self.defaultLoopLagMs) * 1000)), cpu: o?.cpu, writerQueue: o?.writerQueue ?? 1000, replication: o?.replication ?? 2000, shards: o?.shards ?? 2000,
                        interval: interval),
                    configuration: .init(validity: UInt32(o?.validitySeconds ?? 30), maxReduction: UInt32(o?.maxReduction ?? 95), cutSpacing: interval),
                    loops: Array(group.makeIterator()), admin: application.admin, store: lmdb, cluster: cluster, metrics: metrics, logger: logger))
            logger.info("overload control (DOIC reporting node)", metadata: ["event loop lag": "\(o?.loopLagMs ?? Self.defaultLoopLagMs) ms", "shed after": "\(gate.shedAfter.map { "\(Double($0.nanoseconds) / 1e6) ms" } ?? "never")", "peer rate": "\(s.maxRequestsPerSecond.map { "\($0)/s" } ?? "unlimited")"])
        }
        if let api = s.api, let (host, port) = Self.hostPort(api) {
            let audit = try s.apiAuditLog.map { try AuditLog(path: $0) } ?? AuditLog()
            let rekey = lmdb.map { Self.rekeyAction(store: $0, cluster: cluster, keyFile: s.keyFile, logger: logger) }
            let provisioning = ProvisioningAPI(
                admin: application.admin, storage: store, tokens: s.apiTokens, scoped: s.apiAccessTokens, metrics: metrics, rateLimit: s.apiRateLimit,
                audit: audit, rekey: rekey, cluster: cluster.map(Self.clusterView))
            let server: HTTPServerBuilder
            if let cert = s.apiTLSCertificate, let key = s.apiTLSKey {
                let tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
                server = try .tls(.http1(), tlsConfiguration: tls)
            } else {
                server = .http1()
            }
            all.append(Application(router: provisioning.router(), server: server, configuration: .init(address: .hostname(host, port: port)), logger: logger))
            logger.info("provisioning API", metadata: ["address": "\(api)", "tls": "\(s.apiTLSCertificate != nil)"])
        }
        let services = ServiceGroup(
            configuration: .init(services: all, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        lmdb?.close()
    }

    /// POST /api/v1/keys/rekey: reads the key ring again and, unless this node follows a cluster's leader,
    /// seals every record under another key anew (docs/hardening.md).
    static func rekeyAction(store opened: LMDBSubscriberStore, cluster: ClusterNode?, keyFile: String?, logger: Logger) -> @Sendable () async throws -> RekeyResult {
        {
            let env = ProcessInfo.processInfo.environment
            let ring: KeyRing
            if let keyFile {
                ring = try KeyRing.load(path: keyFile)
            } else if let text = env["HSS_KEK"] {
                ring = try KeyRing.parse(text, source: "HSS_KEK")
            } else {
                throw KeyRing.Invalid(description: "no key file (storage.keyFile, --key-file, HSS_KEK_FILE) or HSS_KEK")
            }
            let store = cluster?.store ?? opened
            store.setKeyRing(ring)
            var leads = true
            if let cluster, case .leader = cluster.role {} else if cluster != nil { leads = false }
            guard leads else { return RekeyResult(keyID: Int(ring.current), resealed: 0, subscriptions: 0, note: "follower: key ring reloaded; the leader seals anew") }
            let report = try await store.reseal()
            logger.notice("keys at rest sealed anew", metadata: ["key": "\(ring.current)", "resealed": "\(report.resealed)"])
            return RekeyResult(keyID: report.keyID.map(Int.init), resealed: report.resealed, subscriptions: report.subscriptions)
        }
    }

    /// The token in `dir/api-token`, created (random, 0600) when absent.
    static func generatedToken(in dir: String) throws -> String {
        let path = dir + "/api-token"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return existing
        }
        var rng = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(rng.next(), radix: 16) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write the generated API token to \(path)")
        }
        return token
    }

    /// GET /api/v1/cluster: every member as it answers now; lag against the highest leader position seen.
    static func clusterView(_ node: ClusterNode) -> @Sendable () async -> ClusterView {
        { [node] in
            let rows = await node.memberStatuses()
            let leaderLast = rows.compactMap(\.status).filter { $0.role == "leader" }.map(\.last).max()
            return ClusterView(node: node.status().node, members: rows.map { id, address, s in
                guard let s else { return ClusterView.Member(node: id, address: address, reachable: false) }
                let top = leaderLast ?? s.leaderLast
                return ClusterView.Member(
                    node: id, address: address, reachable: true, role: s.role, epoch: s.epoch, last: s.last,
                    lag: s.role == "leader" ? 0 : top > s.last ? top - s.last : 0, leader: s.leader)
            })
        }
    }

    static func loadFile(_ path: String) throws -> SubscriberFile {
        do { return try SubscriberFile.load(path: path) } catch { throw ValidationError("subscriber file: \(error.description)") }
    }
}

extension Array {
    func ifEmpty(_ other: [Element]) -> [Element] { isEmpty ? other : self }
}

/// The cluster link and leadership as a service: on shutdown the node gives up its lease (another node
/// takes over at once) and closes its store. Stopping is not an error (the process exits 0 on SIGTERM);
/// the node failing on its own (its link port cannot be bound, say) is logged and ends the HSS, since a
/// node outside its cluster must not go on answering as if it were in it.
struct ClusterService: Service {
    let node: ClusterNode
    let metrics: HSSMetrics
    let logger: Logger

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    let st = node.status()
                    metrics.setReplication(role: st.role, epoch: st.epoch, last: st.last, lag: st.lag, followers: st.followers)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.addTask {
                // Returns on SIGTERM/SIGINT, or when the node failed and the group was cancelled.
                try? await gracefulShutdown()
                await node.shutdown()
            }
            do {
                try await node.run()
            } catch where node.isStopped || error is CancellationError {
                // Stopping: the link's tasks end with cancellation or closed-channel errors.
            } catch {
                logger.critical("cluster node failed: the HSS stops", metadata: ["error": "\(error)"])
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }
}
/// The Diameter server as a service: runs until graceful shutdown, then DPR to every peer (RFC 6733 §5.4).
struct HSSService: Service {
    let configuration: DiameterServerConfiguration
    let application: HSSApplication
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
