import DiameterCore

// Private and public identities (TS 23.003 §13, TS 29.228 §3 and Annex B).

/// A private user identity (IMPI, TS 23.003 §13.3) with its authentication data (TS 33.203).
public struct PrivateIdentity: Codable, Hashable, Sendable {
    /// NAI form, e.g. `001010000000001@ims.mnc001.mcc001.3gppnetwork.org`.
    public var identity: String
    /// Schemes this identity may use, in preference order; the first answers a MAR asking "Unknown"
    /// (TS 29.228 §6.3.1). A scheme not listed → DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED.
    public var authenticationSchemes: [AuthenticationScheme]
    public var aka: AKACredentials?
    public var digest: DigestCredentials?
    /// NASS-Bundled authentication (TS 29.228 §6.3.1, ETSI ES 283 035): the access line(s).
    public var lineIdentifiers: [String]
    /// Early IMS security (TS 33.978): the UE's IP address.
    public var framedIPAddress: String?

    public init(
        identity: String, authenticationSchemes: [AuthenticationScheme], aka: AKACredentials? = nil,
        digest: DigestCredentials? = nil, lineIdentifiers: [String] = [], framedIPAddress: String? = nil
    ) {
        self.identity = identity
        self.authenticationSchemes = authenticationSchemes
        self.aka = aka
        self.digest = digest
        self.lineIdentifiers = lineIdentifiers
        self.framedIPAddress = framedIPAddress
    }

    enum CodingKeys: String, CodingKey { case identity, authenticationSchemes, aka, digest, lineIdentifiers, framedIPAddress }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let identity = try c.decode(String.self, forKey: .identity)
        self.identity = identity
        aka = try c.decodeIfPresent(AKACredentials.self, forKey: .aka)
        // A password is turned into HA1 here (the IMPI is the Digest user name) and then forgotten.
        digest = try c.decodeIfPresent(DigestSpec.self, forKey: .digest).map { spec in
            DigestCredentials(
                realm: spec.realm,
                ha1: spec.ha1?.lowercased() ?? DigestCredentials.ha1(username: identity, realm: spec.realm, password: spec.password ?? ""),
                algorithm: spec.algorithm ?? "MD5", qop: spec.qop ?? "auth")
        }
        if let spec = try c.decodeIfPresent(DigestSpec.self, forKey: .digest) {
            if let ha1 = spec.ha1, ha1.count != 32 || !ha1.allSatisfy(\.isHexDigit) {
                throw DecodingError.dataCorruptedError(forKey: .digest, in: c, debugDescription: "digest.ha1: 32 hex digits")
            }
            if spec.ha1 == nil && spec.password == nil {
                throw DecodingError.dataCorruptedError(forKey: .digest, in: c, debugDescription: "digest needs ha1 or password")
            }
        }
        lineIdentifiers = try c.decodeIfPresent([String].self, forKey: .lineIdentifiers) ?? []
        framedIPAddress = try c.decodeIfPresent(String.self, forKey: .framedIPAddress)
        // Default: whatever credentials are provisioned.
        var implied: [AuthenticationScheme] = []
        if aka != nil { implied.append(.akav1MD5) }
        if digest != nil { implied.append(.sipDigest) }
        if !lineIdentifiers.isEmpty { implied.append(.nassBundled) }
        authenticationSchemes = try c.decodeIfPresent([AuthenticationScheme].self, forKey: .authenticationSchemes) ?? implied
    }
}

/// SIP-Authentication-Scheme values (TS 29.229 §6.3.2) the HSS can serve.
public enum AuthenticationScheme: String, Codable, Hashable, Sendable, CaseIterable {
    case akav1MD5 = "Digest-AKAv1-MD5"
    case akav2SHA256 = "Digest-AKAv2-SHA-256"
    case sipDigest = "SIP Digest"
    case nassBundled = "NASS-Bundled"
    case earlyIMSSecurity = "Early-IMS-Security"

    /// The scheme a MAR names: TS 29.229 §6.3.2 names, plus the pre-standard names CSCFs still send
    /// ("Digest-MD5" and "Digest" from OpenIMSCore/Kamailio mean SIP Digest). "Unknown" is `nil` here
    /// and resolved by the caller.
    public init?(requested name: String) {
        switch name {
        case "Digest-MD5", "Digest", "HTTP_DIGEST_MD5": self = .sipDigest
        default: self.init(rawValue: name)
        }
    }

