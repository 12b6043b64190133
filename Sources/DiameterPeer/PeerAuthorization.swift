public import DiameterCore

/// Who may connect and what each peer may ask (GSMA FS.19: peer identity bound to the connection,
/// per-peer filtering). Pure: the connection asks it at the CER and, for each request, asks the
/// permissions it resolved to.
///
/// - A peer that matches no rule gets CEA 3010 DIAMETER_UNKNOWN_PEER (RFC 6733 §5.3: the local policy
///   rejects an unknown peer).
/// - A request of an application the peer's rule does not list gets 3007 DIAMETER_APPLICATION_UNSUPPORTED,
///   a command the rule does not list 3001 DIAMETER_COMMAND_UNSUPPORTED (both with the E-bit, RFC 6733
///   §7.1.3: for this peer the HSS supports neither).
/// - A request whose Origin-Host is not the connection's peer (RFC 6733 §6.1: only a relay or proxy
///   forwards others' requests) from a peer not marked `relay` gets 5003 DIAMETER_AUTHORIZATION_REJECTED:
///   a permanent failure, not a protocol error (3002 would tell the client to try another route, which
///   the same spoofed request must not get either), and it is logged.
///
/// `permissive` (no rules) admits every peer with every application and command the node serves: for
/// labs; `hss serve` logs it as a warning at start.
public struct PeerAuthorization: Sendable, Hashable {
    /// One peer (or, with `originHost` "*", every peer of a realm) and what it may do.
    public struct Rule: Sendable, Hashable {
        /// The CER's Origin-Host (DiameterIdentity, ASCII case-insensitive); "*" matches any host of `originRealm`.
        public var originHost: String
        /// The CER's Origin-Realm, when it must match.
        public var originRealm: String?
        /// Applications it may use (Auth-Application-Id values).
        public var applications: Set<UInt32>
        /// Command codes it may send; nil: every command of those applications.
        public var commands: Set<UInt32>?
        /// Source addresses it may connect from (textual IPs); empty: any.
        public var addresses: [String]
        /// The name its TLS certificate must carry (RFC 6125 matching, as for Origin-Host); nil: none
        /// checked beyond what the TLS settings require.
        public var certificateName: String?
        /// An agent (DRA, DEA) that forwards requests of other origins.
        public var relay: Bool
        /// Requests per second it may send on one connection (beyond: 3004 DIAMETER_TOO_BUSY); nil: the
        /// server's default.
        public var maxRequestsPerSecond: Double?

        public init(
            originHost: String, originRealm: String? = nil, applications: Set<UInt32>, commands: Set<UInt32>? = nil, addresses: [String] = [],
            certificateName: String? = nil, relay: Bool = false, maxRequestsPerSecond: Double? = nil
        ) {
            self.maxRequestsPerSecond = maxRequestsPerSecond
            self.originHost = originHost
            self.originRealm = originRealm
            self.applications = applications
            self.commands = commands
            self.addresses = addresses
            self.certificateName = certificateName
            self.relay = relay
        }

        func matches(originHost host: String, originRealm realm: String) -> Bool {
            if let r = originRealm, !sameIdentity(r, realm) { return false }
            return originHost == "*" ? originRealm != nil : sameIdentity(originHost, host)
        }
    }

    /// What a connected peer may do.
    public struct Permissions: Sendable, Hashable {
        /// nil: any application the node serves.
        public var applications: Set<UInt32>?
        public var commands: Set<UInt32>?
        public var relay: Bool
        /// Requests per second the peer may send (beyond: 3004); nil: the server's default.
        public var maxRequestsPerSecond: Double?

        public init(applications: Set<UInt32>?, commands: Set<UInt32>?, relay: Bool, maxRequestsPerSecond: Double? = nil) {
            self.applications = applications
            self.commands = commands
            self.relay = relay
            self.maxRequestsPerSecond = maxRequestsPerSecond
        }

        public static let unrestricted = Permissions(applications: nil, commands: nil, relay: true)

        /// The protocol error for a request of `application` and `command`, or nil when it is allowed.
        public func refusal(application: UInt32, command: UInt32) -> ResultCode? {
            if let applications, !applications.contains(application) { return .applicationUnsupported }
            if let commands, !commands.contains(command) { return .commandUnsupported }
            return nil
        }
    }

    public enum Admission: Sendable, Hashable {
        case admitted(Permissions)
        case refused(reason: String)
    }

    /// nil: permissive.
    public var rules: [Rule]?

    public init(rules: [Rule]?) { self.rules = rules }

    public static let permissive = PeerAuthorization(rules: nil)

    public var isPermissive: Bool { rules == nil }

