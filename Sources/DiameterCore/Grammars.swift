// Grammars of the Grouped AVPs (RFC 6733 §6.11, §6.7.2, §7.5, §7.6; TS 29.229 §6.3) and of the commands
// (RFC 6733 §5.3-5.4, §7.2; TS 29.229 §6.1.1-6.1.12). Rel-15 text, as in shared/spec/cx-commands.md.

private typealias D = AVPDefinition

extension AVPGrammar {
    /// Grammars of the Grouped AVPs we know, keyed by AVP.
    static let groupedGrammars: [AVPKey: AVPGrammar] = [
        // RFC 6733 §6.11. "Exactly one of" Auth/Acct is an application rule, checked by the peer layer.
        D.vendorSpecificApplicationID.key: AVPGrammar(
            [.required(.vendorID), .optional(.authApplicationID), .optional(.acctApplicationID)],
            allowsOtherAVPs: false),
        // RFC 6733 §7.6.
        D.experimentalResult.key: AVPGrammar(
            [.required(.vendorID), .required(.experimentalResultCode)], allowsOtherAVPs: false),
        // RFC 6733 §7.5: `1* {AVP}`; the contents are whatever failed, so they are not checked.
        D.failedAVP.key: AVPGrammar([], allowsOtherAVPs: true, checksMembers: false),
        // RFC 6733 §6.7.2.
        D.proxyInfo.key: AVPGrammar([.required(.proxyHost), .required(.proxyState)]),
        // TS 29.229 §6.3.4.
        D.serverCapabilities.key: AVPGrammar(
            [.any(.mandatoryCapability), .any(.optionalCapability), .any(.serverName)]),
        // TS 29.229 §6.3.13.
        D.sipAuthDataItem.key: AVPGrammar([
            .optional(.sipItemNumber), .optional(.sipAuthenticationScheme), .optional(.sipAuthenticate),
            .optional(.sipAuthorization), .optional(.sipAuthenticationContext), .optional(.confidentialityKey),
            .optional(.integrityKey), .optional(.sipDigestAuthenticate), .optional(.framedIPAddress),
            .optional(.framedIPv6Prefix), .optional(.framedInterfaceID), .any(.lineIdentifier),
        ]),
        // TS 29.229 §6.3.16.
        D.deregistrationReason.key: AVPGrammar([.required(.reasonCode), .optional(.reasonInfo)]),
        // TS 29.229 §6.3.19.
        D.chargingInformation.key: AVPGrammar([
            .optional(.primaryEventChargingFunctionName), .optional(.secondaryEventChargingFunctionName),
            .optional(.primaryChargingCollectionFunctionName), .optional(.secondaryChargingCollectionFunctionName),
        ]),
        // TS 29.229 §6.3.29.
        D.supportedFeatures.key: AVPGrammar(
            [.required(.vendorID), .required(.featureListID), .required(.featureList)]),
        // TS 29.229 §6.3.32.
        D.supportedApplications.key: AVPGrammar(
            [.any(.authApplicationID), .any(.acctApplicationID), .any(.vendorSpecificApplicationID)]),
        // TS 29.229 §6.3.33, §6.3.50.
        D.associatedIdentities.key: AVPGrammar([.any(.userName)]),
        D.associatedRegisteredIdentities.key: AVPGrammar([.any(.userName)]),
        // TS 29.229 §6.3.36. Digest-QoP and Digest-HA1 are `{ }` in Rel-15 but `[ ]` in Rel-8; we accept
        // the older form from peers (the HSS always sends all of them).
        D.sipDigestAuthenticate.key: AVPGrammar([
            .required(.digestRealm), .optional(.digestAlgorithm), .optional(.digestQoP), .optional(.digestHA1),
            .optional(.alternateDigestAlgorithm), .optional(.alternateDigestHA1),
        ]),
        // TS 29.229 §6.3.46.
        D.scscfRestorationInfo.key: AVPGrammar([
            .required(.userName), .oneOrMore(.restorationInfo), .optional(.registrationTimeOut),
            .optional(.sipAuthenticationScheme),
        ]),
        // TS 29.229 §6.3.49.
        D.subscriptionInfo.key: AVPGrammar([
            .required(.callIDSIPHeader), .required(.fromSIPHeader), .required(.toSIPHeader),
            .required(.recordRoute), .required(.contact),
        ]),
        // TS 29.229 §6.3.52.
        D.restorationInfo.key: AVPGrammar([
            .required(.path), .required(.contact), .optional(.initialCSeqSequenceNumber),
            .optional(.callIDSIPHeader), .optional(.subscriptionInfo), .optional(.pcscfSubscriptionInfo),
        ]),
        // TS 29.229 §6.3.57.
        D.identityWithEmergencyRegistration.key: AVPGrammar([.required(.userName), .required(.publicIdentity)]),
        // TS 29.229 §6.3.64.
        D.allowedWAFWWSFIdentities.key: AVPGrammar(
            [.any(.webRTCAuthenticationFunctionName), .any(.webRTCWebServerFunctionName)]),
        // TS 29.229 §6.3.70.
        D.pcscfSubscriptionInfo.key: AVPGrammar([
            .required(.callIDSIPHeader), .required(.fromSIPHeader), .required(.toSIPHeader), .required(.contact),
        ]),
        // TS 29.229 §6.3.74.
        D.failedPCSCF.key: AVPGrammar([.optional(.pcscfFQDN), .any(.pcscfIPAddress)]),
        // RFC 7683 §7.3, §7.4; RFC 8583 §7.1 (contents not used by the HSS; any order, extensible).
        D.ocSupportedFeatures.key: AVPGrammar([.optional(.ocFeatureVector)]),
        D.ocOLR.key: AVPGrammar([
            .required(.ocSequenceNumber), .required(.ocReportType), .optional(.ocReductionPercentage),
            .optional(.ocValidityDuration),
        ]),
        D.load.key: AVPGrammar([.optional(.loadType), .optional(.loadValue), .optional(.sourceID)]),
    ]

