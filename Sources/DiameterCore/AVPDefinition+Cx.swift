// TS 29.229 Table 6.3.1: Cx/Dx AVPs, vendor 10415, V-bit always set.
// M-bit rules follow 29.229 V15.2.0 (shared/spec/avps.md §2), not Wireshark's older dictionary.

private let tgpp = VendorID.tgpp

extension AVPDefinition {
    public static let visitedNetworkIdentifier = AVPDefinition(600, vendor: tgpp, "Visited-Network-Identifier", .octetString)
    public static let publicIdentity = AVPDefinition(601, vendor: tgpp, "Public-Identity", .utf8String)
    public static let serverName = AVPDefinition(602, vendor: tgpp, "Server-Name", .utf8String)
    public static let serverCapabilities = AVPDefinition(603, vendor: tgpp, "Server-Capabilities", .grouped)
    public static let mandatoryCapability = AVPDefinition(604, vendor: tgpp, "Mandatory-Capability", .unsigned32)
    public static let optionalCapability = AVPDefinition(605, vendor: tgpp, "Optional-Capability", .unsigned32)
    public static let userData = AVPDefinition(606, vendor: tgpp, "User-Data", .octetString)
    public static let sipNumberAuthItems = AVPDefinition(607, vendor: tgpp, "SIP-Number-Auth-Items", .unsigned32)
    public static let sipAuthenticationScheme = AVPDefinition(608, vendor: tgpp, "SIP-Authentication-Scheme", .utf8String)
    public static let sipAuthenticate = AVPDefinition(609, vendor: tgpp, "SIP-Authenticate", .octetString)
    public static let sipAuthorization = AVPDefinition(610, vendor: tgpp, "SIP-Authorization", .octetString)
    public static let sipAuthenticationContext = AVPDefinition(611, vendor: tgpp, "SIP-Authentication-Context", .octetString)
    public static let sipAuthDataItem = AVPDefinition(612, vendor: tgpp, "SIP-Auth-Data-Item", .grouped)
    public static let sipItemNumber = AVPDefinition(613, vendor: tgpp, "SIP-Item-Number", .unsigned32)
    public static let serverAssignmentType = AVPDefinition(
        614, vendor: tgpp, "Server-Assignment-Type", .enumerated)
    public static let deregistrationReason = AVPDefinition(615, vendor: tgpp, "Deregistration-Reason", .grouped)
    public static let reasonCode = AVPDefinition(
        616, vendor: tgpp, "Reason-Code", .enumerated)
    public static let reasonInfo = AVPDefinition(617, vendor: tgpp, "Reason-Info", .utf8String)
    public static let chargingInformation = AVPDefinition(618, vendor: tgpp, "Charging-Information", .grouped)
    public static let primaryEventChargingFunctionName = AVPDefinition(
        619, vendor: tgpp, "Primary-Event-Charging-Function-Name", .diameterURI)
    public static let secondaryEventChargingFunctionName = AVPDefinition(
        620, vendor: tgpp, "Secondary-Event-Charging-Function-Name", .diameterURI)
    public static let primaryChargingCollectionFunctionName = AVPDefinition(
        621, vendor: tgpp, "Primary-Charging-Collection-Function-Name", .diameterURI)
    public static let secondaryChargingCollectionFunctionName = AVPDefinition(
        622, vendor: tgpp, "Secondary-Charging-Collection-Function-Name", .diameterURI)
    public static let userAuthorizationType = AVPDefinition(
        623, vendor: tgpp, "User-Authorization-Type", .enumerated)
    public static let userDataAlreadyAvailable = AVPDefinition(
        624, vendor: tgpp, "User-Data-Already-Available", .enumerated)
    public static let confidentialityKey = AVPDefinition(625, vendor: tgpp, "Confidentiality-Key", .octetString)
    public static let integrityKey = AVPDefinition(626, vendor: tgpp, "Integrity-Key", .octetString)
    public static let supportedFeatures = AVPDefinition(628, vendor: tgpp, "Supported-Features", .grouped, m: .may)
    public static let featureListID = AVPDefinition(629, vendor: tgpp, "Feature-List-ID", .unsigned32, m: .mustNot)
    public static let featureList = AVPDefinition(630, vendor: tgpp, "Feature-List", .unsigned32, m: .mustNot)
    public static let supportedApplications = AVPDefinition(631, vendor: tgpp, "Supported-Applications", .grouped, m: .mustNot)
    public static let associatedIdentities = AVPDefinition(632, vendor: tgpp, "Associated-Identities", .grouped, m: .mustNot)
    public static let originatingRequest = AVPDefinition(
        633, vendor: tgpp, "Originating-Request", .enumerated)
    public static let wildcardedPublicIdentity = AVPDefinition(
        634, vendor: tgpp, "Wildcarded-Public-Identity", .utf8String, m: .mustNot)
    public static let sipDigestAuthenticate = AVPDefinition(635, vendor: tgpp, "SIP-Digest-Authenticate", .grouped, m: .mustNot)
    public static let wildcardedIMPU = AVPDefinition(636, vendor: tgpp, "Wildcarded-IMPU", .utf8String, m: .mustNot)
    public static let uarFlags = AVPDefinition(637, vendor: tgpp, "UAR-Flags", .unsigned32, m: .mustNot)
    public static let looseRouteIndication = AVPDefinition(
        638, vendor: tgpp, "Loose-Route-Indication", .enumerated, m: .mustNot)
    public static let scscfRestorationInfo = AVPDefinition(639, vendor: tgpp, "SCSCF-Restoration-Info", .grouped, m: .mustNot)
    public static let path = AVPDefinition(640, vendor: tgpp, "Path", .octetString, m: .mustNot)
    public static let contact = AVPDefinition(641, vendor: tgpp, "Contact", .octetString, m: .mustNot)
    public static let subscriptionInfo = AVPDefinition(642, vendor: tgpp, "Subscription-Info", .grouped, m: .mustNot)
    public static let callIDSIPHeader = AVPDefinition(643, vendor: tgpp, "Call-ID-SIP-Header", .octetString, m: .mustNot)
    public static let fromSIPHeader = AVPDefinition(644, vendor: tgpp, "From-SIP-Header", .octetString, m: .mustNot)
    public static let toSIPHeader = AVPDefinition(645, vendor: tgpp, "To-SIP-Header", .octetString, m: .mustNot)
    public static let recordRoute = AVPDefinition(646, vendor: tgpp, "Record-Route", .octetString, m: .mustNot)
    public static let associatedRegisteredIdentities = AVPDefinition(
        647, vendor: tgpp, "Associated-Registered-Identities", .grouped, m: .mustNot)
    public static let multipleRegistrationIndication = AVPDefinition(
        648, vendor: tgpp, "Multiple-Registration-Indication", .enumerated, m: .mustNot)
    public static let restorationInfo = AVPDefinition(649, vendor: tgpp, "Restoration-Info", .grouped, m: .mustNot)
    public static let sessionPriority = AVPDefinition(
        650, vendor: tgpp, "Session-Priority", .enumerated, m: .mustNot)
    public static let identityWithEmergencyRegistration = AVPDefinition(
        651, vendor: tgpp, "Identity-with-Emergency-Registration", .grouped, m: .mustNot)
    public static let priviledgedSenderIndication = AVPDefinition(
        652, vendor: tgpp, "Priviledged-Sender-Indication", .enumerated, m: .mustNot)
    public static let liaFlags = AVPDefinition(653, vendor: tgpp, "LIA-Flags", .unsigned32, m: .mustNot)
    public static let initialCSeqSequenceNumber = AVPDefinition(
        654, vendor: tgpp, "Initial-CSeq-Sequence-Number", .unsigned32, m: .mustNot)
    public static let sarFlags = AVPDefinition(655, vendor: tgpp, "SAR-Flags", .unsigned32, m: .mustNot)
    public static let allowedWAFWWSFIdentities = AVPDefinition(
        656, vendor: tgpp, "Allowed-WAF-WWSF-Identities", .grouped, m: .mustNot)
    public static let webRTCAuthenticationFunctionName = AVPDefinition(
        657, vendor: tgpp, "WebRTC-Authentication-Function-Name", .utf8String, m: .mustNot)
    public static let webRTCWebServerFunctionName = AVPDefinition(
        658, vendor: tgpp, "WebRTC-Web-Server-Function-Name", .utf8String, m: .mustNot)
    public static let rtrFlags = AVPDefinition(659, vendor: tgpp, "RTR-Flags", .unsigned32, m: .mustNot)
    public static let pcscfSubscriptionInfo = AVPDefinition(660, vendor: tgpp, "P-CSCF-Subscription-Info", .grouped, m: .mustNot)
    public static let registrationTimeOut = AVPDefinition(661, vendor: tgpp, "Registration-Time-Out", .time, m: .mustNot)
    public static let alternateDigestAlgorithm = AVPDefinition(
        662, vendor: tgpp, "Alternate-Digest-Algorithm", .utf8String, m: .mustNot)
    public static let alternateDigestHA1 = AVPDefinition(663, vendor: tgpp, "Alternate-Digest-HA1", .utf8String, m: .mustNot)
    public static let failedPCSCF = AVPDefinition(664, vendor: tgpp, "Failed-PCSCF", .grouped, m: .mustNot)
    public static let pcscfFQDN = AVPDefinition(665, vendor: tgpp, "PCSCF-FQDN", .diameterIdentity, m: .mustNot)
    public static let pcscfIPAddress = AVPDefinition(666, vendor: tgpp, "PCSCF-IP-Address", .address, m: .mustNot)

