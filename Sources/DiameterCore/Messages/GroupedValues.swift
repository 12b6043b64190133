// Typed Grouped AVPs (RFC 6733 §6.7.2, §6.11, §7.6; TS 29.229 §6.3). Rarely used groups
// (Allowed-WAF-WWSF-Identities, Failed-PCSCF, P-CSCF-Subscription-Info, Subscription-Info inside
// Restoration-Info) stay as owned `AVP` trees in the messages that carry them.

/// Vendor-Specific-Application-Id (RFC 6733 §6.11).
public struct VendorSpecificApplicationID: GroupedAVPValue {
    public static let definition = AVPDefinition.vendorSpecificApplicationID
    /// The Cx/Dx application (TS 29.229 §6.1): { Vendor-Id 10415, Auth-Application-Id 16777216 }.
    public static let cx = VendorSpecificApplicationID(vendorID: VendorID.tgpp, authApplicationID: ApplicationID.cx)

    public var vendorID: UInt32
    public var authApplicationID: UInt32?
    public var acctApplicationID: UInt32?

    public init(vendorID: UInt32, authApplicationID: UInt32? = nil, acctApplicationID: UInt32? = nil) {
        self.vendorID = vendorID
        self.authApplicationID = authApplicationID
        self.acctApplicationID = acctApplicationID
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        vendorID = try m.requiredUnsigned32(.vendorID)
        authApplicationID = m.unsigned32(.authApplicationID)
        acctApplicationID = m.unsigned32(.acctApplicationID)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.vendorID, vendorID)
        w.append(.authApplicationID, ifPresent: authApplicationID)
        w.append(.acctApplicationID, ifPresent: acctApplicationID)
    }
}

/// Proxy-Info (RFC 6733 §6.7.2): echoed unchanged in answers.
public struct ProxyInfo: GroupedAVPValue {
    public static let definition = AVPDefinition.proxyInfo
    public var proxyHost: String
    public var proxyState: [UInt8]

    public init(proxyHost: String, proxyState: [UInt8]) {
        self.proxyHost = proxyHost
        self.proxyState = proxyState
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        proxyHost = try m.requiredString(.proxyHost)
        proxyState = try m.required(.proxyState) { $0.bytes }
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.proxyHost, proxyHost)
        w.append(.proxyState, bytes: proxyState)
    }
}

/// Supported-Features (TS 29.229 §6.3.29). The M-bit, when set by the sender, marks the features as
/// required; ``isMandatory`` keeps it.
public struct SupportedFeatures: GroupedAVPValue {
    public static let definition = AVPDefinition.supportedFeatures
    public var vendorID: UInt32
    public var featureListID: UInt32
    public var featureList: UInt32

    public init(vendorID: UInt32 = VendorID.tgpp, featureListID: UInt32, featureList: UInt32) {
        self.vendorID = vendorID
        self.featureListID = featureListID
        self.featureList = featureList
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        vendorID = try m.requiredUnsigned32(.vendorID)
        featureListID = try m.requiredUnsigned32(.featureListID)
        featureList = try m.requiredUnsigned32(.featureList)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.vendorID, vendorID)
        w.append(.featureListID, featureListID)
        w.append(.featureList, featureList)
    }
}

/// Server-Capabilities (TS 29.229 §6.3.4).
public struct ServerCapabilities: GroupedAVPValue {
    public static let definition = AVPDefinition.serverCapabilities
    public var mandatoryCapabilities: [UInt32]
    public var optionalCapabilities: [UInt32]
    public var serverNames: [String]

    public init(mandatoryCapabilities: [UInt32] = [], optionalCapabilities: [UInt32] = [], serverNames: [String] = []) {
        self.mandatoryCapabilities = mandatoryCapabilities
        self.optionalCapabilities = optionalCapabilities
        self.serverNames = serverNames
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        mandatoryCapabilities = m.unsigned32s(.mandatoryCapability)
        optionalCapabilities = m.unsigned32s(.optionalCapability)
        serverNames = m.strings(.serverName)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.mandatoryCapability, each: mandatoryCapabilities)
        w.append(.optionalCapability, each: optionalCapabilities)
        w.append(.serverName, each: serverNames)
    }
}

