// What the generated S6a envelope (Generated/s6a.messages.generated.swift) cannot say by itself: the
// application's identity, and how an answer is built from a request.

/// An S6a/S6d message (TS 29.272 §7.2): the shared envelope plus the command's own AVPs.
public protocol S6aMessage: EnvelopedMessage where Envelope == S6aEnvelope {}

extension S6aEnvelope: MessageEnvelope {
    /// An envelope with the S6a application (TS 29.272 §7.1.8: Vendor-Specific-Application-Id { 10415,
    /// 16777251 }; §7.1.2: Auth-Session-State NO_STATE_MAINTAINED) and the outcome as one value.
    public init(
        sessionID: String, originHost: String, originRealm: String, destinationHost: String? = nil, destinationRealm: String? = nil,
        result: ResultCode? = nil, failedAVP: [AVP] = [], supportedFeatures: [SupportedFeatures] = [], proxyInfo: [ProxyInfo] = []
    ) {
        self.init(
            sessionID: sessionID, vendorSpecificApplicationID: .s6a, resultCode: result?.baseResultCode,
            experimentalResult: result?.experimentalResult, authSessionState: .noStateMaintained, originHost: originHost,
            originRealm: originRealm, destinationHost: destinationHost, destinationRealm: destinationRealm,
            supportedFeatures: supportedFeatures, failedAVP: failedAVP, proxyInfo: proxyInfo)
    }

    /// The envelope of the answer to a request with this envelope: same Session-Id and Proxy-Info
    /// (RFC 6733 §6.2), our identity, the outcome.
    public func answer(originHost: String, originRealm: String, result: ResultCode, failedAVP: [AVP] = []) -> S6aEnvelope {
        S6aEnvelope(sessionID: sessionID, originHost: originHost, originRealm: originRealm, result: result, failedAVP: failedAVP, proxyInfo: proxyInfo)
    }
}

extension VendorSpecificApplicationID {
    /// The S6a/S6d application (TS 29.272 §7.1.8): { Vendor-Id 10415, Auth-Application-Id 16777251 }.
    public static let s6a = VendorSpecificApplicationID(vendorID: VendorID.tgpp, authApplicationID: ApplicationID.s6a)
}

extension ResultCode {
    // TS 29.272 §7.4.3 (permanent failures) and §7.4.4 (transient), vendor 10415. 5001 and 5004 are
    // shared with Cx (errorUserUnknown, errorRoamingNotAllowed).
    public static let errorUnknownEPSSubscription = ResultCode(5420, vendorID: VendorID.tgpp)
    public static let errorRATNotAllowed = ResultCode(5421, vendorID: VendorID.tgpp)
    public static let errorEquipmentUnknown = ResultCode(5422, vendorID: VendorID.tgpp)
    public static let errorUnknownServingNode = ResultCode(5423, vendorID: VendorID.tgpp)
    public static let authenticationDataUnavailable = ResultCode(4181, vendorID: VendorID.tgpp)
}
