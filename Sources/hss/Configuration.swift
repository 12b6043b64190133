import ArgumentParser
import DiameterPeer
import HSSCore
import ProvisioningAPI
import Foundation
import Yams

/// The configuration file (YAML, docs/config.md). Every key is optional; what is absent falls back to the
/// environment, then to the built-in default. Flags on the command line win over all of them.
struct HSSConfiguration: Codable, Equatable {
    struct Diameter: Codable, Equatable {
        var originHost: String?
        var originRealm: String?
        var listen: [String]?
        var ioThreads: Int?
        /// `enforcing` (only the listed peers, each with its applications and commands) or `permissive`
        /// (any peer; for labs, logged as a warning). Default: enforcing when `peers` is given.
        var peerAuthorization: String?
        var peers: [PeerRuleSpec]?
        /// TLS-first listeners (RFC 6733 §13): certificate chain, key, the CA peers' certificates chain to.
        var tls: TLS?
        /// SCTP listeners (RFC 6733 §2.1; TS 29.272 §7.1.5 for S6a): local addresses (multi-homing) and a port.
        var sctp: SCTP?
        /// Connections held at most, in all (default 10,000) and per source address (default 256).
        var maxConnections: Int?
        var maxConnectionsPerSource: Int?
        /// Requests per second a peer may send on one connection unless its rule says otherwise
        /// (beyond: 3004); default none.
        var maxRequestsPerSecond: Double?
        /// Overload control (RFC 7683 DOIC, RFC 8583 load; docs/hardening.md).
        var overload: Overload?
    }
    struct Overload: Codable, Equatable {
        /// Default true.
        var enabled: Bool?
        /// Thresholds: the Diameter event loops' lag (ms, default 3), writes waiting for the LMDB writer
        /// (1,000), writes waiting for followers' acknowledgements (2,000), requests waiting in shards
        /// (2,000), and, only when set, CPU as a share of the usable CPUs.
        var loopLagMs: Double?
        var cpu: Double?
        var writerQueue: Int?
        var replication: Int?
        var shards: Int?
        /// Sample interval (default 250 ms) and OC-Validity-Duration (default 30 s).
        var intervalMs: Int?
        var validitySeconds: Int?
        /// The most the node asks for (percent, default 95).
        var maxReduction: Int?
        /// During an overload condition, requests that waited in their sockets behind an event-loop pass
        /// longer than this are refused with 3004 (ms, default twice loopLagMs: 6; 0: never).
        var shedAfterMs: Double?
    }
    struct TLS: Codable, Equatable {
        var certificate: String
        var key: String
        var ca: String
        var listen: [String]?
        var requireClientCertificate: Bool?
    }
    struct SCTP: Codable, Equatable {
        var addresses: [String]
        var port: Int?
    }
    struct Cx: Codable, Equatable {
        var homeNetworks: [String]?
        var maxAuthItems: Int?
        var sqnInd: UInt64?
        var shards: Int?
    }
    /// Sh (TS 29.328 §6.2): which AS may read, update and subscribe to what, and the limits.
    struct Sh: Codable, Equatable {
        var maxRepositoryDataBytes: Int?
        var maxSubscriptionSeconds: UInt64?
        var applicationServers: [ShApplicationServerSpec]?
    }
    struct Storage: Codable, Equatable {
        var dataDir: String?
        var mapSizeMiB: Int?
        var nosync: Bool?
        var sqnBlock: UInt64?
        var commitBatch: Int?
        var logRetentionRecords: Int?
        /// The key-encryption keys of K, OPc and HA1 at rest (docs/hardening.md).
        var keyFile: String?
    }
    struct API: Codable, Equatable {
        var listen: String?
        var tokens: [String]?
        /// PEM certificate chain and private key: the API speaks HTTPS when both are set.
        var tlsCertificate: String?
        var tlsKey: String?
        /// Named tokens with a scope (read, provision, admin); `tokens` have the admin scope.
        var accessTokens: [APIToken]?
        /// Requests per second per token (429 beyond); absent: no limit.
        var rateLimit: Int?
        /// Where the audit log of changes goes (JSON lines); absent: the process log.
        var auditLog: String?
    }
    /// docs/replication.md: this node's part in a cluster. Absent: a single node.
    struct Cluster: Codable, Equatable {
        var name: String?
        var node: String?
        /// Every node as id=host:port (its cluster link listener), this one included.
        var members: [String]?
        var ackLevel: String?
        var ackTimeoutMs: Int?
        /// How long a write waits for a leader during a failover before 3004.
        var leaderWaitMs: Int?
        var etcd: [String]?
        var leaseTTL: Int?
        /// How long a follower hears nothing from its leader before it closes the link (with etcd: before the
        /// followers, all silent, release the leader's key).
        var leaderSilenceMs: Int?
        var initialLeader: String?
        /// TLS on the cluster link: this node's certificate chain and key, and the cluster CA (all three).
        var tlsCertificate: String?
        var tlsKey: String?
        var tlsCA: String?
        /// TLS to etcd (https:// endpoints): the CA of etcd's certificates, and this node's client
        /// certificate and key when etcd asks for one.
        var etcdCA: String?
        var etcdCertificate: String?
        var etcdKey: String?
    }
    var diameter: Diameter?
    var cx: Cx?
    var sh: Sh?
    var cluster: Cluster?
    var storage: Storage?
    var api: API?
    var subscribers: String?
    var logLevel: String?