    public var isAKA: Bool { self == .akav1MD5 || self == .akav2SHA256 }
}

/// IMS AKA credentials (TS 33.102 §6.3, TS 35.206). Never logged: the description is redacted.
public struct AKACredentials: Codable, Hashable, Sendable, CustomStringConvertible {
    public var k: Block128
    /// OPc, computed from OP at load time when only OP is provisioned.
    public var opc: Block128
    public var amf: UInt16
    /// The SQN provisioned (last SQN issued) when no state says otherwise.
    public var initialSQN: UInt64

    public init(k: Block128, opc: Block128, amf: UInt16 = 0x8000, initialSQN: UInt64 = 0) {
        self.k = k
        self.opc = opc
        self.amf = amf
        self.initialSQN = initialSQN
    }

    public var description: String { "AKACredentials(redacted)" }

    enum CodingKeys: String, CodingKey { case k, opc, op, amf, sqn }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        k = try Self.block(c, .k)
        if c.contains(.opc) {
            opc = try Self.block(c, .opc)
        } else if c.contains(.op) {
            // OPc = OP ⊕ E_K(OP) (TS 35.206 §4.1), once, at load.
            let op = try Self.block(c, .op)
            var m = try Milenage()
            opc = m.opc(k: k, op: op)
        } else {
            throw DecodingError.keyNotFound(CodingKeys.opc, .init(codingPath: c.codingPath, debugDescription: "aka needs opc or op"))
        }
        let amfHex = try c.decodeIfPresent(String.self, forKey: .amf) ?? "8000"
        guard amfHex.count == 4, let amf = UInt16(amfHex, radix: 16) else {
            throw DecodingError.dataCorruptedError(forKey: .amf, in: c, debugDescription: "amf: 4 hex digits")
        }
        self.amf = amf
        let sqnHex = try c.decodeIfPresent(String.self, forKey: .sqn) ?? "000000000000"
        guard sqnHex.count <= 12, let sqn = UInt64(sqnHex, radix: 16) else {
            throw DecodingError.dataCorruptedError(forKey: .sqn, in: c, debugDescription: "sqn: up to 12 hex digits")
        }
        initialSQN = sqn
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(k.description, forKey: .k)
        try c.encode(opc.description, forKey: .opc)
        try c.encode(hex([UInt8(amf >> 8), UInt8(amf & 0xFF)]), forKey: .amf)
        try c.encode(String(initialSQN, radix: 16), forKey: .sqn)
    }

    static func block(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Block128 {
        let text = try c.decode(String.self, forKey: key)
        guard let b = Block128(hex: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "32 hex digits expected")
        }
        return b
    }
}


/// SIP Digest credentials (TS 29.228 §6.3.1, RFC 2617): the HA1 = MD5(IMPI ":" realm ":" password) the
/// S-CSCF needs. A password provisioned instead is turned into HA1 at load and never leaves the HSS.
public struct DigestCredentials: Codable, Hashable, Sendable, CustomStringConvertible {
    public var realm: String
    /// 32 lowercase hex digits.
    public var ha1: String
    public var algorithm: String
    public var qop: String

    public init(realm: String, ha1: String, algorithm: String = "MD5", qop: String = "auth") {
        self.realm = realm
        self.ha1 = ha1
        self.algorithm = algorithm
        self.qop = qop
    }

    public var description: String { "DigestCredentials(realm: \(realm), ha1: redacted)" }

    /// RFC 2617 §3.2.2.2: HA1 = MD5(username ":" realm ":" password), lowercase hex.
    public static func ha1(username: String, realm: String, password: String) -> String {
        hex(MD5.digest(Array("\(username):\(realm):\(password)".utf8)))
    }
}

/// The subscriber file's `digest` object: `ha1`, or a `password` the loader hashes.
struct DigestSpec: Decodable {
    var realm: String
    var ha1: String?
    var password: String?
    var algorithm: String?
    var qop: String?
}