    /// RFC 6733 §7.2: the answer to a request that failed with a protocol error (E-bit set).
    public static let protocolErrorAnswer = AVPGrammar([
        .optional(.sessionID), .required(.originHost), .required(.originRealm), .required(.resultCode),
        .optional(.originStateID), .optional(.errorMessage), .optional(.errorReportingHost),
        .optional(.failedAVP), .optional(.experimentalResult), .any(.proxyInfo),
    ])
}

// MARK: - Commands

/// The head every Cx request shares (TS 29.229 §6.1).
private let cxRequestHead: [AVPRule] = [
    .fixed(.sessionID), .optional(.drmp), .required(.vendorSpecificApplicationID), .required(.authSessionState),
    .required(.originHost), .required(.originRealm),
]
/// The head every Cx answer shares (TS 29.229 §6.1).
private let cxAnswerHead: [AVPRule] = [
    .fixed(.sessionID), .optional(.drmp), .required(.vendorSpecificApplicationID), .optional(.resultCode),
    .optional(.experimentalResult), .required(.authSessionState), .required(.originHost), .required(.originRealm),
]
/// The tail every Cx message shares.
private let cxRequestTail: [AVPRule] = [.any(.proxyInfo), .any(.routeRecord)]
private let cxAnswerTail: [AVPRule] = [.optional(.failedAVP), .any(.proxyInfo), .any(.routeRecord)]
private let cxAnswerOverload: [AVPRule] = [.optional(.ocSupportedFeatures), .optional(.ocOLR), .any(.load)]

private func cxRequest(_ body: [AVPRule]) -> AVPGrammar { AVPGrammar(cxRequestHead + body + cxRequestTail) }
private func cxAnswer(_ body: [AVPRule]) -> AVPGrammar { AVPGrammar(cxAnswerHead + body + cxAnswerTail) }

