public import DiameterCore
public import HSSCore
public import HSSStorage
public import NIOCore

/// One shard of subscriptions: an actor that caches them (loaded from storage on first use), owns its
/// Milenage context and RAND source, and runs the pure Cx procedures on them.
///
/// Its executor is an event loop (like a connection's): a request arriving on that loop is answered in
/// place, synchronously (``attempt(_:_:)``), when it has nothing to wait for; requests from another loop
/// come in batches, one hop per batch (``LoopMail``).
///
/// Ordering and durability: requests for one subscription run one at a time (a request that must wait for
/// a commit holds the subscription; the next one waits for it), and a changed state is committed to
/// storage before the answer leaves and before the cache shows it. A MAR writes only when its SQN
/// crosses the reserved mark (TS 33.102 Annex C: SEQ values reserved in blocks).
public actor SubscriberShard {
    public let index: Int
    /// The event loop this shard runs on, and its place in the directory's loops.
    public nonisolated let eventLoop: any EventLoop
    nonisolated let loopIndex: Int

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }
    let context: HSSContext
    let storage: any SubscriberStorage
    let cacheLimit: Int

    struct Entry {
        /// The subscription with its live state (`sqn`: the last SQN this node issued).
        var subscription: IMSSubscription
        /// Per private identity, the end of this node's SQN block: vectors up to it need no write.
        var reserved: [String: UInt64]
        /// The state as stored (its `sqn`: the cluster-wide reserved marks): what a write expects to
        /// replace (compare-and-set).
        var persisted: SubscriptionState
        /// The store's position when this was loaded (0: it is this node's own acknowledged write): in a
        /// cluster an answer based on it waits until that position is acknowledged.
        var loadedAt: UInt64 = 0

        init(stored s: IMSSubscription, at position: UInt64) {
            subscription = s
            reserved = s.state.sqn
            persisted = s.state
            loadedAt = position
        }

        init(subscription: IMSSubscription, reserved: [String: UInt64], persisted: SubscriptionState, loadedAt: UInt64 = 0) {
            self.subscription = subscription
            self.reserved = reserved
            self.persisted = persisted
            self.loadedAt = loadedAt
        }
    }

    var cache: [String: Entry] = [:]
    /// SQN blocks of entries dropped from the cache (``clearCache()``, ``forget(_:)``, eviction), kept
    /// until the subscription is loaded again: the local store may not show this node's last reservation
    /// yet, nor the SQNs it issued within a block, and those must never be issued again (TS 33.102
    /// Annex C). Only ever raised (``keepFloor(_:_:)``).
    var sqnFloors: [String: Entry] = [:]
    /// Subscriptions a request currently holds, with the requests waiting for them, in arrival order.
    var busy: [String: [Waiter]] = [:]

    /// A request waiting for a held subscription: a suspended one, or one not started yet.
    enum Waiter {
        case suspended(CheckedContinuation<Void, Never>)
        /// Starts the request's task, which then holds the subscription.
        case start(() -> Void)
    }
    var milenage: Milenage
    var random = RANDSource()
    /// How often a procedure runs again after its write found the subscription changed by someone else.
    static let conflictRetries = 8

    init(index: Int, context: HSSContext, storage: any SubscriberStorage, cacheLimit: Int, eventLoop: any EventLoop, loopIndex: Int) throws {
        self.index = index
        self.eventLoop = eventLoop
        self.loopIndex = loopIndex
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
        await withCheckedContinuation { busy[id, default: []].append(.suspended($0)) }
    }

    func release(_ id: String) {
        guard var waiting = busy[id], !waiting.isEmpty else {
            busy[id] = nil
            return
        }
        let next = waiting.removeFirst()
        busy[id] = waiting
        switch next {
        case .suspended(let c): c.resume()
        case .start(let go): go()
        }
    }

    /// The cached subscription, loaded from storage on a miss (its stored SQN values are the reserved
    /// marks: the next vector goes past them).
    func entry(_ id: String) throws -> Entry? {
        if let e = cache[id] { return e }
        guard let s = try storage.load(id) else { return nil }
        var e = Entry(stored: s, at: storage.visiblePosition())
        if let own = sqnFloors.removeValue(forKey: id) { e = keepingOwnBlocks(own, e) }
        if storage.sqnBlock != nil, cache.count >= cacheLimit, let victim = cache.keys.first(where: { busy[$0] == nil }),
           let dropped = cache.removeValue(forKey: victim), !storeCovers(victim, dropped) {
            keepFloor(victim, dropped)
        }
        cache[id] = e
        return e
    }

    /// What ``attempt(_:_:)`` could do at once.
    enum Attempt<A: EnvelopedMessage> {
        /// Answered: nothing to wait for.
        case answered(ProcedureOutcome<A>)
        /// Nothing done: the subscription is held, or its basis awaits an acknowledgement.
        case mustWait
        /// The procedure ran and its outcome must be written before its answer leaves: the subscription is
        /// now held and the SQNs it used count as issued (``prepare(_:_:_:_:_:)``).
        case mustWrite(PreparedWrite<A>)
    }

    /// A procedure's outcome that must be written before its answer leaves, and what it was computed from.
    struct PreparedWrite<A: EnvelopedMessage> {
        var current: Entry
        var outcome: ProcedureOutcome<A>
        var updated: IMSSubscription
        var write: (state: SubscriptionState, reserved: [String: UInt64])
    }

    /// Runs a procedure on subscription `id` now, when nothing holds the subscription and its basis needs
    /// no acknowledgement: answered in place when it changes nothing that must be written (the usual MAR
    /// within its SQN reservation; UAR; LIR), else prepared for its write (the procedure is not run twice).
    func attempt<P: ShardProcedure>(_ id: String, _ procedure: P) throws -> Attempt<P.Answer> {
        guard busy[id] == nil else { return .mustWait }
        guard var current = try entry(id) else { return .answered(procedure.run(nil, &milenage, &random)) }
        if current.loadedAt > 0 && storage.needsConfirmation(current.loadedAt) { return .mustWait }
        current.subscription.state.sqn = startingSQN(current)
        let outcome = procedure.run(current.subscription, &milenage, &random)
        guard let live = outcome.updated else { return .answered(outcome) }
        guard let write = pendingWrite(current, live) else {
            showLive(id, current, live)
            return .answered(outcome)
        }
        return .mustWrite(prepare(id, current, outcome, live, write))
    }

    /// Shows in the cache the live state of a procedure that wrote nothing (its new live SQN): before any
    /// suspension, so that a concurrent MAR does not issue the same SQN.
    func showLive(_ id: String, _ current: Entry, _ live: IMSSubscription) {
        cache[id] = Entry(subscription: live, reserved: current.reserved, persisted: current.persisted, loadedAt: current.loadedAt)
    }

    /// Holds subscription `id` for a write (requests after it wait), and shows the SQNs the procedure used
    /// in the cache: they count as issued from here on, whatever becomes of the write. A write this node
    /// sees fail may still be durable (the leader committed it, then went silent) and its replay answer
    /// hand the vectors out; so the cache shows them before any suspension, and a role change that drops
    /// the cache meanwhile keeps them in the floors (found by the partition fault test: an SQN issued
    /// again after the leader changed under a pending write).
    func prepare<A: EnvelopedMessage>(
        _ id: String, _ current: Entry, _ outcome: ProcedureOutcome<A>, _ updated: IMSSubscription,
        _ write: (state: SubscriptionState, reserved: [String: UInt64])
    ) -> PreparedWrite<A> {
        if busy[id] == nil { busy[id] = [] }
        var used = current
        used.subscription.state.sqn = updated.state.sqn
        cache[id] = used
        return PreparedWrite(current: current, outcome: outcome, updated: updated, write: write)
    }

    /// Runs a procedure in a task on this shard and hands its outcome to `finish` there. The request holds
    /// its subscription from now on, or queues for it now: requests for one subscription run in arrival
    /// order, and one that arrives after this (even one that could answer at once) waits for it.
    func start<P: ShardProcedure>(
        _ id: String, _ procedure: P, prepared: PreparedWrite<P.Answer>? = nil, replay: (@Sendable (P.Answer) -> ReplayEntry?)? = nil,
        finish: @escaping @Sendable (Result<ProcedureOutcome<P.Answer>, any Error>) -> Void
    ) {
        let go = {
            Task {
                do {
                    finish(.success(try await self.run(id, held: true, prepared: prepared, replay: replay) { procedure.run($0, &$1, &$2) }))
                } catch {
                    finish(.failure(error))
                }
            }
        }
        if prepared != nil {
            _ = go()  // ``prepare`` holds the subscription already
        } else if busy[id] == nil {
            busy[id] = []
            _ = go()
        } else {
            busy[id]!.append(.start({ _ = go() }))
        }
    }

    /// Runs a procedure from any thread that is not one of the directory's loops (those batch their hops
    /// through ``LoopMail``): one hop to this shard's event loop, then at once if it can
    /// answer without waiting, else in a task; the outcome goes to `finish` on this shard's event loop.
    public nonisolated func perform<P: ShardProcedure>(
        _ id: String, _ procedure: P, replay: (@Sendable (P.Answer) -> ReplayEntry?)? = nil,
        finish: @escaping @Sendable (Result<ProcedureOutcome<P.Answer>, any Error>) -> Void
    ) {
        eventLoop.execute { [self] in performHere(id, procedure, replay: replay, finish: finish) }
    }

    /// ``perform(_:_:replay:finish:)`` once on this shard's event loop.
    nonisolated func performHere<P: ShardProcedure>(
        _ id: String, _ procedure: P, replay: (@Sendable (P.Answer) -> ReplayEntry?)?,
        finish: @escaping @Sendable (Result<ProcedureOutcome<P.Answer>, any Error>) -> Void
    ) {
        onEventLoop { shard in
            do {
                switch try shard.attempt(id, procedure) {
                case .answered(let outcome): finish(.success(outcome))
                case .mustWait: shard.start(id, procedure, replay: replay, finish: finish)
                case .mustWrite(let prepared): shard.start(id, procedure, prepared: prepared, replay: replay, finish: finish)
                }
            } catch {
                finish(.failure(error))
            }
        }
    }

    /// Runs a procedure on subscription `id` and commits what it changed before returning. The usual
    /// case (nothing to write: a MAR within its SQN reservation, an LIR) runs without suspending and without
    /// marking the subscription held; only a request that must wait for a commit holds it. When the write
    /// finds the stored state changed (another node's write, replicated meanwhile), the entry is reloaded
    /// and the procedure runs again on it.
    func run<A: EnvelopedMessage>(
        _ id: String, held: Bool = false, prepared: PreparedWrite<A>? = nil, replay: (@Sendable (A) -> ReplayEntry?)? = nil,
        _ procedure: (IMSSubscription?, inout Milenage, inout RANDSource) -> ProcedureOutcome<A>
    ) async throws -> ProcedureOutcome<A> {
        var holding = held
        if !holding && busy[id] != nil {
            await acquire(id)
            holding = true
        }
        defer { if holding { release(id) } }
        var attempt = 0
        var next = prepared
        while true {
            let p: PreparedWrite<A>
            if let ready = next {
                p = ready
                next = nil
            } else {
                guard var current = try entry(id) else { return procedure(nil, &milenage, &random) }
                current.subscription.state.sqn = startingSQN(current)
                let outcome = procedure(current.subscription, &milenage, &random)
                guard let updated = outcome.updated, let write = pendingWrite(current, updated) else {
                    // The cache takes the new live SQN before any suspension, then the answer waits for its
                    // basis to be acknowledged. A basis that may have changed meanwhile (a conflict) is
                    // reloaded and the procedure runs again.
                    if let live = outcome.updated { showLive(id, current, live) }
                    do {
                        try await confirm(current)
                    } catch StorageError.conflict where attempt < Self.conflictRetries {
                        attempt += 1
                        forget(id)
                        continue
                    }
                    return outcome
                }
                // No suspension since the check above: nobody else holds it; hold it across the commit.
                holding = true
                p = prepare(id, current, outcome, updated, write)
            }
            do {
                try await store(id, p.updated, p.current, p.write, replay: replay?(p.outcome.answer))
                return p.outcome
            } catch StorageError.conflict where attempt < Self.conflictRetries {
                attempt += 1
                forget(id)
            } catch {
                // The write's fate is unknown here: the entry is reloaded from the store next time (where
                // it was loaded is remembered, so an answer from it waits for the acknowledgement).
                forget(id)
                throw error
            }
        }
    }

    /// An answer that writes nothing is based on what was loaded: in a cluster it may leave only once
    /// that is acknowledged (an answer from a tail that is going to be truncated would acknowledge a write
    /// that is lost; found by the partition fault test: a retransmitted SAR answered 2001 from a deposed
    /// leader's unacknowledged record).
    func confirm(_ e: Entry) async throws {
        if e.loadedAt > 0 && storage.needsConfirmation(e.loadedAt) { try await storage.confirm(e.loadedAt) }
    }

    /// The live SQN a procedure continues from: where this node's block is used up and the cluster-wide
    /// mark is further on (another node reserved after it), past that mark, so that the next block
    /// reserved follows every block reserved before (TS 33.102 Annex C.1.1: SEQ only grows).
    func startingSQN(_ e: Entry) -> [String: UInt64] {
        var sqn = e.subscription.state.sqn
        let scheme = context.sequenceNumbers
        for (impi, mark) in e.persisted.sqn {
            let live = sqn[impi] ?? 0
            let exhausted = e.reserved[impi].map { scheme.seq(of: live) >= scheme.seq(of: $0) } ?? true
            if exhausted && scheme.seq(of: mark) > scheme.seq(of: live) { sqn[impi] = mark }
        }
        return sqn
    }

    /// What must be written before the answer leaves: state other than the live SQN, or an SQN past its
    /// reservation (then a new reservation, which raises the cluster-wide mark). `nil`: nothing.
    func pendingWrite(_ current: Entry, _ updated: IMSSubscription) -> (state: SubscriptionState, reserved: [String: UInt64])? {
        var reserved = current.reserved
        var marks = current.persisted.sqn
        var mustWrite = !Self.sameExceptSQN(current.persisted, updated.state)
        if let block = storage.sqnBlock {
            let scheme = context.sequenceNumbers
            for (impi, sqn) in updated.state.sqn where reserved[impi].map({ scheme.seq(of: sqn) > scheme.seq(of: $0) }) ?? true {
                let r = scheme.reservation(after: sqn, block: block)
                reserved[impi] = r
                if marks[impi].map({ scheme.seq(of: r) > scheme.seq(of: $0) }) ?? true { marks[impi] = r }
                mustWrite = true
            }
        }
        guard mustWrite else { return nil }
        var persisted = updated.state
        persisted.sqn = marks
        return (persisted, reserved)
    }

    /// Writes `write` (when there is one) durably, if the stored state is still the one `current` was
    /// based on, then shows `updated` in the cache.
    func store(
        _ id: String, _ updated: IMSSubscription, _ current: Entry, _ write: (state: SubscriptionState, reserved: [String: UInt64])?,
        replay: ReplayEntry? = nil
    ) async throws {
        if let write { try await storage.writeState(id, write.state, expected: current.persisted, replay: replay) }
        cache[id] = Entry(
            subscription: updated, reserved: write?.reserved ?? current.reserved, persisted: write?.state ?? current.persisted,
            loadedAt: write == nil ? current.loadedAt : 0)
    }

    /// Commits `updated` (the caller holds the subscription) and updates the cache.
    func commit(_ id: String, _ current: Entry, _ updated: IMSSubscription) async throws {
        try await store(id, updated, current, pendingWrite(current, updated))
    }

    /// Another node changed subscription `id` (a replicated record was applied): the cached entry is
    /// reloaded from storage, keeping this node's SQN block where the cluster-wide mark still covers it.
    public func refresh(_ id: String) async {
        guard cache[id] != nil else { return }
        await acquire(id)
        defer { release(id) }
        guard let old = cache[id] else { return }
        guard let stored = try? storage.load(id) else {
            cache[id] = nil
            return
        }
        cache[id] = keepingOwnBlocks(old, Entry(stored: stored, at: storage.visiblePosition()))
    }

    /// `loaded` (from storage) with this node's SQN blocks from `own` where they still hold: a block whose
    /// reservation the local store does not show yet (it was acknowledged by the leader, so it arrives),
    /// or a block the cluster-wide mark covers that is not used up. Otherwise the next vector goes past
    /// the mark and reserves anew.
    func keepingOwnBlocks(_ own: Entry, _ loaded: Entry) -> Entry {
        var e = loaded
        let scheme = context.sequenceNumbers
        for (impi, live) in own.subscription.state.sqn {
            let mark = loaded.persisted.sqn[impi].map(scheme.seq(of:)) ?? 0
            if let end = own.reserved[impi], scheme.seq(of: end) > mark || scheme.seq(of: live) < scheme.seq(of: end) {
                e.subscription.state.sqn[impi] = live
                e.reserved[impi] = end
            } else if scheme.seq(of: live) > (e.subscription.state.sqn[impi].map(scheme.seq(of:)) ?? 0) {
                // Never backwards: SQNs this node used (and perhaps handed out) stay used.
                e.subscription.state.sqn[impi] = live
            }
        }
        return e
    }

    /// Drops a cached entry to reload it, keeping this node's SQN blocks.
    func forget(_ id: String) {
        if let e = cache.removeValue(forKey: id) { keepFloor(id, e) }
    }

    /// Keeps `e`'s SQNs (the last one issued and the block it belongs to, per private identity) in the
    /// floors, never lowering what is there: a floor saved earlier (say by a role change under a pending
    /// write) may be older than the entry dropped now, and the other way round.
    func keepFloor(_ id: String, _ e: Entry) {
        guard !e.reserved.isEmpty || !e.subscription.state.sqn.isEmpty else { return }
        guard var floor = sqnFloors[id] else {
            sqnFloors[id] = e
            return
        }
        let scheme = context.sequenceNumbers
        for (impi, live) in e.subscription.state.sqn {
            let kept = floor.subscription.state.sqn[impi].map(scheme.seq(of:))
            let end = e.reserved[impi].map(scheme.seq(of:)) ?? 0, keptEnd = floor.reserved[impi].map(scheme.seq(of:)) ?? 0
            // The pair (last issued, block end) of the entry further on.
            if kept.map({ scheme.seq(of: live) > $0 || (scheme.seq(of: live) == $0 && end > keptEnd) }) ?? true {
                floor.subscription.state.sqn[impi] = live
                floor.reserved[impi] = e.reserved[impi]
            }
        }
        sqnFloors[id] = floor
    }

    /// Whether the local store already shows every SQN `e` holds (its marks at or past them): then
    /// dropping `e` loses nothing, since a reload continues after the marks.
    func storeCovers(_ id: String, _ e: Entry) -> Bool {
        if e.subscription.state.sqn.isEmpty { return true }  // no SQN (no AKA use): nothing to lose, no read
        guard let stored = try? storage.load(id) else { return false }
        let scheme = context.sequenceNumbers
        return e.subscription.state.sqn.allSatisfy { impi, live in
            let mark = stored.state.sqn[impi].map(scheme.seq(of:)) ?? 0
            return mark >= scheme.seq(of: live) && mark >= (e.reserved[impi].map(scheme.seq(of:)) ?? 0)
        }
    }

    /// Forgets every cached subscription (a node changing role: the store may have been truncated,
    /// repaired or replaced by a snapshot).
    public func clearCache() {
        // A request holding a subscription writes with compare-and-set: a stale entry it holds fails and
        // is reloaded. This node's SQN blocks outlive the cache.
        for (id, e) in cache { keepFloor(id, e) }
        cache.removeAll()
    }

    static func sameExceptSQN(_ a: SubscriptionState, _ b: SubscriptionState) -> Bool {
        a.scscf == b.scscf && a.registrations == b.registrations && a.restoration == b.restoration && a.mme == b.mme && a.sh == b.sh
    }

    public func subscription(_ id: String) throws -> IMSSubscription? { try entry(id)?.subscription }

    /// The stored (persisted) state of a subscription as this shard sees it.
    public func persistedState(_ id: String) throws -> SubscriptionState? { try entry(id)?.persisted }

    /// Requests waiting for a subscription whose commit is pending, and subscriptions cached (metrics).
    public func depth() -> (waiting: Int, held: Int, cached: Int) {
        (busy.values.reduce(0) { $0 + $1.count }, busy.count, cache.count)
    }

    // MARK: Cx

    /// Runs a procedure here, waiting for whatever it needs (a held subscription, a commit).
    public func execute<P: ShardProcedure>(_ id: String, _ procedure: P, replay: (@Sendable (P.Answer) -> ReplayEntry?)? = nil) async throws -> ProcedureOutcome<P.Answer> {
        try await run(id, replay: replay) { procedure.run($0, &$1, &$2) }
    }

    /// `replay`: the answer to keep when the MAR writes (an S-CSCF assignment or an SQN block), so that a
    /// retransmission reaching any node gets the same vectors (docs/replication.md).
    public func multimediaAuth(_ r: MultimediaAuthRequest, id: String, replay: (@Sendable (MultimediaAuthAnswer) -> ReplayEntry?)? = nil) async throws -> ProcedureOutcome<MultimediaAuthAnswer> {
        try await execute(id, BoundProcedure.multimediaAuth(r, context: context, storage: storage), replay: replay)
    }

    // MARK: Administration

    /// Adds or replaces the provisioned data of a subscription, keeping its state; returns the requests the
    /// change calls for: PPRs (TS 29.228 §6.2.2) and the IDR, DSR or CLR to the registered MME (TS 29.272
    /// §5.2.2, §5.2.1.2). An MME told that the EPS data is withdrawn is forgotten.
    func replace(_ new: IMSSubscription) async throws -> [HSSInitiatedRequest] {
        await acquire(new.id)
        defer { release(new.id) }
        var attempt = 0
        while true {
            let old = try entry(new.id)
            var next = new
            if let old { next.state = old.subscription.state }
            let s6a = old.flatMap { S6aProcedures.subscriberDataChange(old: $0.subscription, new: new) }
            let withdrawn = if case .cancelLocation = s6a { true } else { false }
            if withdrawn { next.state.mme = nil }
            var persisted = next
            if let old { persisted.state = old.persisted }
            if withdrawn { persisted.state.mme = nil }
            do {
                try await storage.writeSubscription(persisted, expected: .some(old?.persisted))
            } catch StorageError.conflict where attempt < Self.conflictRetries {
                attempt += 1
                forget(new.id)
                continue
            }
            cache[new.id] = Entry(subscription: next, reserved: old?.reserved ?? next.state.sqn, persisted: persisted.state)
            guard let old else { return [] }
            // iFCs, PSIs, identities changed through the API go to the ASs subscribed to them (TS 29.328 §6.1.5).
            let pnrs = ShNotifications.due(old: old.subscription, new: next, now: 0).requests.map(HSSInitiatedRequest.pushNotification)
            return CxProcedures.pushProfile(old: old.subscription, new: next).map(HSSInitiatedRequest.pushProfile) + (s6a.map { [$0] } ?? []) + pnrs
        }
    }

    func remove(_ id: String) async throws {
        await acquire(id)
        defer { release(id) }
        guard try entry(id) != nil else { return }
        try await storage.delete(id)
        cache[id] = nil
    }

    func registrationTerminations(_ id: String, reason: ReasonCode, reasonInfo: String?, privateIdentities: [String], publicIdentities: [String]) throws -> [RegistrationTermination] {
        guard let s = try entry(id)?.subscription else { return [] }
        return CxProcedures.registrationTermination(
            s, reason: reason, reasonInfo: reasonInfo, privateIdentities: privateIdentities, publicIdentities: publicIdentities)
    }

    /// Applies a de-registration; returns the PNRs it calls for (IMS user state, TS 29.328 §6.1.5).
    func registrationTerminated(_ rtr: RegistrationTermination, emergency: [IdentityWithEmergencyRegistration]) async throws -> [HSSInitiatedRequest] {
        let id = rtr.subscriptionID
        await acquire(id)
        defer { release(id) }
        var attempt = 0
        while let current = try entry(id) {
            do {
                let applied = CxProcedures.applyRegistrationTermination(rtr, to: current.subscription, emergency: emergency)
                let (pnrs, next) = ShNotifications.due(old: current.subscription, new: applied, now: context.wallClock())
                try await commit(id, current, next)
                return pnrs.map(HSSInitiatedRequest.pushNotification)
            } catch StorageError.conflict where attempt < Self.conflictRetries {
                attempt += 1
                forget(id)
            }
        }
        return []
    }
}

