public import DiameterCore

// The Sh-Data XML document (TS 29.328 Annex C and D; our rendering of the schema is
// docs/schemas/ShDataType.xsd): what UDA, SNA and PNR carry in User-Data, built from a subscription for
// the data an AS asked for. Element order follows the schema's sequences.

/// What an AS asks for about one identity (a UDR, an SNR with Send-Data-Indication, a subscription whose
/// PNR is due): the data references with the AVPs that qualify them (TS 29.328 §7.6).
public struct ShQuery: Hashable, Sendable {
    /// The public identity (or PSI) the User-Identity named, as matched (wildcards resolved).
    public var identity: String
    public var dataReferences: [DataReference]
    public var serviceIndications: [[UInt8]]
    public var identitySets: [UInt32]
    /// The AS's SIP URI: which iFCs it gets (TS 29.328 §7.6.5).
    public var serverName: String?
    public var requestedDomain: UInt32?
    public var requestedNodes: UInt32?
    public var dsaiTags: [[UInt8]]

    public init(
        identity: String, dataReferences: [DataReference], serviceIndications: [[UInt8]] = [], identitySets: [UInt32] = [],
        serverName: String? = nil, requestedDomain: UInt32? = nil, requestedNodes: UInt32? = nil, dsaiTags: [[UInt8]] = []
    ) {
        self.identity = identity
        self.dataReferences = dataReferences
        self.serviceIndications = serviceIndications
        self.identitySets = identitySets
        self.serverName = serverName
        self.requestedDomain = requestedDomain
        self.requestedNodes = requestedNodes
        self.dsaiTags = dsaiTags
    }

    /// The query a subscription stands for (its PNR carries this document).
    public init(_ s: ShSubscription) {
        self.init(
            identity: s.identity, dataReferences: [DataReference(rawValue: Int32(bitPattern: s.dataReference))], serviceIndications: s.serviceIndications,
            identitySets: s.identitySets, serverName: s.serverName, dsaiTags: s.dsaiTags)
    }
}

/// TS 29.328 §7.6.3 IMSUserState values.
public enum IMSUserState: Int, Sendable {
    case notRegistered = 0, registered = 1, registeredUnregisteredServices = 2, authenticationPending = 3
}

/// The data asked for is not held here: 4100 DIAMETER_USER_DATA_NOT_AVAILABLE (TS 29.328 §6.1.1).
public struct ShDataUnavailable: Error, Hashable, Sendable {
    public var resultCode: ResultCode { .userDataNotAvailable }
}

public enum ShDataDocument {
    /// Requested-Nodes bit 0: MME (TS 29.329 §6.3.28).
    static let mmeNode: UInt32 = 1 << 0
    static let psDomain: UInt32 = 1

