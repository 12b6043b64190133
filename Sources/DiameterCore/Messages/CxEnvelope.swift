// What the generated Cx envelope (Generated/cx.messages.generated.swift) cannot say by itself: how an
// answer is built from a request, and the outcome as one value.

/// What every application envelope (`@envelope` of a dictionary file) offers the HSS: the outcome as one
/// value and the Supported-Features an answer carries.
public protocol MessageEnvelope: Hashable, Sendable {
    var resultCode: ResultCode? { get set }
    var experimentalResult: ExperimentalResult? { get set }
    var supportedFeatures: [SupportedFeatures] { get set }
}

extension MessageEnvelope {
    /// Answers only: Result-Code, or Experimental-Result when the code has a vendor (RFC 6733 §7.6).
    public var result: ResultCode? {
        get {
            if let resultCode { return resultCode }
            return experimentalResult.map { ResultCode($0.experimentalResultCode, vendorID: $0.vendorID) }
        }
        set {
            resultCode = newValue?.baseResultCode
            experimentalResult = newValue?.experimentalResult
        }
    }
}

/// A message of an application whose messages share an envelope (Cx, S6a).
public protocol EnvelopedMessage: DiameterTypedMessage {
    associatedtype Envelope: MessageEnvelope
    var envelope: Envelope { get set }
}

/// A Cx message: the shared envelope plus the command's own AVPs (the twelve generated messages).
public protocol CxMessage: EnvelopedMessage where Envelope == CxEnvelope {}

extension CxEnvelope: MessageEnvelope {}

extension CxEnvelope {
    /// An envelope with the Cx application (TS 29.229 §6.1: Vendor-Specific-Application-Id { 10415,
    /// 16777216 }, Auth-Session-State NO_STATE_MAINTAINED) and the outcome as one value.
    public init(
        sessionID: String, originHost: String, originRealm: String, destinationHost: String? = nil,
        destinationRealm: String? = nil, result: ResultCode? = nil, failedAVP: [AVP] = [],
        supportedFeatures: [SupportedFeatures] = [], proxyInfo: [ProxyInfo] = [], routeRecord: [String] = [],
        drmp: DRMP? = nil, additionalAVPs: [AVP] = []
    ) {
        self.init(
            sessionID: sessionID, drmp: drmp, vendorSpecificApplicationID: .cx, resultCode: result?.baseResultCode,
            experimentalResult: result?.experimentalResult, authSessionState: .noStateMaintained,
            originHost: originHost, originRealm: originRealm, destinationHost: destinationHost,
            destinationRealm: destinationRealm, supportedFeatures: supportedFeatures, failedAVP: failedAVP,
            proxyInfo: proxyInfo, routeRecord: routeRecord, additionalAVPs: additionalAVPs)
    }

    /// The envelope of the answer to a request with this envelope: same Session-Id and Proxy-Info
    /// (RFC 6733 §6.2: Proxy-Info is echoed in order), our identity, the outcome.
    public func answer(originHost: String, originRealm: String, result: ResultCode, supportedFeatures: [SupportedFeatures] = []) -> CxEnvelope {
        CxEnvelope(
            sessionID: sessionID, vendorSpecificApplicationID: .cx, resultCode: result.baseResultCode,
            experimentalResult: result.experimentalResult, authSessionState: .noStateMaintained, originHost: originHost, originRealm: originRealm,
            supportedFeatures: supportedFeatures, proxyInfo: proxyInfo)
    }
}

extension ResultCode {
    /// The code as a Result-Code AVP carries it: a base code (no vendor), else `nil`.
    public var baseResultCode: ResultCode? { vendorID == nil ? self : nil }
    /// The code as an Experimental-Result AVP carries it (RFC 6733 §7.6): a vendor's code, else `nil`.
    public var experimentalResult: ExperimentalResult? {
        vendorID.map { ExperimentalResult(vendorID: $0, experimentalResultCode: value) }
    }
}

extension VendorSpecificApplicationID {
    /// The Cx/Dx application (TS 29.229 §6.1): { Vendor-Id 10415, Auth-Application-Id 16777216 }.
    public static let cx = VendorSpecificApplicationID(vendorID: VendorID.tgpp, authApplicationID: ApplicationID.cx)
}

extension SupportedFeatures {
    /// A 3GPP feature list (TS 29.229 §6.3.29). The M-bit, when set by the sender, marks the features as
    /// required; the peer layer reads it from the AVP.
    public init(featureListID: UInt32, featureList: UInt32) {
        self.init(vendorID: VendorID.tgpp, featureListID: featureListID, featureList: featureList)
    }
}

extension PeerCapabilities {
    /// Every application advertised, plain or vendor-specific, auth or acct.
    public var advertisedApplications: Set<UInt32> {
        var s = Set(authApplicationIDs).union(acctApplicationIDs)
        for v in vendorSpecificApplicationIDs {
            if let a = v.authApplicationID { s.insert(a) }
            if let a = v.acctApplicationID { s.insert(a) }
        }
        return s
    }
}
