// Base protocol messages (RFC 6733 §5.3 CER/CEA, §5.4 DPR/DPA, §5.5 DWR/DWA). Application 0, no
// Session-Id, not proxiable.

/// The capabilities both CER and CEA advertise (RFC 6733 §5.3.1, §5.3.2).
public struct PeerCapabilities: Hashable, Sendable {
    public var originHost: String
    public var originRealm: String
    public var hostIPAddresses: [DiameterAddress]
    public var vendorID: UInt32
    public var productName: String
    public var originStateID: UInt32?
    public var supportedVendorIDs: [UInt32]
    public var authApplicationIDs: [UInt32]
    public var inbandSecurityIDs: [UInt32]
    public var acctApplicationIDs: [UInt32]
    public var vendorSpecificApplicationIDs: [VendorSpecificApplicationID]
    public var firmwareRevision: UInt32?

    public init(
        originHost: String, originRealm: String, hostIPAddresses: [DiameterAddress], vendorID: UInt32,
        productName: String, originStateID: UInt32? = nil, supportedVendorIDs: [UInt32] = [],
        authApplicationIDs: [UInt32] = [], inbandSecurityIDs: [UInt32] = [], acctApplicationIDs: [UInt32] = [],
        vendorSpecificApplicationIDs: [VendorSpecificApplicationID] = [], firmwareRevision: UInt32? = nil
    ) {
        self.originHost = originHost
        self.originRealm = originRealm
        self.hostIPAddresses = hostIPAddresses
        self.vendorID = vendorID
        self.productName = productName
        self.originStateID = originStateID
        self.supportedVendorIDs = supportedVendorIDs
        self.authApplicationIDs = authApplicationIDs
        self.inbandSecurityIDs = inbandSecurityIDs
        self.acctApplicationIDs = acctApplicationIDs
        self.vendorSpecificApplicationIDs = vendorSpecificApplicationIDs
        self.firmwareRevision = firmwareRevision
    }

    init(_ a: AVPList) throws(DiameterMessageError) {
        originHost = try a.requiredString(.originHost)
        originRealm = try a.requiredString(.originRealm)
        var addresses: [DiameterAddress] = []
        for v in a.all(.hostIPAddress) {
            guard let addr = v.address else {
                throw DiameterMessageError(.invalidAVPValue, offset: v.offset, reason: "bad Host-IP-Address", failedAVP: v.tree())
            }
            addresses.append(addr)
        }
        hostIPAddresses = addresses
        vendorID = try a.requiredUnsigned32(.vendorID)
        productName = try a.requiredString(.productName)
        originStateID = a.unsigned32(.originStateID)
        supportedVendorIDs = a.unsigned32s(.supportedVendorID)
        authApplicationIDs = a.unsigned32s(.authApplicationID)
        inbandSecurityIDs = a.unsigned32s(.inbandSecurityID)
        acctApplicationIDs = a.unsigned32s(.acctApplicationID)
        vendorSpecificApplicationIDs = try a.groups(.vendorSpecificApplicationID, as: VendorSpecificApplicationID.self)
        firmwareRevision = a.unsigned32(.firmwareRevision)
    }

    func writeIdentity(into w: inout DiameterMessageWriter) {
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
    }

    func writeRest(into w: inout DiameterMessageWriter) {
        for a in hostIPAddresses { w.append(.hostIPAddress, a) }
        w.append(.vendorID, vendorID)
        w.append(.productName, productName)
        w.append(.originStateID, ifPresent: originStateID)
    }

    func writeApplications(into w: inout DiameterMessageWriter) {
        w.append(.supportedVendorID, each: supportedVendorIDs)
        w.append(.authApplicationID, each: authApplicationIDs)
        w.append(.inbandSecurityID, each: inbandSecurityIDs)
        w.append(.acctApplicationID, each: acctApplicationIDs)
        w.append(each: vendorSpecificApplicationIDs)
        w.append(.firmwareRevision, ifPresent: firmwareRevision)
    }

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

/// CER (RFC 6733 §5.3.1).
public struct CapabilitiesExchangeRequest: DiameterTypedMessage {
    public static let command = CommandDefinition.capabilitiesExchange
    public static let isRequest = true
    public var capabilities: PeerCapabilities

    public init(capabilities: PeerCapabilities) { self.capabilities = capabilities }
    public init(decoding m: DiameterMessage) throws(DiameterMessageError) { capabilities = try PeerCapabilities(m.avps) }

    public func writeAVPs(into w: inout DiameterMessageWriter) {
        capabilities.writeIdentity(into: &w)
        capabilities.writeRest(into: &w)
        capabilities.writeApplications(into: &w)
    }
}

/// CEA (RFC 6733 §5.3.2).
public struct CapabilitiesExchangeAnswer: DiameterTypedMessage {
    public static let command = CommandDefinition.capabilitiesExchange
    public static let isRequest = false
    public var resultCode: ResultCode
    public var capabilities: PeerCapabilities
    public var errorMessage: String?
    public var failedAVP: [AVP]

    public init(resultCode: ResultCode, capabilities: PeerCapabilities, errorMessage: String? = nil, failedAVP: [AVP] = []) {
        self.resultCode = resultCode
        self.capabilities = capabilities
        self.errorMessage = errorMessage
        self.failedAVP = failedAVP
    }

