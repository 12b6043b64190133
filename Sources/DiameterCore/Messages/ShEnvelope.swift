// What the generated Sh envelope (Generated/sh.messages.generated.swift) cannot say by itself: the
// application's identity, how an answer is built from a request, and the Sh result codes.

/// An Sh message (TS 29.329 §6.1): the shared envelope plus the command's own AVPs.
public protocol ShMessage: EnvelopedMessage where Envelope == ShEnvelope {}

extension ShEnvelope: MessageEnvelope {
    /// An envelope with the Sh application (TS 29.329 §6.1: Vendor-Specific-Application-Id { 10415,
    /// 16777217 }, Auth-Session-State NO_STATE_MAINTAINED) and the outcome as one value.
    public init(
        sessionID: String, originHost: String, originRealm: String, destinationHost: String? = nil, destinationRealm: String? = nil,
        result: ResultCode? = nil, failedAVP: [AVP] = [], proxyInfo: [ProxyInfo] = []
    ) {
        self.init(
            sessionID: sessionID, vendorSpecificApplicationID: .sh, resultCode: result?.baseResultCode,
            experimentalResult: result?.experimentalResult, authSessionState: .noStateMaintained, originHost: originHost,
            originRealm: originRealm, destinationHost: destinationHost, destinationRealm: destinationRealm,
            failedAVP: failedAVP, proxyInfo: proxyInfo)
    }

    /// The envelope of the answer to a request with this envelope: same Session-Id and Proxy-Info
    /// (RFC 6733 §6.2), our identity, the outcome.
    public func answer(originHost: String, originRealm: String, result: ResultCode, failedAVP: [AVP] = []) -> ShEnvelope {
        ShEnvelope(sessionID: sessionID, originHost: originHost, originRealm: originRealm, result: result, failedAVP: failedAVP, proxyInfo: proxyInfo)
    }
}

extension ApplicationID {
    /// 3GPP Sh (TS 29.329 §6.1).
    public static let sh: UInt32 = 16_777_217
}

extension VendorSpecificApplicationID {
    /// The Sh application (TS 29.329 §6.1): { Vendor-Id 10415, Auth-Application-Id 16777217 }.
    public static let sh = VendorSpecificApplicationID(vendorID: VendorID.tgpp, authApplicationID: ApplicationID.sh)
}

extension ResultCode {
    // TS 29.329 §6.2 (vendor 10415). 5001 (user unknown) and 5008 (too much data) are shared with Cx.
    public static let userDataNotAvailable = ResultCode(4100, vendorID: VendorID.tgpp)
    public static let priorUpdateInProgress = ResultCode(4101, vendorID: VendorID.tgpp)
    public static let errorUserDataNotRecognized = ResultCode(5100, vendorID: VendorID.tgpp)
    public static let errorOperationNotAllowed = ResultCode(5101, vendorID: VendorID.tgpp)
    public static let errorUserDataCannotBeRead = ResultCode(5102, vendorID: VendorID.tgpp)
    public static let errorUserDataCannotBeModified = ResultCode(5103, vendorID: VendorID.tgpp)
    public static let errorUserDataCannotBeNotified = ResultCode(5104, vendorID: VendorID.tgpp)
    public static let errorTransparentDataOutOfSync = ResultCode(5105, vendorID: VendorID.tgpp)
    public static let errorSubsDataAbsent = ResultCode(5106, vendorID: VendorID.tgpp)
    public static let errorNoSubscriptionToData = ResultCode(5107, vendorID: VendorID.tgpp)
    public static let errorDSAINotAvailable = ResultCode(5108, vendorID: VendorID.tgpp)
}
