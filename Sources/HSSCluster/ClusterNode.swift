import Atomics
import Foundation
public import HSSCore
public import HSSServer
public import HSSStorage
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
public import NIOSSL

/// The store a node serves from; replaced whole when a snapshot is installed.
final class StoreHolder: AtomicReference, Sendable {
    let store: LMDBSubscriberStore
    init(_ s: LMDBSubscriberStore) { store = s }
}

/// A node's role (docs/replication.md, "Roles").
public enum ClusterRole: Sendable, Equatable, CustomStringConvertible {
    case leader(epoch: UInt64)
    case follower(leader: String, address: String, epoch: UInt64)
    /// No leader known (after a start, or stopped).
    case candidate
    /// This node led `epoch` and was deposed (its lease lapsed, no quorum heard, a newer epoch seen): it
    /// answers from its store only up to what was acknowledged until a leader has checked its log.
    case fenced(epoch: UInt64)

    public var description: String {
        switch self {
        case .leader: "leader"
        case .follower: "follower"
        case .candidate: "candidate"
        case .fenced: "fenced"
        }
    }
}

/// Why a write was not done in a cluster.
public struct ClusterUnavailable: Error, TransientStorageFailure, CustomStringConvertible {
    public var reason: String
    /// The leader is gone or changing (no leader, the link to it lost, a deposed leader answering): a
    /// write waits a moment for the next one (`ClusterConfiguration.leaderWait`) before it is answered 3004.
    public var leaderLost: Bool
    public init(_ reason: String, leaderLost: Bool = false) {
        self.reason = reason
        self.leaderLost = leaderLost
    }
    public var description: String { "cluster: \(reason)" }
}

public struct NotAcknowledged: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "not acknowledged: \(reason)" }
}

/// One HSS node of a cluster: its store, its role, the cluster link (leader: ships the change log to
/// followers and performs their writes; follower: applies the leader's log and forwards writes), and
/// leadership through etcd or by hand (docs/replication.md).
public final class ClusterNode: Sendable {
    public let configuration: ClusterConfiguration
    let dataDirectory: String
    let storeConfiguration: LMDBConfiguration
    let holder: ManagedAtomic<StoreHolder>
    let logger: Logger
    let group: any EventLoopGroup

    struct State {
        /// The role, the highest epoch heard of, the safe point, the generation and stopping
        /// (`RoleMachine`: changed by events only, through `ClusterNode.apply`).
        var machine = RoleMachine()
        var role: ClusterRole { machine.role }
        var knownEpoch: UInt64 {
            get { machine.knownEpoch }
            set { machine.knownEpoch = newValue }
        }
        var stopped: Bool { machine.stopped }
        var generation: Int { machine.generation }
        var safePoint: UInt64 { machine.safePoint }
        /// Leader: each connected follower's durable position.
        var followers: [String: UInt64] = [:]
        /// Leader: when each follower was last heard from (any message on its link; a follower answers
        /// heartbeats), and when this node began to lead.
        var heard: [String: ContinuousClock.Instant] = [:]
        var leaderSince: ContinuousClock.Instant = .now
        /// Leader: followers sent a snapshot, with the first sequence each will ask for once it has
        /// installed it and when it was sent (`retainForSnapshots`).
        var snapshotFloors: [String: (sequence: UInt64, since: ContinuousClock.Instant)] = [:]
        /// Follower: the leader's last sequence as last heard.
        var leaderLast: UInt64 = 0
        /// Follower: which leader (of which epoch) it last heard from and when (any message on its link;
        /// the start of following it before that), and whether it is installing that leader's snapshot
        /// (silent meanwhile, and not for lack of a leader).
        var fromLeader: (leader: String, epoch: UInt64, at: ContinuousClock.Instant) = ("", 0, .now)
        var installingSnapshot = false
        /// Follower: its leader cannot be reached from here (its link went silent or a connect failed,
        /// not refused) while other followers may hear it: a write answers 3004 at once (the client tries
        /// another HSS) instead of waiting `leaderWait` for a link. Cleared by a role change or a welcome.
        var leaderUnreachable = false
        /// When this node promised to take nothing more from an epoch (`RoleMachine.Event.leaderLost`):
        /// a leader key of that epoch is not followed for a lease TTL after it (it is being released).
        var lostEpoch: (epoch: UInt64, at: ContinuousClock.Instant)?
        /// Follower: the link to the leader (its writer) and the forwarded writes waiting for results.
        var link: AsyncStream<ClusterMessage>.Continuation?
        /// Counts the links established to a leader (a write that failed with one waits for the next).
        var links = 0
        var pending: [UInt64: (waiting: CheckedContinuation<ForwardOutcome, Never>, deadline: ContinuousClock.Instant)] = [:]
        var nextForward: UInt64 = 0
        /// etcd: this node's lease and the monotonic deadline before which its leadership is certain.
        var lease: Int64 = 0
        var leaseDeadline: ContinuousClock.Instant = .now
        var directory: SubscriberDirectory?
    }
    let state = NIOLockedValueBox(State())
    /// Counts changes of the role, the link to the leader, the safe point and stopping: what `confirm`,
    /// `nextLeader`, the follow loop and the stop wait for (signals, not polling).
    let roleSignal = Progress()
    /// Wakes the election loop before its next look at etcd: a change of the leader key (the watch), or a
    /// silent leader's key released here.
    let electionWake = Progress()
    /// True while a watch on the leader key is in place: the election loop then looks at etcd when the key
    /// changes, and otherwise only as often as it renews its lease.
    let leaderKeyWatched = ManagedAtomic(false)
    var watchingLeaderKey: Bool { leaderKeyWatched.load(ordering: .relaxed) }
    /// The newest revision the watch reported (its start, or the key's last change).
    let watchRevision = ManagedAtomic<Int64>(0)
    /// A key revision one look found ahead of the watch (`checkWatch`); 0: none.
    let watchSuspect = ManagedAtomic<Int64>(0)
    /// The running watch (`checkWatch` cancels it when it fell behind).
    let watchTask = NIOLockedValueBox<Task<Void, any Error>?>(nil)

