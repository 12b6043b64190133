public import DiameterCore

// HSS-initiated S6a procedures (TS 29.272 §5.2.1.2 Cancel Location, §5.2.2.1 Insert Subscriber Data,
// §5.2.2.2 Delete Subscriber Data) as values, and the pure decision of which a provisioning change needs.

/// Where an HSS-initiated S6a request goes: the MME registered for a subscription (its Diameter identity,
/// the Destination-Host/-Realm; the request leaves over the connection that MME opened), and the IMSI the
/// request names in User-Name.
public struct MMETarget: Hashable, Sendable {
    public var subscriptionID: String
    public var destinationHost: String
    public var destinationRealm: String
    public var imsi: String

    public init(subscriptionID: String, destinationHost: String, destinationRealm: String, imsi: String) {
        self.subscriptionID = subscriptionID
        self.destinationHost = destinationHost
        self.destinationRealm = destinationRealm
        self.imsi = imsi
    }

    /// The envelope of a request from this HSS to the MME.
    func envelope(_ context: HSSContext, _ sessionID: String) -> S6aEnvelope {
        S6aEnvelope(
            sessionID: sessionID, originHost: context.originHost, originRealm: context.originRealm, destinationHost: destinationHost,
            destinationRealm: destinationRealm)
    }
}

/// A CLR (TS 29.272 §7.2.7) before it gets a Session-Id.
public struct CancelLocation: Hashable, Sendable {
    public var target: MMETarget
    public var type: CancellationType

    public init(_ target: MMETarget, type: CancellationType) {
        self.target = target
        self.type = type
    }

    /// CLR-Flags bit 0, S6a/S6d-Indicator (TS 29.272 §7.3.152): the request is sent on S6a (to an MME).
    public static let s6aIndicator: UInt32 = 1 << 0

    public func message(context: HSSContext, sessionID: String) -> CancelLocationRequest {
        CancelLocationRequest(envelope: target.envelope(context, sessionID), userName: target.imsi, cancellationType: type, clrFlags: Self.s6aIndicator)
    }
}

/// An IDR (TS 29.272 §7.2.9): the subscription data as it is now, replacing what the MME holds (All-APN-
/// Configurations-Included-Indicator: all included).
public struct InsertSubscriberData: Hashable, Sendable {
    public var target: MMETarget
    public var subscriptionData: SubscriptionData

    public init(_ target: MMETarget, subscriptionData: SubscriptionData) {
        self.target = target
        self.subscriptionData = subscriptionData
    }

    public func message(context: HSSContext, sessionID: String) -> InsertSubscriberDataRequest {
        InsertSubscriberDataRequest(envelope: target.envelope(context, sessionID), userName: target.imsi, subscriptionData: subscriptionData)
    }
}

/// A DSR (TS 29.272 §7.2.11) withdrawing PDN subscription contexts (DSR-Flags bit 3, §7.3.25).
public struct DeleteSubscriberData: Hashable, Sendable {
    public var target: MMETarget
    public var contextIdentifiers: [UInt32]

    public init(_ target: MMETarget, contextIdentifiers: [UInt32]) {
        self.target = target
        self.contextIdentifiers = contextIdentifiers
    }

    /// DSR-Flags bit 3: "PDN subscription contexts Withdrawal" (TS 29.272 §7.3.25).
    public static let pdnSubscriptionContextsWithdrawal: UInt32 = 1 << 3

    public func message(context: HSSContext, sessionID: String) -> DeleteSubscriberDataRequest {
        DeleteSubscriberDataRequest(
            envelope: target.envelope(context, sessionID), userName: target.imsi, dsrFlags: Self.pdnSubscriptionContextsWithdrawal,
            contextIdentifiers: contextIdentifiers)
    }
}

extension S6aProcedures {
    /// What the MME serving `old` must be told when its provisioned data becomes `new` (`nil`: deleted):
    /// - EPS data gone (or the subscription deleted): CLR SUBSCRIPTION_WITHDRAWAL (TS 29.272 §5.2.1.2.1);
    /// - only non-default APNs removed: DSR with their Context-Identifiers (§5.2.2.2.1);
    /// - anything else in Subscription-Data changed: IDR with the whole data (§5.2.2.1.1), which also
    ///   replaces the MME's APN list.
    /// Nothing when no MME is registered, or the registered one purged the UE (§5.2.1.3.3: it holds no
    /// context to update).
    public static func subscriberDataChange(old: IMSSubscription, new: IMSSubscription?) -> HSSInitiatedRequest? {
        guard let mme = old.state.mme, !mme.purged, let oldEPS = old.eps else { return nil }
        let target = MMETarget(subscriptionID: old.id, destinationHost: mme.originHost, destinationRealm: mme.originRealm, imsi: oldEPS.imsi)
        guard let newEPS = new?.eps, newEPS.imsi == oldEPS.imsi else { return .cancelLocation(CancelLocation(target, type: .subscriptionWithdrawal)) }
        let before = subscriptionData(oldEPS), after = subscriptionData(newEPS)
        guard before != after else { return nil }
        let removed = oldEPS.apns.map(\.contextIdentifier).filter { id in !newEPS.apns.contains { $0.contextIdentifier == id } }
        var withoutRemoved = oldEPS
        withoutRemoved.apns.removeAll { removed.contains($0.contextIdentifier) }
        if !removed.isEmpty, !removed.contains(oldEPS.defaultContextIdentifier), subscriptionData(withoutRemoved) == after {
            return .deleteSubscriberData(DeleteSubscriberData(target, contextIdentifiers: removed))
        }
        return .insertSubscriberData(InsertSubscriberData(target, subscriptionData: after))
    }
}
