// RFC 6733 §4.5 base protocol AVPs (vendor 0), plus RFC 7944 DRMP, RFC 7683 overload control,
// RFC 8583 Load, RFC 4590 Digest AVPs and the RFC 7155 Framed-* AVPs that Cx carries.
// Codes, types and M-bit rules as listed in the reference pack (shared/spec/avps.md §1, §6, §7).

extension AVPDefinition {
    public static let userName = AVPDefinition(1, "User-Name", .utf8String)
    public static let `class` = AVPDefinition(25, "Class", .octetString)
    public static let sessionTimeout = AVPDefinition(27, "Session-Timeout", .unsigned32)
    public static let proxyState = AVPDefinition(33, "Proxy-State", .octetString)
    public static let eventTimestamp = AVPDefinition(55, "Event-Timestamp", .time)
    public static let hostIPAddress = AVPDefinition(257, "Host-IP-Address", .address)
    public static let authApplicationID = AVPDefinition(258, "Auth-Application-Id", .unsigned32)
    public static let acctApplicationID = AVPDefinition(259, "Acct-Application-Id", .unsigned32)
    public static let vendorSpecificApplicationID = AVPDefinition(260, "Vendor-Specific-Application-Id", .grouped)
    public static let redirectHostUsage = AVPDefinition(
        261, "Redirect-Host-Usage", .enumerated)
    public static let redirectMaxCacheTime = AVPDefinition(262, "Redirect-Max-Cache-Time", .unsigned32)
    public static let sessionID = AVPDefinition(263, "Session-Id", .utf8String)
    public static let originHost = AVPDefinition(264, "Origin-Host", .diameterIdentity)
    public static let supportedVendorID = AVPDefinition(265, "Supported-Vendor-Id", .unsigned32)
    public static let vendorID = AVPDefinition(266, "Vendor-Id", .unsigned32)
    public static let firmwareRevision = AVPDefinition(267, "Firmware-Revision", .unsigned32, m: .mustNot)
    public static let resultCode = AVPDefinition(268, "Result-Code", .unsigned32)
    public static let productName = AVPDefinition(269, "Product-Name", .utf8String, m: .mustNot)
    public static let sessionBinding = AVPDefinition(270, "Session-Binding", .unsigned32)
    public static let sessionServerFailover = AVPDefinition(271, "Session-Server-Failover", .enumerated)
    public static let multiRoundTimeOut = AVPDefinition(272, "Multi-Round-Time-Out", .unsigned32)
    public static let disconnectCause = AVPDefinition(
        273, "Disconnect-Cause", .enumerated)
    public static let authRequestType = AVPDefinition(274, "Auth-Request-Type", .enumerated)
    public static let authGracePeriod = AVPDefinition(276, "Auth-Grace-Period", .unsigned32)
    public static let authSessionState = AVPDefinition(
        277, "Auth-Session-State", .enumerated)
    public static let originStateID = AVPDefinition(278, "Origin-State-Id", .unsigned32)
    public static let failedAVP = AVPDefinition(279, "Failed-AVP", .grouped)
    public static let proxyHost = AVPDefinition(280, "Proxy-Host", .diameterIdentity)
    public static let errorMessage = AVPDefinition(281, "Error-Message", .utf8String, m: .mustNot)
    public static let routeRecord = AVPDefinition(282, "Route-Record", .diameterIdentity)
    public static let destinationRealm = AVPDefinition(283, "Destination-Realm", .diameterIdentity)
    public static let proxyInfo = AVPDefinition(284, "Proxy-Info", .grouped)
    public static let reAuthRequestType = AVPDefinition(285, "Re-Auth-Request-Type", .enumerated)
    public static let accountingSubSessionID = AVPDefinition(287, "Accounting-Sub-Session-Id", .unsigned64)
    public static let authorizationLifetime = AVPDefinition(291, "Authorization-Lifetime", .unsigned32)
    public static let redirectHost = AVPDefinition(292, "Redirect-Host", .diameterURI)
    public static let destinationHost = AVPDefinition(293, "Destination-Host", .diameterIdentity)
    public static let errorReportingHost = AVPDefinition(294, "Error-Reporting-Host", .diameterIdentity, m: .mustNot)
    public static let terminationCause = AVPDefinition(295, "Termination-Cause", .enumerated)
    public static let originRealm = AVPDefinition(296, "Origin-Realm", .diameterIdentity)
    public static let experimentalResult = AVPDefinition(297, "Experimental-Result", .grouped)
    public static let experimentalResultCode = AVPDefinition(298, "Experimental-Result-Code", .unsigned32)
    public static let inbandSecurityID = AVPDefinition(299, "Inband-Security-Id", .unsigned32)