/// The kinds of public identity (TS 29.228 Annex E `tIdentityType`; Rel-8+ adds wildcarded IMPU).
public enum PublicIdentityType: String, Codable, Hashable, Sendable {
    case publicUserIdentity = "PUBLIC_USER_IDENTITY"
    case distinctPSI = "DISTINCT_PSI"
    case wildcardedPSI = "WILDCARDED_PSI"
    case wildcardedIMPU = "WILDCARDED_IMPU"

    /// The `IdentityType` number of the User-Data XML.
    public var xmlValue: Int {
        switch self {
        case .publicUserIdentity: 0
        case .distinctPSI: 1
        case .wildcardedPSI: 2
        case .wildcardedIMPU: 3
        }
    }

    public var isPSI: Bool { self == .distinctPSI || self == .wildcardedPSI }
}

/// A public identity (IMPU or PSI; TS 23.003 §13.4, §13.5).
public struct PublicIdentity: Codable, Hashable, Sendable {
    /// SIP URI or tel URI; for a wildcarded identity, the wildcard form (`sip:chat-!.*!@example.com`).
    public var identity: String
    public var type: PublicIdentityType
    /// Operator barring (TS 29.228 §6.1.1.1 step barring; User-Data `BarringIndication`).
    public var barred: Bool
    /// The service profile (``ServiceProfile/id``).
    public var serviceProfile: String
    /// Implicit registration set number: identities with the same number register together.
    public var implicitSet: Int
    /// The private identities this identity is shared with (TS 23.228 §4.3.3.4).
    public var privateIdentities: [String]
    /// Visited networks (Visited-Network-Identifier values) the identity may register from; "*" allows
    /// any. The HSS's home networks are always allowed.
    public var allowedVisitedNetworks: [String]
    public var displayName: String?
    /// PSI activation (TS 29.228 §6.1.2.1 step 4; LIR §6.1.4.1): an inactive PSI is unknown.
    public var psiActivated: Bool
    /// An application server hosting a PSI, for PSI direct routing (LIA-Flags bit 0).
    public var psiApplicationServer: String?
    /// Whether the identity has services while unregistered even without iFCs saying so.
    public var servicesWhenUnregistered: Bool

    public init(
        identity: String, type: PublicIdentityType = .publicUserIdentity, barred: Bool = false, serviceProfile: String,
        implicitSet: Int = 1, privateIdentities: [String], allowedVisitedNetworks: [String] = [], displayName: String? = nil,
        psiActivated: Bool = true, psiApplicationServer: String? = nil, servicesWhenUnregistered: Bool = false
    ) {
        self.identity = identity
        self.type = type
        self.barred = barred
        self.serviceProfile = serviceProfile
        self.implicitSet = implicitSet
        self.privateIdentities = privateIdentities
        self.allowedVisitedNetworks = allowedVisitedNetworks
        self.displayName = displayName
        self.psiActivated = psiActivated
        self.psiApplicationServer = psiApplicationServer
        self.servicesWhenUnregistered = servicesWhenUnregistered
    }

    enum CodingKeys: String, CodingKey {
        case identity, type, barred, serviceProfile, implicitSet, privateIdentities, allowedVisitedNetworks, displayName
        case psiActivated, psiApplicationServer, servicesWhenUnregistered
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        identity = try c.decode(String.self, forKey: .identity)
        type = try c.decodeIfPresent(PublicIdentityType.self, forKey: .type) ?? .publicUserIdentity
        barred = try c.decodeIfPresent(Bool.self, forKey: .barred) ?? false
        serviceProfile = try c.decode(String.self, forKey: .serviceProfile)
        implicitSet = try c.decodeIfPresent(Int.self, forKey: .implicitSet) ?? 1
        privateIdentities = try c.decodeIfPresent([String].self, forKey: .privateIdentities) ?? []
        allowedVisitedNetworks = try c.decodeIfPresent([String].self, forKey: .allowedVisitedNetworks) ?? []
        displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
        psiActivated = try c.decodeIfPresent(Bool.self, forKey: .psiActivated) ?? true
        psiApplicationServer = try c.decodeIfPresent(String.self, forKey: .psiApplicationServer)
        servicesWhenUnregistered = try c.decodeIfPresent(Bool.self, forKey: .servicesWhenUnregistered) ?? false
        if type == .wildcardedPSI || type == .wildcardedIMPU, WildcardPattern(identity) == nil {
            throw DecodingError.dataCorruptedError(forKey: .identity, in: c, debugDescription: "wildcard needs !…! around the variable part")
        }
    }