    /// Changes the role state and wakes whoever waits for such a change.
    @discardableResult
    func changeState<T>(_ f: (inout State) -> T) -> T {
        let r = state.withLockedValue(f)
        roleSignal.bump()
        return r
    }

    /// Waits until the role state changes after `seen` (a `roleSignal` value), at most `timeout`.
    func roleChange(after seen: UInt64, timeout: Duration) async {
        _ = await roleSignal.wait(for: seen + 1, timeout: timeout)
    }
    /// Leader: the sequence acknowledged at the ack level. Follower: the sequence applied.
    let acknowledged = NIOLockedValueBox(Progress())
    let applied: Progress
    /// The last sequence committed (durable) in this node's store.
    let committed: Progress
    /// Leader: counts events that give the senders something to send (records in the log, a commit, the
    /// acknowledged position moving).
    let shipSignal = Progress()
    /// Follower: the position its leader last said was acknowledged at its ack level (and durable on the
    /// leader). Records past it may be records the leader never committed (shipped while its fsync ran):
    /// nothing is answered from them (docs/replication.md, "Pipelined shipping").
    let leaderAcknowledged = Progress()
    let etcd: EtcdClient?
    let tls: ClusterTLSContexts?

    public init(configuration: ClusterConfiguration, dataDirectory: String, store: LMDBConfiguration, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        precondition(configuration.me != nil, "the node must be one of the members")
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        var c = store
        c.epochPerOpen = false
        c.path = LMDBSubscriberStore.storePath(dataDirectory: dataDirectory)
        storeConfiguration = c
        let opened = try LMDBSubscriberStore(c)
        holder = ManagedAtomic(StoreHolder(opened))
        self.logger = logger
        self.group = group
        let last = opened.logState.last
        applied = Progress(last)
        committed = Progress(last)
        etcd = configuration.etcd.isEmpty ? nil : EtcdClient(endpoints: configuration.etcd, group: group, tls: try configuration.etcdTLS?.context())
        tls = try configuration.tls?.contexts()
        state.withLockedValue { $0.knownEpoch = opened.epoch }
        watch(opened)
    }

    /// Follows a store's commits, its records logged before their commit, and a commit lost after its
    /// records were shipped (this node can no longer lead the epoch: it steps down).
    func watch(_ store: LMDBSubscriberStore) {
        store.onCommit { [weak self] seq in
            guard let self else { return }
            self.committed.advance(to: seq)
            if case .leader = self.role { self.updateAcknowledged() }
            self.shipSignal.bump()
        }
        store.onLogged { [weak self] _ in self?.shipSignal.bump() }
        store.onShippedAndLost { [weak self] seq in
            self?.stepDown("a commit failed after its records up to \(seq) were shipped")
        }
    }

    public var store: LMDBSubscriberStore { holder.load(ordering: .acquiring).store }
    public var role: ClusterRole { state.withLockedValue { $0.role } }
    /// Whether a follower has a working link to its leader.
    public var hasLeaderLink: Bool { state.withLockedValue { $0.link != nil } }

