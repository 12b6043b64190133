// The twelve Cx messages (TS 29.229 §6.1.1-6.1.12). The envelope (Session-Id, Vendor-Specific-
// Application-Id, Auth-Session-State, Origin-*, Destination-*, result, Supported-Features, Proxy-Info,
// Route-Record) is typed once in CxEnvelope; each message adds its own AVPs here.

/// UAR (TS 29.229 §6.1.1): I-CSCF → HSS, at registration.
public struct UserAuthorizationRequest: CxMessage {
    public static let command = CommandDefinition.userAuthorization
    public static let isRequest = true
    public var envelope: CxEnvelope
    /// The private identity (IMPI).
    public var userName: String
    public var publicIdentity: String
    public var visitedNetworkIdentifier: [UInt8]
    /// Absent means REGISTRATION (TS 29.229 §6.3.24).
    public var userAuthorizationType: UserAuthorizationType?
    public var uarFlags: UInt32?

    public init(
        envelope: CxEnvelope, userName: String, publicIdentity: String, visitedNetworkIdentifier: [UInt8],
        userAuthorizationType: UserAuthorizationType? = nil, uarFlags: UInt32? = nil
    ) {
        self.envelope = envelope
        self.userName = userName
        self.publicIdentity = publicIdentity
        self.visitedNetworkIdentifier = visitedNetworkIdentifier
        self.userAuthorizationType = userAuthorizationType
        self.uarFlags = uarFlags
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = try a.requiredString(.userName)
        publicIdentity = try a.requiredString(.publicIdentity)
        visitedNetworkIdentifier = try a.required(.visitedNetworkIdentifier) { $0.bytes }
        userAuthorizationType = a.enumerated(.userAuthorizationType).map(UserAuthorizationType.init)
        uarFlags = a.unsigned32(.uarFlags)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, userName)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.publicIdentity, publicIdentity)
        w.append(.visitedNetworkIdentifier, bytes: visitedNetworkIdentifier)
        w.append(.userAuthorizationType, ifPresent: userAuthorizationType?.rawValue)
        w.append(.uarFlags, ifPresent: uarFlags)
    }
}

/// UAA (TS 29.229 §6.1.2).
public struct UserAuthorizationAnswer: CxMessage {
    public static let command = CommandDefinition.userAuthorization
    public static let isRequest = false
    public var envelope: CxEnvelope
    public var serverName: String?
    public var serverCapabilities: ServerCapabilities?

    public init(envelope: CxEnvelope, serverName: String? = nil, serverCapabilities: ServerCapabilities? = nil) {
        self.envelope = envelope
        self.serverName = serverName
        self.serverCapabilities = serverCapabilities
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        serverName = a.string(.serverName)
        serverCapabilities = try a.group(.serverCapabilities, as: ServerCapabilities.self)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        envelope.writeSupportedFeatures(into: &w)
        w.append(.serverName, ifPresent: serverName)
        w.append(ifPresent: serverCapabilities)
    }
}

/// SAR (TS 29.229 §6.1.3): S-CSCF → HSS.
public struct ServerAssignmentRequest: CxMessage {
    public static let command = CommandDefinition.serverAssignment
    public static let isRequest = true
    public var envelope: CxEnvelope
    public var userName: String?
    public var publicIdentities: [String]
    public var wildcardedPublicIdentity: String?
    public var serverName: String
    public var serverAssignmentType: ServerAssignmentType
    public var userDataAlreadyAvailable: UserDataAlreadyAvailable
    public var scscfRestorationInfo: SCSCFRestorationInfo?
    public var multipleRegistrationIndication: Int32?
    public var sessionPriority: Int32?
    public var sarFlags: UInt32?
    public var failedPCSCF: AVP?