/// SIP-Digest-Authenticate (TS 29.229 §6.3.36).
public struct SIPDigestAuthenticate: GroupedAVPValue {
    public static let definition = AVPDefinition.sipDigestAuthenticate
    public var digestRealm: String
    public var digestAlgorithm: String?
    public var digestQoP: String?
    /// Hex text of H(A1) (RFC 2617), never the password.
    public var digestHA1: [UInt8]?
    public var alternateDigestAlgorithm: String?
    public var alternateDigestHA1: String?

    public init(
        digestRealm: String, digestAlgorithm: String? = nil, digestQoP: String? = nil, digestHA1: [UInt8]? = nil,
        alternateDigestAlgorithm: String? = nil, alternateDigestHA1: String? = nil
    ) {
        self.digestRealm = digestRealm
        self.digestAlgorithm = digestAlgorithm
        self.digestQoP = digestQoP
        self.digestHA1 = digestHA1
        self.alternateDigestAlgorithm = alternateDigestAlgorithm
        self.alternateDigestHA1 = alternateDigestHA1
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        digestRealm = try m.requiredString(.digestRealm)
        digestAlgorithm = m.string(.digestAlgorithm)
        digestQoP = m.string(.digestQoP)
        digestHA1 = m.octets(.digestHA1)
        alternateDigestAlgorithm = m.string(.alternateDigestAlgorithm)
        alternateDigestHA1 = m.string(.alternateDigestHA1)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.digestRealm, digestRealm)
        w.append(.digestAlgorithm, ifPresent: digestAlgorithm)
        w.append(.digestQoP, ifPresent: digestQoP)
        w.append(.digestHA1, octetsIfPresent: digestHA1)
        w.append(.alternateDigestAlgorithm, ifPresent: alternateDigestAlgorithm)
        w.append(.alternateDigestHA1, ifPresent: alternateDigestHA1)
    }
}

/// SIP-Auth-Data-Item (TS 29.229 §6.3.13).
public struct SIPAuthDataItem: GroupedAVPValue {
    public static let definition = AVPDefinition.sipAuthDataItem
    public var sipItemNumber: UInt32?
    public var sipAuthenticationScheme: String?
    /// AKA: RAND ‖ AUTN.
    public var sipAuthenticate: [UInt8]?
    /// MAA: XRES; resynchronisation MAR: RAND ‖ AUTS.
    public var sipAuthorization: [UInt8]?
    public var sipAuthenticationContext: [UInt8]?
    public var confidentialityKey: [UInt8]?
    public var integrityKey: [UInt8]?
    public var sipDigestAuthenticate: SIPDigestAuthenticate?
    public var framedIPAddress: [UInt8]?
    public var framedIPv6Prefix: [UInt8]?
    public var framedInterfaceID: UInt64?
    public var lineIdentifiers: [[UInt8]]

    public init(
        sipItemNumber: UInt32? = nil, sipAuthenticationScheme: String? = nil, sipAuthenticate: [UInt8]? = nil,
        sipAuthorization: [UInt8]? = nil, sipAuthenticationContext: [UInt8]? = nil, confidentialityKey: [UInt8]? = nil,
        integrityKey: [UInt8]? = nil, sipDigestAuthenticate: SIPDigestAuthenticate? = nil,
        framedIPAddress: [UInt8]? = nil, framedIPv6Prefix: [UInt8]? = nil, framedInterfaceID: UInt64? = nil,
        lineIdentifiers: [[UInt8]] = []
    ) {
        self.sipItemNumber = sipItemNumber
        self.sipAuthenticationScheme = sipAuthenticationScheme
        self.sipAuthenticate = sipAuthenticate
        self.sipAuthorization = sipAuthorization
        self.sipAuthenticationContext = sipAuthenticationContext
        self.confidentialityKey = confidentialityKey
        self.integrityKey = integrityKey
        self.sipDigestAuthenticate = sipDigestAuthenticate
        self.framedIPAddress = framedIPAddress
        self.framedIPv6Prefix = framedIPv6Prefix
        self.framedInterfaceID = framedInterfaceID
        self.lineIdentifiers = lineIdentifiers
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        sipItemNumber = m.unsigned32(.sipItemNumber)
        sipAuthenticationScheme = m.string(.sipAuthenticationScheme)
        sipAuthenticate = m.octets(.sipAuthenticate)
        sipAuthorization = m.octets(.sipAuthorization)
        sipAuthenticationContext = m.octets(.sipAuthenticationContext)
        confidentialityKey = m.octets(.confidentialityKey)
        integrityKey = m.octets(.integrityKey)
        sipDigestAuthenticate = try m.group(.sipDigestAuthenticate, as: SIPDigestAuthenticate.self)
        framedIPAddress = m.octets(.framedIPAddress)
        framedIPv6Prefix = m.octets(.framedIPv6Prefix)
        framedInterfaceID = m.unsigned64(.framedInterfaceID)
        lineIdentifiers = m.octetsList(.lineIdentifier)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.sipItemNumber, ifPresent: sipItemNumber)
        w.append(.sipAuthenticationScheme, ifPresent: sipAuthenticationScheme)
        w.append(.sipAuthenticate, octetsIfPresent: sipAuthenticate)
        w.append(.sipAuthorization, octetsIfPresent: sipAuthorization)
        w.append(.sipAuthenticationContext, octetsIfPresent: sipAuthenticationContext)
        w.append(.confidentialityKey, octetsIfPresent: confidentialityKey)
        w.append(.integrityKey, octetsIfPresent: integrityKey)
        w.append(ifPresent: sipDigestAuthenticate)
        w.append(.framedIPAddress, octetsIfPresent: framedIPAddress)
        w.append(.framedIPv6Prefix, octetsIfPresent: framedIPv6Prefix)
        w.append(.framedInterfaceID, ifPresent: framedInterfaceID)
        for l in lineIdentifiers { w.append(.lineIdentifier, bytes: l) }
    }
}

