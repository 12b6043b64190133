public import DiameterCore

// The EPS part of a subscription (TS 23.401 §5.7.1 "HSS", TS 29.272 §7.3.2 Subscription-Data): what the
// MME asks for over S6a. The USIM's K, OPc, AMF and SQN are not repeated here: `akaIdentity` names the
// private identity whose credentials (and whose SQN, TS 33.102 Annex C) this IMSI shares with IMS AKA.

/// EPS subscription data of an IMS subscription (TS 29.272 §7.3.2), as provisioned.
public struct EPSSubscription: Codable, Hashable, Sendable {
    /// TS 23.003 §2.2: MCC (3) ‖ MNC (2-3) ‖ MSIN, at most 15 digits. The User-Name of S6a requests.
    public var imsi: String
    /// The private identity whose AKA credentials and SQN the USIM uses (one SQN per USIM across Cx
    /// MAR and S6a AIR). Defaults to the subscription's first private identity with AKA credentials.
    public var akaIdentity: String?
    /// E.164 digits (MSISDN AVP, TS 29.329 §6.3.2, TBCD on the wire).
    public var msisdn: String?
    /// Subscriber-Status (TS 29.272 §7.3.29).
    public var subscriberStatus: SubscriberStatus
    /// Operator-Determined-Barring bits (TS 29.272 §7.3.30), sent when the status is
    /// OPERATOR_DETERMINED_BARRING.
    public var operatorDeterminedBarring: UInt32
    /// Network-Access-Mode (TS 29.272 §7.3.21).
    public var networkAccessMode: NetworkAccessMode
    /// UE-AMBR (TS 29.272 §7.3.41), bits per second.
    public var ambr: SubscribedAMBR
    /// Access-Restriction-Data bits (TS 29.272 §7.3.31), named in JSON (``AccessRestriction``).
    public var accessRestrictions: [AccessRestriction]
    /// Visited PLMNs the subscriber may attach in, as "MCC-MNC" ("*": any). The home PLMN (the IMSI's
    /// own MCC and MNC) is always allowed. Elsewhere ULR answers DIAMETER_ERROR_ROAMING_NOT_ALLOWED.
    public var allowedVisitedPLMNs: [String]
    /// RAT types the subscriber may use (ULR with another: DIAMETER_ERROR_RAT_NOT_ALLOWED); `nil`: any.
    public var allowedRATTypes: [RATType]?
    /// APN-Configuration-Profile (TS 29.272 §7.3.34): the default context and the APNs. No APN: no EPS
    /// subscription (the IMSI is known, for UTRAN vectors say, but ULR is refused).
    public var defaultContextIdentifier: UInt32
    public var apns: [SubscribedAPN]

    public init(
        imsi: String, akaIdentity: String? = nil, msisdn: String? = nil, subscriberStatus: SubscriberStatus = .serviceGranted,
        operatorDeterminedBarring: UInt32 = 0, networkAccessMode: NetworkAccessMode = .onlyPacket,
        ambr: SubscribedAMBR = SubscribedAMBR(uplink: 100_000_000, downlink: 100_000_000), accessRestrictions: [AccessRestriction] = [],
        allowedVisitedPLMNs: [String] = [], allowedRATTypes: [RATType]? = nil, defaultContextIdentifier: UInt32, apns: [SubscribedAPN]
    ) {
        self.imsi = imsi
        self.akaIdentity = akaIdentity
        self.msisdn = msisdn
        self.subscriberStatus = subscriberStatus
        self.operatorDeterminedBarring = operatorDeterminedBarring
        self.networkAccessMode = networkAccessMode
        self.ambr = ambr
        self.accessRestrictions = accessRestrictions
        self.allowedVisitedPLMNs = allowedVisitedPLMNs
        self.allowedRATTypes = allowedRATTypes
        self.defaultContextIdentifier = defaultContextIdentifier
        self.apns = apns
    }

    /// The default APN (the one whose Context-Identifier is the profile's).
    public var defaultAPN: SubscribedAPN? { apns.first { $0.contextIdentifier == defaultContextIdentifier } }

