public import DiameterCore
public import NIOCore

/// One realistic instance of every typed message, built field by field with the typed builders.
public enum SampleMessages {
    public static let hssHost = "hss.ims.mnc001.mcc001.3gppnetwork.org"
    public static let realm = "ims.mnc001.mcc001.3gppnetwork.org"
    public static let scscfHost = "scscf.ims.mnc001.mcc001.3gppnetwork.org"
    public static let icscfHost = "icscf.ims.mnc001.mcc001.3gppnetwork.org"
    public static let impi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org"
    public static let impu = "sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org"
    public static let scscfName = "sip:scscf.ims.mnc001.mcc001.3gppnetwork.org:6060"

    static func request(_ from: String, session: String) -> CxEnvelope {
        CxEnvelope(
            sessionID: "\(from);1;\(session)", originHost: from, originRealm: realm, destinationHost: hssHost,
            destinationRealm: realm, proxyInfo: [ProxyInfo(proxyHost: "dra.\(realm)", proxyState: [0, 1])])
    }

    static func answer(_ req: CxEnvelope, _ result: ResultCode) -> CxEnvelope {
        req.answer(originHost: hssHost, originRealm: realm, result: result)
    }

    static let hssCapabilities = PeerCapabilities(
        originHost: hssHost, originRealm: realm,
        hostIPAddresses: [DiameterAddress("127.0.0.1")!, DiameterAddress("::1")!], vendorID: 0,
        productName: "swift-ims-hss", originStateID: 1_700_000_000, supportedVendorIDs: [VendorID.tgpp, VendorID.etsi],
        vendorSpecificApplicationIDs: [.cx], firmwareRevision: 1)