extension CommandDefinition {
    // RFC 6733 §5.3.1, §5.3.2.
    public static let capabilitiesExchange = CommandDefinition(
        code: 257, applicationID: ApplicationID.base, name: "Capabilities-Exchange",
        requestAbbreviation: "CER", answerAbbreviation: "CEA", proxiable: false,
        request: AVPGrammar([
            .required(.originHost), .required(.originRealm), .oneOrMore(.hostIPAddress), .required(.vendorID),
            .required(.productName), .optional(.originStateID), .any(.supportedVendorID),
            .any(.authApplicationID), .any(.inbandSecurityID), .any(.acctApplicationID),
            .any(.vendorSpecificApplicationID), .optional(.firmwareRevision),
        ]),
        answer: AVPGrammar([
            .required(.resultCode), .required(.originHost), .required(.originRealm), .oneOrMore(.hostIPAddress),
            .required(.vendorID), .required(.productName), .optional(.originStateID), .optional(.errorMessage),
            .optional(.failedAVP), .any(.supportedVendorID), .any(.authApplicationID), .any(.inbandSecurityID),
            .any(.acctApplicationID), .any(.vendorSpecificApplicationID), .optional(.firmwareRevision),
        ]))

    // RFC 6733 §5.5.1, §5.5.2.
    public static let deviceWatchdog = CommandDefinition(
        code: 280, applicationID: ApplicationID.base, name: "Device-Watchdog",
        requestAbbreviation: "DWR", answerAbbreviation: "DWA", proxiable: false,
        request: AVPGrammar([.required(.originHost), .required(.originRealm), .optional(.originStateID)]),
        answer: AVPGrammar([
            .required(.resultCode), .required(.originHost), .required(.originRealm), .optional(.errorMessage),
            .optional(.failedAVP), .optional(.originStateID),
        ]))

    // RFC 6733 §5.4.1, §5.4.2.
    public static let disconnectPeer = CommandDefinition(
        code: 282, applicationID: ApplicationID.base, name: "Disconnect-Peer",
        requestAbbreviation: "DPR", answerAbbreviation: "DPA", proxiable: false,
        request: AVPGrammar([.required(.originHost), .required(.originRealm), .required(.disconnectCause)]),
        answer: AVPGrammar([
            .required(.resultCode), .required(.originHost), .required(.originRealm), .optional(.errorMessage),
            .optional(.failedAVP),
        ]))

    // TS 29.229 §6.1.1, §6.1.2.
    public static let userAuthorization = CommandDefinition(
        code: 300, applicationID: ApplicationID.cx, name: "User-Authorization",
        requestAbbreviation: "UAR", answerAbbreviation: "UAA", proxiable: true,
        request: cxRequest([
            .optional(.destinationHost), .required(.destinationRealm), .required(.userName),
            .optional(.ocSupportedFeatures), .any(.supportedFeatures), .required(.publicIdentity),
            .required(.visitedNetworkIdentifier), .optional(.userAuthorizationType), .optional(.uarFlags),
        ]),
        answer: cxAnswer(cxAnswerOverload + [
            .any(.supportedFeatures), .optional(.serverName), .optional(.serverCapabilities),
        ]))

    // TS 29.229 §6.1.3, §6.1.4.
    public static let serverAssignment = CommandDefinition(
        code: 301, applicationID: ApplicationID.cx, name: "Server-Assignment",
        requestAbbreviation: "SAR", answerAbbreviation: "SAA", proxiable: true,
        request: cxRequest([
            .optional(.destinationHost), .required(.destinationRealm), .optional(.userName),
            .optional(.ocSupportedFeatures), .any(.supportedFeatures), .any(.publicIdentity),
            .optional(.wildcardedPublicIdentity), .required(.serverName), .required(.serverAssignmentType),
            .required(.userDataAlreadyAvailable), .optional(.scscfRestorationInfo),
            .optional(.multipleRegistrationIndication), .optional(.sessionPriority), .optional(.sarFlags),
            .optional(.failedPCSCF),
        ]),
        answer: cxAnswer([.optional(.userName)] + cxAnswerOverload + [
            .any(.supportedFeatures), .optional(.userData), .optional(.chargingInformation),
            .optional(.associatedIdentities), .optional(.looseRouteIndication), .any(.scscfRestorationInfo),
            .optional(.associatedRegisteredIdentities), .optional(.serverName),
            .optional(.wildcardedPublicIdentity), .optional(.priviledgedSenderIndication),
            .optional(.allowedWAFWWSFIdentities),
        ]))