    /// Access-Restriction-Data as the AVP carries it.
    public var accessRestrictionData: UInt32 { accessRestrictions.reduce(0) { $0 | 1 << $1.rawValue } }

    /// Whether the subscriber may attach in `plmn`: its home PLMN, or one listed.
    public func mayRoam(in plmn: PLMNIdentity) -> Bool {
        imsi.hasPrefix(plmn.mcc + plmn.mnc) || allowedVisitedPLMNs.contains("*") || allowedVisitedPLMNs.contains(plmn.description)
    }

    enum CodingKeys: String, CodingKey {
        case imsi, akaIdentity, msisdn, subscriberStatus, operatorDeterminedBarring, networkAccessMode, ambr, accessRestrictions
        case allowedVisitedPLMNs, allowedRATTypes, defaultContextIdentifier, apns
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imsi = try c.decode(String.self, forKey: .imsi)
        guard (6...15).contains(imsi.count), imsi.allSatisfy(\.isASCIIDigit) else {
            throw DecodingError.dataCorruptedError(forKey: .imsi, in: c, debugDescription: "6 to 15 decimal digits (TS 23.003 §2.2)")
        }
        akaIdentity = try c.decodeIfPresent(String.self, forKey: .akaIdentity)
        msisdn = try c.decodeIfPresent(String.self, forKey: .msisdn)
        if let m = msisdn, !(1...15).contains(m.count) || !m.allSatisfy(\.isASCIIDigit) {
            throw DecodingError.dataCorruptedError(forKey: .msisdn, in: c, debugDescription: "1 to 15 decimal digits (E.164, no +)")
        }
        subscriberStatus = try EnumeratedName.decode(c, .subscriberStatus, .subscriberStatus) ?? .serviceGranted
        operatorDeterminedBarring = try c.decodeIfPresent(UInt32.self, forKey: .operatorDeterminedBarring) ?? 0
        networkAccessMode = try EnumeratedName.decode(c, .networkAccessMode, .networkAccessMode) ?? .onlyPacket
        ambr = try c.decodeIfPresent(SubscribedAMBR.self, forKey: .ambr) ?? SubscribedAMBR(uplink: 100_000_000, downlink: 100_000_000)
        accessRestrictions = try c.decodeIfPresent([AccessRestriction].self, forKey: .accessRestrictions) ?? []
        allowedVisitedPLMNs = try c.decodeIfPresent([String].self, forKey: .allowedVisitedPLMNs) ?? []
        for p in allowedVisitedPLMNs where p != "*" && PLMNIdentity(text: p) == nil {
            throw DecodingError.dataCorruptedError(forKey: .allowedVisitedPLMNs, in: c, debugDescription: "\"\(p)\": MCC-MNC (3 and 2-3 digits) or *")
        }
        if let names = try c.decodeIfPresent([String].self, forKey: .allowedRATTypes) {
            allowedRATTypes = try names.map { name in
                guard let v = EnumeratedName.value(of: name, .ratType) else {
                    throw DecodingError.dataCorruptedError(forKey: .allowedRATTypes, in: c, debugDescription: "\"\(name)\": not a RAT-Type (TS 29.212 §5.3.31) name")
                }
                return RATType(rawValue: v)
            }
        } else {
            allowedRATTypes = nil
        }
        // No APN: the IMSI is known but has no EPS subscription (ULR and E-UTRAN AIR answer
        // DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION).
        apns = try c.decodeIfPresent([SubscribedAPN].self, forKey: .apns) ?? []
        guard Set(apns.map(\.contextIdentifier)).count == apns.count else {
            throw DecodingError.dataCorruptedError(forKey: .apns, in: c, debugDescription: "context identifiers must differ")
        }
        defaultContextIdentifier = try c.decodeIfPresent(UInt32.self, forKey: .defaultContextIdentifier) ?? apns.first?.contextIdentifier ?? 0
        guard apns.isEmpty || apns.contains(where: { $0.contextIdentifier == defaultContextIdentifier }) else {
            throw DecodingError.dataCorruptedError(forKey: .defaultContextIdentifier, in: c, debugDescription: "names no APN's contextIdentifier")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(imsi, forKey: .imsi)
        try c.encodeIfPresent(akaIdentity, forKey: .akaIdentity)
        try c.encodeIfPresent(msisdn, forKey: .msisdn)
        try c.encode(EnumeratedName.name(of: subscriberStatus.rawValue, .subscriberStatus), forKey: .subscriberStatus)
        try c.encode(operatorDeterminedBarring, forKey: .operatorDeterminedBarring)
        try c.encode(EnumeratedName.name(of: networkAccessMode.rawValue, .networkAccessMode), forKey: .networkAccessMode)
        try c.encode(ambr, forKey: .ambr)
        try c.encode(accessRestrictions, forKey: .accessRestrictions)
        try c.encode(allowedVisitedPLMNs, forKey: .allowedVisitedPLMNs)
        try c.encodeIfPresent(allowedRATTypes?.map { EnumeratedName.name(of: $0.rawValue, .ratType) }, forKey: .allowedRATTypes)
        try c.encode(defaultContextIdentifier, forKey: .defaultContextIdentifier)
        try c.encode(apns, forKey: .apns)
    }
}

/// An APN-Configuration (TS 29.272 §7.3.35) as provisioned.
public struct SubscribedAPN: Codable, Hashable, Sendable {
    public var contextIdentifier: UInt32
    /// Service-Selection: the APN network identifier (TS 23.003 §9.1), e.g. "internet", "ims".
    public var name: String
    public var pdnType: PDNType
    /// QoS-Class-Identifier (TS 29.212 §5.3.17): 1-9 standardised, 65-254 as TS 23.203 allows.
    public var qci: UInt8
    public var arp: SubscribedARP
    /// APN-AMBR, bits per second.
    public var ambr: SubscribedAMBR
    /// Served-Party-IP-Address values: a static IPv4 and/or IPv6 address (text form).
    public var staticAddresses: [String]
    /// VPLMN-Dynamic-Address-Allowed (TS 29.272 §7.3.38).
    public var vplmnDynamicAddressAllowed: Bool

