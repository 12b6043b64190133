// What an HSS keeps for Sh (TS 29.328): transparent data per public identity and service indication
// (§7.6.1), the activation state of PSIs (§7.6.10), DSAI values (§7.14), and the subscriptions of ASs to
// notifications (§6.1.4). Part of a subscription's state: stored, replicated and restored with it.

/// The Sh part of a subscription's state.
public struct ShState: Codable, Hashable, Sendable {
    public var repository: [RepositoryItem]
    /// PSI activation states an AS set (TS 29.328 §7.6.10), over the provisioned `psiActivated`.
    public var psiActivation: [String: Bool]
    public var dsai: [DSAIValue]
    public var subscriptions: [ShSubscription]

    public init(repository: [RepositoryItem] = [], psiActivation: [String: Bool] = [:], dsai: [DSAIValue] = [], subscriptions: [ShSubscription] = []) {
        self.repository = repository
        self.psiActivation = psiActivation
        self.dsai = dsai
        self.subscriptions = subscriptions
    }

    public var isEmpty: Bool { repository.isEmpty && psiActivation.isEmpty && dsai.isEmpty && subscriptions.isEmpty }

    public func repositoryItem(_ identity: String, _ serviceIndication: [UInt8]) -> RepositoryItem? {
        repository.first { $0.identity == identity && $0.serviceIndication == serviceIndication }
    }


    /// TS 29.328 §7.14: a DSAI is active unless an AS set it inactive.
    public func dsaiActive(_ identity: String, _ tag: [UInt8]) -> Bool {
        dsai.first { $0.identity == identity && $0.tag == tag }?.active ?? true
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        repository = try c.decodeIfPresent([RepositoryItem].self, forKey: .repository) ?? []
        psiActivation = try c.decodeIfPresent([String: Bool].self, forKey: .psiActivation) ?? [:]
        dsai = try c.decodeIfPresent([DSAIValue].self, forKey: .dsai) ?? []
        subscriptions = try c.decodeIfPresent([ShSubscription].self, forKey: .subscriptions) ?? []
    }
}

/// Transparent data (TS 29.328 §7.6.1): what one AS keeps for one identity under one service indication,
/// with the sequence number the AS increments on every update (§6.1.3).
public struct RepositoryItem: Codable, Hashable, Sendable {
    public var identity: String
    public var serviceIndication: [UInt8]
    public var sequenceNumber: UInt32
    /// The ServiceData element's content, as the AS sent it.
    public var serviceData: [UInt8]

    public init(identity: String, serviceIndication: [UInt8], sequenceNumber: UInt32, serviceData: [UInt8]) {
        self.identity = identity
        self.serviceIndication = serviceIndication
        self.sequenceNumber = sequenceNumber
        self.serviceData = serviceData
    }
}

extension IMSSubscription {
    /// TS 29.328 §7.6.10: the activation state an AS set over Sh, else the provisioned one.
    public func isActive(psi: PublicIdentity) -> Bool { state.sh.psiActivation[psi.identity] ?? psi.psiActivated }
}

/// A DSAI value (TS 29.328 §7.14) of one identity.
public struct DSAIValue: Codable, Hashable, Sendable {
    public var identity: String
    public var tag: [UInt8]
    public var active: Bool

    public init(identity: String, tag: [UInt8], active: Bool) {
        self.identity = identity
        self.tag = tag
        self.active = active
    }
}

/// An AS's subscription to notifications (TS 29.328 §6.1.4): what changes, of which identity, go to which
/// AS, until when.
public struct ShSubscription: Codable, Hashable, Sendable {
    /// The AS's Diameter identity (the Destination-Host of the PNR) and realm.
    public var applicationServer: String
    public var realm: String
    public var identity: String
    /// Data-Reference value (TS 29.329 §6.3.4).
    public var dataReference: UInt32
    public var serviceIndications: [[UInt8]]
    /// Identity-Set values (TS 29.329 §6.3.10), for IMSPublicIdentity.
    public var identitySets: [UInt32]
    /// The AS's SIP URI (Server-Name), for InitialFilterCriteria.
    public var serverName: String?
    public var dsaiTags: [[UInt8]]
    /// Seconds since 1970 after which the subscription is gone; nil: no end.
    public var expires: UInt64?
    /// One-Time-Notification: removed after its first PNR.
    public var oneTime: Bool