    public init(
        envelope: CxEnvelope, userName: String?, publicIdentities: [String], wildcardedPublicIdentity: String? = nil,
        serverName: String, serverAssignmentType: ServerAssignmentType, userDataAlreadyAvailable: UserDataAlreadyAvailable,
        scscfRestorationInfo: SCSCFRestorationInfo? = nil, multipleRegistrationIndication: Int32? = nil,
        sessionPriority: Int32? = nil, sarFlags: UInt32? = nil, failedPCSCF: AVP? = nil
    ) {
        self.envelope = envelope
        self.userName = userName
        self.publicIdentities = publicIdentities
        self.wildcardedPublicIdentity = wildcardedPublicIdentity
        self.serverName = serverName
        self.serverAssignmentType = serverAssignmentType
        self.userDataAlreadyAvailable = userDataAlreadyAvailable
        self.scscfRestorationInfo = scscfRestorationInfo
        self.multipleRegistrationIndication = multipleRegistrationIndication
        self.sessionPriority = sessionPriority
        self.sarFlags = sarFlags
        self.failedPCSCF = failedPCSCF
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = a.string(.userName)
        publicIdentities = a.strings(.publicIdentity)
        wildcardedPublicIdentity = a.string(.wildcardedPublicIdentity)
        serverName = try a.requiredString(.serverName)
        serverAssignmentType = ServerAssignmentType(rawValue: try a.requiredEnumerated(.serverAssignmentType))
        userDataAlreadyAvailable = UserDataAlreadyAvailable(rawValue: try a.requiredEnumerated(.userDataAlreadyAvailable))
        scscfRestorationInfo = try a.group(.scscfRestorationInfo, as: SCSCFRestorationInfo.self)
        multipleRegistrationIndication = a.enumerated(.multipleRegistrationIndication)
        sessionPriority = a.enumerated(.sessionPriority)
        sarFlags = a.unsigned32(.sarFlags)
        failedPCSCF = a.first(.failedPCSCF)?.tree()
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, ifPresent: userName)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.publicIdentity, each: publicIdentities)
        w.append(.wildcardedPublicIdentity, ifPresent: wildcardedPublicIdentity)
        w.append(.serverName, serverName)
        w.append(.serverAssignmentType, serverAssignmentType.rawValue)
        w.append(.userDataAlreadyAvailable, userDataAlreadyAvailable.rawValue)
        w.append(ifPresent: scscfRestorationInfo)
        w.append(.multipleRegistrationIndication, ifPresent: multipleRegistrationIndication)
        w.append(.sessionPriority, ifPresent: sessionPriority)
        w.append(.sarFlags, ifPresent: sarFlags)
        if let failedPCSCF { w.append(failedPCSCF) }
    }
}

/// SAA (TS 29.229 §6.1.4).
public struct ServerAssignmentAnswer: CxMessage {
    public static let command = CommandDefinition.serverAssignment
    public static let isRequest = false
    public var envelope: CxEnvelope
    public var userName: String?
    /// The IMSSubscription XML (TS 29.228 annex E), UTF-8.
    public var userData: [UInt8]?
    public var chargingInformation: ChargingInformation?
    public var associatedIdentities: AssociatedIdentities?
    public var looseRouteIndication: Int32?
    public var scscfRestorationInfo: [SCSCFRestorationInfo]
    public var associatedRegisteredIdentities: AssociatedRegisteredIdentities?
    public var serverName: String?
    public var wildcardedPublicIdentity: String?
    public var priviledgedSenderIndication: Int32?
    public var allowedWAFWWSFIdentities: AVP?

