import DiameterCore
import HSSCore

/// A small, fully known world for the Cx procedure tests: names, keys and states chosen so every rule of
/// ../shared/spec/procedures.md can be reached.
enum Fx {
    static let realm = "ims.example.net"
    static let scscf1 = "sip:scscf1.ims.example.net:6060"
    static let scscf1Host = "scscf1.ims.example.net"
    static let scscf2 = "sip:scscf2.ims.example.net:6060"
    static let scscf2Host = "scscf2.ims.example.net"
    static let visitedHome = Array(realm.utf8)

    static let k = Block128(hex: "465b5ce8b199b49faa5f0a2ee238a6bc")!
    static let opc = Block128(hex: "cd63cb71954a9f4e48a5994e37a02baf")!

    static let context = HSSContext(
        originHost: "hss.ims.example.net", originRealm: realm, homeNetworks: [realm],
        defaultCapabilities: CapabilitySet(mandatory: [1], optional: [2, 3]), maximumAuthItems: 4,
        sequenceNumbers: SequenceNumberScheme(ind: 3))

    // alice: one IMPI, sip + tel in implicit set 1, sip:alice-work in set 2 (barred), AKA + Digest.
    // carol: two IMPIs sharing sip:carol; digest only; roaming to visited.example.org only.
    // psi: a distinct PSI (inactive) and a wildcarded PSI hosted on an AS.
    static let alice = IMSSubscription(
        id: "alice",
        privateIdentities: [
            PrivateIdentity(
                identity: "alice@ims.example.net", authenticationSchemes: [.akav1MD5, .sipDigest],
                aka: AKACredentials(k: k, opc: opc, amf: 0xB9B9, initialSQN: 0x20),
                digest: DigestCredentials(realm: realm, ha1: DigestCredentials.ha1(username: "alice@ims.example.net", realm: realm, password: "s3cret")))
        ],
        publicIdentities: [
            PublicIdentity(identity: "sip:alice@ims.example.net", serviceProfile: "p1", implicitSet: 1, privateIdentities: ["alice@ims.example.net"]),
            PublicIdentity(identity: "tel:+15550001", serviceProfile: "p1", implicitSet: 1, privateIdentities: ["alice@ims.example.net"]),
            PublicIdentity(identity: "sip:alice-work@ims.example.net", barred: true, serviceProfile: "p2", implicitSet: 2, privateIdentities: ["alice@ims.example.net"]),
        ],
        serviceProfiles: [
            ServiceProfile(id: "p1", initialFilterCriteria: [
                InitialFilterCriteria(
                    priority: 0, triggerPoint: TriggerPoint(conditionTypeCNF: false, spts: [ServicePointTrigger(condition: .method("INVITE"))]),
                    applicationServer: ApplicationServer(serverName: "sip:mmtel.ims.example.net", defaultHandling: .sessionContinued))
            ]),
            ServiceProfile(id: "p2"),
        ],
        chargingInformation: ChargingAddresses(primaryChargingCollectionFunctionName: "aaa://ccf.ims.example.net"))

    static let carol = IMSSubscription(
        id: "carol",
        privateIdentities: [
            PrivateIdentity(identity: "carol-phone@ims.example.net", authenticationSchemes: [.sipDigest], digest: DigestCredentials(realm: realm, ha1: String(repeating: "a", count: 32))),
            PrivateIdentity(identity: "carol-tablet@ims.example.net", authenticationSchemes: [.nassBundled], lineIdentifiers: ["line-7"]),
        ],
        publicIdentities: [
            PublicIdentity(
                identity: "sip:carol@ims.example.net", serviceProfile: "p", implicitSet: 1,
                privateIdentities: ["carol-phone@ims.example.net", "carol-tablet@ims.example.net"], allowedVisitedNetworks: ["visited.example.org"]),
            PublicIdentity(identity: "sip:carol-only-phone@ims.example.net", serviceProfile: "p", implicitSet: 2, privateIdentities: ["carol-phone@ims.example.net"]),
        ],
        serviceProfiles: [ServiceProfile(id: "p")])

    static let psi = IMSSubscription(
        id: "psi",
        privateIdentities: [],
        publicIdentities: [
            PublicIdentity(identity: "sip:inactive-psi@ims.example.net", type: .distinctPSI, serviceProfile: "p", privateIdentities: [], psiActivated: false),
            PublicIdentity(identity: "sip:conf-!.*!@ims.example.net", type: .wildcardedPSI, serviceProfile: "p", privateIdentities: [], psiApplicationServer: "sip:conf-as.ims.example.net"),
        ],
        serviceProfiles: [ServiceProfile(id: "p")])

