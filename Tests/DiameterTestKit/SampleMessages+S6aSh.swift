public import DiameterCore

/// One realistic instance of every generated S6a (TS 29.272 §7.2) and Sh (TS 29.329 §6.1) message, built
/// with the generated types: what the round-trip, grammar and tshark tests run through the codec.
extension SampleMessages {
    public static let mmeHost = "mme.epc.mnc001.mcc001.3gppnetwork.org"
    public static let epcRealm = "epc.mnc001.mcc001.3gppnetwork.org"
    public static let asHost = "tas.ims.mnc001.mcc001.3gppnetwork.org"
    public static let imsi = "001010000000001"
    static let plmn: [UInt8] = [0x00, 0xF1, 0x10]  // MCC 001, MNC 01 (TS 29.272 §7.3.9)
    static let s6a = VendorSpecificApplicationID(vendorID: VendorID.tgpp, authApplicationID: 16_777_251)
    static let sh = VendorSpecificApplicationID(vendorID: VendorID.tgpp, authApplicationID: 16_777_217)

    static func s6aRequest(_ from: String, _ to: String?, session: String) -> S6aEnvelope {
        S6aEnvelope(
            sessionID: "\(from);2;\(session)", vendorSpecificApplicationID: s6a, authSessionState: .noStateMaintained,
            originHost: from, originRealm: epcRealm, destinationHost: to, destinationRealm: epcRealm,
            supportedFeatures: [SupportedFeatures(featureListID: 1, featureList: 0x0000_0003)])
    }

    static func s6aAnswer(_ request: S6aEnvelope, from: String, _ result: ResultCode) -> S6aEnvelope {
        S6aEnvelope(
            sessionID: request.sessionID, vendorSpecificApplicationID: s6a,
            resultCode: result.baseResultCode, experimentalResult: result.experimentalResult,
            authSessionState: .noStateMaintained, originHost: from, originRealm: epcRealm, proxyInfo: request.proxyInfo)
    }

    static func shRequest(_ from: String, _ to: String?, session: String) -> ShEnvelope {
        ShEnvelope(
            sessionID: "\(from);3;\(session)", vendorSpecificApplicationID: sh, authSessionState: .noStateMaintained,
            originHost: from, originRealm: realm, destinationHost: to, destinationRealm: realm)
    }

    static func shAnswer(_ request: ShEnvelope, from: String, _ result: ResultCode) -> ShEnvelope {
        ShEnvelope(
            sessionID: request.sessionID, vendorSpecificApplicationID: sh, resultCode: result.baseResultCode,
            experimentalResult: result.experimentalResult,
            authSessionState: .noStateMaintained, originHost: from, originRealm: realm)
    }

    // MARK: S6a

    public static let air = AuthenticationInformationRequest(
        envelope: s6aRequest(mmeHost, nil, session: "air"), userName: imsi,
        requestedEUTRANAuthenticationInfo: RequestedEUTRANAuthenticationInfo(
            numberOfRequestedVectors: 1, immediateResponsePreferred: 1), visitedPLMNID: plmn)
    public static let aia = AuthenticationInformationAnswer(
        envelope: s6aAnswer(air.envelope, from: hssHost, .success),
        authenticationInfo: AuthenticationInfo(eutranVectors: [
            EUTRANVector(
                itemNumber: 1, rand: bytes(fromHex: "23553cbe9637a89d218ae64dae47bf35") ?? [],
                xres: bytes(fromHex: "a54211d5e3ba50bf") ?? [], autn: bytes(fromHex: "55f328b43577b9b94a9ffac354dfafb3") ?? [],
                kasme: [UInt8](repeating: 0x5A, count: 32))
        ]))
    public static let ulr = UpdateLocationRequest(
        envelope: s6aRequest(mmeHost, hssHost, session: "ulr"), userName: imsi,
        terminalInformation: TerminalInformation(imei: "35609204079301", softwareVersion: "01"), ratType: .eutran,
        ulrFlags: 0b10_0010, ueSRVCCCapability: .supported, visitedPLMNID: plmn,
        homogeneousSupportOfIMSVoiceOverPSSessions: .supported)
    public static let ula = UpdateLocationAnswer(
        envelope: s6aAnswer(ulr.envelope, from: hssHost, .success), ulaFlags: 1,
        subscriptionData: SubscriptionData(
            subscriberStatus: .serviceGranted, msisdn: [0x21, 0x43, 0x65, 0x87, 0x09], networkAccessMode: .onlyPacket,
            accessRestrictionData: 0, ambr: AMBR(maxRequestedBandwidthUL: 50_000_000, maxRequestedBandwidthDL: 100_000_000),
            apnConfigurationProfile: APNConfigurationProfile(
                contextIdentifier: 1, allAPNConfigurationsIncludedIndicator: .allAPNConfigurationsIncluded,
                apnConfigurations: [
                    APNConfiguration(
                        contextIdentifier: 1, pdnType: .ipv4v6, serviceSelection: "internet",
                        epsSubscribedQoSProfile: EPSSubscribedQoSProfile(
                            qosClassIdentifier: .qci9,
                            allocationRetentionPriority: AllocationRetentionPriority(
                                priorityLevel: 8, preEmptionCapability: .disabled, preEmptionVulnerability: .enabled)),
                        ambr: AMBR(maxRequestedBandwidthUL: 20_000_000, maxRequestedBandwidthDL: 40_000_000)),
                    APNConfiguration(
                        contextIdentifier: 2, pdnType: .ipv4v6, serviceSelection: "ims",
                        epsSubscribedQoSProfile: EPSSubscribedQoSProfile(
                            qosClassIdentifier: .qci5,
                            allocationRetentionPriority: AllocationRetentionPriority(
                                priorityLevel: 1, preEmptionCapability: .enabled, preEmptionVulnerability: .disabled))),
                ]),
            subscribedPeriodicRAUTAUTimer: 3240))
    public static let clr = CancelLocationRequest(
        envelope: s6aRequest(hssHost, mmeHost, session: "clr"), userName: imsi, cancellationType: .mmeUpdateProcedure,
        clrFlags: 0b10)
    public static let cla = CancelLocationAnswer(envelope: s6aAnswer(clr.envelope, from: mmeHost, .success))
    public static let idr = InsertSubscriberDataRequest(
        envelope: s6aRequest(hssHost, mmeHost, session: "idr"), userName: imsi,
        subscriptionData: SubscriptionData(
            subscriberStatus: .operatorDeterminedBarring, operatorDeterminedBarring: 0b1, hplmnODB: 0b10),
        idrFlags: 0b1_0000)
    public static let ida = InsertSubscriberDataAnswer(
        envelope: s6aAnswer(idr.envelope, from: mmeHost, .success), imsVoiceOverPSSessionsSupported: .supported,
        ratType: .eutran, idaFlags: 1, localTimeZone: LocalTimeZone(timeZone: "+01:00", daylightSavingTime: .noAdjustment))
    public static let dsr = DeleteSubscriberDataRequest(
        envelope: s6aRequest(hssHost, mmeHost, session: "dsr"), userName: imsi, dsrFlags: 0b1000, contextIdentifiers: [2])
    public static let dsa = DeleteSubscriberDataAnswer(envelope: s6aAnswer(dsr.envelope, from: mmeHost, .success), dsaFlags: 0)
    public static let pur = PurgeUERequest(envelope: s6aRequest(mmeHost, hssHost, session: "pur"), userName: imsi, purFlags: 0b1)
    public static let pua = PurgeUEAnswer(envelope: s6aAnswer(pur.envelope, from: hssHost, .success), puaFlags: 0b1)
    public static let rsr = ResetRequest(
        envelope: s6aRequest(hssHost, mmeHost, session: "rsr"), userIDs: ["00101"], resetIDs: [[0x00, 0x01]])
    public static let rsa = ResetAnswer(envelope: s6aAnswer(rsr.envelope, from: mmeHost, .success))
    public static let nor = NotifyRequest(
        envelope: s6aRequest(mmeHost, hssHost, session: "nor"), userName: imsi, contextIdentifier: 1,
        serviceSelection: "internet", norFlags: 0b1)
    public static let noa = NotifyAnswer(envelope: s6aAnswer(nor.envelope, from: hssHost, .errorUserUnknown))

