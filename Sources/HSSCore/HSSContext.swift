public import DiameterCore

/// What the Cx and S6a procedures need to know about this HSS node (configuration, not state).
public struct HSSContext: Sendable {
    /// Our Diameter identity (Origin-Host/Realm of answers and HSS-initiated requests).
    public var originHost: String
    public var originRealm: String
    /// Visited-Network-Identifier values that count as the home network (always allowed to register).
    public var homeNetworks: Set<String>
    /// Server-Capabilities for subscriptions that provision none (TS 29.228 §6.7).
    public var defaultCapabilities: CapabilitySet
    /// Largest SIP-Number-Auth-Items (MAR) and Number-Of-Requested-Vectors (AIR) honoured in one answer.
    public var maximumAuthItems: Int
    /// SQN = SEQ ‖ IND with this node's IND (TS 33.102 Annex C).
    public var sequenceNumbers: SequenceNumberScheme
    /// SAR TIMEOUT_/USER_DEREGISTRATION_STORE_SERVER_NAME: whether this HSS keeps the S-CSCF name
    /// (TS 29.228 §6.1.2.1 "the HSS decides"); false answers DIAMETER_SUCCESS_SERVER_NAME_NOT_STORED.
    public var keepServerNameOnDeregistration: Bool
    /// Seconds since 1970, for Sh subscription expiry (TS 29.328 §6.1.4); injected so that tests control
    /// time. The default (0) treats every subscription as live.
    public var wallClock: @Sendable () -> UInt64 = { 0 }

    public init(
        originHost: String, originRealm: String, homeNetworks: Set<String> = [], defaultCapabilities: CapabilitySet = CapabilitySet(),
        maximumAuthItems: Int = 5, sequenceNumbers: SequenceNumberScheme = SequenceNumberScheme(ind: 0),
        keepServerNameOnDeregistration: Bool = true
    ) {
        self.originHost = originHost
        self.originRealm = originRealm
        self.homeNetworks = homeNetworks.isEmpty ? [originRealm] : homeNetworks
        self.defaultCapabilities = defaultCapabilities
        self.maximumAuthItems = maximumAuthItems
        self.sequenceNumbers = sequenceNumbers
        self.keepServerNameOnDeregistration = keepServerNameOnDeregistration
    }

    func answerEnvelope(_ request: CxEnvelope, _ result: ResultCode, failed: [AVP] = []) -> CxEnvelope {
        var e = request.answer(originHost: originHost, originRealm: originRealm, result: result)
        e.failedAVP = failed
        return e
    }

    /// Server-Capabilities for S-CSCF selection, or `nil` when none are provisioned: an empty grouped AVP
    /// says nothing (the I-CSCF then picks any S-CSCF, procedures.md §1) and some clients reject it
    /// (Kamailio's cdp drops the whole answer).
    func capabilities(_ s: IMSSubscription) -> ServerCapabilities? {
        let c = s.capabilities ?? defaultCapabilities
        guard !(c.mandatory.isEmpty && c.optional.isEmpty && c.serverNames.isEmpty) else { return nil }
        return ServerCapabilities(mandatoryCapabilities: c.mandatory, optionalCapabilities: c.optional, serverNames: c.serverNames)
    }
}

/// What a Cx or S6a procedure returns: the answer, the subscription as it should now be stored (`nil`:
/// no change), and requests the HSS must send as a consequence (TS 29.228 §8.1.1: RTR to an old S-CSCF;
/// TS 29.272 §5.2.1.1.3: CLR to the previous MME).
public struct ProcedureOutcome<Answer: EnvelopedMessage>: Sendable {
    public var answer: Answer
    public var updated: IMSSubscription?
    public var requests: [HSSInitiatedRequest]

    public init(_ answer: Answer, updated: IMSSubscription? = nil, requests: [HSSInitiatedRequest] = []) {
        self.answer = answer
        self.updated = updated
        self.requests = requests
    }

    public var resultCode: ResultCode? { answer.envelope.result }
}

/// A request the HSS originates: to the stored S-CSCF (TS 29.228 §6.1.3 RTR, §6.2.2 PPR) or to the
/// registered MME (TS 29.272 §5.2.1.2 CLR, §5.2.2.1 IDR, §5.2.2.2 DSR).
public enum HSSInitiatedRequest: Hashable, Sendable {
    case registrationTermination(RegistrationTermination)
    case pushProfile(PushProfile)
    case cancelLocation(CancelLocation)
    case insertSubscriberData(InsertSubscriberData)
    case deleteSubscriberData(DeleteSubscriberData)
    case pushNotification(PushNotification)

    public var destinationHost: String {
        switch self {
        case .registrationTermination(let r): r.destinationHost
        case .pushProfile(let p): p.destinationHost
        case .cancelLocation(let c): c.target.destinationHost
        case .insertSubscriberData(let i): i.target.destinationHost
        case .deleteSubscriberData(let d): d.target.destinationHost
        case .pushNotification(let p): p.destinationHost
        }
    }
}

/// The content of an RTR (TS 29.229 §6.1.5) before it gets a Session-Id.
public struct RegistrationTermination: Hashable, Sendable {
    public var subscriptionID: String
    public var destinationHost: String
    public var destinationRealm: String
    public var userName: String
    public var publicIdentities: [String]
    public var associatedIdentities: [String]
    public var reason: DeregistrationReason

    public func message(context: HSSContext, sessionID: String) -> RegistrationTerminationRequest {
        RegistrationTerminationRequest(
            envelope: CxEnvelope(
                sessionID: sessionID, originHost: context.originHost, originRealm: context.originRealm,
                destinationHost: destinationHost, destinationRealm: destinationRealm),
            userName: userName,
            associatedIdentities: associatedIdentities.isEmpty ? nil : AssociatedIdentities(userNames: associatedIdentities),
            publicIdentities: publicIdentities, deregistrationReason: reason)
    }
}

/// The content of a PPR (TS 29.229 §6.1.7).
public struct PushProfile: Hashable, Sendable {
    public var subscriptionID: String
    public var destinationHost: String
    public var destinationRealm: String
    public var userName: String
    public var userData: [UInt8]?
    public var chargingInformation: ChargingInformation?
    public var sipAuthDataItem: SIPAuthDataItem?

    public func message(context: HSSContext, sessionID: String) -> PushProfileRequest {
        PushProfileRequest(
            envelope: CxEnvelope(
                sessionID: sessionID, originHost: context.originHost, originRealm: context.originRealm,
                destinationHost: destinationHost, destinationRealm: destinationRealm),
            userName: userName, userData: userData, chargingInformation: chargingInformation, sipAuthDataItem: sipAuthDataItem)
    }
}

extension ChargingAddresses {
    var avpValue: ChargingInformation {
        ChargingInformation(
            primaryEventChargingFunctionName: primaryEventChargingFunctionName,
            secondaryEventChargingFunctionName: secondaryEventChargingFunctionName,
            primaryChargingCollectionFunctionName: primaryChargingCollectionFunctionName,
            secondaryChargingCollectionFunctionName: secondaryChargingCollectionFunctionName)
    }
}