    public static let uar = UserAuthorizationRequest(
        envelope: request(icscfHost, session: "uar"), userName: impi, publicIdentity: impu,
        visitedNetworkIdentifier: Array("ims.mnc001.mcc001.3gppnetwork.org".utf8), userAuthorizationType: .registration,
        uarFlags: 0)
    public static let uaa = UserAuthorizationAnswer(
        envelope: answer(uar.envelope, .firstRegistration),
        serverCapabilities: ServerCapabilities(mandatoryCapabilities: [1], optionalCapabilities: [2, 3], serverNames: [scscfName]))
    public static let sar = ServerAssignmentRequest(
        envelope: request(scscfHost, session: "sar"), userName: impi, publicIdentities: [impu], serverName: scscfName,
        serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable,
        multipleRegistrationIndication: .notMultipleRegistration)
    public static let saa = ServerAssignmentAnswer(
        envelope: answer(sar.envelope, .success), userName: impi,
        userData: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><IMSSubscription><PrivateID>\(impi)</PrivateID></IMSSubscription>".utf8),
        chargingInformation: ChargingInformation(primaryEventChargingFunctionName: "aaa://ecf.\(realm):3868;transport=tcp"),
        associatedIdentities: AssociatedIdentities(userNames: [impi]), looseRouteIndication: .looseRouteNotRequired,
        associatedRegisteredIdentities: AssociatedRegisteredIdentities(userNames: [impi]))
    public static let lir = LocationInfoRequest(
        envelope: request(icscfHost, session: "lir"), originatingRequest: .originating, publicIdentity: impu, sessionPriority: .priority2)
    public static let lia = LocationInfoAnswer(envelope: answer(lir.envelope, .success), serverName: scscfName)
    public static let mar = MultimediaAuthRequest(
        envelope: request(scscfHost, session: "mar"), userName: impi, publicIdentity: impu,
        sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1,
        serverName: scscfName)
    public static let maa = MultimediaAuthAnswer(
        envelope: answer(mar.envelope, .success), userName: impi, publicIdentity: impu, sipNumberAuthItems: 1,
        sipAuthDataItems: [
            SIPAuthDataItem(
                sipItemNumber: 1, sipAuthenticationScheme: "Digest-AKAv1-MD5",
                sipAuthenticate: bytes(fromHex: "23553cbe9637a89d218ae64dae47bf3555f328b43577b9b94a9ffac354dfafb3"),
                sipAuthorization: bytes(fromHex: "a54211d5e3ba50bf"),
                confidentialityKey: bytes(fromHex: "b40ba9a3c58b2a05bbf0d987b21bf8cb"),
                integrityKey: bytes(fromHex: "f769bcd751044604127672711c6d3441"))
        ])
    public static let maaDigest = MultimediaAuthAnswer(
        envelope: answer(mar.envelope, .success), userName: impi, publicIdentity: impu, sipNumberAuthItems: 1,
        sipAuthDataItems: [
            SIPAuthDataItem(
                sipItemNumber: 1, sipAuthenticationScheme: "SIP Digest",
                sipDigestAuthenticate: SIPDigestAuthenticate(
                    digestRealm: realm, digestAlgorithm: "MD5", digestQoP: "auth",
                    digestHA1: Array("a3f1c5e9b2d4f6a8c0e2b4d6f8a0c2e4".utf8)))
        ])
    public static let rtr = RegistrationTerminationRequest(
        envelope: CxEnvelope(
            sessionID: "\(hssHost);9;rtr", originHost: hssHost, originRealm: realm, destinationHost: scscfHost,
            destinationRealm: realm),
        userName: impi, publicIdentities: [impu],
        deregistrationReason: DeregistrationReason(reasonCode: .newServerAssigned, reasonInfo: "moved"))
    public static let rta = RegistrationTerminationAnswer(
        envelope: rtr.envelope.answer(originHost: scscfHost, originRealm: realm, result: .success),
        associatedIdentities: AssociatedIdentities(userNames: [impi]))
    public static let ppr = PushProfileRequest(
        envelope: CxEnvelope(
            sessionID: "\(hssHost);9;ppr", originHost: hssHost, originRealm: realm, destinationHost: scscfHost,
            destinationRealm: realm),
        userName: impi, chargingInformation: ChargingInformation(primaryChargingCollectionFunctionName: "aaa://ccf.\(realm)"))
    public static let ppa = PushProfileAnswer(
        envelope: ppr.envelope.answer(originHost: scscfHost, originRealm: realm, result: .errorNotSupportedUserData))
    public static let cer = CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
        originHost: scscfHost, originRealm: realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
        productName: "S-CSCF", supportedVendorIDs: [VendorID.tgpp], authApplicationIDs: [ApplicationID.cx]))
    public static let cea = CapabilitiesExchangeAnswer(resultCode: .success, capabilities: hssCapabilities)
    public static let dwr = DeviceWatchdogRequest(originHost: hssHost, originRealm: realm, originStateID: 7)
    public static let dwa = DeviceWatchdogAnswer(fields: BaseAnswerFields(resultCode: .success, originHost: scscfHost, originRealm: realm))
    public static let dpr = DisconnectPeerRequest(originHost: hssHost, originRealm: realm, disconnectCause: .rebooting)
    public static let dpa = DisconnectPeerAnswer(fields: BaseAnswerFields(resultCode: .success, originHost: scscfHost, originRealm: realm))

    /// Every typed sample, as values: base, Cx, then S6a and Sh.
    public static let typed: [any DiameterTypedMessage] = [
        uar, uaa, sar, saa, lir, lia, mar, maa, maaDigest, rtr, rta, ppr, ppa, cer, cea, dwr, dwa, dpr, dpa,
    ] + s6aAndSh

    /// Error answers: a protocol error (E-bit) and a grammar error on a Cx request.
    public static var errorAnswers: [ByteBuffer] {
        let marBytes = mar.encode(hopByHopID: 5, endToEndID: 6)
        let header = try! DiameterDecoder.decodeHeader(marBytes)
        let protocolError = ErrorAnswer(
            requestHeader: header, error: DiameterMessageError(.realmNotServed, offset: 0, reason: "Destination-Realm not served"),
            sessionID: mar.envelope.sessionID, proxyInfo: mar.envelope.proxyInfo)
        let missing = ErrorAnswer(
            requestHeader: header,
            error: DiameterMessageError(.missingAVP, offset: 0, reason: "missing Server-Name", failedAVP: .example(of: .serverName)),
            sessionID: mar.envelope.sessionID)
        let invalidValue = ErrorAnswer(
            requestHeader: header,
            error: DiameterMessageError(
                .invalidAVPValue, offset: 0, reason: "User-Name is not valid UTF-8",
                failedAVP: AVP(.userName, .data([0x75, 0xC3, 0x28, 0x72]))),
            sessionID: mar.envelope.sessionID)
        return [
            protocolError.encode(originHost: hssHost, originRealm: realm),
            missing.encode(originHost: hssHost, originRealm: realm),
            invalidValue.encode(originHost: hssHost, originRealm: realm),
        ]
    }

    /// Every sample encoded.
    public static var all: [ByteBuffer] {
        typed.enumerated().map { i, m in m.encode(hopByHopID: UInt32(i + 1), endToEndID: UInt32(1000 + i), retransmitted: false, allocator: ByteBufferAllocator()) }
            + errorAnswers
    }
}
