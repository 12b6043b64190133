public import DiameterCore
public import HSSCore
public import DiameterPeer
import Logging
import NIOConcurrencyHelpers

/// The internal admin interface (the provisioning API calls it; tests drive it directly): read and
/// replace subscriptions, and trigger the HSS-initiated Cx, S6a and Sh procedures.
public struct HSSAdmin: Sendable {
    let directory: SubscriberDirectory
    let sender: HSSRequestSender
    /// The Sh permissions in force (GET/PUT /api/v1/sh/policy).
    public let shPolicy: ShPolicyStore

    /// What happened to one HSS-initiated request.
    public struct Delivery: Sendable, Hashable {
        public var command: String
        public var destinationHost: String
        public var userName: String
        /// The answer's Result-Code / Experimental-Result; `nil` when no answer came.
        public var result: ResultCode?
        public var failure: String?
    }

    /// Per shard: requests waiting behind a pending commit, subscriptions held, subscriptions cached.
    public func shardDepths() async -> [(waiting: Int, held: Int, cached: Int)] {
        var out: [(waiting: Int, held: Int, cached: Int)] = []
        for shard in directory.shards { out.append(await shard.depth()) }
        return out
    }

    /// The peer authorisation in force and the peers connected now (docs/hardening.md); nil before the
    /// Diameter server is attached.
    public var peers: (authorization: PeerAuthorization, connected: [String])? {
        guard let registry = sender.server.withLockedValue({ $0 })?.registry else { return nil }
        return (registry.authorization.policy, registry.openPeers.sorted())
    }

    /// Every peer with a connection: open, or waiting for its CEA; and whether we opened it (configured
    /// outbound peers) or it connected to us.
    public var peerStates: [(originHost: String, open: Bool, initiatedByUs: Bool)] {
        sender.server.withLockedValue({ $0 })?.registry.peerStates ?? []
    }

    /// Replaces the peer authorisation; connected peers are checked against it at their next request.
    /// False before the Diameter server is attached.
    public func setPeerAuthorization(_ policy: PeerAuthorization) -> Bool {
        guard let registry = sender.server.withLockedValue({ $0 })?.registry else { return false }
        registry.setAuthorization(policy)
        sender.logger.notice(
            "peer authorisation replaced", metadata: ["mode": "\(policy.isPermissive ? "permissive" : "enforcing")", "peers": "\(policy.rules?.count ?? 0)"])
        return true
    }

    public func subscription(_ id: String) async -> IMSSubscription? {
        try? await directory.shard(for: id).subscription(id)
    }

    /// Adds or replaces a subscription's provisioned data (its Cx state is kept) and sends the PPRs the
    /// change calls for (TS 29.228 §6.2.2: profile, charging or Digest data of a registered user).
    @discardableResult
    public func put(_ subscription: IMSSubscription) async throws -> [Delivery] {
        return await send(try await directory.shard(for: subscription.id).replace(subscription))
    }

    /// PPR now with the current profile and charging data to the S-CSCF of each registered private
    /// identity (TS 29.228 §6.2.2); nothing when none is registered.
    public func pushProfile(_ id: String) async -> [Delivery] {
        guard let s = await subscription(id) else { return [] }
        return await send(CxProcedures.pushProfile(s).map(HSSInitiatedRequest.pushProfile))
    }

    /// Removes a subscription: RTR PERMANENT_TERMINATION to its S-CSCF (TS 29.228 §6.1.3) and CLR
    /// SUBSCRIPTION_WITHDRAWAL to its MME (TS 29.272 §5.2.1.2.1) first.
    @discardableResult
    public func remove(_ id: String) async throws -> [Delivery] {
        var deliveries = try await terminate(id, reason: .permanentTermination, reasonInfo: "subscription removed")
        if let s = try await directory.shard(for: id).subscription(id), let clr = S6aProcedures.subscriberDataChange(old: s, new: nil) {
            deliveries += await send([clr])
        }
        try await directory.shard(for: id).remove(id)
        return deliveries
    }

