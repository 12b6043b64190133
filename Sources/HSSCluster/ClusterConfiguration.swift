public import NIOSSL

/// TLS on the cluster link (docs/replication.md): every node presents a certificate of the cluster's CA
/// and accepts only peers whose certificate chains to it (mutual authentication; TLS 1.2 or later).
public struct ClusterTLS: Sendable {
    public var certificateChainPath: String
    public var privateKeyPath: String
    public var trustRootsPath: String
    public init(certificateChainPath: String, privateKeyPath: String, trustRootsPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
    }

    /// (server side, client side).
    public func contexts() throws -> ClusterTLSContexts {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem))
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain
        client.privateKey = key
        server.trustRoots = .file(trustRootsPath)
        client.trustRoots = .file(trustRootsPath)
        // Members are named by address, not by certificate: the chain to the cluster CA is what is checked.
        server.certificateVerification = .noHostnameVerification
        client.certificateVerification = .noHostnameVerification
        server.minimumTLSVersion = .tlsv12
        client.minimumTLSVersion = .tlsv12
        return ClusterTLSContexts(server: try NIOSSLContext(configuration: server), client: try NIOSSLContext(configuration: client))
    }
}

/// TLS to etcd (docs/replication.md, "etcd"): the CA that signed etcd's server certificates, and this
/// node's client certificate and key when etcd asks for one (`--client-cert-auth`). etcd's certificate
/// must name the endpoint as it is written (DNS name, or IP address for an address).
public struct EtcdTLS: Sendable {
    public var trustRootsPath: String
    public var certificateChainPath: String?
    public var privateKeyPath: String?
    public init(trustRootsPath: String, certificateChainPath: String? = nil, privateKeyPath: String? = nil) {
        self.trustRootsPath = trustRootsPath
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }

    public func context() throws -> NIOSSLContext {
        var c = TLSConfiguration.makeClientConfiguration()
        c.trustRoots = .file(trustRootsPath)
        if let certificateChainPath, let privateKeyPath {
            c.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChainPath).map { .certificate($0) }
            c.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem))
        }
        c.certificateVerification = .fullVerification
        c.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: c)
    }
}

public struct ClusterTLSContexts: Sendable {
    public let server: NIOSSLContext
    public let client: NIOSSLContext
}

/// How many followers must hold a write durably before the leader answers it (docs/replication.md).
public enum AckLevel: String, Sendable, CaseIterable {
    /// The leader's own commit only: a leader crash may lose the last writes.
    case async
    /// At least one follower durable (the default with 3 nodes): one node may die without losing an
    /// acknowledged write.
    case one
    /// Every follower durable: writes stop while any node is down.
    case all

    /// Followers needed with `followers` configured.
    func required(followers: Int) -> Int {
        switch self {
        case .async: 0
        case .one: min(1, followers)
        case .all: followers
        }
    }
}

/// A cluster node's settings (docs/config.md `cluster:`).
public struct ClusterConfiguration: Sendable {
    public struct Member: Sendable, Hashable {
        public var id: String
        /// host:port of its cluster link listener.
        public var address: String
        public init(id: String, address: String) {
            self.id = id
            self.address = address
        }
    }

    public var name: String
    /// This node's id (one of `members`).
    public var node: String
    public var members: [Member]
    public var ackLevel: AckLevel
    /// How long a write waits for its acknowledgements before it is answered 5012.
    public var ackTimeout: Duration
    /// How long a write waits for a leader during a failover before it is answered 3004 (0: at once).
    public var leaderWait: Duration
    /// etcd endpoints (http://host:port); empty: no automatic failover (`hss cluster promote`).
    public var etcd: [String]
    /// The leader lease's TTL in seconds (failover takes about this long).
    public var leaseTTL: Int
    /// How long a follower hears nothing from its leader before it closes the link (and, with etcd, asks
    /// the other followers whether to release the leader's key: docs/replication.md, "A silent leader").
    /// The leader sends a heartbeat every third of it when it has no records to ship.
    public var leaderSilence: Duration
    /// Without etcd: the node that leads a new cluster (until `hss cluster promote` says otherwise).
    public var initialLeader: String?
    /// TLS on the cluster link; nil: plain TCP.
    public var tls: ClusterTLS?
    /// TLS to etcd (used for `https://` endpoints).
    public var etcdTLS: EtcdTLS?

    public init(
        name: String, node: String, members: [Member], ackLevel: AckLevel? = nil, ackTimeout: Duration = .seconds(2),
        leaderWait: Duration = .seconds(2), etcd: [String] = [], leaseTTL: Int = 2, initialLeader: String? = nil, tls: ClusterTLS? = nil,
        etcdTLS: EtcdTLS? = nil, leaderSilence: Duration = .milliseconds(600)
    ) {
        self.leaderSilence = leaderSilence
        self.leaderWait = leaderWait
        self.tls = tls
        self.etcdTLS = etcdTLS
        self.name = name
        self.node = node
        self.members = members
        self.ackLevel = ackLevel ?? (members.count >= 3 ? .one : .async)
        self.ackTimeout = ackTimeout
        self.etcd = etcd
        self.leaseTTL = leaseTTL
        self.initialLeader = initialLeader
    }

    public var me: Member? { members.first { $0.id == node } }
    public var others: [Member] { members.filter { $0.id != node } }

    /// "host:port" or "[v6]:port" → (host, port); nil unless the port is 0-65535 (an address may come from
    /// etcd or a peer: a bad one is refused, not handed to the socket layer).
    public static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