    public init(
        contextIdentifier: UInt32, name: String, pdnType: PDNType = .ipv4, qci: UInt8 = 9,
        arp: SubscribedARP = SubscribedARP(priorityLevel: 8), ambr: SubscribedAMBR = SubscribedAMBR(uplink: 100_000_000, downlink: 100_000_000),
        staticAddresses: [String] = [], vplmnDynamicAddressAllowed: Bool = false
    ) {
        self.contextIdentifier = contextIdentifier
        self.name = name
        self.pdnType = pdnType
        self.qci = qci
        self.arp = arp
        self.ambr = ambr
        self.staticAddresses = staticAddresses
        self.vplmnDynamicAddressAllowed = vplmnDynamicAddressAllowed
    }

    enum CodingKeys: String, CodingKey { case contextIdentifier, name, pdnType, qci, arp, ambr, staticAddresses, vplmnDynamicAddressAllowed }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        contextIdentifier = try c.decode(UInt32.self, forKey: .contextIdentifier)
        name = try c.decode(String.self, forKey: .name)
        // TS 23.003 §9.1: labels of letters, digits and hyphens separated by dots, at most 100 octets.
        guard !name.isEmpty, name.utf8.count <= 100,
            name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCIILetterOrDigit || $0 == "-" } })
        else {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "an APN network identifier (TS 23.003 §9.1: labels of letters, digits, hyphens)")
        }
        pdnType = try EnumeratedName.decode(c, .pdnType, .pdnType) ?? .ipv4
        qci = try c.decodeIfPresent(UInt8.self, forKey: .qci) ?? 9
        guard (1...9).contains(qci) || qci >= 65 else {
            throw DecodingError.dataCorruptedError(forKey: .qci, in: c, debugDescription: "1-9 or 65-254 (TS 23.203 Table 6.1.7)")
        }
        arp = try c.decodeIfPresent(SubscribedARP.self, forKey: .arp) ?? SubscribedARP(priorityLevel: 8)
        ambr = try c.decodeIfPresent(SubscribedAMBR.self, forKey: .ambr) ?? SubscribedAMBR(uplink: 100_000_000, downlink: 100_000_000)
        staticAddresses = try c.decodeIfPresent([String].self, forKey: .staticAddresses) ?? []
        for a in staticAddresses where DiameterAddress(a) == nil {
            throw DecodingError.dataCorruptedError(forKey: .staticAddresses, in: c, debugDescription: "\"\(a)\": an IPv4 or IPv6 address")
        }
        vplmnDynamicAddressAllowed = try c.decodeIfPresent(Bool.self, forKey: .vplmnDynamicAddressAllowed) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contextIdentifier, forKey: .contextIdentifier)
        try c.encode(name, forKey: .name)
        try c.encode(EnumeratedName.name(of: pdnType.rawValue, .pdnType), forKey: .pdnType)
        try c.encode(qci, forKey: .qci)
        try c.encode(arp, forKey: .arp)
        try c.encode(ambr, forKey: .ambr)
        try c.encode(staticAddresses, forKey: .staticAddresses)
        try c.encode(vplmnDynamicAddressAllowed, forKey: .vplmnDynamicAddressAllowed)
    }
}