extension SubscriberShard {
    /// `assumeIsolated` for code running on this shard's event loop, checked by comparing threads (the
    /// event loop's `inEventLoop`) instead of the runtime's executor check (about 400 instructions per
    /// call with an event-loop executor). The body runs as the standard library's `assumeIsolated` runs it
    /// once its check passed.
    public nonisolated func onEventLoop<T>(_ body: (isolated SubscriberShard) throws -> T) rethrows -> T {
        precondition(eventLoop.inEventLoop, "SubscriberShard used off its event loop")
        return try withoutActuallyEscaping(body) { body in
            try unsafeBitCast(body, to: ((SubscriberShard) throws -> T).self)(self)
        }
    }
}

/// A Cx procedure bound to its request (TS 29.228 §6, `CxProcedures`): what a shard runs on a
/// subscription. A value, so that the in-place path allocates nothing for it.
public protocol ShardProcedure: Sendable {
    associatedtype Answer: EnvelopedMessage
    func run(_ subscription: IMSSubscription?, _ milenage: inout Milenage, _ random: inout RANDSource) -> ProcedureOutcome<Answer>
}

/// A Cx procedure of `CxProcedures` bound to its request. Its body captures nothing (a plain function
/// value), so binding one allocates nothing.
public struct BoundProcedure<Request: Sendable, Answer: EnvelopedMessage>: ShardProcedure {
    public typealias Body = @Sendable (Request, IMSSubscription?, HSSContext, any SubscriberStorage, inout Milenage, inout RANDSource) -> ProcedureOutcome<Answer>
    public let request: Request
    let context: HSSContext
    let storage: any SubscriberStorage
    let body: Body

