// The subscriber model (docs/data-model.md): one IMS subscription owns its private identities, public
// identities, service profiles and the dynamic state the Cx procedures keep (S-CSCF assignment,
// registration state, SQN). TS 29.228 §3 (definitions) and Annex B (the information model).

/// An IMS subscription (TS 29.228 Annex B: "IMS Subscription"): the unit the HSS shards, stores and
/// replicates. Static data (identities, profiles) is provisioned; ``state`` is what Cx changes.
public struct IMSSubscription: Codable, Hashable, Sendable {
    /// Stable identifier (the shard key), e.g. the IMSI.
    public var id: String
    public var privateIdentities: [PrivateIdentity]
    public var publicIdentities: [PublicIdentity]
    public var serviceProfiles: [ServiceProfile]
    /// Charging-Information (TS 29.229 §6.3.19) sent in SAA and PPR, when provisioned.
    public var chargingInformation: ChargingAddresses?
    /// Server-Capabilities for S-CSCF selection (TS 29.228 §6.7); `nil` uses the HSS default.
    public var capabilities: CapabilitySet?
    /// Operator barring of the whole subscription: it may not register (UAR → 5003 AUTHORIZATION_REJECTED).
    public var imsBarred: Bool
    /// EPS subscription data for S6a (TS 29.272 §7.3.2); `nil`: no EPS subscription (AIR/ULR answer
    /// DIAMETER_ERROR_USER_UNKNOWN, the IMSI being unknown).
    public var eps: EPSSubscription?
    public var state: SubscriptionState

    public init(
        id: String, privateIdentities: [PrivateIdentity], publicIdentities: [PublicIdentity],
        serviceProfiles: [ServiceProfile], chargingInformation: ChargingAddresses? = nil,
        capabilities: CapabilitySet? = nil, imsBarred: Bool = false, eps: EPSSubscription? = nil, state: SubscriptionState = SubscriptionState()
    ) {
        self.id = id
        self.privateIdentities = privateIdentities
        self.publicIdentities = publicIdentities
        self.serviceProfiles = serviceProfiles
        self.chargingInformation = chargingInformation
        self.capabilities = capabilities
        self.imsBarred = imsBarred
        self.eps = eps
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, privateIdentities, publicIdentities, serviceProfiles, chargingInformation, capabilities, imsBarred, eps, state
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        privateIdentities = try c.decode([PrivateIdentity].self, forKey: .privateIdentities)
        publicIdentities = try c.decode([PublicIdentity].self, forKey: .publicIdentities)
        serviceProfiles = try c.decodeIfPresent([ServiceProfile].self, forKey: .serviceProfiles) ?? []
        chargingInformation = try c.decodeIfPresent(ChargingAddresses.self, forKey: .chargingInformation)
        capabilities = try c.decodeIfPresent(CapabilitySet.self, forKey: .capabilities)
        imsBarred = try c.decodeIfPresent(Bool.self, forKey: .imsBarred) ?? false
        eps = try c.decodeIfPresent(EPSSubscription.self, forKey: .eps)
        state = try c.decodeIfPresent(SubscriptionState.self, forKey: .state) ?? SubscriptionState()
    }

    // MARK: Lookups

    public func privateIdentity(_ impi: String) -> PrivateIdentity? { privateIdentities.first { $0.identity == impi } }
    public func privateIndex(_ impi: String) -> Int? { privateIdentities.firstIndex { $0.identity == impi } }

    /// The public identity `impu` names: an exact match first, then a wildcarded PSI/IMPU whose pattern
    /// matches (TS 29.228 §6.1.1.1, §6.1.4.1: "wildcarded" identities).
    public func publicIdentity(matching impu: String) -> PublicIdentity? {
        publicIdentities.first { $0.identity == impu } ?? publicIdentities.first { $0.wildcard?.matches(impu) ?? false }
    }

    /// Whether the public identity is associated with the private one (TS 29.228 §6.1.1.1:
    /// DIAMETER_ERROR_IDENTITIES_DONT_MATCH otherwise).
    public func isAssociated(impi: String, impu: PublicIdentity) -> Bool { impu.privateIdentities.contains(impi) }

    /// The implicit registration set of `impu` (TS 23.228 §5.2.1a): every identity with the same set id.
    public func implicitSet(of impu: PublicIdentity) -> [PublicIdentity] {
        publicIdentities.filter { $0.implicitSet == impu.implicitSet }
    }

    public func serviceProfile(_ id: String) -> ServiceProfile? { serviceProfiles.first { $0.id == id } }

