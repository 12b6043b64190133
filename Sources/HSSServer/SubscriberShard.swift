public import DiameterCore
public import HSSCore

/// One shard of subscriptions: an actor that caches them (loaded from storage on first use), owns its
/// Milenage context and RAND source, and runs the pure Cx procedures on them.
///
/// Ordering and durability: requests for one subscription run one at a time (a request that must wait for
/// a commit holds the subscription; the next one waits for it), and a changed state is committed to
/// storage before the answer leaves and before the cache shows it. A MAR writes only when its SQN
/// crosses the reserved mark (TS 33.102 Annex C: SEQ values reserved in blocks).
public actor SubscriberShard {
    public let index: Int
    let context: CxContext
    let storage: any SubscriberStorage
    let cacheLimit: Int

    struct Entry {
        var subscription: IMSSubscription
        /// Per private identity, the SQN up to which vectors may be issued without a write.
        var reserved: [String: UInt64]
    }

    var cache: [String: Entry] = [:]
    /// Subscriptions a request currently holds, with the requests waiting for them.
    var busy: [String: [CheckedContinuation<Void, Never>]] = [:]
    var milenage: Milenage
    var random = RANDSource()

    init(index: Int, context: CxContext, storage: any SubscriberStorage, cacheLimit: Int) throws {
        self.index = index
        self.context = context
        self.storage = storage
        self.cacheLimit = cacheLimit
        self.milenage = try Milenage()
    }

    // MARK: Holding a subscription

    func acquire(_ id: String) async {
        if busy[id] == nil {
            busy[id] = []
            return
        }
        await withCheckedContinuation { busy[id, default: []].append($0) }
    }

    func release(_ id: String) {
        guard var waiting = busy[id], !waiting.isEmpty else {
            busy[id] = nil
            return
        }
        let next = waiting.removeFirst()
        busy[id] = waiting
        next.resume()
    }

    /// The cached subscription, loaded from storage on a miss (its stored SQN values are the reserved
    /// marks: the next vector goes past them).
    func entry(_ id: String) throws -> Entry? {
        if let e = cache[id] { return e }
        guard let s = try storage.load(id) else { return nil }
        let e = Entry(subscription: s, reserved: s.state.sqn)
        if storage.sqnBlock != nil, cache.count >= cacheLimit, let victim = cache.keys.first(where: { busy[$0] == nil }) {
            cache[victim] = nil
        }
        cache[id] = e
        return e
    }

    /// Runs a procedure on subscription `id` and commits what it changed before returning. The usual
    /// case (nothing to write: a MAR within its SQN reservation, an LIR) runs without suspending and without
    /// marking the subscription held; only a request that must wait for a commit holds it.
    func run<A: CxMessage>(_ id: String, _ procedure: (IMSSubscription?, inout Milenage, inout RANDSource) -> CxOutcome<A>) async throws -> CxOutcome<A> {
        var holding = false
        if busy[id] != nil {
            await acquire(id)
            holding = true
        }
        defer { if holding { release(id) } }
        let current = try entry(id)
        let outcome = procedure(current?.subscription, &milenage, &random)
        guard let updated = outcome.updated, let current else { return outcome }
        let write = pendingWrite(current, updated)
        if write != nil && !holding {
            // No suspension since the check above: nobody holds it; hold it across the commit.
            busy[id] = []
            holding = true
        }
        try await store(id, updated, reserved: current.reserved, write)
        return outcome
    }

    /// What must be written before the answer leaves: state other than the live SQN, or an SQN past its
    /// reservation (then a new reservation). `nil`: nothing.
    func pendingWrite(_ current: Entry, _ updated: IMSSubscription) -> (state: SubscriptionState, reserved: [String: UInt64])? {
        var reserved = current.reserved
        var mustWrite = !Self.sameExceptSQN(current.subscription.state, updated.state)
        if let block = storage.sqnBlock {
            let scheme = context.sequenceNumbers
            for (impi, sqn) in updated.state.sqn where reserved[impi].map({ scheme.seq(of: sqn) > scheme.seq(of: $0) }) ?? true {
                reserved[impi] = scheme.reservation(after: sqn, block: block)
                mustWrite = true
            }
        }
        guard mustWrite else { return nil }
        var persisted = updated.state
        persisted.sqn = reserved
        return (persisted, reserved)
    }

    /// Writes `write` (when there is one) durably, then shows `updated` in the cache.
    func store(_ id: String, _ updated: IMSSubscription, reserved: [String: UInt64], _ write: (state: SubscriptionState, reserved: [String: UInt64])?) async throws {
        if let write { try await storage.writeState(id, write.state) }
        cache[id] = Entry(subscription: updated, reserved: write?.reserved ?? reserved)
    }

    /// Commits `updated` (the caller holds the subscription) and updates the cache.
    func commit(_ id: String, _ current: Entry, _ updated: IMSSubscription) async throws {
        try await store(id, updated, reserved: current.reserved, pendingWrite(current, updated))
    }

    static func sameExceptSQN(_ a: SubscriptionState, _ b: SubscriptionState) -> Bool {
        a.scscf == b.scscf && a.registrations == b.registrations && a.restoration == b.restoration
    }

    public func subscription(_ id: String) throws -> IMSSubscription? { try entry(id)?.subscription }

    /// Requests waiting for a subscription whose commit is pending, and subscriptions cached (metrics).
    public func depth() -> (waiting: Int, held: Int, cached: Int) {
        (busy.values.reduce(0) { $0 + $1.count }, busy.count, cache.count)
    }

    // MARK: Cx

    public func userAuthorization(_ r: UserAuthorizationRequest, id: String) async throws -> CxOutcome<UserAuthorizationAnswer> {
        let (context, storage) = (self.context, self.storage)
        return try await run(id) { s, _, _ in CxProcedures.userAuthorization(r, subscription: s, context: context, isKnownIdentity: storage.contains) }
    }

    public func serverAssignment(_ r: ServerAssignmentRequest, id: String) async throws -> CxOutcome<ServerAssignmentAnswer> {
        let (context, storage) = (self.context, self.storage)
        return try await run(id) { s, _, _ in CxProcedures.serverAssignment(r, subscription: s, context: context, isKnownIdentity: storage.contains) }
    }

    public func locationInfo(_ r: LocationInfoRequest, id: String) async throws -> CxOutcome<LocationInfoAnswer> {
        let context = self.context
        return try await run(id) { s, _, _ in CxProcedures.locationInfo(r, subscription: s, context: context) }
    }

    public func multimediaAuth(_ r: MultimediaAuthRequest, id: String) async throws -> CxOutcome<MultimediaAuthAnswer> {
        let (context, storage) = (self.context, self.storage)
        return try await run(id) { s, milenage, random in
            CxProcedures.multimediaAuth(r, subscription: s, context: context, isKnownIdentity: storage.contains, milenage: &milenage, random: &random)
        }
    }

    // MARK: Administration

    /// Adds or replaces the provisioned data of a subscription, keeping its Cx state; returns the PPRs the
    /// change calls for (TS 29.228 §6.2.2).
    func replace(_ new: IMSSubscription) async throws -> [PushProfile] {
        await acquire(new.id)
        defer { release(new.id) }
        let old = try entry(new.id)
        var next = new
        if let old { next.state = old.subscription.state }
        var persisted = next
        if let old { persisted.state.sqn = old.reserved }
        try await storage.writeSubscription(persisted, previous: old?.subscription)
        cache[new.id] = Entry(subscription: next, reserved: old?.reserved ?? next.state.sqn)
        guard let old else { return [] }
        return CxProcedures.pushProfile(old: old.subscription, new: next)
    }

    func remove(_ id: String) async throws {
        await acquire(id)
        defer { release(id) }
        guard let old = try entry(id) else { return }
        try await storage.delete(old.subscription)
        cache[id] = nil
    }

    func registrationTerminations(_ id: String, reason: ReasonCode, reasonInfo: String?, privateIdentities: [String], publicIdentities: [String]) throws -> [RegistrationTermination] {
        guard let s = try entry(id)?.subscription else { return [] }
        return CxProcedures.registrationTermination(
            s, reason: reason, reasonInfo: reasonInfo, privateIdentities: privateIdentities, publicIdentities: publicIdentities)
    }

    func registrationTerminated(_ rtr: RegistrationTermination, emergency: [IdentityWithEmergencyRegistration]) async throws {
        let id = rtr.subscriptionID
        await acquire(id)
        defer { release(id) }
        guard let current = try entry(id) else { return }
        try await commit(id, current, CxProcedures.applyRegistrationTermination(rtr, to: current.subscription, emergency: emergency))
    }
}