    // RFC 7944 DRMP.
    public static let drmp = AVPDefinition(301, "DRMP", .enumerated, m: .mustNot)
    // RFC 7683 overload control (vendor 0; collides numerically with Cx 621-627 of vendor 10415).
    public static let ocSupportedFeatures = AVPDefinition(621, "OC-Supported-Features", .grouped, m: .mustNot)
    public static let ocFeatureVector = AVPDefinition(622, "OC-Feature-Vector", .unsigned64, m: .mustNot)
    public static let ocOLR = AVPDefinition(623, "OC-OLR", .grouped, m: .mustNot)
    public static let ocSequenceNumber = AVPDefinition(624, "OC-Sequence-Number", .unsigned64, m: .mustNot)
    public static let ocValidityDuration = AVPDefinition(625, "OC-Validity-Duration", .unsigned32, m: .mustNot)
    public static let ocReportType = AVPDefinition(626, "OC-Report-Type", .enumerated, m: .mustNot)
    public static let ocReductionPercentage = AVPDefinition(627, "OC-Reduction-Percentage", .unsigned32, m: .mustNot)
    // RFC 8583 Load (vendor 0; collides numerically with Cx 649-652 of vendor 10415).
    public static let sourceID = AVPDefinition(649, "SourceID", .diameterIdentity, m: .mustNot)
    public static let load = AVPDefinition(650, "Load", .grouped, m: .mustNot)
    public static let loadType = AVPDefinition(651, "Load-Type", .enumerated, m: .mustNot)
    public static let loadValue = AVPDefinition(652, "Load-Value", .unsigned64, m: .mustNot)

    // RFC 7155 Framed-* AVPs carried inside SIP-Auth-Data-Item (NASS/GPRS bundled authentication).
    public static let framedIPAddress = AVPDefinition(8, "Framed-IP-Address", .octetString)
    public static let framedInterfaceID = AVPDefinition(96, "Framed-Interface-Id", .unsigned64)
    public static let framedIPv6Prefix = AVPDefinition(97, "Framed-IPv6-Prefix", .octetString)

    // RFC 4590 Digest AVPs (vendor 0). Treated as opaque octets except the four Cx uses as text.
    public static let digestResponse = AVPDefinition(103, "Digest-Response", .octetString)
    public static let digestRealm = AVPDefinition(104, "Digest-Realm", .utf8String)
    public static let digestNonce = AVPDefinition(105, "Digest-Nonce", .octetString)
    public static let digestResponseAuth = AVPDefinition(106, "Digest-Response-Auth", .octetString)
    public static let digestNextnonce = AVPDefinition(107, "Digest-Nextnonce", .octetString)
    public static let digestMethod = AVPDefinition(108, "Digest-Method", .octetString)
    public static let digestURI = AVPDefinition(109, "Digest-URI", .octetString)
    public static let digestQoP = AVPDefinition(110, "Digest-QoP", .utf8String)
    public static let digestAlgorithm = AVPDefinition(111, "Digest-Algorithm", .utf8String)
    public static let digestEntityBodyHash = AVPDefinition(112, "Digest-Entity-Body-Hash", .octetString)
    public static let digestCNonce = AVPDefinition(113, "Digest-CNonce", .octetString)
    public static let digestNonceCount = AVPDefinition(114, "Digest-Nonce-Count", .octetString)
    public static let digestUsername = AVPDefinition(115, "Digest-Username", .octetString)
    public static let digestOpaque = AVPDefinition(116, "Digest-Opaque", .octetString)
    public static let digestAuthParam = AVPDefinition(117, "Digest-Auth-Param", .octetString)
    public static let digestAKAAuts = AVPDefinition(118, "Digest-AKA-Auts", .octetString)
    public static let digestDomain = AVPDefinition(119, "Digest-Domain", .octetString)
    public static let digestStale = AVPDefinition(120, "Digest-Stale", .octetString)
    public static let digestHA1 = AVPDefinition(121, "Digest-HA1", .octetString)

    // ETSI ES 283 034: Line-Identifier (vendor 13019), NASS-Bundled authentication.
    // Sources disagree on its M-bit; we send M (freeDiameter's CxDx dictionary) and accept both.
    public static let lineIdentifier = AVPDefinition(500, vendor: VendorID.etsi, "Line-Identifier", .octetString)

    static let baseDefinitions: [AVPDefinition] = [
        .userName, .class, .sessionTimeout, .proxyState, .eventTimestamp, .hostIPAddress, .authApplicationID,
        .acctApplicationID, .vendorSpecificApplicationID, .redirectHostUsage, .redirectMaxCacheTime, .sessionID,
        .originHost, .supportedVendorID, .vendorID, .firmwareRevision, .resultCode, .productName, .sessionBinding,
        .sessionServerFailover, .multiRoundTimeOut, .disconnectCause, .authRequestType, .authGracePeriod,
        .authSessionState, .originStateID, .failedAVP, .proxyHost, .errorMessage, .routeRecord, .destinationRealm,
        .proxyInfo, .reAuthRequestType, .accountingSubSessionID, .authorizationLifetime, .redirectHost,
        .destinationHost, .errorReportingHost, .terminationCause, .originRealm, .experimentalResult,
        .experimentalResultCode, .inbandSecurityID, .drmp, .ocSupportedFeatures, .ocFeatureVector, .ocOLR,
        .ocSequenceNumber, .ocValidityDuration, .ocReportType, .ocReductionPercentage, .sourceID, .load, .loadType,
        .loadValue, .framedIPAddress, .framedInterfaceID, .framedIPv6Prefix, .digestResponse, .digestRealm,
        .digestNonce, .digestResponseAuth, .digestNextnonce, .digestMethod, .digestURI, .digestQoP,
        .digestAlgorithm, .digestEntityBodyHash, .digestCNonce, .digestNonceCount, .digestUsername, .digestOpaque,
        .digestAuthParam, .digestAKAAuts, .digestDomain, .digestStale, .digestHA1, .lineIdentifier,
    ]
}