    /// The document, or the result code that refuses it: 4100 DIAMETER_USER_DATA_NOT_AVAILABLE for
    /// location or user state this HSS does not hold (the CS domain, the SGSN; §6.1.1), or for an IMSI of a
    /// subscription without EPS data.
    public static func xml(_ q: ShQuery, subscription s: IMSSubscription) -> Result<[UInt8], ShDataUnavailable> {
        let refs = Set(q.dataReferences.map(\.code))
        func wants(_ d: DataReference) -> Bool { refs.contains(d.code) }
        let impu = s.publicIdentity(matching: q.identity)
        var x = XMLWriter()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        x.open("Sh-Data")

        // PublicIdentifiers: IMSPublicIdentity (one identity set) and MSISDN.
        // One list per identity set, in the schema's order (ALL, REGISTERED, IMPLICIT, ALIAS).
        let sets = q.identitySets.isEmpty ? [0] : Array(Set(q.identitySets.map { min($0, 3) })).sorted()
        let identitySets: [(UInt32, [String])] = wants(.imsPublicIdentity) && impu != nil ? sets.map { ($0, identities(in: $0, of: impu!, s)) } : []
        let msisdn = wants(.msisdn) ? msisdns(s) : []
        if identitySets.count == 1 || !msisdn.isEmpty {
            x.open("PublicIdentifiers")
            if identitySets.count == 1 { for i in identitySets[0].1 { x.element("IMSPublicIdentity", i) } }
            for m in msisdn { x.element("MSISDN", m) }
            x.close("PublicIdentifiers")
        }

        // RepositoryData (§7.6.1): one per requested service indication that holds data.
        if wants(.repositoryData) {
            for si in q.serviceIndications {
                guard let item = s.state.sh.repositoryItem(q.identity, si) else { continue }
                repository(item, into: &x)
            }
        }

        // Sh-IMS-Data.
        var ims = XMLWriter()
        if wants(.scscfName), let name = s.state.scscf?.serverName { ims.element("SCSCFName", name) }
        if wants(.initialFilterCriteria), let impu, let profile = s.serviceProfile(impu.serviceProfile) {
            let mine = profile.initialFilterCriteria.filter { q.serverName == nil || $0.applicationServer.serverName == q.serverName }
                .sorted { $0.priority < $1.priority }
            ims.open("IFCs")
            for f in mine { UserDataDocument.filterCriteria(f, into: &ims) }
            ims.close("IFCs")
        }
        if wants(.imsUserState) { ims.element("IMSUserState", String(userState(q.identity, s).rawValue)) }
        if wants(.chargingInformation), let c = s.chargingInformation {
            ims.open("ChargingInformation")
            if let v = c.primaryEventChargingFunctionName { ims.element("PrimaryEventChargingFunctionName", v) }
            if let v = c.secondaryEventChargingFunctionName { ims.element("SecondaryEventChargingFunctionName", v) }
            if let v = c.primaryChargingCollectionFunctionName { ims.element("PrimaryChargingCollectionFunctionName", v) }
            if let v = c.secondaryChargingCollectionFunctionName { ims.element("SecondaryChargingCollectionFunctionName", v) }
            ims.close("ChargingInformation")
        }
        // Extension { PSIActivation?, Extension { DSAI* } } (Annex D: later releases nest their additions).
        let psi = wants(.psiActivation) ? impu.flatMap { $0.type.isPSI ? $0 : nil } : nil
        let dsai = wants(.dsai) && !q.dsaiTags.isEmpty
        if psi != nil || dsai {
            ims.open("Extension")
            if let psi { ims.element("PSIActivation", s.isActive(psi: psi) ? "1" : "0") }
            if dsai {
                ims.open("Extension")
                for tag in q.dsaiTags {
                    ims.open("DSAI")
                    ims.element("DSAI-Tag", String(decoding: tag, as: UTF8.self))
                    ims.element("DSAI-Value", s.state.sh.dsaiActive(q.identity, tag) ? "0" : "1")
                    ims.close("DSAI")
                }
                ims.close("Extension")
            }
            ims.close("Extension")
        }
        if !ims.bytes.isEmpty {
            x.open("Sh-IMS-Data")
            x.bytes += ims.bytes
            x.close("Sh-IMS-Data")
        }

        // Sh-Data-Extension: several identity sets, the EPS user state and location, the IMSI.
        var ext = XMLWriter()
        if identitySets.count > 1 {
            for (set, list) in identitySets {
                let tag = ["AllIdentities", "RegisteredIdentities", "ImplicitIdentities", "AliasIdentities"][Int(min(set, 3))]
                ext.open(tag)
                for i in list { ext.element("IMSPublicIdentity", i) }
                ext.close(tag)
            }
        }
        let domainAsked = wants(.userState) || wants(.locationInformation)
        if domainAsked {
            // Only the PS domain's MME is known here (from S6a); the CS domain and the SGSN are not.
            guard q.requestedDomain == psDomain, (q.requestedNodes ?? 0) & mmeNode != 0 else { return .failure(ShDataUnavailable()) }
            let mme = s.state.mme.flatMap { $0.purged ? nil : $0 }
            if wants(.userState) {
                ext.open("EPSUserState")
                // TS 29.328 §7.6.7: 0 DETACHED; 2 ATTACHED_REACHABLE_FOR_PAGING (what the HSS knows: an MME
                // holds the UE; the MME is not asked for its current state).
                ext.element("MMEUserState", mme == nil ? "0" : "2")
                ext.close("EPSUserState")
            }
            if wants(.locationInformation) {
                guard let mme else { return .failure(ShDataUnavailable()) }
                ext.open("EPSLocationInformation")
                ext.element("MMEName", mme.originHost)
                ext.close("EPSLocationInformation")
            }
        }
        if wants(.imsi) {
            guard let imsi = s.eps?.imsi else { return .failure(ShDataUnavailable()) }
            ext.element("IMSI", imsi)
        }
        if !ext.bytes.isEmpty {
            x.open("Sh-Data-Extension")
            x.bytes += ext.bytes
            x.close("Sh-Data-Extension")
        }
        x.close("Sh-Data")
        return .success(x.bytes)
    }

    static func repository(_ item: RepositoryItem, withData: Bool = true, into x: inout XMLWriter) {
        x.open("RepositoryData")
        x.element("ServiceIndication", String(decoding: item.serviceIndication, as: UTF8.self))
        x.element("SequenceNumber", String(item.sequenceNumber))
        if withData {
            x.open("ServiceData")
            x.bytes += item.serviceData
            x.close("ServiceData")
        }
        x.close("RepositoryData")
    }

    /// One repository data item as a PNR reports it; a deleted one without ServiceData (TS 29.328 §6.1.5:
    /// its ServiceIndication and SequenceNumber only).
    public static func repositoryDocument(_ item: RepositoryItem, withData: Bool = true) -> [UInt8] {
        var x = XMLWriter()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        x.open("Sh-Data")
        repository(item, withData: withData, into: &x)
        x.close("Sh-Data")
        return x.bytes
    }

    /// TS 29.328 §7.6.3, for one identity.
    public static func userState(_ identity: String, _ s: IMSSubscription) -> IMSUserState {
        let key = s.publicIdentity(matching: identity)?.identity ?? identity
        switch s.registrationState(of: key) {
        case .registered: return .registered
        case .unregistered: return .registeredUnregisteredServices
        case .notRegistered: return s.state.scscf?.authenticationPending == true ? .authenticationPending : .notRegistered
        }
    }

    /// TS 29.328 §7.6.2 with TS 29.329 §6.3.10 Identity-Set.
    static func identities(in set: UInt32, of impu: PublicIdentity, _ s: IMSSubscription) -> [String] {
        switch set {
        case 1: return s.publicIdentities.filter { s.registrationState(of: $0.identity) == .registered }.map(\.identity)
        case 2: return s.implicitSet(of: impu).map(\.identity)
        case 3: return s.implicitSet(of: impu).filter { $0.serviceProfile == impu.serviceProfile }.map(\.identity)
        default: return s.publicIdentities.map(\.identity)
        }
    }

    /// The MSISDN (E.164 digits) of the subscription: the EPS one, else its tel: identities.
    static func msisdns(_ s: IMSSubscription) -> [String] {
        if let m = s.eps?.msisdn { return [m] }
        return s.publicIdentities.compactMap { i in
            guard i.identity.hasPrefix("tel:+") else { return nil }
            let digits = i.identity.dropFirst(5).prefix { $0.isASCIIDigit }
            return digits.isEmpty ? nil : String(digits)
        }
    }
}