    // TS 29.229 §6.1.5, §6.1.6.
    public static let locationInfo = CommandDefinition(
        code: 302, applicationID: ApplicationID.cx, name: "Location-Info",
        requestAbbreviation: "LIR", answerAbbreviation: "LIA", proxiable: true,
        request: cxRequest([
            .optional(.destinationHost), .required(.destinationRealm), .optional(.originatingRequest),
            .optional(.ocSupportedFeatures), .any(.supportedFeatures), .required(.publicIdentity),
            .optional(.userAuthorizationType), .optional(.sessionPriority),
        ]),
        answer: cxAnswer(cxAnswerOverload + [
            .any(.supportedFeatures), .optional(.serverName), .optional(.serverCapabilities),
            .optional(.wildcardedPublicIdentity), .optional(.liaFlags),
        ]))

    // TS 29.229 §6.1.7, §6.1.8.
    public static let multimediaAuth = CommandDefinition(
        code: 303, applicationID: ApplicationID.cx, name: "Multimedia-Auth",
        requestAbbreviation: "MAR", answerAbbreviation: "MAA", proxiable: true,
        request: cxRequest([
            .required(.destinationRealm), .optional(.destinationHost), .required(.userName),
            .optional(.ocSupportedFeatures), .any(.supportedFeatures), .required(.publicIdentity),
            .required(.sipAuthDataItem), .required(.sipNumberAuthItems), .required(.serverName),
        ]),
        answer: cxAnswer([.optional(.userName)] + cxAnswerOverload + [
            .any(.supportedFeatures), .optional(.publicIdentity), .optional(.sipNumberAuthItems),
            .any(.sipAuthDataItem),
        ]))

    // TS 29.229 §6.1.9, §6.1.10. Destination-Host is required (see shared/spec/cx-commands.md on RTR).
    public static let registrationTermination = CommandDefinition(
        code: 304, applicationID: ApplicationID.cx, name: "Registration-Termination",
        requestAbbreviation: "RTR", answerAbbreviation: "RTA", proxiable: true,
        request: cxRequest([
            .required(.destinationHost), .required(.destinationRealm), .required(.userName),
            .optional(.associatedIdentities), .any(.supportedFeatures), .any(.publicIdentity),
            .required(.deregistrationReason), .optional(.rtrFlags),
        ]),
        answer: cxAnswer([
            .optional(.associatedIdentities), .any(.supportedFeatures), .any(.identityWithEmergencyRegistration),
        ]))

    // TS 29.229 §6.1.11, §6.1.12.
    public static let pushProfile = CommandDefinition(
        code: 305, applicationID: ApplicationID.cx, name: "Push-Profile",
        requestAbbreviation: "PPR", answerAbbreviation: "PPA", proxiable: true,
        request: cxRequest([
            .required(.destinationHost), .required(.destinationRealm), .required(.userName),
            .any(.supportedFeatures), .optional(.userData), .optional(.chargingInformation),
            .optional(.sipAuthDataItem), .optional(.allowedWAFWWSFIdentities),
        ]),
        answer: cxAnswer([.any(.supportedFeatures)]))

    static let all: [CommandDefinition] = [
        .capabilitiesExchange, .deviceWatchdog, .disconnectPeer, .userAuthorization, .serverAssignment,
        .locationInfo, .multimediaAuth, .registrationTermination, .pushProfile,
    ]
}