    public init(
        envelope: CxEnvelope, userName: String? = nil, userData: [UInt8]? = nil,
        chargingInformation: ChargingInformation? = nil, associatedIdentities: AssociatedIdentities? = nil,
        looseRouteIndication: Int32? = nil, scscfRestorationInfo: [SCSCFRestorationInfo] = [],
        associatedRegisteredIdentities: AssociatedRegisteredIdentities? = nil, serverName: String? = nil,
        wildcardedPublicIdentity: String? = nil, priviledgedSenderIndication: Int32? = nil,
        allowedWAFWWSFIdentities: AVP? = nil
    ) {
        self.envelope = envelope
        self.userName = userName
        self.userData = userData
        self.chargingInformation = chargingInformation
        self.associatedIdentities = associatedIdentities
        self.looseRouteIndication = looseRouteIndication
        self.scscfRestorationInfo = scscfRestorationInfo
        self.associatedRegisteredIdentities = associatedRegisteredIdentities
        self.serverName = serverName
        self.wildcardedPublicIdentity = wildcardedPublicIdentity
        self.priviledgedSenderIndication = priviledgedSenderIndication
        self.allowedWAFWWSFIdentities = allowedWAFWWSFIdentities
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = a.string(.userName)
        userData = a.octets(.userData)
        chargingInformation = try a.group(.chargingInformation, as: ChargingInformation.self)
        associatedIdentities = try a.group(.associatedIdentities, as: AssociatedIdentities.self)
        looseRouteIndication = a.enumerated(.looseRouteIndication)
        scscfRestorationInfo = try a.groups(.scscfRestorationInfo, as: SCSCFRestorationInfo.self)
        associatedRegisteredIdentities = try a.group(.associatedRegisteredIdentities, as: AssociatedRegisteredIdentities.self)
        serverName = a.string(.serverName)
        wildcardedPublicIdentity = a.string(.wildcardedPublicIdentity)
        priviledgedSenderIndication = a.enumerated(.priviledgedSenderIndication)
        allowedWAFWWSFIdentities = a.first(.allowedWAFWWSFIdentities)?.tree()
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, ifPresent: userName)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.userData, octetsIfPresent: userData)
        w.append(ifPresent: chargingInformation)
        w.append(ifPresent: associatedIdentities)
        w.append(.looseRouteIndication, ifPresent: looseRouteIndication)
        w.append(each: scscfRestorationInfo)
        w.append(ifPresent: associatedRegisteredIdentities)
        w.append(.serverName, ifPresent: serverName)
        w.append(.wildcardedPublicIdentity, ifPresent: wildcardedPublicIdentity)
        w.append(.priviledgedSenderIndication, ifPresent: priviledgedSenderIndication)
        if let allowedWAFWWSFIdentities { w.append(allowedWAFWWSFIdentities) }
    }
}

/// LIR (TS 29.229 §6.1.5): I-CSCF (or S-CSCF/AS) → HSS, for terminating sessions.
public struct LocationInfoRequest: CxMessage {
    public static let command = CommandDefinition.locationInfo
    public static let isRequest = true
    public var envelope: CxEnvelope
    public var originatingRequest: Int32?
    public var publicIdentity: String
    public var userAuthorizationType: UserAuthorizationType?
    public var sessionPriority: Int32?

    public init(
        envelope: CxEnvelope, publicIdentity: String, originatingRequest: Int32? = nil,
        userAuthorizationType: UserAuthorizationType? = nil, sessionPriority: Int32? = nil
    ) {
        self.envelope = envelope
        self.originatingRequest = originatingRequest
        self.publicIdentity = publicIdentity
        self.userAuthorizationType = userAuthorizationType
        self.sessionPriority = sessionPriority
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        originatingRequest = a.enumerated(.originatingRequest)
        publicIdentity = try a.requiredString(.publicIdentity)
        userAuthorizationType = a.enumerated(.userAuthorizationType).map(UserAuthorizationType.init)
        sessionPriority = a.enumerated(.sessionPriority)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.originatingRequest, ifPresent: originatingRequest)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.publicIdentity, publicIdentity)
        w.append(.userAuthorizationType, ifPresent: userAuthorizationType?.rawValue)
        w.append(.sessionPriority, ifPresent: sessionPriority)
    }
}

/// LIA (TS 29.229 §6.1.6).
public struct LocationInfoAnswer: CxMessage {
    public static let command = CommandDefinition.locationInfo
    public static let isRequest = false
    public var envelope: CxEnvelope
    public var serverName: String?
    public var serverCapabilities: ServerCapabilities?
    public var wildcardedPublicIdentity: String?
    public var liaFlags: UInt32?

    public init(
        envelope: CxEnvelope, serverName: String? = nil, serverCapabilities: ServerCapabilities? = nil,
        wildcardedPublicIdentity: String? = nil, liaFlags: UInt32? = nil
    ) {
        self.envelope = envelope
        self.serverName = serverName
        self.serverCapabilities = serverCapabilities
        self.wildcardedPublicIdentity = wildcardedPublicIdentity
        self.liaFlags = liaFlags
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        serverName = a.string(.serverName)
        serverCapabilities = try a.group(.serverCapabilities, as: ServerCapabilities.self)
        wildcardedPublicIdentity = a.string(.wildcardedPublicIdentity)
        liaFlags = a.unsigned32(.liaFlags)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        envelope.writeSupportedFeatures(into: &w)
        w.append(.serverName, ifPresent: serverName)
        w.append(ifPresent: serverCapabilities)
        w.append(.wildcardedPublicIdentity, ifPresent: wildcardedPublicIdentity)
        w.append(.liaFlags, ifPresent: liaFlags)
    }
}