    public func registrationState(of impu: String) -> RegistrationState { state.registrations[impu]?.state ?? .notRegistered }

    /// The private identity whose AKA credentials and SQN the EPS subscription uses (the one named, else
    /// the first with AKA credentials).
    public var epsAKAIdentity: PrivateIdentity? {
        guard let eps else { return nil }
        if let named = eps.akaIdentity { return privateIdentity(named) }
        return privateIdentities.first { $0.aka != nil }
    }

    /// Whether any identity of the subscription is registered or unregistered (holds the S-CSCF).
    public var hasActiveRegistration: Bool {
        state.registrations.values.contains { $0.state != .notRegistered }
    }
}

/// The Cx-maintained part of a subscription (TS 29.228 §6.1.2, §8.1).
public struct SubscriptionState: Codable, Hashable, Sendable {
    /// The S-CSCF assigned to the subscription, with its Diameter identity (the Destination-Host of
    /// RTR/PPR; TS 29.228 §6.1.2.1 "store the S-CSCF name").
    public var scscf: SCSCFAssignment?
    /// Registration state per public identity (absent: NOT_REGISTERED).
    public var registrations: [String: IdentityRegistration]
    /// Per private identity: the last SQN issued (TS 33.102 Annex C: SQN_HE).
    public var sqn: [String: UInt64]
    /// S-CSCF restoration information per private identity (TS 29.228 §6.1.2.1, IMS restoration).
    public var restoration: [String: StoredRestoration]
    /// The MME serving the EPS subscription (TS 29.272 §5.2.1.1.3), once a ULR was accepted.
    public var mme: MMERegistration?
    /// What Sh keeps (TS 29.328): transparent data, PSI activation, DSAI, AS subscriptions. Held behind
    /// one reference (nil when empty): the state is copied several times per request, and inline Sh
    /// collections made every copy and every zeroed procedure outcome larger on the MAR path
    /// (docs/benchmarks.md, "Sh").
    public var sh: ShState {
        get { shBox?.value ?? ShState() }
        set { shBox = newValue.isEmpty ? nil : ShBox(newValue) }
    }
    var shBox: ShBox?

    public init(
        scscf: SCSCFAssignment? = nil, registrations: [String: IdentityRegistration] = [:], sqn: [String: UInt64] = [:],
        restoration: [String: StoredRestoration] = [:], mme: MMERegistration? = nil, sh: ShState = ShState()
    ) {
        self.scscf = scscf
        self.registrations = registrations
        self.sqn = sqn
        self.restoration = restoration
        self.mme = mme
        self.sh = sh
    }

    enum CodingKeys: String, CodingKey { case scscf, registrations, sqn, restoration, mme, sh }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(scscf, forKey: .scscf)
        try c.encode(registrations, forKey: .registrations)
        try c.encode(sqn, forKey: .sqn)
        try c.encode(restoration, forKey: .restoration)
        try c.encodeIfPresent(mme, forKey: .mme)
        if let shBox { try c.encode(shBox.value, forKey: .sh) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scscf = try c.decodeIfPresent(SCSCFAssignment.self, forKey: .scscf)
        registrations = try c.decodeIfPresent([String: IdentityRegistration].self, forKey: .registrations) ?? [:]
        sqn = try c.decodeIfPresent([String: UInt64].self, forKey: .sqn) ?? [:]
        restoration = try c.decodeIfPresent([String: StoredRestoration].self, forKey: .restoration) ?? [:]
        mme = try c.decodeIfPresent(MMERegistration.self, forKey: .mme)
        sh = try c.decodeIfPresent(ShState.self, forKey: .sh) ?? ShState()
    }
}

/// An immutable Sh state behind a reference (``SubscriptionState/sh``): equal by value.
final class ShBox: Hashable, Sendable {
    let value: ShState
    init(_ value: ShState) { self.value = value }
    static func == (a: ShBox, b: ShBox) -> Bool { a === b || a.value == b.value }
    func hash(into h: inout Hasher) { h.combine(value) }
}

/// The stored S-CSCF (TS 29.228 §6.1.2.1, §8.1): its SIP name (Server-Name) and the Diameter identity
/// that sent the MAR/SAR.
public struct SCSCFAssignment: Codable, Hashable, Sendable {
    public var serverName: String
    public var originHost: String
    public var originRealm: String
    /// Assigned by a MAR and not yet confirmed by a SAR ("authentication pending").
    public var authenticationPending: Bool
    /// TS 29.228 §6.1.2.1 "S-CSCF reassignment pending flag" (set by UAR REGISTRATION_AND_CAPABILITIES,
    /// IMS restoration): a SAR from another S-CSCF may take the user over.
    public var reassignmentPending: Bool