    public func run(_ s: IMSSubscription?, _ milenage: inout Milenage, _ random: inout RANDSource) -> ProcedureOutcome<Answer> {
        body(request, s, context, storage, &milenage, &random)
    }
}

extension BoundProcedure where Request == UserAuthorizationRequest, Answer == UserAuthorizationAnswer {
    /// UAR (TS 29.228 §6.1.1).
    public static func userAuthorization(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, st, _, _ in
            CxProcedures.userAuthorization(r, subscription: s, context: c, isKnownIdentity: st.contains)
        }
    }
}

extension BoundProcedure where Request == ServerAssignmentRequest, Answer == ServerAssignmentAnswer {
    /// SAR (TS 29.228 §6.1.2).
    public static func serverAssignment(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, st, _, _ in
            var outcome = CxProcedures.serverAssignment(r, subscription: s, context: c, isKnownIdentity: st.contains)
            // TS 29.328 §6.1.5: IMS user state and S-CSCF name changes go to the ASs subscribed to them.
            ShNotifications.attach(&outcome, old: s, now: c.wallClock())
            return outcome
        }
    }
}

extension BoundProcedure where Request == LocationInfoRequest, Answer == LocationInfoAnswer {
    /// LIR (TS 29.228 §6.1.4).
    public static func locationInfo(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, _, _, _ in CxProcedures.locationInfo(r, subscription: s, context: c) }
    }
}