/// Allocation-Retention-Priority (TS 29.212 §5.3.32): level 1 (highest) to 15; the pre-emption flags.
public struct SubscribedARP: Codable, Hashable, Sendable {
    public var priorityLevel: UInt8
    /// May take resources of lower-priority bearers (Pre-emption-Capability ENABLED).
    public var preemptionCapability: Bool
    /// May lose its resources to higher-priority bearers (Pre-emption-Vulnerability ENABLED).
    public var preemptionVulnerability: Bool

    public init(priorityLevel: UInt8, preemptionCapability: Bool = false, preemptionVulnerability: Bool = true) {
        self.priorityLevel = priorityLevel
        self.preemptionCapability = preemptionCapability
        self.preemptionVulnerability = preemptionVulnerability
    }

    enum CodingKeys: String, CodingKey { case priorityLevel, preemptionCapability, preemptionVulnerability }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        priorityLevel = try c.decode(UInt8.self, forKey: .priorityLevel)
        guard (1...15).contains(priorityLevel) else {
            throw DecodingError.dataCorruptedError(forKey: .priorityLevel, in: c, debugDescription: "1 to 15 (TS 29.212 §5.3.45)")
        }
        preemptionCapability = try c.decodeIfPresent(Bool.self, forKey: .preemptionCapability) ?? false
        preemptionVulnerability = try c.decodeIfPresent(Bool.self, forKey: .preemptionVulnerability) ?? true
    }
}

/// An AMBR (TS 29.272 §7.3.41): Max-Requested-Bandwidth-UL/DL in bits per second.
public struct SubscribedAMBR: Codable, Hashable, Sendable {
    public var uplink: UInt32
    public var downlink: UInt32
    public init(uplink: UInt32, downlink: UInt32) {
        self.uplink = uplink
        self.downlink = downlink
    }
}

/// Access-Restriction-Data bits (TS 29.272 §7.3.31).
public enum AccessRestriction: UInt32, Codable, Hashable, Sendable, CaseIterable {
    case utranNotAllowed = 0
    case geranNotAllowed = 1
    case ganNotAllowed = 2
    case iHSPAEvolutionNotAllowed = 3
    case wbEUTRANNotAllowed = 4
    case hoToNon3GPPAccessNotAllowed = 5
    case nbIoTNotAllowed = 6
    case enhancedCoverageNotAllowed = 7

    /// The names of the JSON form.
    static let names: [AccessRestriction: String] = [
        .utranNotAllowed: "UTRAN_NOT_ALLOWED", .geranNotAllowed: "GERAN_NOT_ALLOWED", .ganNotAllowed: "GAN_NOT_ALLOWED",
        .iHSPAEvolutionNotAllowed: "I_HSPA_EVOLUTION_NOT_ALLOWED", .wbEUTRANNotAllowed: "WB_E_UTRAN_NOT_ALLOWED",
        .hoToNon3GPPAccessNotAllowed: "HO_TO_NON_3GPP_ACCESS_NOT_ALLOWED", .nbIoTNotAllowed: "NB_IOT_NOT_ALLOWED",
        .enhancedCoverageNotAllowed: "ENHANCED_COVERAGE_NOT_ALLOWED",
    ]

