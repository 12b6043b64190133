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
        Self.appendResult(error.resultCode, reason: error.reason, applicationID: requestHeader.applicationID, originHost: originHost, originRealm: originRealm, to: &w)
        if let failed = error.failedAVP { w.appendGroup(.failedAVP) { $0.append(failed) } }
        for p in proxyInfo { w.append(p) }
        return w.finish()
    }

    /// The AVPs between Session-Id and Failed-AVP: the result, who answers, and why.
    static func appendResult(
        _ code: ResultCode, reason: String, applicationID: UInt32, originHost: String, originRealm: String, to w: inout DiameterMessageWriter
    ) {
        if applicationID == ApplicationID.cx && !code.isProtocolError {
            w.append(VendorSpecificApplicationID.cx)
            w.append(result: code)
            w.append(.authSessionState, AuthSessionState.noStateMaintained.rawValue)
        } else {
            w.append(result: code)
        }
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
        w.append(.errorMessage, reason)
    }
}

extension ErrorAnswer {
    /// One error answer made ready for many requests: a node refusing requests alike (for load, RFC 7683
    /// §8) writes each answer as the request's identifiers and Session-Id followed by octets encoded
    /// once. What it writes is, octet for octet, what ``ErrorAnswer/encode(originHost:originRealm:allocator:)``
    /// makes of an answer with the same code and reason, a Session-Id, no Failed-AVP and no Proxy-Info
    /// (followed by what ``EncodedAVPs/append(_:to:)`` adds, when `extra` is given).
    public struct Template: Sendable {
        public let resultCode: ResultCode
        public let applicationID: UInt32
        /// The AVPs after Session-Id.
        let tail: [UInt8]
        /// The Session-Id AVP's flags octet, from the dictionary (as ``DiameterMessageWriter`` sets it).
        let sessionIDFlags: UInt8

        public init(_ code: ResultCode, reason: String, applicationID: UInt32, originHost: String, originRealm: String) {
            self.resultCode = code
            self.applicationID = applicationID
            self.tail = EncodedAVPs.make {
                ErrorAnswer.appendResult(code, reason: reason, applicationID: applicationID, originHost: originHost, originRealm: originRealm, to: &$0)
            }
            self.sessionIDFlags = AVPDefinition.sessionID.encodingFlags.rawValue
        }

        /// Appends to `buffer` the answer to the request with `requestHeader` (its application is this
        /// template's) whose Session-Id AVP holds `sessionID`: the header with R cleared, P kept and E set
        /// for a protocol error (RFC 6733 §3, §7.1.3), then Session-Id (RFC 6733 §8.8), the tail, and
        /// `extra` (encoded AVPs, such as the DOIC AVPs of an answer to a reacting node: RFC 7683 §5.2.2).
        public func write(requestHeader h: DiameterHeader, sessionID: UnsafeRawBufferPointer, appending extra: [UInt8] = [], to buffer: inout ByteBuffer) {
            precondition(h.applicationID == applicationID, "a template is for one application")
            let avpLength = 8 + sessionID.count
            let padded = (avpLength + 3) & ~3
            let end = DiameterHeader.size + padded + tail.count
            let length = end + extra.count
            // The framer admits no request over `DiameterFrameDecoder.largestAnswerableMessage`, which leaves
            // 64 KiB for the tail and `extra` (the DOIC AVPs take a few hundred octets): as in
            // DiameterMessageWriter.finish, an overlong answer is a caller's bug.
            precondition(length <= 0xFF_FFFF, "Diameter message longer than 2^24-1 octets")
            var flags = h.flags.intersection(.proxiable)
            if resultCode.isProtocolError { flags.insert(.error) }
            let flagsOctet = flags.rawValue
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
                @inline(__always) func put32(_ v: UInt32, _ at: Int) { out.storeBytes(of: v.bigEndian, toByteOffset: at, as: UInt32.self) }
                put32(UInt32(DiameterHeader.version) << 24 | UInt32(length), 0)
                put32(UInt32(flagsOctet) << 24 | (h.commandCode & 0xFF_FFFF), 4)
                put32(h.applicationID, 8)
                put32(h.hopByHopID, 12)
                put32(h.endToEndID, 16)
                put32(AVPDefinition.sessionID.code, 20)
                put32(UInt32(sessionIDFlags) << 24 | UInt32(avpLength), 24)
                let data = DiameterHeader.size + 8
                UnsafeMutableRawBufferPointer(rebasing: out[data..<(data + sessionID.count)]).copyMemory(from: sessionID)
                for i in (DiameterHeader.size + avpLength)..<(DiameterHeader.size + padded) { out[i] = 0 }
                tail.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[(DiameterHeader.size + padded)..<end]).copyMemory(from: $0) }
                if !extra.isEmpty { extra.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[end..<length]).copyMemory(from: $0) } }
                return length
            }
        }
    }
}