    // MARK: Sh

    public static let udr = UserDataRequest(
        envelope: shRequest(asHost, hssHost, session: "udr"), userIdentity: UserIdentity(publicIdentity: impu),
        serviceIndications: [Array("mmtel-settings".utf8)], dataReferences: [.repositoryData, .imsUserState],
        identitySets: [.allIdentities])
    public static let uda = UserDataAnswer(
        envelope: shAnswer(udr.envelope, from: hssHost, .success),
        shUserData: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Sh-Data><RepositoryData><ServiceIndication>mmtel-settings</ServiceIndication><SequenceNumber>1</SequenceNumber></RepositoryData></Sh-Data>".utf8))
    public static let shPUR = ProfileUpdateRequest(
        envelope: shRequest(asHost, hssHost, session: "pur"), userIdentity: UserIdentity(publicIdentity: impu),
        dataReference: .repositoryData,
        shUserData: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Sh-Data><RepositoryData><ServiceIndication>mmtel-settings</ServiceIndication><SequenceNumber>2</SequenceNumber><ServiceData>cfu</ServiceData></RepositoryData></Sh-Data>".utf8))
    public static let shPUA = ProfileUpdateAnswer(
        envelope: shAnswer(shPUR.envelope, from: hssHost, .success),
        repositoryDataID: RepositoryDataID(serviceIndication: Array("mmtel-settings".utf8), sequenceNumber: 2),
        dataReference: .repositoryData)
    public static let snr = SubscribeNotificationsRequest(
        envelope: shRequest(asHost, hssHost, session: "snr"), userIdentity: UserIdentity(publicIdentity: impu),
        serviceIndications: [Array("mmtel-settings".utf8)], sendDataIndication: .userDataRequested, subsReqType: .subscribe,
        dataReferences: [.repositoryData], expiryTime: 3_975_000_000)
    public static let sna = SubscribeNotificationsAnswer(
        envelope: shAnswer(snr.envelope, from: hssHost, .success), expiryTime: 3_975_000_000)
    public static let pnr = PushNotificationRequest(
        envelope: shRequest(hssHost, asHost, session: "pnr"), userIdentity: UserIdentity(publicIdentity: impu),
        shUserData: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Sh-Data><RepositoryData><ServiceIndication>mmtel-settings</ServiceIndication><SequenceNumber>3</SequenceNumber></RepositoryData></Sh-Data>".utf8))
    public static let pna = PushNotificationAnswer(envelope: shAnswer(pnr.envelope, from: asHost, .success))

    /// Every S6a and Sh sample, as values.
    public static let s6aAndSh: [any DiameterTypedMessage] = [
        air, aia, ulr, ula, clr, cla, idr, ida, dsr, dsa, pur, pua, rsr, rsa, nor, noa,
        udr, uda, shPUR, shPUA, snr, sna, pnr, pna,
    ]
}