extension BoundProcedure where Request == MultimediaAuthRequest, Answer == MultimediaAuthAnswer {
    /// MAR (TS 29.228 §6.3.1).
    public static func multimediaAuth(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, st, milenage, random in
            var outcome = CxProcedures.multimediaAuth(r, subscription: s, context: c, isKnownIdentity: st.contains, milenage: &milenage, random: &random)
            // An S-CSCF assigned by the MAR (authentication pending) is a change of S-CSCF name and IMS user
            // state (TS 29.328 §7.6.3): one emptiness check when no AS subscribed.
            ShNotifications.attach(&outcome, old: s, now: c.wallClock())
            return outcome
        }
    }
}

extension BoundProcedure where Request == AuthenticationInformationRequest, Answer == AuthenticationInformationAnswer {
    /// AIR (TS 29.272 §5.2.3.1).
    public static func authenticationInformation(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, _, milenage, random in
            S6aProcedures.authenticationInformation(r, subscription: s, context: c, milenage: &milenage, random: &random)
        }
    }
}

extension BoundProcedure where Request == UpdateLocationRequest, Answer == UpdateLocationAnswer {
    /// ULR (TS 29.272 §5.2.1.1).
    public static func updateLocation(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, _, _, _ in S6aProcedures.updateLocation(r, subscription: s, context: c) }
    }
}