    public init(
        applicationServer: String, realm: String, identity: String, dataReference: UInt32, serviceIndications: [[UInt8]] = [],
        identitySets: [UInt32] = [], serverName: String? = nil, dsaiTags: [[UInt8]] = [], expires: UInt64? = nil, oneTime: Bool = false
    ) {
        self.applicationServer = applicationServer
        self.realm = realm
        self.identity = identity
        self.dataReference = dataReference
        self.serviceIndications = serviceIndications
        self.identitySets = identitySets
        self.serverName = serverName
        self.dsaiTags = dsaiTags
        self.expires = expires
        self.oneTime = oneTime
    }

    /// Whether `other` is a subscription to the same data by the same AS (a repeated SNR replaces it).
    public func sameTarget(_ other: ShSubscription) -> Bool {
        applicationServer == other.applicationServer && identity == other.identity && dataReference == other.dataReference
            && serviceIndications == other.serviceIndications && dsaiTags == other.dsaiTags && serverName == other.serverName
            && identitySets == other.identitySets
    }

    public func isLive(at now: UInt64) -> Bool { expires.map { $0 > now } ?? true }
}

extension ShState {
    func encode(into w: inout BinaryWriter) {
        w.array(repository) { w, r in
            w.string(r.identity)
            w.data(r.serviceIndication)
            w.varint(UInt64(r.sequenceNumber))
            w.data(r.serviceData)
        }
        w.array(psiActivation.sorted { $0.key < $1.key }) { w, e in
            w.string(e.key)
            w.bool(e.value)
        }
        w.array(dsai) { w, d in
            w.string(d.identity)
            w.data(d.tag)
            w.bool(d.active)
        }
        w.array(subscriptions) { w, s in
            w.string(s.applicationServer)
            w.string(s.realm)
            w.string(s.identity)
            w.varint(UInt64(s.dataReference))
            w.array(s.serviceIndications) { $0.data($1) }
            w.array(s.identitySets) { $0.varint(UInt64($1)) }
            w.optional(s.serverName) { $0.string($1) }
            w.array(s.dsaiTags) { $0.data($1) }
            w.optional(s.expires) { $0.varint($1) }
            w.bool(s.oneTime)
        }
    }

    init(binary r: inout BinaryReader) throws(BinaryReader.Malformed) {
        let repository = try r.array { r throws(BinaryReader.Malformed) in
            RepositoryItem(
                identity: try r.string(), serviceIndication: try r.data(),
                sequenceNumber: UInt32(truncatingIfNeeded: try r.varint()), serviceData: try r.data())
        }
        var psi: [String: Bool] = [:]
        for (k, v) in try r.array({ r throws(BinaryReader.Malformed) in (try r.string(), try r.bool()) }) { psi[k] = v }
        let dsai = try r.array { r throws(BinaryReader.Malformed) in DSAIValue(identity: try r.string(), tag: try r.data(), active: try r.bool()) }
        let subscriptions = try r.array { r throws(BinaryReader.Malformed) in
            ShSubscription(
                applicationServer: try r.string(), realm: try r.string(), identity: try r.string(),
                dataReference: UInt32(truncatingIfNeeded: try r.varint()),
                serviceIndications: try r.array { r throws(BinaryReader.Malformed) in try r.data() },
                identitySets: try r.array { r throws(BinaryReader.Malformed) in UInt32(truncatingIfNeeded: try r.varint()) },
                serverName: try r.optional { r throws(BinaryReader.Malformed) in try r.string() },
                dsaiTags: try r.array { r throws(BinaryReader.Malformed) in try r.data() },
                expires: try r.optional { r throws(BinaryReader.Malformed) in try r.varint() },
                oneTime: try r.bool())
        }
        self.init(repository: repository, psiActivation: psi, dsai: dsai, subscriptions: subscriptions)
    }
}
