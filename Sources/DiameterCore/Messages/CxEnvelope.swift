/// The AVPs every Cx message carries (TS 29.229 §6.1.1-6.1.12), typed once for all twelve messages.
public struct CxEnvelope: Hashable, Sendable {
    public var sessionID: String
    public var drmp: Int32?
    public var vendorSpecificApplicationID: VendorSpecificApplicationID
    public var authSessionState: AuthSessionState
    public var originHost: String
    public var originRealm: String
    /// Requests only.
    public var destinationHost: String?
    /// Requests only (required there).
    public var destinationRealm: String?
    /// Answers only: Result-Code or Experimental-Result (exactly one, RFC 6733 §7).
    public var result: ResultCode?
    /// Answers only: the members of Failed-AVP.
    public var failedAVP: [AVP]
    public var supportedFeatures: [SupportedFeatures]
    public var proxyInfo: [ProxyInfo]
    public var routeRecord: [String]
    /// AVPs the message's grammar does not name (`*[ AVP ]`), kept in order.
    public var additionalAVPs: [AVP]

    public init(
        sessionID: String, originHost: String, originRealm: String, destinationHost: String? = nil,
        destinationRealm: String? = nil, result: ResultCode? = nil, failedAVP: [AVP] = [],
        supportedFeatures: [SupportedFeatures] = [], proxyInfo: [ProxyInfo] = [], routeRecord: [String] = [],
        drmp: Int32? = nil, additionalAVPs: [AVP] = []
    ) {
        self.sessionID = sessionID
        self.drmp = drmp
        self.vendorSpecificApplicationID = .cx
        self.authSessionState = .noStateMaintained
        self.originHost = originHost
        self.originRealm = originRealm
        self.destinationHost = destinationHost
        self.destinationRealm = destinationRealm
        self.result = result
        self.failedAVP = failedAVP
        self.supportedFeatures = supportedFeatures
        self.proxyInfo = proxyInfo
        self.routeRecord = routeRecord
        self.additionalAVPs = additionalAVPs
    }

    /// The envelope of the answer to a request with this envelope: same Session-Id and Proxy-Info
    /// (RFC 6733 §6.2: Proxy-Info is echoed in order), our identity, the outcome.
    public func answer(originHost: String, originRealm: String, result: ResultCode, supportedFeatures: [SupportedFeatures] = []) -> CxEnvelope {
        CxEnvelope(
            sessionID: sessionID, originHost: originHost, originRealm: originRealm, result: result,
            supportedFeatures: supportedFeatures, proxyInfo: proxyInfo)
    }

    init(_ m: DiameterMessage, grammar: AVPGrammar) throws(DiameterMessageError) {
        let a = m.avps
        sessionID = try a.requiredString(.sessionID)
        drmp = a.enumerated(.drmp)
        vendorSpecificApplicationID = try a.requiredGroup(.vendorSpecificApplicationID, as: VendorSpecificApplicationID.self)
        authSessionState = AuthSessionState(rawValue: try a.requiredEnumerated(.authSessionState))
        originHost = try a.requiredString(.originHost)
        originRealm = try a.requiredString(.originRealm)
        destinationHost = a.string(.destinationHost)
        destinationRealm = a.string(.destinationRealm)
        result = try a.result()
        failedAVP = a.first(.failedAVP)?.members.map { $0.tree() } ?? []
        supportedFeatures = try a.groups(.supportedFeatures, as: SupportedFeatures.self)
        proxyInfo = try a.groups(.proxyInfo, as: ProxyInfo.self)
        routeRecord = a.strings(.routeRecord)
        additionalAVPs = a.filter { grammar.ruleIndex(code: $0.code, vendorID: $0.vendorID) == nil }.map { $0.tree() }
    }

    /// Session-Id, DRMP, Vendor-Specific-Application-Id, the outcome (answers), Auth-Session-State,
    /// Origin-Host, Origin-Realm, Destination-Host and Destination-Realm (requests).
    func writeHead(into w: inout DiameterMessageWriter) {
        w.append(.sessionID, sessionID)
        w.append(.drmp, ifPresent: drmp)
        w.append(vendorSpecificApplicationID)
        if let result { w.append(result: result) }
        w.append(.authSessionState, authSessionState.rawValue)
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
        w.append(.destinationHost, ifPresent: destinationHost)
        w.append(.destinationRealm, ifPresent: destinationRealm)
    }

    /// Supported-Features (placed by each message where its grammar puts it).
    func writeSupportedFeatures(into w: inout DiameterMessageWriter) { w.append(each: supportedFeatures) }

    /// `*[ AVP ]`, Failed-AVP (answers), Proxy-Info, Route-Record.
    func writeTail(into w: inout DiameterMessageWriter) {
        for a in additionalAVPs { w.append(a) }
        if !failedAVP.isEmpty {
            w.appendGroup(.failedAVP) { g in for a in failedAVP { g.append(a) } }
        }
        w.append(each: proxyInfo)
        w.append(.routeRecord, each: routeRecord)
    }
}

/// A Cx message: the shared envelope plus the command's own AVPs.
public protocol CxMessage: DiameterTypedMessage {
    var envelope: CxEnvelope { get set }
    /// Reads the command's own AVPs.
    init(envelope: CxEnvelope, body: AVPList) throws(DiameterMessageError)
    /// Writes the command's own AVPs (Supported-Features included, where the grammar puts it).
    func writeBody(into w: inout DiameterMessageWriter)
}

extension CxMessage {
    public init(decoding message: DiameterMessage) throws(DiameterMessageError) {
        let envelope = try CxEnvelope(message, grammar: Self.command.grammar(isRequest: Self.isRequest))
        try self.init(envelope: envelope, body: message.avps)
    }

    public func writeAVPs(into w: inout DiameterMessageWriter) {
        envelope.writeHead(into: &w)
        writeBody(into: &w)
        envelope.writeTail(into: &w)
    }
}