extension BoundProcedure where Request == PurgeUERequest, Answer == PurgeUEAnswer {
    /// PUR (TS 29.272 §5.2.1.3).
    public static func purgeUE(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, _, _, _ in S6aProcedures.purgeUE(r, subscription: s, context: c) }
    }
}

extension BoundProcedure where Request == NotifyRequest, Answer == NotifyAnswer {
    /// NOR (TS 29.272 §5.2.5.1).
    public static func notify(_ r: Request, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: r, context: context, storage: storage) { r, s, c, _, _, _ in S6aProcedures.notify(r, subscription: s, context: c) }
    }
}

/// An Sh request with what the procedure needs to know about it beyond the message (TS 29.328 §6.2).
public struct ShCall<Request: Sendable>: Sendable {
    public var request: Request
    public var access: ShAccess
}

extension BoundProcedure where Request == ShCall<UserDataRequest>, Answer == UserDataAnswer {
    /// UDR (TS 29.328 §6.1.1).
    public static func userData(_ r: UserDataRequest, access: ShAccess, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: ShCall(request: r, access: access), context: context, storage: storage) { r, s, c, _, _, _ in
            ShProcedures.userData(r.request, subscription: s, context: c, access: r.access)
        }
    }
}

extension BoundProcedure where Request == ShCall<ProfileUpdateRequest>, Answer == ProfileUpdateAnswer {
    /// PUR (TS 29.328 §6.1.3).
    public static func profileUpdate(_ r: ProfileUpdateRequest, access: ShAccess, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: ShCall(request: r, access: access), context: context, storage: storage) { r, s, c, _, _, _ in
            ShProcedures.profileUpdate(r.request, subscription: s, context: c, access: r.access)
        }
    }
}

extension BoundProcedure where Request == ShCall<SubscribeNotificationsRequest>, Answer == SubscribeNotificationsAnswer {
    /// SNR (TS 29.328 §6.1.4).
    public static func subscribeNotifications(_ r: SubscribeNotificationsRequest, access: ShAccess, context: HSSContext, storage: any SubscriberStorage) -> Self {
        Self(request: ShCall(request: r, access: access), context: context, storage: storage) { r, s, c, _, _, _ in
            ShProcedures.subscribeNotifications(r.request, subscription: s, context: c, access: r.access)
        }
    }
}