/// Deregistration-Reason (TS 29.229 §6.3.16).
public struct DeregistrationReason: GroupedAVPValue {
    public static let definition = AVPDefinition.deregistrationReason
    public var reasonCode: ReasonCode
    public var reasonInfo: String?

    public init(reasonCode: ReasonCode, reasonInfo: String? = nil) {
        self.reasonCode = reasonCode
        self.reasonInfo = reasonInfo
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        reasonCode = ReasonCode(rawValue: try m.requiredEnumerated(.reasonCode))
        reasonInfo = m.string(.reasonInfo)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.reasonCode, reasonCode.rawValue)
        w.append(.reasonInfo, ifPresent: reasonInfo)
    }
}

/// Charging-Information (TS 29.229 §6.3.19).
public struct ChargingInformation: GroupedAVPValue {
    public static let definition = AVPDefinition.chargingInformation
    public var primaryEventChargingFunctionName: String?
    public var secondaryEventChargingFunctionName: String?
    public var primaryChargingCollectionFunctionName: String?
    public var secondaryChargingCollectionFunctionName: String?

    public init(
        primaryEventChargingFunctionName: String? = nil, secondaryEventChargingFunctionName: String? = nil,
        primaryChargingCollectionFunctionName: String? = nil, secondaryChargingCollectionFunctionName: String? = nil
    ) {
        self.primaryEventChargingFunctionName = primaryEventChargingFunctionName
        self.secondaryEventChargingFunctionName = secondaryEventChargingFunctionName
        self.primaryChargingCollectionFunctionName = primaryChargingCollectionFunctionName
        self.secondaryChargingCollectionFunctionName = secondaryChargingCollectionFunctionName
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        primaryEventChargingFunctionName = m.string(.primaryEventChargingFunctionName)
        secondaryEventChargingFunctionName = m.string(.secondaryEventChargingFunctionName)
        primaryChargingCollectionFunctionName = m.string(.primaryChargingCollectionFunctionName)
        secondaryChargingCollectionFunctionName = m.string(.secondaryChargingCollectionFunctionName)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.primaryEventChargingFunctionName, ifPresent: primaryEventChargingFunctionName)
        w.append(.secondaryEventChargingFunctionName, ifPresent: secondaryEventChargingFunctionName)
        w.append(.primaryChargingCollectionFunctionName, ifPresent: primaryChargingCollectionFunctionName)
        w.append(.secondaryChargingCollectionFunctionName, ifPresent: secondaryChargingCollectionFunctionName)
    }
}

/// Associated-Identities (TS 29.229 §6.3.33) and Associated-Registered-Identities (§6.3.50): private
/// identities (User-Name) related to the request.
public struct AssociatedIdentities: GroupedAVPValue {
    public static let definition = AVPDefinition.associatedIdentities
    public var userNames: [String]
    public init(userNames: [String]) { self.userNames = userNames }
    public init(_ m: AVPList) throws(DiameterMessageError) { userNames = m.strings(.userName) }
    public func writeMembers(into w: inout DiameterMessageWriter) { w.append(.userName, each: userNames) }
}