    /// The RAT an Access-Restriction-Data bit forbids, for the ULR check (TS 29.272 §5.2.1.1.3:
    /// DIAMETER_ERROR_RAT_NOT_ALLOWED).
    public var forbiddenRAT: RATType? {
        switch self {
        case .utranNotAllowed: .utran
        case .geranNotAllowed: .geran
        case .ganNotAllowed: .gan
        case .iHSPAEvolutionNotAllowed: .hspaEvolution
        case .wbEUTRANNotAllowed: .eutran
        case .nbIoTNotAllowed: .eutranNbIoT
        case .hoToNon3GPPAccessNotAllowed, .enhancedCoverageNotAllowed: nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let r = Self.names.first(where: { $0.value == name })?.key else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(name)\": one of \(Self.names.values.sorted().joined(separator: ", "))")
        }
        self = r
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Self.names[self] ?? "\(rawValue)")
    }
}

/// Enumerated AVP values named as the dictionary names them (`dictionaries/*.dia`), for the JSON forms.
enum EnumeratedName {
    static func value(of name: String, _ definition: AVPDefinition) -> Int32? {
        DiameterDictionary.standard.enumerationNames(definition.key).first { $0.value == name }?.key
    }

    static func name(of value: Int32, _ definition: AVPDefinition) -> String {
        DiameterDictionary.standard.enumerationNames(definition.key)[value] ?? "\(value)"
    }

    static func decode<K: CodingKey, E: RawRepresentable>(
        _ c: KeyedDecodingContainer<K>, _ key: K, _ definition: AVPDefinition
    ) throws -> E? where E.RawValue == Int32 {
        guard let name = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let v = value(of: name, definition) else {
            let known = DiameterDictionary.standard.enumerationNames(definition.key).values.sorted().joined(separator: ", ")
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\"\(name)\": one of \(known)")
        }
        return E(rawValue: v)
    }
}

extension PLMNIdentity {
    /// From "MCC-MNC" text (e.g. "001-01").
    public init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        self.init(mcc: String(parts[0]), mnc: String(parts[1]))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}

// MARK: The serving MME (state)

/// The MME serving the subscriber (TS 29.272 §5.2.1.1.3: stored at ULR), and what it reported.
public struct MMERegistration: Codable, Hashable, Sendable {
    /// The MME's Diameter identity: Origin-Host/Realm of the ULR, the Destination of CLR/IDR/DSR.
    public var originHost: String
    public var originRealm: String
    /// MME-Number-for-MT-SMS (ISDN address octets), when sent.
    public var mmeNumber: [UInt8]?
    /// Visited-PLMN-Id of the ULR (3 octets).
    public var visitedPLMN: [UInt8]
    public var ratType: Int32
    public var ulrFlags: UInt32
    /// Terminal-Information IMEI and Software-Version, when sent.
    public var imei: String?
    public var softwareVersion: String?
    /// UE-SRVCC-Capability (TS 29.272 §7.3.130), when sent.
    public var ueSRVCCCapability: Int32?
    /// Homogeneous-Support-of-IMS-Voice-Over-PS-Sessions, when sent (ULR or NOR).
    public var imsVoiceOverPS: Int32?
    /// "UE purged in MME" (TS 29.272 §5.2.1.3.3): set by a PUR from this MME, cleared by the next ULR.
    public var purged: Bool

    public init(
        originHost: String, originRealm: String, mmeNumber: [UInt8]? = nil, visitedPLMN: [UInt8], ratType: Int32, ulrFlags: UInt32,
        imei: String? = nil, softwareVersion: String? = nil, ueSRVCCCapability: Int32? = nil, imsVoiceOverPS: Int32? = nil, purged: Bool = false
    ) {
        self.originHost = originHost
        self.originRealm = originRealm
        self.mmeNumber = mmeNumber
        self.visitedPLMN = visitedPLMN
        self.ratType = ratType
        self.ulrFlags = ulrFlags
        self.imei = imei
        self.softwareVersion = softwareVersion
        self.ueSRVCCCapability = ueSRVCCCapability
        self.imsVoiceOverPS = imsVoiceOverPS
        self.purged = purged
    }
}