/// MAR (TS 29.229 §6.1.7): S-CSCF → HSS, for authentication vectors or resynchronisation.
public struct MultimediaAuthRequest: CxMessage {
    public static let command = CommandDefinition.multimediaAuth
    public static let isRequest = true
    public var envelope: CxEnvelope
    public var userName: String
    public var publicIdentity: String
    public var sipAuthDataItem: SIPAuthDataItem
    public var sipNumberAuthItems: UInt32
    public var serverName: String

    public init(
        envelope: CxEnvelope, userName: String, publicIdentity: String, sipAuthDataItem: SIPAuthDataItem,
        sipNumberAuthItems: UInt32, serverName: String
    ) {
        self.envelope = envelope
        self.userName = userName
        self.publicIdentity = publicIdentity
        self.sipAuthDataItem = sipAuthDataItem
        self.sipNumberAuthItems = sipNumberAuthItems
        self.serverName = serverName
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = try a.requiredString(.userName)
        publicIdentity = try a.requiredString(.publicIdentity)
        sipAuthDataItem = try a.requiredGroup(.sipAuthDataItem, as: SIPAuthDataItem.self)
        sipNumberAuthItems = try a.requiredUnsigned32(.sipNumberAuthItems)
        serverName = try a.requiredString(.serverName)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, userName)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.publicIdentity, publicIdentity)
        w.append(sipAuthDataItem)
        w.append(.sipNumberAuthItems, sipNumberAuthItems)
        w.append(.serverName, serverName)
    }
}

/// MAA (TS 29.229 §6.1.8).
public struct MultimediaAuthAnswer: CxMessage {
    public static let command = CommandDefinition.multimediaAuth
    public static let isRequest = false
    public var envelope: CxEnvelope
    public var userName: String?
    public var publicIdentity: String?
    public var sipNumberAuthItems: UInt32?
    public var sipAuthDataItems: [SIPAuthDataItem]

    public init(
        envelope: CxEnvelope, userName: String? = nil, publicIdentity: String? = nil,
        sipNumberAuthItems: UInt32? = nil, sipAuthDataItems: [SIPAuthDataItem] = []
    ) {
        self.envelope = envelope
        self.userName = userName
        self.publicIdentity = publicIdentity
        self.sipNumberAuthItems = sipNumberAuthItems
        self.sipAuthDataItems = sipAuthDataItems
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = a.string(.userName)
        publicIdentity = a.string(.publicIdentity)
        sipNumberAuthItems = a.unsigned32(.sipNumberAuthItems)
        sipAuthDataItems = try a.groups(.sipAuthDataItem, as: SIPAuthDataItem.self)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, ifPresent: userName)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.publicIdentity, ifPresent: publicIdentity)
        w.append(.sipNumberAuthItems, ifPresent: sipNumberAuthItems)
        w.append(each: sipAuthDataItems)
    }
}

/// RTR (TS 29.229 §6.1.9): HSS → S-CSCF. Destination-Host is always sent (the stored S-CSCF's host).
public struct RegistrationTerminationRequest: CxMessage {
    public static let command = CommandDefinition.registrationTermination
    public static let isRequest = true
    public var envelope: CxEnvelope
    public var userName: String
    public var associatedIdentities: AssociatedIdentities?
    /// Absent: every public identity of the User-Name is de-registered.
    public var publicIdentities: [String]
    public var deregistrationReason: DeregistrationReason
    public var rtrFlags: UInt32?