    static let keys: [String: Set<String>] = [
        "": ["diameter", "cx", "sh", "storage", "api", "subscribers", "logLevel", "cluster"],
        "sh": ["maxRepositoryDataBytes", "maxSubscriptionSeconds", "applicationServers"],
        "cluster": ["name", "node", "members", "ackLevel", "ackTimeoutMs", "leaderWaitMs", "etcd", "leaseTTL", "leaderSilenceMs", "initialLeader", "tlsCertificate", "tlsKey", "tlsCA", "etcdCA", "etcdCertificate", "etcdKey"],
        "diameter": ["originHost", "originRealm", "listen", "ioThreads", "peerAuthorization", "peers", "tls", "sctp", "maxConnections", "maxConnectionsPerSource",
                     "maxRequestsPerSecond", "overload"],
        "cx": ["homeNetworks", "maxAuthItems", "sqnInd", "shards"],
        "storage": ["dataDir", "mapSizeMiB", "nosync", "sqnBlock", "commitBatch", "logRetentionRecords", "keyFile"],
        "api": ["listen", "tokens", "tlsCertificate", "tlsKey", "accessTokens", "rateLimit", "auditLog"],
    ]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads and checks a file: unknown keys, wrong types and values out of range are named by their path.
    static func load(path: String) throws -> HSSConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw Invalid(description: "\(path): cannot read: \(error.localizedDescription)") }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> HSSConfiguration {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw Invalid(description: "\(source): not YAML: \(error)") }
        guard let root = (node ?? [String: Any]()) as? [String: Any] else { throw Invalid(description: "\(source): the top level must be a mapping") }
        for (key, value) in root {
            guard keys[""]!.contains(key) else { throw Invalid(description: "\(source): unknown key \(key) (known: \(keys[""]!.sorted().joined(separator: ", ")))") }
            if let allowed = keys[key] {
                guard let section = value as? [String: Any] else { throw Invalid(description: "\(source): \(key) must be a mapping") }
                for k in section.keys where !allowed.contains(k) {
                    throw Invalid(description: "\(source): unknown key \(key).\(k) (known: \(allowed.sorted().joined(separator: ", ")))")
                }
            }
        }
        if let overload = (root["diameter"] as? [String: Any])?["overload"] {
            guard let section = overload as? [String: Any] else { throw Invalid(description: "\(source): diameter.overload must be a mapping") }
            let allowed: Set<String> = ["enabled", "loopLagMs", "cpu", "writerQueue", "replication", "shards", "intervalMs", "validitySeconds", "maxReduction", "shedAfterMs"]
            for k in section.keys where !allowed.contains(k) {
                throw Invalid(description: "\(source): unknown key diameter.overload.\(k) (known: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        let c: HSSConfiguration
        do { c = try YAMLDecoder().decode(HSSConfiguration.self, from: text) } catch let DecodingError.typeMismatch(type, ctx) {
            throw Invalid(description: "\(source): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)")
        } catch {
            throw Invalid(description: "\(source): \(error)")
        }
        try c.check(source: source)
        return c
    }

    func check(source: String) throws {
        func fail(_ key: String, _ why: String) -> Invalid { Invalid(description: "\(source): \(key): \(why)") }
        for l in diameter?.listen ?? [] where ServeCommand.hostPort(l) == nil { throw fail("diameter.listen", "\(l) is not host:port") }
        if let t = diameter?.ioThreads, t < 1 { throw fail("diameter.ioThreads", "must be at least 1") }
        if let m = diameter?.peerAuthorization, !["enforcing", "permissive"].contains(m) { throw fail("diameter.peerAuthorization", "enforcing or permissive") }
        if diameter?.peerAuthorization == "enforcing", diameter?.peers == nil { throw fail("diameter.peers", "enforcing needs the list of peers") }
        if let t = diameter?.tls {
            for f in [t.certificate, t.key, t.ca] where !FileManager.default.isReadableFile(atPath: f) { throw fail("diameter.tls", "\(f) is not readable") }
            for l in t.listen ?? [] where ServeCommand.hostPort(l) == nil { throw fail("diameter.tls.listen", "\(l) is not host:port") }
        }
        if let m = diameter?.maxConnections, m < 1 { throw fail("diameter.maxConnections", "must be at least 1") }
        if let m = diameter?.maxConnectionsPerSource, m < 1 { throw fail("diameter.maxConnectionsPerSource", "must be at least 1") }
        if let r = diameter?.maxRequestsPerSecond, !(r > 0 && r.isFinite) { throw fail("diameter.maxRequestsPerSecond", "a positive number") }
        if let o = diameter?.overload {
            if let l = o.loopLagMs, !(l > 0 && l.isFinite) { throw fail("diameter.overload.loopLagMs", "a positive number of milliseconds") }
            if let c = o.cpu, !(c > 0 && c <= 1) { throw fail("diameter.overload.cpu", "a share of the CPUs, above 0 and at most 1") }
            for (key, v) in [("writerQueue", o.writerQueue), ("replication", o.replication), ("shards", o.shards), ("intervalMs", o.intervalMs)] {
                if let v, v < 1 { throw fail("diameter.overload.\(key)", "must be at least 1") }
            }
            if let v = o.validitySeconds, !(1...86_400).contains(v) { throw fail("diameter.overload.validitySeconds", "1-86400 (RFC 7683 §7.5)") }
            if let v = o.maxReduction, !(1...100).contains(v) { throw fail("diameter.overload.maxReduction", "1-100") }
            if let v = o.shedAfterMs, !(v >= 0 && v.isFinite) { throw fail("diameter.overload.shedAfterMs", "0 (never) or a positive number of milliseconds") }
        }
        if let c = diameter?.sctp {
            if c.addresses.isEmpty { throw fail("diameter.sctp.addresses", "at least one address") }
            if let p = c.port, !(1...65535).contains(p) { throw fail("diameter.sctp.port", "1-65535") }
        }
        for (i, p) in (diameter?.peers ?? []).enumerated() {
            do { _ = try p.rule() } catch { throw fail("diameter.peers[\(i)].\(error.field)", error.reason) }
        }
        if let n = cx?.maxAuthItems, n < 1 { throw fail("cx.maxAuthItems", "must be at least 1") }
        if let i = cx?.sqnInd, i > 31 { throw fail("cx.sqnInd", "must be 0-31") }
        if let s = cx?.shards, s < 1 { throw fail("cx.shards", "must be at least 1") }
        if let m = sh?.maxRepositoryDataBytes, m < 1 { throw fail("sh.maxRepositoryDataBytes", "must be at least 1") }
        if let m = sh?.maxSubscriptionSeconds, m < 1 { throw fail("sh.maxSubscriptionSeconds", "must be at least 1") }
        _ = try shPolicy(source: source)
        if let m = storage?.mapSizeMiB, m < 1 { throw fail("storage.mapSizeMiB", "must be at least 1") }
        if let b = storage?.sqnBlock, b < 1 { throw fail("storage.sqnBlock", "must be at least 1") }
        if let b = storage?.commitBatch, b < 1 { throw fail("storage.commitBatch", "must be at least 1") }
        if let r = storage?.logRetentionRecords, r < 1 { throw fail("storage.logRetentionRecords", "must be at least 1") }
        if let a = api?.listen, a != "off", ServeCommand.hostPort(a) == nil { throw fail("api.listen", "\(a) is not host:port") }
        for (i, t) in (api?.accessTokens ?? []).enumerated() where t.token.count < 16 || t.name.isEmpty {
            throw fail("api.accessTokens[\(i)]", "a name and a token of at least 16 characters")
        }
        if let r = api?.rateLimit, r < 1 { throw fail("api.rateLimit", "must be at least 1") }
        if (api?.tlsCertificate == nil) != (api?.tlsKey == nil) { throw fail("api.tlsCertificate", "needs api.tlsKey too (and the other way round)") }
        for f in [api?.tlsCertificate, api?.tlsKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: f) {
            throw fail("api.tls", "\(f) is not readable")
        }
        if let c = cluster {
            if c.node == nil { throw fail("cluster.node", "required in a cluster") }
            let members = c.members ?? []
            for m in members where Self.member(m) == nil { throw fail("cluster.members", "\(m) is not id=host:port") }
            if let node = c.node, !members.compactMap({ Self.member($0)?.0 }).contains(node) { throw fail("cluster.node", "\(node) is not among cluster.members") }
            if let l = c.ackLevel, !["async", "one", "all"].contains(l) { throw fail("cluster.ackLevel", "one of async, one, all") }
            if let t = c.ackTimeoutMs, t < 1 { throw fail("cluster.ackTimeoutMs", "must be at least 1") }
            if let t = c.leaderWaitMs, t < 0 { throw fail("cluster.leaderWaitMs", "must be 0 or more") }
            if let t = c.leaseTTL, t < 1 { throw fail("cluster.leaseTTL", "must be at least 1") }
            if let t = c.leaderSilenceMs, t < 100 { throw fail("cluster.leaderSilenceMs", "must be at least 100") }
            if c.etcd?.isEmpty ?? true, c.initialLeader == nil { throw fail("cluster.initialLeader", "without cluster.etcd, name the first leader") }
            let tls = [c.tlsCertificate, c.tlsKey, c.tlsCA]
            if tls.contains(where: { $0 != nil }) && tls.contains(where: { $0 == nil }) { throw fail("cluster.tls", "tlsCertificate, tlsKey and tlsCA go together") }
            for f in tls.compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: f) { throw fail("cluster.tls", "\(f) is not readable") }
            let secure = (c.etcd ?? []).filter { $0.lowercased().hasPrefix("https://") }
            if !secure.isEmpty, c.etcdCA == nil { throw fail("cluster.etcdCA", "https:// etcd endpoints need the CA of etcd's certificates") }
            if secure.count != (c.etcd ?? []).count, c.etcdCA != nil { throw fail("cluster.etcd", "with cluster.etcdCA every endpoint is https://") }
            if (c.etcdCertificate == nil) != (c.etcdKey == nil) { throw fail("cluster.etcdCertificate", "needs cluster.etcdKey too (and the other way round)") }
            for f in [c.etcdCA, c.etcdCertificate, c.etcdKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: f) {
                throw fail("cluster.etcdCA", "\(f) is not readable")
            }
        }
        if let level = logLevel, Logger_levels.firstIndex(of: level) == nil { throw fail("logLevel", "one of \(Logger_levels.joined(separator: ", "))") }
    }
}