    public init(decoding m: DiameterMessage) throws(DiameterMessageError) {
        resultCode = ResultCode(try m.avps.requiredUnsigned32(.resultCode))
        capabilities = try PeerCapabilities(m.avps)
        errorMessage = m.avps.string(.errorMessage)
        failedAVP = m.first(.failedAVP)?.members.map { $0.tree() } ?? []
    }

    public func writeAVPs(into w: inout DiameterMessageWriter) {
        w.append(.resultCode, resultCode.value)
        capabilities.writeIdentity(into: &w)
        capabilities.writeRest(into: &w)
        w.append(.errorMessage, ifPresent: errorMessage)
        if !failedAVP.isEmpty { w.appendGroup(.failedAVP) { g in for a in failedAVP { g.append(a) } } }
        capabilities.writeApplications(into: &w)
    }
}

/// DWR (RFC 6733 §5.5.1).
public struct DeviceWatchdogRequest: DiameterTypedMessage {
    public static let command = CommandDefinition.deviceWatchdog
    public static let isRequest = true
    public var originHost: String
    public var originRealm: String
    public var originStateID: UInt32?

    public init(originHost: String, originRealm: String, originStateID: UInt32? = nil) {
        self.originHost = originHost
        self.originRealm = originRealm
        self.originStateID = originStateID
    }

    public init(decoding m: DiameterMessage) throws(DiameterMessageError) {
        originHost = try m.avps.requiredString(.originHost)
        originRealm = try m.avps.requiredString(.originRealm)
        originStateID = m.avps.unsigned32(.originStateID)
    }

    public func writeAVPs(into w: inout DiameterMessageWriter) {
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
        w.append(.originStateID, ifPresent: originStateID)
    }
}

/// The shape DWA and DPA share (RFC 6733 §5.4.2, §5.5.2).
public struct BaseAnswerFields: Hashable, Sendable {
    public var resultCode: ResultCode
    public var originHost: String
    public var originRealm: String
    public var errorMessage: String?
    public var failedAVP: [AVP]
    public var originStateID: UInt32?

    public init(
        resultCode: ResultCode, originHost: String, originRealm: String, errorMessage: String? = nil,
        failedAVP: [AVP] = [], originStateID: UInt32? = nil
    ) {
        self.resultCode = resultCode
        self.originHost = originHost
        self.originRealm = originRealm
        self.errorMessage = errorMessage
        self.failedAVP = failedAVP
        self.originStateID = originStateID
    }

    init(_ a: AVPList) throws(DiameterMessageError) {
        resultCode = ResultCode(try a.requiredUnsigned32(.resultCode))
        originHost = try a.requiredString(.originHost)
        originRealm = try a.requiredString(.originRealm)
        errorMessage = a.string(.errorMessage)
        failedAVP = a.first(.failedAVP)?.members.map { $0.tree() } ?? []
        originStateID = a.unsigned32(.originStateID)
    }

    func write(into w: inout DiameterMessageWriter, includeOriginStateID: Bool) {
        w.append(.resultCode, resultCode.value)
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
        w.append(.errorMessage, ifPresent: errorMessage)
        if !failedAVP.isEmpty { w.appendGroup(.failedAVP) { g in for a in failedAVP { g.append(a) } } }
        if includeOriginStateID { w.append(.originStateID, ifPresent: originStateID) }
    }
}

/// DWA (RFC 6733 §5.5.2).
public struct DeviceWatchdogAnswer: DiameterTypedMessage {
    public static let command = CommandDefinition.deviceWatchdog
    public static let isRequest = false
    public var fields: BaseAnswerFields

    public init(fields: BaseAnswerFields) { self.fields = fields }
    public init(decoding m: DiameterMessage) throws(DiameterMessageError) { fields = try BaseAnswerFields(m.avps) }
    public func writeAVPs(into w: inout DiameterMessageWriter) { fields.write(into: &w, includeOriginStateID: true) }
}

/// DPR (RFC 6733 §5.4.1).
public struct DisconnectPeerRequest: DiameterTypedMessage {
    public static let command = CommandDefinition.disconnectPeer
    public static let isRequest = true
    public var originHost: String
    public var originRealm: String
    public var disconnectCause: DisconnectCause

    public init(originHost: String, originRealm: String, disconnectCause: DisconnectCause) {
        self.originHost = originHost
        self.originRealm = originRealm
        self.disconnectCause = disconnectCause
    }

    public init(decoding m: DiameterMessage) throws(DiameterMessageError) {
        originHost = try m.avps.requiredString(.originHost)
        originRealm = try m.avps.requiredString(.originRealm)
        disconnectCause = DisconnectCause(rawValue: try m.avps.requiredEnumerated(.disconnectCause))
    }

    public func writeAVPs(into w: inout DiameterMessageWriter) {
        w.append(.originHost, originHost)
        w.append(.originRealm, originRealm)
        w.append(.disconnectCause, disconnectCause.rawValue)
    }
}

/// DPA (RFC 6733 §5.4.2).
public struct DisconnectPeerAnswer: DiameterTypedMessage {
    public static let command = CommandDefinition.disconnectPeer
    public static let isRequest = false
    public var fields: BaseAnswerFields

    public init(fields: BaseAnswerFields) { self.fields = fields }
    public init(decoding m: DiameterMessage) throws(DiameterMessageError) { fields = try BaseAnswerFields(m.avps) }
    public func writeAVPs(into w: inout DiameterMessageWriter) { fields.write(into: &w, includeOriginStateID: false) }
}