    public init(
        envelope: CxEnvelope, userName: String, associatedIdentities: AssociatedIdentities? = nil,
        publicIdentities: [String] = [], deregistrationReason: DeregistrationReason, rtrFlags: UInt32? = nil
    ) {
        self.envelope = envelope
        self.userName = userName
        self.associatedIdentities = associatedIdentities
        self.publicIdentities = publicIdentities
        self.deregistrationReason = deregistrationReason
        self.rtrFlags = rtrFlags
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = try a.requiredString(.userName)
        associatedIdentities = try a.group(.associatedIdentities, as: AssociatedIdentities.self)
        publicIdentities = a.strings(.publicIdentity)
        deregistrationReason = try a.requiredGroup(.deregistrationReason, as: DeregistrationReason.self)
        rtrFlags = a.unsigned32(.rtrFlags)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, userName)
        w.append(ifPresent: associatedIdentities)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.publicIdentity, each: publicIdentities)
        w.append(deregistrationReason)
        w.append(.rtrFlags, ifPresent: rtrFlags)
    }
}

/// RTA (TS 29.229 §6.1.10).
public struct RegistrationTerminationAnswer: CxMessage {
    public static let command = CommandDefinition.registrationTermination
    public static let isRequest = false
    public var envelope: CxEnvelope
    public var associatedIdentities: AssociatedIdentities?
    public var identitiesWithEmergencyRegistration: [IdentityWithEmergencyRegistration]

    public init(
        envelope: CxEnvelope, associatedIdentities: AssociatedIdentities? = nil,
        identitiesWithEmergencyRegistration: [IdentityWithEmergencyRegistration] = []
    ) {
        self.envelope = envelope
        self.associatedIdentities = associatedIdentities
        self.identitiesWithEmergencyRegistration = identitiesWithEmergencyRegistration
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        associatedIdentities = try a.group(.associatedIdentities, as: AssociatedIdentities.self)
        identitiesWithEmergencyRegistration = try a.groups(
            .identityWithEmergencyRegistration, as: IdentityWithEmergencyRegistration.self)
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(ifPresent: associatedIdentities)
        envelope.writeSupportedFeatures(into: &w)
        w.append(each: identitiesWithEmergencyRegistration)
    }
}

/// PPR (TS 29.229 §6.1.11): HSS → S-CSCF, after a change of profile, charging or Digest data.
public struct PushProfileRequest: CxMessage {
    public static let command = CommandDefinition.pushProfile
    public static let isRequest = true
    public var envelope: CxEnvelope
    public var userName: String
    public var userData: [UInt8]?
    public var chargingInformation: ChargingInformation?
    public var sipAuthDataItem: SIPAuthDataItem?
    public var allowedWAFWWSFIdentities: AVP?

    public init(
        envelope: CxEnvelope, userName: String, userData: [UInt8]? = nil, chargingInformation: ChargingInformation? = nil,
        sipAuthDataItem: SIPAuthDataItem? = nil, allowedWAFWWSFIdentities: AVP? = nil
    ) {
        self.envelope = envelope
        self.userName = userName
        self.userData = userData
        self.chargingInformation = chargingInformation
        self.sipAuthDataItem = sipAuthDataItem
        self.allowedWAFWWSFIdentities = allowedWAFWWSFIdentities
    }

    public init(envelope: CxEnvelope, body a: AVPList) throws(DiameterMessageError) {
        self.envelope = envelope
        userName = try a.requiredString(.userName)
        userData = a.octets(.userData)
        chargingInformation = try a.group(.chargingInformation, as: ChargingInformation.self)
        sipAuthDataItem = try a.group(.sipAuthDataItem, as: SIPAuthDataItem.self)
        allowedWAFWWSFIdentities = a.first(.allowedWAFWWSFIdentities)?.tree()
    }

    public func writeBody(into w: inout DiameterMessageWriter) {
        w.append(.userName, userName)
        envelope.writeSupportedFeatures(into: &w)
        w.append(.userData, octetsIfPresent: userData)
        w.append(ifPresent: chargingInformation)
        w.append(ifPresent: sipAuthDataItem)
        if let allowedWAFWWSFIdentities { w.append(allowedWAFWWSFIdentities) }
    }
}

/// PPA (TS 29.229 §6.1.12).
public struct PushProfileAnswer: CxMessage {
    public static let command = CommandDefinition.pushProfile
    public static let isRequest = false
    public var envelope: CxEnvelope

    public init(envelope: CxEnvelope) { self.envelope = envelope }
    public init(envelope: CxEnvelope, body _: AVPList) throws(DiameterMessageError) { self.envelope = envelope }
    public func writeBody(into w: inout DiameterMessageWriter) { envelope.writeSupportedFeatures(into: &w) }
}