    /// Decides on a peer at its CER: the first rule for its Origin-Host (an exact host before a realm-wide
    /// "*"), then its source address and certificate.
    public func admit(originHost: String, originRealm: String, sourceAddress: String?, certificateMatches: (String) -> Bool) -> Admission {
        guard let rules else { return .admitted(.unrestricted) }
        let candidates = rules.filter { $0.matches(originHost: originHost, originRealm: originRealm) }
        guard let rule = candidates.first(where: { $0.originHost != "*" }) ?? candidates.first else {
            return .refused(reason: "peer \(originHost) (realm \(originRealm)) is not in the peer list")
        }
        if !rule.addresses.isEmpty {
            guard let sourceAddress, rule.addresses.contains(sourceAddress) else {
                return .refused(reason: "peer \(originHost) connected from \(sourceAddress ?? "an unknown address"), not from \(rule.addresses.joined(separator: ", "))")
            }
        }
        if let name = rule.certificateName, !certificateMatches(name) {
            return .refused(reason: "peer \(originHost) did not present a certificate for \(name)")
        }
        return .admitted(Permissions(applications: rule.applications, commands: rule.commands, relay: rule.relay, maxRequestsPerSecond: rule.maxRequestsPerSecond))
    }
}

/// A peer rule as the configuration file and the API write it: applications by name (`cx`, `s6a`, `sh`)
/// or number, commands by request abbreviation (`MAR`, `AIR`, ...) or code.
public struct PeerRuleSpec: Codable, Hashable, Sendable {
    public var originHost: String
    public var originRealm: String?
    public var applications: [String]
    public var commands: [String]?
    public var addresses: [String]?
    public var certificateName: String?
    public var relay: Bool?
    public var maxRequestsPerSecond: Double?

    public init(
        originHost: String, originRealm: String? = nil, applications: [String], commands: [String]? = nil, addresses: [String]? = nil,
        certificateName: String? = nil, relay: Bool? = nil, maxRequestsPerSecond: Double? = nil
    ) {
        self.maxRequestsPerSecond = maxRequestsPerSecond
        self.originHost = originHost
        self.originRealm = originRealm
        self.applications = applications
        self.commands = commands
        self.addresses = addresses
        self.certificateName = certificateName
        self.relay = relay
    }

    /// A value that names nothing known, with the field it is in.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var field: String
        public var reason: String
        public var description: String { "\(field): \(reason)" }
    }

    static let applicationNames: [String: UInt32] = ["cx": ApplicationID.cx, "s6a": ApplicationID.s6a, "sh": 16_777_217]

    public func rule() throws(Invalid) -> PeerAuthorization.Rule {
        guard !originHost.isEmpty, originHost.utf8.count <= 255 else { throw Invalid(field: "originHost", reason: "1-255 characters, or * with originRealm") }
        if originHost == "*" && originRealm == nil { throw Invalid(field: "originRealm", reason: "required with originHost *") }
        var apps = Set<UInt32>()
        for a in applications {
            guard let id = Self.applicationNames[a.lowercased()] ?? UInt32(a) else {
                throw Invalid(field: "applications", reason: "\(a): cx, s6a, sh or an application id")
            }
            apps.insert(id)
        }
        guard !apps.isEmpty else { throw Invalid(field: "applications", reason: "at least one") }
        var codes: Set<UInt32>?
        if let commands {
            var set = Set<UInt32>()
            for c in commands {
                let named = DiameterDictionary.standard.commands.first {
                    apps.contains($0.applicationID) && sameIdentity($0.requestAbbreviation, c)
                }
                guard let code = named?.code ?? UInt32(c) else {
                    throw Invalid(field: "commands", reason: "\(c): not a request abbreviation of \(applications.joined(separator: ", ")) (e.g. MAR, AIR) or a code")
                }
                set.insert(code)
            }
            codes = set
        }
        for a in addresses ?? [] where DiameterAddress(a) == nil {
            throw Invalid(field: "addresses", reason: "\(a): an IPv4 or IPv6 address")
        }
        if let rate = maxRequestsPerSecond, !(rate > 0 && rate.isFinite) { throw Invalid(field: "maxRequestsPerSecond", reason: "a positive number") }
        return PeerAuthorization.Rule(
            originHost: originHost, originRealm: originRealm, applications: apps, commands: codes, addresses: addresses ?? [],
            certificateName: certificateName, relay: relay ?? false, maxRequestsPerSecond: maxRequestsPerSecond)
    }

    /// The spec of a rule (applications and commands by name where the dictionary has one).
    public init(_ r: PeerAuthorization.Rule) {
        let names = Dictionary(uniqueKeysWithValues: Self.applicationNames.map { ($1, $0) })
        originHost = r.originHost
        originRealm = r.originRealm
        applications = r.applications.sorted().map { names[$0] ?? String($0) }
        commands = r.commands.map { codes in
            codes.sorted().map { code in
                DiameterDictionary.standard.commands.first { r.applications.contains($0.applicationID) && $0.code == code }?.requestAbbreviation ?? String(code)
            }
        }
        addresses = r.addresses.isEmpty ? nil : r.addresses
        certificateName = r.certificateName
        relay = r.relay ? true : nil
        maxRequestsPerSecond = r.maxRequestsPerSecond
    }
}