    /// Network-initiated de-registration (RTR, TS 29.228 §6.1.3) of the listed private or public
    /// identities (all registered ones when both are empty). The identities become NOT_REGISTERED once
    /// the S-CSCF answered or the request failed, except those it keeps for an emergency registration.
    @discardableResult
    public func terminate(
        _ id: String, reason: ReasonCode, reasonInfo: String? = nil, privateIdentities: [String] = [], publicIdentities: [String] = []
    ) async throws -> [Delivery] {
        let rtrs = try await directory.shard(for: id).registrationTerminations(
            id, reason: reason, reasonInfo: reasonInfo, privateIdentities: privateIdentities, publicIdentities: publicIdentities)
        return await send(rtrs.map(HSSInitiatedRequest.registrationTermination))
    }

    /// Sends each request and applies its outcome.
    func send(_ requests: [HSSInitiatedRequest]) async -> [Delivery] {
        var out: [Delivery] = []
        // A de-registration's PNRs join the queue.
        var queue = requests[...]
        while let request = queue.popFirst() {
            switch request {
            case .registrationTermination(let rtr):
                let message = rtr.message(context: sender.context, sessionID: sender.nextSessionID())
                let result = await sender.send(message, to: rtr.destinationHost, answer: RegistrationTerminationAnswer.self)
                var emergency: [IdentityWithEmergencyRegistration] = []
                if case .success(let a) = result { emergency = a.identitiesWithEmergencyRegistration }
                let pnrs = (try? await directory.shard(for: rtr.subscriptionID).registrationTerminated(rtr, emergency: emergency)) ?? []
                out.append(delivery("RTR", rtr.destinationHost, rtr.userName, result.map(\.envelope.result)))
                queue += pnrs
            case .pushProfile(let ppr):
                out.append(await deliver("PPR", ppr.message(context: sender.context, sessionID: sender.nextSessionID()), ppr.destinationHost, ppr.userName, PushProfileAnswer.self))
            case .cancelLocation(let clr):
                out.append(await deliver("CLR", clr.message(context: sender.context, sessionID: sender.nextSessionID()), clr.target.destinationHost, clr.target.imsi, CancelLocationAnswer.self))
            case .insertSubscriberData(let idr):
                out.append(await deliver("IDR", idr.message(context: sender.context, sessionID: sender.nextSessionID()), idr.target.destinationHost, idr.target.imsi, InsertSubscriberDataAnswer.self))
            case .pushNotification(let pnr):
                out.append(await deliver("PNR", pnr.message(context: sender.context, sessionID: sender.nextSessionID()), pnr.destinationHost, pnr.identity, PushNotificationAnswer.self))
            case .deleteSubscriberData(let dsr):
                out.append(await deliver("DSR", dsr.message(context: sender.context, sessionID: sender.nextSessionID()), dsr.target.destinationHost, dsr.target.imsi, DeleteSubscriberDataAnswer.self))
            }
        }
        if let observe = sender.observer.withLockedValue({ $0 }) { out.forEach(observe) }
        for d in out where d.result != .success {
            sender.logger.warning(
                "HSS-initiated request not accepted",
                metadata: ["command": "\(d.command)", "peer": "\(d.destinationHost)", "result": "\(d.result?.description ?? d.failure ?? "-")"])
        }
        return out
    }

    /// Sends a request whose outcome needs no applying, and says what became of it.
    func deliver<Request: EnvelopedMessage, Answer: EnvelopedMessage>(
        _ command: String, _ message: Request, _ host: String, _ user: String, _: Answer.Type
    ) async -> Delivery {
        delivery(command, host, user, await sender.send(message, to: host, answer: Answer.self).map(\.envelope.result))
    }

    func delivery(_ command: String, _ host: String, _ user: String, _ r: Result<ResultCode?, SendFailure>) -> Delivery {
        switch r {
        case .success(let rc): Delivery(command: command, destinationHost: host, userName: user, result: rc, failure: nil)
        case .failure(let f): Delivery(command: command, destinationHost: host, userName: user, result: nil, failure: f.reason)
        }
    }
}