    /// Whether this node answers everything: it leads, or it follows over a working link and its log was
    /// checked by the leader.
    public var isServing: Bool {
        state.withLockedValue { s in
            switch s.role {
            case .leader: true
            case .follower: s.link != nil && s.safePoint == .max
            case .candidate, .fenced: false
            }
        }
    }

    /// The directory whose shard caches follow replicated changes.
    public func attach(_ directory: SubscriberDirectory) { state.withLockedValue { $0.directory = directory } }

    /// The storage the HSS serves from.
    public var storage: ClusteredStorage { ClusteredStorage(node: self) }

    // MARK: Running

    /// Serves the cluster link and keeps the role (etcd election or the static/manual leader) until
    /// cancelled.
    public func run() async throws {
        guard let me = configuration.me, let (host, port) = ClusterConfiguration.hostPort(me.address) else {
            throw ClusterUnavailable("no cluster address for \(configuration.node)")
        }
        let serverTLS = tls?.server
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let serverTLS { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverTLS)) }
                    return try Self.framed(channel)
                }
            }
        logger.info("cluster link listening", metadata: ["address": "\(me.address)", "node": "\(configuration.node)", "ack": "\(configuration.ackLevel)"])
        // The accept loop is not a child of this task: cancelling it would drop connections accepted but
        // not yet handed out, and NIO traps when an accepted NIOAsyncChannel is dropped unserved
        // ("Deinited NIOAsyncWriter without calling finish()": apple/swift-nio#2637, #3481; a node
        // stopping while the others reconnected crashed so in a network fault test). It ends when the
        // listener is closed, below, after every accepted connection was handed to `serve`.
        let acceptor = Task {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { conns in
                    for try await conn in inbound { conns.addTask { await self.serve(conn) } }
                    conns.cancelAll()
                }
            }
        }
        let listener = server.channel
        func closeListener() async {
            try? await listener.close()
            _ = await acceptor.result
        }
        do {
            try await roles()
        } catch {
            await closeListener()
            throw error
        }
        await closeListener()
    }

    /// The node's loops (following, sweeping, the election or the static start) until it stops.
    func roles() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.followLoop() }
            group.addTask { await self.sweepLoop() }
            if etcd != nil {
                group.addTask { await self.electionLoop() }
                group.addTask { await self.watchLoop() }
            } else {
                group.addTask { await self.startStatic() }
            }
            try await gracefulCancellation()
            group.cancelAll()
        }
    }

    func gracefulCancellation() async throws {
        while !Task.isCancelled {
            let seen = roleSignal.value
            if state.withLockedValue({ $0.stopped }) { return }
            await roleChange(after: seen, timeout: .seconds(1))
        }
    }

    /// True once `shutdown()` or `halt()` was called: errors from `run()` after that are part of stopping.
    public var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Steps down (etcd: gives the lease back so another node takes over at once) and stops.
    public func shutdown() async {
        apply(.stopping)
        let lease = state.withLockedValue { $0.lease }
        if let etcd, lease != 0 { try? await etcd.revoke(lease) }
        stepDown("shutting down")
        store.close()
    }

    /// Stops like a crash (tests): no step-down message, the etcd lease left to expire.
    public func halt() {
        apply(.halted)
        store.close()
    }

    /// Feeds the role machine an event and performs its actions (the shell: links, waits, caches,
    /// logs); returns whether the caches are to be dropped, which the caller does (async).
    @discardableResult
    func apply(_ event: RoleMachine.Event) -> Bool {
        let actions = changeState { s -> [RoleMachine.Action] in
            let before = s.generation
            let actions = s.machine.handle(event)
            if s.generation != before { s.leaderUnreachable = false }
            for action in actions {
                switch action {
                case .closeLink:
                    s.link?.finish()
                    if case .leader = s.machine.role { s.link = nil }
                case .startLeading:
                    s.followers = [:]
                    s.heard = [:]
                    s.snapshotFloors = [:]
                    s.leaderSince = .now
                default: break
                }
            }
            return actions
        }
        var clear = false
        for action in actions {
            switch action {
            case .startLeading: acknowledged.withLockedValue { $0 = Progress(0) }
            case .failAcknowledgementWaits: acknowledged.withLockedValue { $0 }.failAll()
            case .clearCaches: clear = true
            case .log(let level, let message, let metadata):
                var m = Logger.Metadata()
                for (k, v) in metadata { m[k] = "\(v)" }
                if case .elected = event { m["last"] = "\(store.logState.last)" }
                logger.log(level: level, "\(message)", metadata: m)
            case .closeLink: break
            }
        }
        return clear
    }

    /// The link's pipeline: TLS client side when given, then framing.
    static func framed(_ channel: any Channel, client tls: NIOSSLContext?) throws -> NIOAsyncChannel<ClusterMessage, ClusterMessage> {
        if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
        return try framed(channel)
    }

    static func framed(_ channel: any Channel) throws -> NIOAsyncChannel<ClusterMessage, ClusterMessage> {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ClusterFrameEncoder()))
        return try NIOAsyncChannel<ClusterMessage, ClusterMessage>(wrappingChannelSynchronously: channel)
    }

    func sweepLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            acknowledged.withLockedValue { $0 }.sweep()
            applied.sweep()
            committed.sweep()
            shipSignal.sweep()
            leaderAcknowledged.sweep()
            roleSignal.sweep()
            electionWake.sweep()
            expireForwards()
            retainForSnapshots()
            // A leader whose lease may have lapsed stops at once (fencing: docs/replication.md).
            if etcd != nil, case .leader = role, ContinuousClock.now > state.withLockedValue({ $0.leaseDeadline }) {
                stepDown("leader lease expired")
            }
            if etcd != nil, let why = lostQuorum(now: .now) { stepDown(why) }
        }
    }

    // MARK: Roles

    /// Leader, with etcd: why it should step down when it has not heard a majority of the members for
    /// the lease's TTL (Raft's check-quorum). A leader cut off from its followers but still reaching etcd
    /// would otherwise keep the leader key, answer every write 5012 (not acknowledged) and keep the others
    /// from electing one of them; stepping down gives the key back (the election loop deletes it) and,
    /// hearing no majority, it cannot campaign again until the partition heals. nil: nothing to do.
    /// How long a follower that was sent a snapshot counts as heard while it installs it (300,000
    /// subscribers took about 2 s here; a follower still installing after this may make a leader that
    /// hears nobody else step down, and lead again once the follower is back).
    static let snapshotInstallGrace = Duration.seconds(10)

    func lostQuorum(now: ContinuousClock.Instant) -> String? {
        let needed = configuration.members.count / 2  // followers heard, with this node a majority
        let window = Duration.seconds(configuration.leaseTTL)
        return state.withLockedValue { s -> String? in
            guard case .leader = s.role, needed > 0 else { return nil }
            // The last time a majority was heard: when the needed-th most recently heard follower was.
            let times = s.heard.values.sorted(by: >)
            let contact = max(times.count >= needed ? times[needed - 1] : s.leaderSince, s.leaderSince)
            guard now - contact > window else { return nil }
            let heard = times.filter { now - $0 <= window }.count  // (a snapshot's grace is in the future)
            return "heard \(heard) of the \(needed) followers a majority needs in the last \(configuration.leaseTTL) s"
        }
    }

    /// Leads `epoch`: its epoch record first (fencing: refused unless above every epoch the store has).
    func becomeLeader(_ epoch: UInt64) async throws {
        try await store.beginEpoch(epoch)
        if apply(.elected(epoch: epoch)) { await clearCaches() }
    }

    func becomeFollower(leader: String, address: String, epoch: UInt64) async {
        if apply(.leaderSeen(leader: leader, address: address, epoch: epoch)) { await clearCaches() }
    }

    /// Writes committed here that wait for the ack level's acknowledgement (leader; an overload signal).
    public var writesAwaitingAcknowledgement: Int { acknowledged.withLockedValue { $0 }.waiting }

    func stepDown(_ why: String) {
        let acked = acknowledged.withLockedValue { $0 }.value
        if apply(.deposed(reason: why, acknowledged: acked)) { Task { await clearCaches() } }
    }

    func clearCaches() async {
        guard let d = state.withLockedValue({ $0.directory }) else { return }
        for shard in d.shards { await shard.clearCache() }
    }

    func refresh(_ ids: some Sequence<String>) {
        guard let d = state.withLockedValue({ $0.directory }) else { return }
        for id in ids {
            let shard = d.shard(for: id)
            Task { await shard.refresh(id) }
        }
    }

    // MARK: Static leadership (no etcd)

    struct StaticState: Codable {
        var leader: String
        var address: String
        var epoch: UInt64
    }

    var staticStatePath: String { dataDirectory + "/cluster-leader.json" }

    func saveStatic(_ s: StaticState) {
        if let data = try? JSONEncoder().encode(s) { try? data.write(to: URL(fileURLWithPath: staticStatePath), options: .atomic) }
    }

    func startStatic() async {
        let saved = (try? Data(contentsOf: URL(fileURLWithPath: staticStatePath))).flatMap { try? JSONDecoder().decode(StaticState.self, from: $0) }
        if let saved {
            if saved.leader == configuration.node {
                // Leader before the restart: unless another node was promoted meanwhile, lead on in the same
                // epoch (the log is this node's own).
                for m in configuration.others {
                    if let s = await Self.status(of: m.address, group: group, tls: tls?.client), let l = s.leader, l != configuration.node, s.knownEpoch >= saved.epoch,
                        let leader = configuration.members.first(where: { $0.id == l })
                    {
                        await becomeFollower(leader: l, address: leader.address, epoch: s.knownEpoch)
                        saveStatic(StaticState(leader: l, address: leader.address, epoch: s.knownEpoch))
                        return
                    }
                }
                apply(.resumed(epoch: store.epoch))
            } else {
                await becomeFollower(leader: saved.leader, address: saved.address, epoch: saved.epoch)
            }
        } else if let first = configuration.initialLeader, let m = configuration.members.first(where: { $0.id == first }) {
            if first == configuration.node {
                try? await becomeLeader(store.epoch + 1)
                saveStatic(StaticState(leader: first, address: m.address, epoch: store.epoch))
            } else {
                await becomeFollower(leader: first, address: m.address, epoch: 0)
            }
        } else {
            logger.notice("no leader configured: waiting for hss cluster promote")
        }
    }

    /// `hss cluster promote`: lead `epoch` (fencing: only above every epoch this node knows).
    func promote(_ epoch: UInt64) async -> (Bool, String) {
        let known = state.withLockedValue { $0.knownEpoch }
        guard epoch > known, epoch > store.epoch else { return (false, "epoch \(epoch) is not above \(max(known, store.epoch))") }
        do {
            try await becomeLeader(epoch)
        } catch {
            return (false, "\(error)")
        }
        saveStatic(StaticState(leader: configuration.node, address: configuration.me!.address, epoch: epoch))
        return (true, "\(configuration.node) leads epoch \(epoch)")
    }

    func follow(leader: String, address: String, epoch: UInt64) async -> (Bool, String) {
        let known = state.withLockedValue { $0.knownEpoch }
        guard epoch >= known else { return (false, "epoch \(epoch) is below \(known)") }
        if leader == configuration.node { return (false, "a node does not follow itself") }
        stepDown("told to follow \(leader)")
        await becomeFollower(leader: leader, address: address, epoch: epoch)
        saveStatic(StaticState(leader: leader, address: address, epoch: epoch))
        return (true, "\(configuration.node) follows \(leader) (epoch \(epoch))")
    }

    // MARK: etcd election (docs/replication.md, "Automatic failover")

    var leaderKey: String { "/hss/\(configuration.name)/leader" }
    var epochKey: String { "/hss/\(configuration.name)/epoch" }

    func electionLoop() async {
        guard let etcd else { return }
        var lastKeepAlive = ContinuousClock.now - .seconds(60)
        var seen = electionWake.value
        var keyHeld = false
        let ttl = Duration.seconds(configuration.leaseTTL)
        while !Task.isCancelled && !state.withLockedValue({ $0.stopped }) {
            do {
                // Our lease, renewed a few times per TTL; the leader key lives on it.
                var lease = state.withLockedValue { $0.lease }
                if lease == 0 {
                    let sent = ContinuousClock.now
                    lease = try await etcd.grantLease(ttl: configuration.leaseTTL)
                    state.withLockedValue {
                        $0.lease = lease
                        $0.leaseDeadline = sent + ttl - .milliseconds(300)
                    }
                    lastKeepAlive = sent
                } else if ContinuousClock.now - lastKeepAlive >= ttl / 4 {
                    let sent = ContinuousClock.now
                    let left = try await etcd.keepAlive(lease)
                    if left <= 0 {
                        state.withLockedValue { $0.lease = 0 }
                        stepDown("lease lost")
                        continue
                    }
                    state.withLockedValue { $0.leaseDeadline = sent + ttl - .milliseconds(300) }
                    lastKeepAlive = sent
                }
                seen = electionWake.value
                keyHeld = try await electionStep(etcd, lease: lease)
            } catch {
                keyHeld = false
                logger.debug("etcd", metadata: ["error": "\(error)"])
            }
            // While a leader holds the key and the watch is in place, the next look is when the key changes
            // (or a silent leader's key is released here), else at the lease's next renewal; without a
            // leader (campaigns that found another node further on, which may not campaign) or without
            // the watch, every 150 ms.
            let poll: Duration = keyHeld && watchingLeaderKey ? ttl / 4 : .milliseconds(150)
            _ = await electionWake.wait(for: seen + 1, timeout: poll)
        }
    }

    /// Watches the leader key, waking the election loop on each change; re-established a second after the
    /// stream ends, etcd cannot be reached or the election loop finds the watch behind (the loop polls
    /// meanwhile).
    func watchLoop() async {
        guard let etcd else { return }
        let key = leaderKey
        while !Task.isCancelled && !isStopped {
            let watch = Task {
                try await etcd.watch(key) { event in
                    switch event {
                    case .created(let revision):
                        // Changes from here on are reported; the look this wakes covers those before.
                        self.watchRevision.store(revision, ordering: .relaxed)
                        self.leaderKeyWatched.store(true, ordering: .relaxed)
                    case .put(_, let revision), .delete(let revision):
                        self.watchRevision.store(revision, ordering: .relaxed)
                    }
                    self.electionWake.bump()
                }
            }
            watchTask.withLockedValue { $0 = watch }
            let result = await withTaskCancellationHandler { await watch.result } onCancel: { watch.cancel() }
            if case .failure(let error) = result { logger.debug("etcd watch", metadata: ["error": "\(error)"]) }
            leaderKeyWatched.store(false, ordering: .relaxed)
            electionWake.bump()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// A look at the key found a revision the watch did not report: a connection that died without a
    /// sign (a link down while nothing was sent) keeps the watch "in place" and silent. Seen at two looks
    /// in a row (the first may have raced the event on its way), the watch is set up again.
    func checkWatch(keyRevision: Int64) {
        guard watchingLeaderKey, keyRevision > watchRevision.load(ordering: .relaxed) else {
            watchSuspect.store(0, ordering: .relaxed)
            return
        }
        guard watchSuspect.exchange(keyRevision, ordering: .relaxed) == keyRevision else { return }
        logger.notice("etcd watch missed a change of the leader key: set up again", metadata: ["revision": "\(keyRevision)"])
        watchSuspect.store(0, ordering: .relaxed)
        watchTask.withLockedValue { $0 }?.cancel()
    }

    struct LeaderValue: Codable {
        var node: String
        var address: String
        var epoch: UInt64
    }

    /// One look at the leader key: follow its leader, release a stale key of ours, or campaign when there
    /// is none. Returns whether a leader key stays in place (the election loop then waits for the watch).
    @discardableResult
    func electionStep(_ etcd: EtcdClient, lease: Int64) async throws -> Bool {
        let current = try await etcd.get(leaderKey)
        if let current { checkWatch(keyRevision: current.modRevision) }
        if let kv = current, let v = try? JSONDecoder().decode(LeaderValue.self, from: Data(kv.value.utf8)) {
            if v.node == configuration.node {
                if kv.lease != lease {
                    // Our key from before a restart (or on a lease this process lost): the incarnation that
                    // led under it is gone, so nothing more can be acknowledged in its epoch. Released at
                    // once (compare on its revision) rather than left to lapse with its old lease, during
                    // which nobody could lead (the restart-all fault scenario paused writes about 2.3 s).
                    stepDown("stale leader key")
                    if try await etcd.deleteIf(leaderKey, modRevision: kv.modRevision) {
                        logger.notice("our leader key from before a restart released", metadata: ["epoch": "\(v.epoch)"])
                        electionWake.bump()
                    }
                    return false
                } else if case .leader = role {
                } else {
                    stepDown("leader key held but not leading")
                    try await etcd.deleteIf(leaderKey, modRevision: kv.modRevision)
                    return false
                }
            } else {
                if case .leader = role { stepDown("\(v.node) leads epoch \(v.epoch)") }
                // The key of a leader this node found silent with the other followers: its release is
                // under way (followed again after a lease TTL, in case it fails: the hello then carries
                // the newer epoch, and that leader steps down).
                let given = state.withLockedValue { s in s.lostEpoch.map { $0.epoch >= v.epoch && .now - $0.at < .seconds(configuration.leaseTTL) } ?? false }
                if !given { await becomeFollower(leader: v.node, address: v.address, epoch: v.epoch) }
            }
            return true
        }
        if case .leader = role { stepDown("leader key gone") }
        // No leader: campaign only with answers from a majority of the members (this node included) and
        // when none of them is further on. An acknowledged write is on the old leader and on at least one
        // follower (ack level one); a majority of the survivors includes such a follower.
        let mine = store.logState
        let myPosition = Self.position(mine, hasData: store.subscriptionCount > 0)
        var highestEpoch = max(mine.epoch, state.withLockedValue { $0.knownEpoch })
        var answered = 1
        for s in await electorate() {
            answered += 1
            highestEpoch = max(highestEpoch, s.epoch, s.knownEpoch)
            let theirs = (s.lastEpoch, s.last, s.hasData ? 1 : 0)
            if theirs > myPosition || (theirs == myPosition && s.node < configuration.node) { return false }
        }
        guard answered > configuration.members.count / 2 else { return false }
        // A node with nothing at all leads only a cluster that has nothing either: with every member
        // heard (else a seeded node that is not up yet would be overwritten by its snapshot).
        if myPosition == (0, 0, 0) && answered < configuration.members.count { return false }
        let counter = try await etcd.get(epochKey)
        let epoch = max(highestEpoch, counter.flatMap { UInt64($0.value) } ?? 0) + 1
        let value = String(decoding: try JSONEncoder().encode(LeaderValue(node: configuration.node, address: configuration.me!.address, epoch: epoch)), as: UTF8.self)
        if try await etcd.createIfAbsent(leaderKey, value, lease: lease, counter: epochKey, counterRevision: counter?.modRevision ?? 0, counterValue: "\(epoch)") {
            try await becomeLeader(epoch)
            return true
        }
        return false
    }

    /// The other members' status, asked in parallel. Enough answers to decide: a majority, and so many that
    /// every acknowledged write is on a node heard (it is on 1 + the ack level's followers, so hearing
    /// n + 1 - that many nodes finds it); once there are that many, a straggler (say the deposed leader,
    /// stopped) gets 100 ms more instead of the whole 700 ms timeout.
    func electorate() async -> [NodeStatus] {
        let enough = Self.answersNeeded(members: configuration.members.count, ackLevel: configuration.ackLevel)
        let others = configuration.others.map(\.address)
        let (group, tls) = (self.group, self.tls?.client)
        return await withTaskGroup(of: NodeStatus?.self) { tasks in
            for address in others { tasks.addTask { await Self.status(of: address, group: group, tls: tls) } }
            var heard: [NodeStatus] = []
            var graceStarted = false
            while let next = await tasks.next() {
                if let s = next { heard.append(s) }
                if heard.count >= enough && !graceStarted && heard.count < others.count {
                    graceStarted = true
                    tasks.addTask {
                        try? await Task.sleep(for: .milliseconds(100))
                        return nil
                    }
                } else if graceStarted && next == nil {
                    // The grace period ended (or a straggler failed): decide with what was heard.
                    break
                }
                if heard.count == others.count { break }
            }
            tasks.cancelAll()
            return heard
        }
    }

    /// Answers a candidate needs from the other members before it may stop waiting for the rest: with
    /// itself, a majority of `members`, and members + 1 − (the nodes an acknowledged write is on).
    static func answersNeeded(members n: Int, ackLevel: AckLevel) -> Int {
        let holding = 1 + ackLevel.required(followers: n - 1)
        return max(n / 2 + 1, n + 1 - holding) - 1
    }

    /// How far a node's log goes, for the election: the epoch of its last record, its last sequence,
    /// then whether it holds data at all (a store seeded before the cluster started has no log yet).
    static func position(_ log: LogState.Snapshot, hasData: Bool) -> (UInt64, UInt64, Int) { (log.lastEpoch, log.last, hasData ? 1 : 0) }

    // MARK: Status and control over the cluster link

    public func status() -> NodeStatus {
        let st = store.logState
        let hasData = store.subscriptionCount > 0
        return state.withLockedValue { s in
            var leader: String?
            switch s.role {
            case .leader: leader = configuration.node
            case .follower(let l, _, _): leader = l
            case .candidate, .fenced: leader = nil
            }
            let isLeader = if case .leader = s.role { true } else { false }
            var status = NodeStatus(
                node: configuration.node, role: s.role.description, epoch: st.epoch, knownEpoch: s.knownEpoch, last: st.last, lastEpoch: st.lastEpoch,
                leader: leader, followers: s.followers, leaderLast: isLeader ? st.last : s.leaderLast, ackLevel: configuration.ackLevel.rawValue)
            status.hasData = hasData
            return status
        }
    }

    /// One request/answer exchange with the node at `address` (status, promote, follow, leaderLost): nil
    /// when it does not answer within `timeout` or the caller is cancelled. It returns then, not when
    /// the connect gives up: a connect to a host whose link is down neither completes nor notices a
    /// cancellation before its own timeout, and an election that waited for it (a task group awaits
    /// its children) took 700 ms longer whenever the old leader's link was down.
    public static func exchange(
        _ message: ClusterMessage, with address: String, group: any EventLoopGroup, tls: NIOSSLContext? = nil, timeout: Duration = .milliseconds(700)
    ) async -> ClusterMessage? {
        guard let (host, port) = ClusterConfiguration.hostPort(address) else { return nil }
        // The first outcome wins: the reply (or its failure), the timeout, or the caller's cancellation.
        enum Outcome {
            case pending
            case waiting(CheckedContinuation<ClusterMessage?, Never>)
            case done(ClusterMessage?)
        }
        let outcome = NIOLockedValueBox(Outcome.pending)
        @Sendable func finish(_ reply: ClusterMessage?) {
            let c = outcome.withLockedValue { o -> CheckedContinuation<ClusterMessage?, Never>? in
                switch o {
                case .pending:
                    o = .done(reply)
                    return nil
                case .waiting(let c):
                    o = .done(reply)
                    return c
                case .done: return nil
                }
            }
            c?.resume(returning: reply)
        }
        let work = Task {
            do {
                let channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
                    .connect(host: host, port: port) { ch in ch.eventLoop.makeCompletedFuture { try framed(ch, client: tls) } }
                let reply = try await channel.executeThenClose { inbound, outbound -> ClusterMessage? in
                    try await outbound.write(message)
                    for try await reply in inbound { return reply }
                    return nil
                }
                finish(reply)
            } catch {
                finish(nil)
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            work.cancel()
            finish(nil)
        }
        return await withTaskCancellationHandler {
            let reply = await withCheckedContinuation { (c: CheckedContinuation<ClusterMessage?, Never>) in
                let already = outcome.withLockedValue { o -> ClusterMessage?? in
                    if case .done(let reply) = o { return .some(reply) }
                    o = .waiting(c)
                    return .none
                }
                if let already { c.resume(returning: already) }
            }
            timer.cancel()
            return reply
        } onCancel: {
            work.cancel()
            finish(nil)
        }
    }

    /// Every member's status as it answers now (this node's own without asking), nil for a member that
    /// does not answer: what the console's cluster page shows.
    public func memberStatuses() async -> [(id: String, address: String, status: NodeStatus?)] {
        let (group, tls, me) = (self.group, self.tls?.client, configuration.node)
        let own = status()
        return await withTaskGroup(of: (Int, NodeStatus?).self) { tasks in
            for (i, m) in configuration.members.enumerated() where m.id != me {
                tasks.addTask { (i, await Self.status(of: m.address, group: group, tls: tls)) }
            }
            var found: [Int: NodeStatus?] = [:]
            for await (i, s) in tasks { found[i] = s }
            return configuration.members.enumerated().map { i, m in (m.id, m.address, m.id == me ? own : found[i] ?? nil) }
        }
    }

    public static func status(of address: String, group: any EventLoopGroup, tls: NIOSSLContext? = nil, timeout: Duration = .milliseconds(700)) async -> NodeStatus? {
        if case .status(let s) = await exchange(.statusRequest, with: address, group: group, tls: tls, timeout: timeout) { return s }
        return nil
    }

    // MARK: Inbound connections

    func serve(_ conn: NIOAsyncChannel<ClusterMessage, ClusterMessage>) async {
        try? await conn.executeThenClose { inbound, outbound in
            var messages = inbound.makeAsyncIterator()
            guard let first = try await messages.next() else { return }
            switch first {
            case .statusRequest:
                try await outbound.write(.status(status()))
            case .promote(let epoch):
                let (ok, message) = await promote(epoch)
                try await outbound.write(.done(ok: ok, message: message))
            case .follow(let leader, let address, let epoch):
                let (ok, message) = await follow(leader: leader, address: address, epoch: epoch)
                try await outbound.write(.done(ok: ok, message: message))
            case .leaderLost(let leader, let epoch, let fence):
                let (ok, message) = answerLeaderLost(leader, epoch: epoch, fence: fence)
                try await outbound.write(.done(ok: ok, message: message))
            case .hello(let hello):
                try await leaderSession(hello, &messages, outbound)
            default:
                try await outbound.write(.reject(reason: "unexpected first message", leader: nil, epoch: 0))
            }
        }
    }
}
