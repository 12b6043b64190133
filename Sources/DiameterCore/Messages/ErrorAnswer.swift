public import NIOCore

/// Builds the answer to a request that could not be accepted (RFC 6733 §7).
///
/// - 3xxx (protocol errors): E-bit set, the §7.2 `answer-message` shape: Session-Id, Origin-Host,
///   Origin-Realm, Result-Code, Error-Message, Failed-AVP, Proxy-Info.
/// - Other codes (5xxx from decoding or the grammar): a normal answer without E-bit. For a Cx request it
///   also carries Vendor-Specific-Application-Id and Auth-Session-State, so the answer satisfies the
///   command's own grammar (TS 29.229 §6.1).
///
/// Identifiers, the application and the P-bit come from the request header; Session-Id and Proxy-Info
/// from the request when it decoded far enough to read them.
public struct ErrorAnswer: Sendable {
    public var requestHeader: DiameterHeader
    public var error: DiameterMessageError
    public var sessionID: String?
    public var proxyInfo: [ProxyInfo]

    public init(requestHeader: DiameterHeader, error: DiameterMessageError, sessionID: String? = nil, proxyInfo: [ProxyInfo] = []) {
        self.requestHeader = requestHeader
        self.error = error
        self.sessionID = sessionID
        self.proxyInfo = proxyInfo
    }

    /// The answer for `error` to the request `bytes`, reading Session-Id and Proxy-Info best-effort.
    /// `nil` when the header itself could not be read (nothing to answer: the caller closes).
    public init?(error: DiameterMessageError, request bytes: ByteBuffer) {
        guard let header = error.header ?? (try? DiameterDecoder.decodeHeader(bytes)) else { return nil }
        self.requestHeader = header
        self.error = error
        // The message failed to decode or validate; a fresh decode may still expose the envelope.
        let partial = try? DiameterDecoder().decode(bytes)
        self.sessionID = partial?.first(.sessionID)?.string
        self.proxyInfo = (partial?.all(.proxyInfo) ?? []).compactMap { try? ProxyInfo($0.members) }
    }

    public func encode(originHost: String, originRealm: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var flags = requestHeader.flags.intersection(.proxiable)
        let isProtocolError = error.resultCode.isProtocolError
        if isProtocolError { flags.insert(.error) }
        let header = DiameterHeader(
            flags: flags, commandCode: requestHeader.commandCode, applicationID: requestHeader.applicationID,
            hopByHopID: requestHeader.hopByHopID, endToEndID: requestHeader.endToEndID)
        var w = DiameterMessageWriter(header: header, allocator: allocator)
        if let sessionID { w.append(.sessionID, sessionID) }
        let isCx = requestHeader.applicationID == ApplicationID.cx
        if isCx && !isProtocolError {
            w.append(VendorSpecificApplicationID.cx)
            w.append(result: error.resultCode)
            w.append(.authSessionState, AuthSessionState.noStateMaintained.rawValue)
        } else {
            w.append(result: error.resultCode)
        }
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
        w.append(.errorMessage, error.reason)
        if let failed = error.failedAVP { w.appendGroup(.failedAVP) { $0.append(failed) } }
        for p in proxyInfo { w.append(p) }
        return w.finish()
    }
}