    static let all = [alice, carol, psi]

    static func isKnown(_ id: String) -> Bool {
        all.contains { s in s.privateIdentity(id) != nil || s.publicIdentity(matching: id) != nil }
    }

    static func envelope(from host: String = scscf1Host) -> CxEnvelope {
        CxEnvelope(sessionID: "\(host);1;1", originHost: host, originRealm: realm, destinationRealm: realm)
    }

    /// `s` with `impu`'s implicit set in `state` for `impi`, held by `server`.
    static func with(_ s: IMSSubscription, _ impu: String, _ state: RegistrationState, impi: String, server: String = scscf1, host: String = scscf1Host, pending: Bool = false) -> IMSSubscription {
        var s = s
        s.state.scscf = SCSCFAssignment(serverName: server, originHost: host, originRealm: realm, authenticationPending: pending)
        if state != .notRegistered { s.setState(state, implicitSetOf: s.publicIdentity(matching: impu)!, impi: impi) }
        return s
    }

    // MARK: Requests

    static func uar(_ impi: String, _ impu: String, type: UserAuthorizationType? = nil, flags: UInt32? = nil, visited: [UInt8] = visitedHome) -> UserAuthorizationRequest {
        UserAuthorizationRequest(envelope: envelope(), userName: impi, publicIdentity: impu, visitedNetworkIdentifier: visited, userAuthorizationType: type, uarFlags: flags)
    }

    static func sar(
        _ impi: String?, _ impus: [String], _ sat: ServerAssignmentType, server: String = scscf1, host: String = scscf1Host,
        udaa: UserDataAlreadyAvailable = .userDataNotAvailable, multiple: MultipleRegistrationIndication? = nil, restoration: SCSCFRestorationInfo? = nil
    ) -> ServerAssignmentRequest {
        ServerAssignmentRequest(
            envelope: envelope(from: host), userName: impi, publicIdentities: impus, serverName: server, serverAssignmentType: sat,
            userDataAlreadyAvailable: udaa, scscfRestorationInfo: restoration, multipleRegistrationIndication: multiple)
    }

    static func lir(_ impu: String, originating: Bool = false, type: UserAuthorizationType? = nil) -> LocationInfoRequest {
        LocationInfoRequest(envelope: envelope(), originatingRequest: originating ? .originating : nil, publicIdentity: impu, userAuthorizationType: type)
    }

    static func mar(_ impi: String, _ impu: String, scheme: String = "Digest-AKAv1-MD5", n: UInt32 = 1, server: String = scscf1, host: String = scscf1Host, authorization: [UInt8]? = nil) -> MultimediaAuthRequest {
        MultimediaAuthRequest(
            envelope: envelope(from: host), userName: impi, publicIdentity: impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: scheme, sipAuthorization: authorization), sipNumberAuthItems: n, serverName: server)
    }

    // MARK: Running procedures

    static func run(_ r: UserAuthorizationRequest, _ s: IMSSubscription?) -> ProcedureOutcome<UserAuthorizationAnswer> {
        CxProcedures.userAuthorization(r, subscription: s, context: context, isKnownIdentity: isKnown)
    }
    static func run(_ r: ServerAssignmentRequest, _ s: IMSSubscription?, context c: HSSContext = context) -> ProcedureOutcome<ServerAssignmentAnswer> {
        CxProcedures.serverAssignment(r, subscription: s, context: c, isKnownIdentity: isKnown)
    }
    static func run(_ r: LocationInfoRequest, _ s: IMSSubscription?) -> ProcedureOutcome<LocationInfoAnswer> {
        CxProcedures.locationInfo(r, subscription: s, context: context)
    }
    static func run(_ r: MultimediaAuthRequest, _ s: IMSSubscription?) throws -> ProcedureOutcome<MultimediaAuthAnswer> {
        var m = try Milenage()
        var rng = SeededRandom(seed: 7)
        return CxProcedures.multimediaAuth(r, subscription: s, context: context, isKnownIdentity: isKnown, milenage: &m, random: &rng)
    }
}

/// Deterministic RAND for tests (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