public struct AssociatedRegisteredIdentities: GroupedAVPValue {
    public static let definition = AVPDefinition.associatedRegisteredIdentities
    public var userNames: [String]
    public init(userNames: [String]) { self.userNames = userNames }
    public init(_ m: AVPList) throws(DiameterMessageError) { userNames = m.strings(.userName) }
    public func writeMembers(into w: inout DiameterMessageWriter) { w.append(.userName, each: userNames) }
}

/// Identity-with-Emergency-Registration (TS 29.229 §6.3.57).
public struct IdentityWithEmergencyRegistration: GroupedAVPValue {
    public static let definition = AVPDefinition.identityWithEmergencyRegistration
    public var userName: String
    public var publicIdentity: String

    public init(userName: String, publicIdentity: String) {
        self.userName = userName
        self.publicIdentity = publicIdentity
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        userName = try m.requiredString(.userName)
        publicIdentity = try m.requiredString(.publicIdentity)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.userName, userName)
        w.append(.publicIdentity, publicIdentity)
    }
}

/// Restoration-Info (TS 29.229 §6.3.52). Subscription-Info and P-CSCF-Subscription-Info stay raw.
public struct RestorationInfo: GroupedAVPValue {
    public static let definition = AVPDefinition.restorationInfo
    public var path: [UInt8]
    public var contact: [UInt8]
    public var initialCSeqSequenceNumber: UInt32?
    public var callIDSIPHeader: [UInt8]?
    public var subscriptionInfo: AVP?
    public var pcscfSubscriptionInfo: AVP?

    public init(
        path: [UInt8], contact: [UInt8], initialCSeqSequenceNumber: UInt32? = nil, callIDSIPHeader: [UInt8]? = nil,
        subscriptionInfo: AVP? = nil, pcscfSubscriptionInfo: AVP? = nil
    ) {
        self.path = path
        self.contact = contact
        self.initialCSeqSequenceNumber = initialCSeqSequenceNumber
        self.callIDSIPHeader = callIDSIPHeader
        self.subscriptionInfo = subscriptionInfo
        self.pcscfSubscriptionInfo = pcscfSubscriptionInfo
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        path = try m.required(.path) { $0.bytes }
        contact = try m.required(.contact) { $0.bytes }
        initialCSeqSequenceNumber = m.unsigned32(.initialCSeqSequenceNumber)
        callIDSIPHeader = m.octets(.callIDSIPHeader)
        subscriptionInfo = m.first(.subscriptionInfo)?.tree()
        pcscfSubscriptionInfo = m.first(.pcscfSubscriptionInfo)?.tree()
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.path, bytes: path)
        w.append(.contact, bytes: contact)
        w.append(.initialCSeqSequenceNumber, ifPresent: initialCSeqSequenceNumber)
        w.append(.callIDSIPHeader, octetsIfPresent: callIDSIPHeader)
        if let subscriptionInfo { w.append(subscriptionInfo) }
        if let pcscfSubscriptionInfo { w.append(pcscfSubscriptionInfo) }
    }
}

/// SCSCF-Restoration-Info (TS 29.229 §6.3.46).
public struct SCSCFRestorationInfo: GroupedAVPValue {
    public static let definition = AVPDefinition.scscfRestorationInfo
    public var userName: String
    public var restorationInfo: [RestorationInfo]
    /// NTP seconds (RFC 6733 §4.3.1 Time).
    public var registrationTimeOut: UInt32?
    public var sipAuthenticationScheme: String?

    public init(
        userName: String, restorationInfo: [RestorationInfo], registrationTimeOut: UInt32? = nil,
        sipAuthenticationScheme: String? = nil
    ) {
        self.userName = userName
        self.restorationInfo = restorationInfo
        self.registrationTimeOut = registrationTimeOut
        self.sipAuthenticationScheme = sipAuthenticationScheme
    }

    public init(_ m: AVPList) throws(DiameterMessageError) {
        userName = try m.requiredString(.userName)
        restorationInfo = try m.groups(.restorationInfo, as: RestorationInfo.self)
        registrationTimeOut = m.unsigned32(.registrationTimeOut)
        sipAuthenticationScheme = m.string(.sipAuthenticationScheme)
    }

    public func writeMembers(into w: inout DiameterMessageWriter) {
        w.append(.userName, userName)
        w.append(each: restorationInfo)
        w.append(.registrationTimeOut, ifPresent: registrationTimeOut)
        w.append(.sipAuthenticationScheme, ifPresent: sipAuthenticationScheme)
    }
}