    public init(serverName: String, originHost: String, originRealm: String, authenticationPending: Bool = false, reassignmentPending: Bool = false) {
        self.serverName = serverName
        self.originHost = originHost
        self.originRealm = originRealm
        self.authenticationPending = authenticationPending
        self.reassignmentPending = reassignmentPending
    }
}

/// TS 29.228 §6.1.2.1 registration states, per public identity.
public enum RegistrationState: String, Codable, Hashable, Sendable {
    case notRegistered = "NOT_REGISTERED"
    case registered = "REGISTERED"
    /// Held by an S-CSCF for a terminating/originating request, or after a de-registration that kept the
    /// S-CSCF name ("registered as a consequence of a terminating call").
    case unregistered = "UNREGISTERED"
}

/// A public identity's registration: its state and the private identities it is registered with.
public struct IdentityRegistration: Codable, Hashable, Sendable {
    public var state: RegistrationState
    public var privateIdentities: [String]
    public init(state: RegistrationState, privateIdentities: [String] = []) {
        self.state = state
        self.privateIdentities = privateIdentities
    }
}

/// Charging-Information (TS 29.229 §6.3.19): the charging function addresses, as provisioned.
public struct ChargingAddresses: Codable, Hashable, Sendable {
    public var primaryEventChargingFunctionName: String?
    public var secondaryEventChargingFunctionName: String?
    public var primaryChargingCollectionFunctionName: String?
    public var secondaryChargingCollectionFunctionName: String?

    public init(primaryEventChargingFunctionName: String? = nil, secondaryEventChargingFunctionName: String? = nil, primaryChargingCollectionFunctionName: String? = nil, secondaryChargingCollectionFunctionName: String? = nil) {
        self.primaryEventChargingFunctionName = primaryEventChargingFunctionName
        self.secondaryEventChargingFunctionName = secondaryEventChargingFunctionName
        self.primaryChargingCollectionFunctionName = primaryChargingCollectionFunctionName
        self.secondaryChargingCollectionFunctionName = secondaryChargingCollectionFunctionName
    }
}

/// An S-CSCF capability set (TS 29.228 §6.7, Server-Capabilities): operator-defined capability numbers
/// and, optionally, preferred S-CSCF names.
public struct CapabilitySet: Codable, Hashable, Sendable {
    public var mandatory: [UInt32]
    public var optional: [UInt32]
    public var serverNames: [String]

    public init(mandatory: [UInt32] = [], optional: [UInt32] = [], serverNames: [String] = []) {
        self.mandatory = mandatory
        self.optional = optional
        self.serverNames = serverNames
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mandatory = try c.decodeIfPresent([UInt32].self, forKey: .mandatory) ?? []
        optional = try c.decodeIfPresent([UInt32].self, forKey: .optional) ?? []
        serverNames = try c.decodeIfPresent([String].self, forKey: .serverNames) ?? []
    }
}

/// SCSCF-Restoration-Info as stored (TS 29.229 §6.3.46, IMS restoration TS 23.380): path, contact,
/// CSeq and Call-ID per registration flow. Subscription-Info is not kept (documented in compliance.md).
public struct StoredRestoration: Codable, Hashable, Sendable {
    public struct Flow: Codable, Hashable, Sendable {
        public var path: [UInt8]
        public var contact: [UInt8]
        public var initialCSeqSequenceNumber: UInt32?
        public var callIDSIPHeader: [UInt8]?
        public init(path: [UInt8], contact: [UInt8], initialCSeqSequenceNumber: UInt32? = nil, callIDSIPHeader: [UInt8]? = nil) {
            self.path = path
            self.contact = contact
            self.initialCSeqSequenceNumber = initialCSeqSequenceNumber
            self.callIDSIPHeader = callIDSIPHeader
        }
    }
    public var userName: String
    public var flows: [Flow]
    public var registrationTimeOut: UInt32?
    public var sipAuthenticationScheme: String?

    public init(userName: String, flows: [Flow], registrationTimeOut: UInt32? = nil, sipAuthenticationScheme: String? = nil) {
        self.userName = userName
        self.flows = flows
        self.registrationTimeOut = registrationTimeOut
        self.sipAuthenticationScheme = sipAuthenticationScheme
    }
}