    /// The matcher of a wildcarded identity.
    public var wildcard: WildcardPattern? {
        type == .wildcardedPSI || type == .wildcardedIMPU ? WildcardPattern(identity) : nil
    }
}

/// A wildcarded PSI/IMPU (TS 23.003 §13.5: "the variable part … delimited by exclamation marks", its
/// content a regular expression). Supported inside the delimiters: `.*`, `.+`, `[...]` classes followed by
/// `*`/`+`, and literal characters — the forms operators provision; anything else does not match.
public struct WildcardPattern: Hashable, Sendable {
    public var prefix: String
    public var body: String
    public var suffix: String

    public init?(_ identity: String) {
        let parts = identity.split(separator: "!", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        prefix = String(parts[0])
        body = String(parts[1])
        suffix = String(parts[2])
    }

    public func matches(_ candidate: String) -> Bool {
        guard candidate.hasPrefix(prefix), candidate.hasSuffix(suffix),
            candidate.utf8.count >= prefix.utf8.count + suffix.utf8.count
        else { return false }
        let middle = Array(candidate.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count))
        return Self.match(Array(body.utf8), middle)
    }

    /// A small regular-expression matcher over bytes (backtracking with memoised failures: at most
    /// tokens × (length + 1) states).
    static func match(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        // Tokenise: each token is a character set and a repetition.
        struct Token { var set: (UInt8) -> Bool; var min: Int; var many: Bool }
        var tokens: [Token] = []
        var i = 0
        while i < p.count {
            var set: (UInt8) -> Bool
            if p[i] == UInt8(ascii: ".") {
                set = { _ in true }
                i += 1
            } else if p[i] == UInt8(ascii: "[") {
                guard let close = p[(i + 1)...].firstIndex(of: UInt8(ascii: "]")) else { return false }
                var members = Array(p[(i + 1)..<close])
                let negated = members.first == UInt8(ascii: "^")
                if negated { members.removeFirst() }
                var ranges: [ClosedRange<UInt8>] = []
                var j = 0
                while j < members.count {
                    if j + 2 < members.count, members[j + 1] == UInt8(ascii: "-") {
                        if members[j] <= members[j + 2] { ranges.append(members[j]...members[j + 2]) }
                        j += 3
                    } else {
                        ranges.append(members[j]...members[j])
                        j += 1
                    }
                }
                let r = ranges
                set = { c in r.contains { $0.contains(c) } != negated }
                i = close + 1
            } else {
                var c = p[i]
                if c == UInt8(ascii: "\\"), i + 1 < p.count {
                    i += 1
                    c = p[i]
                }
                let literal = c
                set = { $0 == literal }
                i += 1
            }
            var token = Token(set: set, min: 1, many: false)
            if i < p.count, p[i] == UInt8(ascii: "*") {
                token.min = 0
                token.many = true
                i += 1
            } else if i < p.count, p[i] == UInt8(ascii: "+") {
                token.many = true
                i += 1
            }
            tokens.append(token)
        }
        // (token, position) pairs already known to fail: the candidate comes off the wire, so the match
        // must stay polynomial whatever the pattern (plain backtracking is exponential on `.*.*.*x`).
        var failed = Set<Int>()
        func step(_ t: Int, _ k: Int) -> Bool {
            if t == tokens.count { return k == s.count }
            let key = t * (s.count + 1) + k
            if failed.contains(key) { return false }
            let ok = advance(t, k)
            if !ok { failed.insert(key) }
            return ok
        }
        func advance(_ t: Int, _ k: Int) -> Bool {
            let tok = tokens[t]
            var n = 0
            while n < tok.min {
                guard k + n < s.count, tok.set(s[k + n]) else { return false }
                n += 1
            }
            if !tok.many { return step(t + 1, k + n) }
            var end = k + n
            while end < s.count, tok.set(s[end]) { end += 1 }
            while end >= k + n {
                if step(t + 1, end) { return true }
                end -= 1
            }
            return false
        }
        return step(0, 0)
    }
}