extension HSSConfiguration {
    /// "id=host:port" → (id, host:port).
    static func member(_ text: String) -> (String, String)? {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, ServeCommand.hostPort(parts[1]) != nil else { return nil }
        return (parts[0], parts[1])
    }
}

let Logger_levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

/// `hss config check FILE`: validates a configuration file and prints the effective settings.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the configuration file (docs/config.md).", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file; print it back as the HSS reads it.")
        @Argument(help: "The YAML file.") var file: String

        func run() throws {
            let c: HSSConfiguration
            do { c = try HSSConfiguration.load(path: file) } catch { throw ValidationError("\(error)") }
            print(try YAMLEncoder().encode(c), terminator: "")
            print("# \(file): OK")
        }
    }
}

extension HSSConfiguration {
    /// The Sh policy this file asks for (none: no AS may use Sh).
    func shPolicy(source: String = "configuration") throws -> ShPolicy {
        var servers: [ShApplicationServer] = []
        for (i, spec) in (sh?.applicationServers ?? []).enumerated() {
            do { servers.append(try spec.resolved()) } catch { throw Invalid(description: "\(source): sh.applicationServers[\(i)].\(error.field): \(error.reason)") }
        }
        return ShPolicy(
            applicationServers: servers, maxRepositoryDataBytes: sh?.maxRepositoryDataBytes ?? ShPolicy.defaultMaxRepositoryDataBytes,
            maxSubscriptionSeconds: sh?.maxSubscriptionSeconds)
    }
}

extension HSSConfiguration.Diameter {
    /// The peer authorisation this section asks for (``PeerAuthorization``).
    var authorization: PeerAuthorization {
        get throws {
            guard peerAuthorization != "permissive", let peers else { return .permissive }
            return PeerAuthorization(rules: try peers.map { try $0.rule() })
        }
    }
}