    static let cxDefinitions: [AVPDefinition] = [
        .visitedNetworkIdentifier, .publicIdentity, .serverName, .serverCapabilities, .mandatoryCapability,
        .optionalCapability, .userData, .sipNumberAuthItems, .sipAuthenticationScheme, .sipAuthenticate,
        .sipAuthorization, .sipAuthenticationContext, .sipAuthDataItem, .sipItemNumber, .serverAssignmentType,
        .deregistrationReason, .reasonCode, .reasonInfo, .chargingInformation, .primaryEventChargingFunctionName,
        .secondaryEventChargingFunctionName, .primaryChargingCollectionFunctionName,
        .secondaryChargingCollectionFunctionName, .userAuthorizationType, .userDataAlreadyAvailable,
        .confidentialityKey, .integrityKey, .supportedFeatures, .featureListID, .featureList,
        .supportedApplications, .associatedIdentities, .originatingRequest, .wildcardedPublicIdentity,
        .sipDigestAuthenticate, .wildcardedIMPU, .uarFlags, .looseRouteIndication, .scscfRestorationInfo, .path,
        .contact, .subscriptionInfo, .callIDSIPHeader, .fromSIPHeader, .toSIPHeader, .recordRoute,
        .associatedRegisteredIdentities, .multipleRegistrationIndication, .restorationInfo, .sessionPriority,
        .identityWithEmergencyRegistration, .priviledgedSenderIndication, .liaFlags, .initialCSeqSequenceNumber,
        .sarFlags, .allowedWAFWWSFIdentities, .webRTCAuthenticationFunctionName, .webRTCWebServerFunctionName,
        .rtrFlags, .pcscfSubscriptionInfo, .registrationTimeOut, .alternateDigestAlgorithm, .alternateDigestHA1,
        .failedPCSCF, .pcscfFQDN, .pcscfIPAddress,
    ]
}
