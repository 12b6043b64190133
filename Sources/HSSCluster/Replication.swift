import Foundation
public import HSSCore
public import HSSServer
public import HSSStorage
import Logging
import NIOCore
import NIOPosix
import Atomics
import NIOConcurrencyHelpers

// MARK: Leader side

extension ClusterNode {
    /// Ships the log to one follower and performs its forwarded writes, until the link closes or this
    /// node stops leading.
    func leaderSession(
        _ hello: ClusterMessage.Hello, _ inbound: inout NIOAsyncChannelInboundStream<ClusterMessage>.AsyncIterator,
        _ outbound: NIOAsyncChannelOutboundWriter<ClusterMessage>
    ) async throws {
        guard hello.cluster == configuration.name else {
            return try await outbound.write(.reject(reason: "cluster \(hello.cluster) is not \(configuration.name)", leader: nil, epoch: 0))
        }
        let (role, generation) = state.withLockedValue { ($0.role, $0.generation) }
        guard case .leader(let epoch) = role else {
            var leader: String?
            if case .follower(let l, _, _) = role { leader = l }
            return try await outbound.write(.reject(reason: "not the leader", leader: leader, epoch: state.withLockedValue { $0.knownEpoch }))
        }
        if hello.knownEpoch > epoch {
            // A follower has seen a newer leader: this one is deposed.
            try await outbound.write(.reject(reason: "epoch \(epoch) is older than \(hello.knownEpoch)", leader: nil, epoch: hello.knownEpoch))
            stepDown("a follower knows epoch \(hello.knownEpoch)")
            return
        }
        let store = self.store
        state.withLockedValue { $0.heard[hello.node] = .now }
        try await outbound.write(.welcome(epoch: epoch, leader: configuration.node))
        if !hello.repairIDs.isEmpty {
            try await outbound.write(.repair(try store.repairRecords(hello.repairIDs)))
        }
        let log = store.logState
        let common = EpochStart.commonPoint(log.history, end: log.last, hello.history, end: hello.last)
        if common < hello.last {
            logger.notice("follower diverged: truncating it", metadata: ["node": "\(hello.node)", "its last": "\(hello.last)", "common": "\(common)"])
            return try await outbound.write(.truncate(after: common))
        }
        if hello.last + 1 < log.first || (hello.last == 0 && (log.last > 0 || store.subscriptionCount > 0)) {
            try await sendSnapshot(to: hello.node, outbound)
            // It installs the snapshot (seconds for a large store), silent, then reconnects: counted as
            // heard meanwhile (check-quorum), so that a leader whose followers all take snapshots at a
            // cluster's start does not step down (found by the network fault tests, 300,000 subscribers).
            state.withLockedValue { $0.heard[hello.node] = .now + Self.snapshotInstallGrace }
            return
        }
        state.withLockedValue {
            $0.followers[hello.node] = hello.last
            $0.heard[hello.node] = .now
            $0.snapshotFloors[hello.node] = nil
        }
        retainForSnapshots()
        updateAcknowledged()
        // The log was checked: tell the follower at once (it answers from its store from then on, up to
        // what is acknowledged).
        try await outbound.write(.records([], leaderLast: log.last, acknowledged: acknowledgedPosition))
        logger.info("follower connected", metadata: ["node": "\(hello.node)", "from": "\(hello.last + 1)"])

        let (replies, replyWriter) = AsyncStream.makeStream(of: ClusterMessage.self)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            // Log records, from the follower's position on, as soon as they are in the log: those of the
            // batch being committed too, while the leader's own fsync runs (pipelined shipping); with
            // them, or alone when it moves, the acknowledged position. When this node stops leading or
            // the records are no longer retained, it says so and the follower closes the link.
            tasks.addTask {
                var next = hello.last + 1
                var sentAcknowledged: UInt64 = 0
                do {
                    while !Task.isCancelled {
                        guard self.state.withLockedValue({ $0.generation }) == generation else { throw ClusterUnavailable("no longer the leader") }
                        let signal = self.shipSignal.value
                        let records = try store.changes(from: next, limit: 512, uncommitted: true)
                        let acknowledged = self.acknowledgedPosition
                        if let first = records.first, let last = records.last {
                            guard first.sequence == next else { throw ClusterUnavailable("record \(next) no longer retained") }
                            try await outbound.write(.records(records, leaderLast: last.sequence, acknowledged: acknowledged))
                            next = last.sequence + 1
                            sentAcknowledged = acknowledged
                        } else if acknowledged > sentAcknowledged {
                            try await outbound.write(.records([], leaderLast: next - 1, acknowledged: acknowledged))
                            sentAcknowledged = acknowledged
                        } else if !(await self.shipSignal.wait(for: signal + 1, timeout: self.configuration.leaderSilence / 3)) {
                            try await outbound.write(.records([], leaderLast: next - 1, acknowledged: acknowledged))
                        }
                    }
                } catch let e as ClusterUnavailable {
                    try await outbound.write(.reject(reason: e.reason, leader: nil, epoch: 0))
                }
            }
            tasks.addTask {
                for await reply in replies { try await outbound.write(reply) }
            }
            defer {
                replyWriter.finish()
                tasks.cancelAll()
                self.state.withLockedValue {
                    $0.followers[hello.node] = nil
                    $0.heard[hello.node] = nil
                }
            }
            while let message = try await inbound.next() {
                self.state.withLockedValue { $0.heard[hello.node] = .now }
                switch message {
                case .ack(_, let durable):
                    self.state.withLockedValue { $0.followers[hello.node] = max($0.followers[hello.node] ?? 0, durable) }
                    self.updateAcknowledged()
                case .forward(let id, let op):
                    Task {
                        let outcome = await self.performForwarded(op)
                        replyWriter.yield(.forwardResult(id, outcome))
                    }
                default:
                    throw ClusterProtocolError("unexpected message from a follower")
                }
            }
        }
    }

    /// The sequence acknowledged at the ack level: durable here (the leader's own commit, which runs in
    /// parallel with the followers' since records are shipped before it) and on the k-th highest durable
    /// follower position.
    func updateAcknowledged() {
        let k = configuration.ackLevel.required(followers: configuration.members.count - 1)
        let positions = state.withLockedValue { $0.followers.values.sorted(by: >) }
        let durable = committed.value
        let progress = acknowledged.withLockedValue { $0 }
        let before = progress.value
        if k == 0 {
            progress.advance(to: durable)
        } else if positions.count >= k {
            progress.advance(to: min(positions[k - 1], durable))
        }
        if progress.value > before { shipSignal.bump() }
    }

    /// What a leader tells its followers is acknowledged (they answer from their stores up to there).
    var acknowledgedPosition: UInt64 { acknowledged.withLockedValue { $0 }.value }

    /// Waits until `sequence` is acknowledged at the ack level, and the leadership is still certain.
    func acknowledge(_ sequence: UInt64) async throws {
        guard case .leader = role else { throw NotAcknowledged(reason: "no longer the leader") }
        if configuration.ackLevel.required(followers: configuration.members.count - 1) > 0 {
            let progress = acknowledged.withLockedValue { $0 }
            guard await progress.wait(for: sequence, timeout: configuration.ackTimeout) else {
                throw NotAcknowledged(reason: "record \(sequence) not durable on \(configuration.ackLevel.rawValue) follower(s) within \(configuration.ackTimeout)")
            }
        }
        guard case .leader = role else { throw NotAcknowledged(reason: "no longer the leader") }
        if etcd != nil, ContinuousClock.now > state.withLockedValue({ $0.leaseDeadline }) {
            stepDown("leader lease expired")
            throw NotAcknowledged(reason: "leader lease expired")
        }
    }

    /// Performs a follower's write on the leader's store (compare-and-set where it asks), waits for the
    /// ack level, and refreshes the leader's own cache of the subscription.
    func performForwarded(_ op: ForwardedWrite) async -> ForwardOutcome {
        guard case .leader = role else { return .failed(Self.notLeader, transient: true) }
        let store = self.store
        do {
            let sequence: UInt64
            var touched: String?
            switch op {
            case .state(let id, let bytes, let expected, let replay):
                let s = try Self.state(bytes), e = try Self.state(expected)
                sequence = try await store.commitState(id, s, expected: e, replay: replay)
                touched = id
            case .subscription(let p, let s, let check, let expected):
                let sub = try Self.subscription(p, s)
                sequence = try await store.commitSubscription(sub, expected: check ? .some(try expected.map(Self.state)) : nil)
                touched = sub.id
            case .delete(let id):
                sequence = try await store.commitDelete(id)
                touched = id
            case .newSubscriptions(let list):
                sequence = try await store.commitNewSubscriptions(try list.map(Self.decodeWhole))
            }
            // The cache follows the store at once (entries remember where they were loaded, and answers
            // from them wait for the acknowledgement: ClusterNode.confirm).
            if let touched { refresh([touched]) }
            try await acknowledge(sequence)
            return .committed(sequence: sequence)
        } catch StorageError.conflict {
            return .conflict(leaderLast: store.logState.last)
        } catch let e as NotAcknowledged {
            return .failed(e.reason, transient: false)
        } catch StorageError.overloaded {
            return .failed("leader storage busy", transient: true)
        } catch {
            return .failed("\(error)", transient: false)
        }
    }

    static func state(_ bytes: [UInt8]) throws -> SubscriptionState {
        try bytes.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            return try SubscriptionState(binary: &r)
        }
    }

    static func subscription(_ p: [UInt8], _ s: [UInt8]) throws -> IMSSubscription {
        let st = try state(s)
        return try p.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            return try IMSSubscription(provisioned: &r, state: st)
        }
    }

    /// A whole subscription for forwarding: provisioned record then state record.
    static func encodeWhole(_ s: IMSSubscription) -> [UInt8] {
        var p = BinaryWriter(capacity: 1024)
        s.encodeProvisioned(into: &p)
        var w = BinaryWriter(capacity: p.bytes.count + 160)
        w.data(p.bytes)
        w.data(LMDBSubscriberStore.encoded(s.state))
        return w.bytes
    }

    static func decodeWhole(_ b: [UInt8]) throws -> IMSSubscription {
        let (p, s) = try b.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            return (try r.data(), try r.data())
        }
        return try subscription(p, s)
    }

    /// How long the log is kept for a follower that was sent a snapshot and has not come back streaming.
    static let snapshotRetentionHold = Duration.seconds(600)

    /// Leader: the store keeps its log from the first record that a follower sent a snapshot will ask for
    /// (the leader's last sequence before the copy, plus one), until that follower streams or for
    /// `snapshotRetentionHold`. Without it, a snapshot that took longer to send and install than the
    /// leader took to write `logRetentionRecords` left the follower behind the log again, to be sent
    /// another snapshot, in a loop (the follower-behind fault scenario with 300,000 subscribers: 331 MB
    /// against 2,000 records retained under load).
    func retainForSnapshots() {
        let floor = state.withLockedValue { s -> UInt64 in
            guard case .leader = s.role, !s.snapshotFloors.isEmpty else {
                s.snapshotFloors = [:]
                return 0
            }
            let now = ContinuousClock.now
            s.snapshotFloors = s.snapshotFloors.filter { now - $0.value.since < Self.snapshotRetentionHold }
            return s.snapshotFloors.values.map(\.sequence).min() ?? 0
        }
        let store = self.store
        if store.retentionFloor != floor { store.retentionFloor = floor }
    }

    /// A compacting copy of the store (mdb_env_copy2), streamed in 1 MiB chunks.
    func sendSnapshot(to node: String, _ outbound: NIOAsyncChannelOutboundWriter<ClusterMessage>) async throws {
        let dir = dataDirectory + "/snapshot-out-\(node)-\(UInt64(Date().timeIntervalSince1970 * 1000))"
        let store = self.store
        // Everything up to here is in the copy: the follower will ask for what follows.
        let position = store.logState.last
        state.withLockedValue { $0.snapshotFloors[node] = (position + 1, .now) }
        retainForSnapshots()
        try await NIOThreadPool.singleton.runIfActive { try store.backup(to: dir) }
        // A follower taking a snapshot sends nothing: it counts as heard while its chunks are taken.
        state.withLockedValue { $0.heard[node] = .now }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let file = FileHandle(forReadingAtPath: dir + "/data.mdb") else { throw ClusterUnavailable("snapshot unreadable") }
        defer { try? file.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/data.mdb")[.size] as? Int) ?? 0
        logger.notice("sending a snapshot", metadata: ["node": "\(node)", "bytes": "\(size)"])
        try await outbound.write(.snapshotBegin(size: UInt64(size)))
        while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {
            try await outbound.write(.snapshotChunk(Array(chunk)))
            state.withLockedValue { $0.heard[node] = .now }
        }
        try await outbound.write(.snapshotEnd)
    }
}

// MARK: Follower side

/// The leader's link went silent (nothing for `leaderSilence`) or the leader cannot be reached (a
/// connect that timed out or found no route, not one refused).
struct LeaderSilent: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cluster: \(reason)" }
}

extension ClusterNode {
    /// While following: keeps a link to the leader, applies its records, acknowledges them, installs
    /// snapshots, truncates a diverged tail, and carries forwarded writes.
    func followLoop() async {
        while !Task.isCancelled && !state.withLockedValue({ $0.stopped }) {
            let seen = roleSignal.value
            let (role, generation) = state.withLockedValue { ($0.role, $0.generation) }
            guard case .follower(let leader, let address, let epoch) = role else {
                await roleChange(after: seen, timeout: .seconds(1))
                continue
            }
            state.withLockedValue { s in
                if s.fromLeader.leader != leader || s.fromLeader.epoch != epoch { s.fromLeader = (leader, epoch, .now) }
            }
            do {
                try await followOnce(leader: leader, address: address)
            } catch {
                logger.debug("leader link closed", metadata: ["leader": "\(leader)", "error": "\(error)"])
                if Self.isRefused(error) {
                    await releaseLeaderKey(leader, epoch: epoch, why: "the leader's cluster port refuses connections")
                } else if error is LeaderSilent {
                    if etcd != nil && silentLeader(leader, epoch: epoch) { await deposeSilentLeader(leader, epoch: epoch) }
                    // Still following it (no other leader, its epoch not given up): writes here go
                    // elsewhere at once.
                    changeState { s in
                        if case .follower(leader, _, epoch) = s.role, s.generation == generation { s.leaderUnreachable = true }
                    }
                }
            }
            let waiting = changeState { s -> [CheckedContinuation<ForwardOutcome, Never>] in
                s.link = nil
                defer { s.pending.removeAll() }
                return s.pending.values.map(\.waiting)
            }
            for c in waiting { c.resume(returning: .failed(Self.linkClosed, transient: true)) }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Whether a connect failed because nothing listens there (ECONNREFUSED: the host answered).
    static func isRefused(_ error: any Error) -> Bool {
        if let e = error as? IOError { return e.errnoCode == ECONNREFUSED }
        if let e = error as? NIOConnectionError {
            return !e.connectionErrors.isEmpty && e.connectionErrors.allSatisfy { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
        }
        return false
    }

    /// The leader's cluster port refuses connections: its host answers and no process listens, so the
    /// leader is dead (a crash, kill -9), not cut off; its followers need not wait for its lease to lapse
    /// (up to `leaseTTL`) before electing the next one. The key is deleted only while it still names that
    /// leader in that epoch (compare on its revision). Fencing is unchanged: were the old leader alive
    /// after all, it could get no write acknowledged once its followers are in the next epoch, and it
    /// steps down when it sees its key gone. A partition (no answer at all) is ``deposeSilentLeader(_:epoch:)``'s
    /// case, whose last step this also is. True when the key was released here.
    @discardableResult
    func releaseLeaderKey(_ leader: String, epoch: UInt64, why: String) async -> Bool {
        guard let etcd, let kv = try? await etcd.get(leaderKey),
            let v = try? JSONDecoder().decode(LeaderValue.self, from: Data(kv.value.utf8)), v.node == leader, v.epoch == epoch
        else { return false }
        do {
            guard try await etcd.deleteIf(leaderKey, modRevision: kv.modRevision) else { return false }
            logger.notice("\(why): its leader key released", metadata: ["leader": "\(leader)", "epoch": "\(epoch)"])
            electionWake.bump()
            return true
        } catch {
            logger.debug("etcd", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Whether this node has heard nothing from `leader` of `epoch` for `leaderSilence` (a node that
    /// follows another leader, or none, hears nothing from it either; one installing its snapshot is
    /// silent for that reason).
    func silentLeader(_ leader: String, epoch: UInt64) -> Bool {
        state.withLockedValue { s in
            switch s.role {
            case .leader: return false
            case .follower(let l, _, let e) where l == leader && e == epoch:
                return !s.installingSnapshot && (s.fromLeader.leader != leader || s.fromLeader.epoch != epoch || .now - s.fromLeader.at >= configuration.leaderSilence)
            case .follower(_, _, let e): return e > epoch
            case .candidate, .fenced: return true
            }
        }
    }

    /// Followers that must have given up `leader`'s epoch before its key may be released: a majority of
    /// the members without it, and so many that the followers left cannot acknowledge a write at the ack
    /// level (1 + required of them); every follower at most.
    static func followersToDepose(members n: Int, ackLevel: AckLevel) -> Int {
        let required = ackLevel.required(followers: n - 1)
        return min(n - 1, max(n / 2 + 1, n - 1 - required + 1))
    }

    /// A leader silent on this follower's link (a partition that leaves the connection open, a stopped
    /// process whose kernel still accepts connections): when enough of the other followers hear nothing
    /// from it either (``followersToDepose(members:ackLevel:)``, this node counted), each of them first
    /// promises to take nothing more from its epoch (`leaderLost`, as a Raft vote for the next term
    /// does), then its key is released (compare on the revision: only while it names that leader in that
    /// epoch) and the next leader is elected, instead of waiting for its lease to lapse or for its
    /// check-quorum. Were the old leader alive and reachable after all, it can get no write acknowledged:
    /// the followers that remain unfenced are too few for its ack level, and it steps down when it sees
    /// its key gone or a follower's hello with the newer epoch. Tried again every 100 ms for another
    /// `leaderSilence` (the other followers notice the silence within that).
    func deposeSilentLeader(_ leader: String, epoch: UInt64) async {
        let others = configuration.others.filter { $0.id != leader }
        let needed = Self.followersToDepose(members: configuration.members.count, ackLevel: configuration.ackLevel)
        let (group, tls) = (self.group, self.tls?.client)
        // (this node and the followers that agree, the followers that answered)
        func agreeing(fence: Bool) async -> (agree: Int, answered: Int) {
            await withTaskGroup(of: Bool?.self) { tasks in
                for m in others {
                    tasks.addTask {
                        guard case .done(let ok, _) = await Self.exchange(
                            .leaderLost(leader: leader, epoch: epoch, fence: fence), with: m.address, group: group, tls: tls, timeout: .milliseconds(300))
                        else { return nil }
                        return ok
                    }
                }
                var n = (agree: 1, answered: 0)
                for await ok in tasks {
                    if let ok { n.answered += 1 }
                    if ok == true { n.agree += 1 }
                }
                return n
            }
        }
        let deadline = ContinuousClock.now + configuration.leaderSilence
        while silentLeader(leader, epoch: epoch) {
            let asked = await agreeing(fence: false)
            // Nobody answers: this node is the one cut off; no use asking again.
            if asked.answered == 0 && !others.isEmpty { return }
            if asked.agree >= needed {
                fenceEpoch(leader, epoch: epoch)
                let fenced = await agreeing(fence: true).agree
                if fenced >= needed {
                    await releaseLeaderKey(leader, epoch: epoch, why: "no follower hears the leader (\(fenced) of \(configuration.members.count - 1) gave up its epoch)")
                } else {
                    logger.warning("the leader is silent here but too few followers gave up its epoch", metadata: ["leader": "\(leader)", "epoch": "\(epoch)", "fenced": "\(fenced)", "needed": "\(needed)"])
                }
                return
            }
            guard ContinuousClock.now < deadline else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// This node takes nothing more from `epoch` (its link to `leader` closed, its welcome refused).
    func fenceEpoch(_ leader: String, epoch: UInt64) {
        if apply(.leaderLost(leader: leader, epoch: epoch)) { Task { await clearCaches() } }
        state.withLockedValue { $0.lostEpoch = (epoch, .now) }
    }

    /// Another follower asks whether this node hears `leader` of `epoch` (no side effect), or (`fence`)
    /// tells it to take nothing more from that epoch. (ok, why).
    func answerLeaderLost(_ leader: String, epoch: UInt64, fence: Bool) -> (Bool, String) {
        let (role, known) = state.withLockedValue { ($0.role, $0.knownEpoch) }
        if case .leader = role { return (false, "\(configuration.node) leads") }
        if known > epoch { return (true, "\(configuration.node) is past epoch \(epoch)") }
        if !fence { return silentLeader(leader, epoch: epoch) ? (true, "silent here too") : (false, "\(configuration.node) hears \(leader)") }
        fenceEpoch(leader, epoch: epoch)
        return (true, "\(configuration.node) takes nothing more from epoch \(epoch)")
    }

    func followOnce(leader: String, address: String) async throws {
        guard let (host, port) = ClusterConfiguration.hostPort(address) else { throw ClusterUnavailable("bad leader address \(address)") }
        let channel: NIOAsyncChannel<ClusterMessage, ClusterMessage>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(500))
                .connect(host: host, port: port) { [tls] ch in ch.eventLoop.makeCompletedFuture { try Self.framed(ch, client: tls?.client) } }
        } catch {
            // Refused: nothing listens there (a dead leader). Anything else (a timeout, no route): unreachable.
            if Self.isRefused(error) { throw error }
            throw LeaderSilent(reason: "cannot reach the leader: \(error)")
        }
        let generation = state.withLockedValue { $0.generation }
        try await channel.executeThenClose { inbound, outbound in
            let store = self.store
            let log = store.logState
            let known = state.withLockedValue { $0.knownEpoch }
            try await outbound.write(
                .hello(.init(cluster: configuration.name, node: configuration.node, last: log.last, history: log.history, knownEpoch: known, repairIDs: store.pendingRepair())))
            let (out, writer) = AsyncStream.makeStream(of: ClusterMessage.self)
            let received = ReceivedRecords()
            // When something last came from the leader, and whether records flow (a leader preparing a
            // snapshot is silent until it sends it).
            let lastHeard = NIOLockedValueBox((at: ContinuousClock.now, streaming: false, any: false))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                // A leader silent for three heartbeats (a partition that leaves the connection open), or
                // that never answered the hello (a stopped process whose kernel still accepts
                // connections): the link is closed, so that forwarded writes waiting on it go to the next
                // leader. (Between its welcome and a snapshot a leader may be silent while it copies.)
                let silence = configuration.leaderSilence
                tasks.addTask {
                    while true {
                        try await Task.sleep(for: silence / 6)
                        let heard = lastHeard.withLockedValue { $0 }
                        if (heard.streaming || !heard.any) && ContinuousClock.now - heard.at > silence {
                            throw LeaderSilent(reason: "nothing from the leader for \(silence)")
                        }
                    }
                }
                // The role changed (another leader, stepping down, stopping): this session ends at once,
                // also while it waits for an answer that may never come.
                tasks.addTask {
                    while true {
                        let seen = self.roleSignal.value
                        if self.state.withLockedValue({ $0.generation }) != generation { throw ClusterUnavailable("the role changed") }
                        await self.roleChange(after: seen, timeout: .seconds(1))
                        try Task.checkCancellation()
                    }
                }
                tasks.addTask {
                    for await m in out { try await outbound.write(m) }
                    throw CancellationError()
                }
                // The applier: everything received since the last transaction goes into the next one
                // (group commit on the follower: one fsync for many frames), then the durable ack.
                tasks.addTask {
                    for await _ in received.signals {
                        let batch = received.takeAll()
                        guard let last = batch.last else { continue }
                        let done = try await self.store.applyReplicated(batch)
                        self.applied.advance(to: done.last)
                        writer.yield(.ack(received: last.sequence, durable: done.last))
                        self.refresh(done.subscriptionIDs)
                    }
                    throw CancellationError()
                }
                tasks.addTask {
                    var snapshot: (dir: String, file: FileHandle)?
                    var lastHeartbeatAnswer = ContinuousClock.now - .seconds(1)
                    for try await message in inbound {
                        lastHeard.withLockedValue {
                            $0.at = .now
                            $0.any = true
                            if case .records = message { $0.streaming = true }
                        }
                        guard self.state.withLockedValue({ s -> Bool in
                            s.fromLeader.at = .now
                            return s.generation == generation
                        }) else { break }
                        switch message {
                        case .welcome(let epoch, _):
                            guard epoch >= self.state.withLockedValue({ $0.knownEpoch }) else { throw ClusterUnavailable("leader epoch \(epoch) is stale") }
                            self.changeState {
                                $0.knownEpoch = max($0.knownEpoch, epoch)
                                $0.link = writer
                                $0.links += 1
                                $0.leaderUnreachable = false
                            }
                        case .records(let records, let leaderLast, let acknowledged):
                            // The leader checked this log against its own (truncate and repair come
                            // before any record): what it holds now can be answered from, up to what
                            // the leader says is acknowledged.
                            let checked = self.state.withLockedValue { s -> Bool in
                                s.leaderLast = max(s.leaderLast, leaderLast)
                                return s.safePoint != .max
                            }
                            if checked { self.apply(.logChecked) }
                            self.leaderAcknowledged.advance(to: acknowledged)
                            guard let last = records.last else {
                                // A heartbeat: answered (at most 4 times a second) so the leader knows
                                // this follower hears it (its check-quorum).
                                if ContinuousClock.now - lastHeartbeatAnswer >= .milliseconds(250) {
                                    lastHeartbeatAnswer = .now
                                    writer.yield(.ack(received: self.applied.value, durable: self.applied.value))
                                }
                                continue
                            }
                            received.append(records)
                            writer.yield(.ack(received: last.sequence, durable: self.applied.value))
                        case .truncate(let after):
                            let ids = try await self.store.truncate(after: after)
                            self.applied.reset(to: after)
                            self.leaderAcknowledged.reset(to: min(self.leaderAcknowledged.value, after))
                            self.logger.notice("truncated a diverged tail", metadata: ["after": "\(after)", "subscriptions": "\(ids.count)"])
                            await self.clearCaches()
                            throw ClusterUnavailable("reconnect after truncation")
                        case .repair(let records):
                            try await self.store.repair(records)
                            self.refresh(records.map(\.id))
                        case .snapshotBegin(let size):
                            let dir = self.dataDirectory + "/snapshot-in.tmp"
                            try? FileManager.default.removeItem(atPath: dir)
                            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                            FileManager.default.createFile(atPath: dir + "/data.mdb", contents: nil, attributes: [.posixPermissions: 0o600])
                            guard let f = FileHandle(forWritingAtPath: dir + "/data.mdb") else { throw ClusterUnavailable("cannot write the snapshot") }
                            snapshot = (dir, f)
                            self.logger.notice("receiving a snapshot", metadata: ["bytes": "\(size)"])
                        case .snapshotChunk(let bytes):
                            try snapshot?.file.write(contentsOf: bytes)
                        case .snapshotEnd:
                            guard let s = snapshot else { throw ClusterProtocolError("snapshot end without begin") }
                            try s.file.synchronize()
                            try s.file.close()
                            self.state.withLockedValue { $0.installingSnapshot = true }
                            defer { self.state.withLockedValue { $0.installingSnapshot = false } }
                            try await self.install(snapshotDirectory: s.dir)
                            self.state.withLockedValue { $0.fromLeader.at = .now }
                            throw ClusterUnavailable("reconnect after snapshot")
                        case .forwardResult(let id, let outcome):
                            let c = self.state.withLockedValue { $0.pending.removeValue(forKey: id)?.waiting }
                            c?.resume(returning: outcome)
                        case .reject(let reason, let leader, let epoch):
                            self.state.withLockedValue { $0.knownEpoch = max($0.knownEpoch, epoch) }
                            // Without etcd, the node we thought led names the one that does.
                            if self.etcd == nil, let l = leader, l != self.configuration.node,
                                let m = self.configuration.members.first(where: { $0.id == l })
                            {
                                await self.becomeFollower(leader: l, address: m.address, epoch: epoch)
                                self.saveStatic(StaticState(leader: l, address: m.address, epoch: epoch))
                            }
                            throw ClusterUnavailable("refused by \(leader ?? "the node"): \(reason)")
                        default:
                            throw ClusterProtocolError("unexpected message from the leader")
                        }
                    }
                    throw CancellationError()
                }
                _ = try await tasks.next()
                tasks.cancelAll()
            }
        }
    }

    /// Makes a received snapshot the store: a new directory named in `CURRENT` (renamed into place),
    /// the old store dropped after its readers are done.
    func install(snapshotDirectory tmp: String) async throws {
        let name = "store-\(UInt64(Date().timeIntervalSince1970 * 1000))"
        let target = dataDirectory + "/" + name
        try FileManager.default.moveItem(atPath: tmp, toPath: target)
        var c = storeConfiguration
        c.path = target
        let opened = try LMDBSubscriberStore(c)
        try Data((name + "\n").utf8).write(to: URL(fileURLWithPath: dataDirectory + "/CURRENT.tmp"))
        guard rename(dataDirectory + "/CURRENT.tmp", dataDirectory + "/CURRENT") == 0 else { throw ClusterUnavailable("cannot rename CURRENT") }
        let old = holder.exchange(StoreHolder(opened), ordering: .acquiringAndReleasing).store
        watch(opened)
        applied.reset(to: opened.logState.last)
        committed.reset(to: opened.logState.last)
        state.withLockedValue { $0.knownEpoch = max($0.knownEpoch, opened.epoch) }
        await clearCaches()
        logger.notice("snapshot installed", metadata: ["store": "\(name)", "last": "\(opened.logState.last)", "subscriptions": "\(opened.subscriptionCount)"])
        // Readers that loaded the old store a moment ago finish first.
        let oldPath = old.configuration.path
        let root = dataDirectory
        Task {
            try? await Task.sleep(for: .seconds(5))
            old.close()
            if oldPath == root {
                for f in ["data.mdb", "lock.mdb"] { try? FileManager.default.removeItem(atPath: root + "/" + f) }
            } else {
                try? FileManager.default.removeItem(atPath: oldPath)
            }
        }
    }

    /// Whether an answer based on the store up to `position` must wait (leader: not yet acknowledged) or
    /// be refused (a node whose log may end in a tail that is going to be truncated).
    func needsConfirmation(_ position: UInt64) -> Bool {
        let (role, safe) = state.withLockedValue { ($0.role, $0.safePoint) }
        if case .leader = role {
            guard configuration.ackLevel.required(followers: configuration.members.count - 1) > 0 else { return false }
            return position > acknowledged.withLockedValue { $0 }.value
        }
        return position > safe || position > leaderAcknowledged.value
    }

    func confirm(_ position: UInt64) async throws {
        // After a role change the answer waits (up to leaderWait) for a leader to check this log. What it
        // was based on may be gone then (the check truncated a diverged tail), so after a wait it is not
        // answered but computed again from the store as it is now: a conflict, which the shard retries
        // (found by the partition fault test: a deposed leader, resumed, answered a SAR 2001 from its own
        // unacknowledged record after waiting through the truncation of that record).
        let deadline = ContinuousClock.now + configuration.leaderWait
        var waited = false
        while true {
            switch role {
            case .leader:
                try await acknowledge(position)
                if waited { throw StorageError.conflict("the log was checked while the answer waited") }
                return
            case .follower, .candidate, .fenced:
                let seen = roleSignal.value
                let (safe, stopped, links) = state.withLockedValue { ($0.safePoint, $0.stopped, $0.links) }
                if position <= safe {
                    // Checked by the leader; the position must also be acknowledged (a record shipped
                    // before the leader's commit may never be). Waiting for that changes nothing the
                    // answer was based on, unless the link (and so possibly the log) changed meanwhile.
                    if position > leaderAcknowledged.value {
                        let left = deadline - ContinuousClock.now
                        guard left > .zero, !stopped, await leaderAcknowledged.wait(for: position, timeout: left) else {
                            throw ClusterUnavailable("record \(position) not acknowledged by the leader in time")
                        }
                        if state.withLockedValue({ $0.links }) != links { waited = true }
                        continue
                    }
                    if waited { throw StorageError.conflict("the log was checked while the answer waited") }
                    return
                }
                guard ContinuousClock.now < deadline, !stopped, !Task.isCancelled else {
                    throw ClusterUnavailable("this node's log is not yet confirmed by the leader")
                }
                waited = true
                await roleChange(after: seen, timeout: deadline - ContinuousClock.now)
            }
        }
    }

    /// Sends a write to the leader and waits for its outcome; a committed write is then waited for in
    /// this node's own store, so that what follows reads it.
    func forward(_ op: ForwardedWrite) async throws -> UInt64 {
        let outcome = await withCheckedContinuation { (c: CheckedContinuation<ForwardOutcome, Never>) in
            let sent = state.withLockedValue { s -> Bool in
                guard let link = s.link else { return false }
                s.nextForward += 1
                s.pending[s.nextForward] = (c, ContinuousClock.now + configuration.ackTimeout + configuration.leaderWait)
                link.yield(.forward(s.nextForward, op))
                return true
            }
            if !sent { c.resume(returning: .failed(Self.noLink, transient: true)) }
        }
        switch outcome {
        case .committed(let sequence):
            // Acknowledged at the leader's ack level before it answered.
            leaderAcknowledged.advance(to: sequence)
            _ = await applied.wait(for: sequence, timeout: configuration.ackTimeout)
            return sequence
        case .conflict(let leaderLast):
            _ = await applied.wait(for: leaderLast, timeout: configuration.ackTimeout)
            throw StorageError.conflict("changed on the leader")
        case .failed(let reason, let transient):
            if transient { throw ClusterUnavailable(reason, leaderLost: [Self.linkClosed, Self.noLink, Self.notLeader].contains(reason)) }
            throw NotAcknowledged(reason: reason)
        }
    }

    static let linkClosed = "link to the leader closed", noLink = "no link to the leader", notLeader = "not the leader"

    /// A forwarded write the leader has not answered within ackTimeout + leaderWait (a leader that went
    /// silent while no other took over, etcd down too, say) is answered 3004 rather than waiting for ever;
    /// its outcome is unknown, like any write whose link broke (the retransmission is safe: compare-and-set).
    func expireForwards() {
        let now = ContinuousClock.now
        let expired = state.withLockedValue { s -> [CheckedContinuation<ForwardOutcome, Never>] in
            let ids = s.pending.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { s.pending.removeValue(forKey: $0)?.waiting }
        }
        for c in expired { c.resume(returning: .failed("no answer from the leader in time", transient: true)) }
    }

    /// A write from this node's HSS: on the leader, committed here and acknowledged at the ack level;
    /// on a follower, forwarded. During a failover (no leader, the link to it lost) the write waits for
    /// the next leader, up to `leaderWait`, and goes to it: the S-CSCF gets its answer instead of a 3004
    /// sending it to another HSS that has no leader either. Sending it again is safe: a Cx write is a
    /// compare-and-set on the state it was computed from, so one the old leader did commit comes back as
    /// a conflict and the procedure runs again on what was committed; provisioning writes without a
    /// check (a whole subscription stored, a delete) are idempotent.
    func write(local: (LMDBSubscriberStore) async throws -> UInt64, forwarded: @autoclosure () -> ForwardedWrite) async throws {
        // The wait for the next leader counts from when the leader was lost (a forward that waited on a
        // silent link used part of it otherwise), within an overall bound.
        let bound = ContinuousClock.now + configuration.ackTimeout + configuration.leaderWait * 2
        while true {
            let seen = state.withLockedValue { ($0.generation, $0.links) }
            do {
                switch role {
                case .leader:
                    let sequence = try await local(store)
                    try await acknowledge(sequence)
                case .follower:
                    _ = try await forward(forwarded())
                case .candidate, .fenced:
                    throw ClusterUnavailable("no leader", leaderLost: true)
                }
                return
            } catch let e as ClusterUnavailable where e.leaderLost {
                guard await nextLeader(after: seen, until: min(bound, ContinuousClock.now + configuration.leaderWait)) else { throw e }
            }
        }
    }

    /// Waits until this node leads in a new generation or holds a new link to a leader (after `seen`,
    /// the generation and link count when a write failed); false at the deadline or when stopping.
    func nextLeader(after seen: (generation: Int, links: Int), until deadline: ContinuousClock.Instant) async -> Bool {
        while ContinuousClock.now < deadline && !Task.isCancelled {
            let signal = roleSignal.value
            let ready = state.withLockedValue { s -> Bool? in
                if s.stopped { return nil }
                switch s.role {
                case .leader: return s.generation != seen.generation
                case .follower:
                    if s.link != nil && s.links != seen.links { return true }
                    // Cut off from a leader that the others may hear: no use waiting here.
                    return s.leaderUnreachable ? nil : false
                case .candidate, .fenced: return false
                }
            }
            guard let ready else { return false }
            if ready { return true }
            await roleChange(after: signal, timeout: deadline - ContinuousClock.now)
        }
        return false
    }
}

/// Records received from the leader and not applied yet; `signals` wakes the applier (coalesced).
final class ReceivedRecords: Sendable {
    private let records = NIOLockedValueBox<[ChangeRecord]>([])
    let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() { (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }

    func append(_ r: [ChangeRecord]) {
        records.withLockedValue { $0 += r }
        signal.yield()
    }

    /// Everything waiting, at most 20,000 records (the rest stays for the next transaction).
    func takeAll() -> [ChangeRecord] {
        records.withLockedValue { all in
            let n = min(all.count, 20_000)
            defer {
                all.removeFirst(n)
                if !all.isEmpty { signal.yield() }
            }
            return Array(all.prefix(n))
        }
    }
}

/// The HSS's storage on a cluster node: reads from the local store (no lock, no network), writes through
/// the leader (docs/replication.md).
public struct ClusteredStorage: SubscriberStorage {
    let node: ClusterNode
    var store: LMDBSubscriberStore { node.store }

    public func subscriptionID(forPrivate identity: String) -> String? { store.subscriptionID(forPrivate: identity) }
    public func subscriptionID(forPublic identity: String) -> String? { store.subscriptionID(forPublic: identity) }
    public func subscriptionID(forIMSI imsi: String) -> String? { store.subscriptionID(forIMSI: imsi) }
    public func contains(_ identity: String) -> Bool { store.contains(identity) }
    public func load(_ id: String) throws -> IMSSubscription? { try store.load(id) }
    public var sqnBlock: UInt64? { store.configuration.sqnBlock }
    public func subscriptionIDs(after: String?, limit: Int) throws -> [String] { try store.subscriptionIDs(after: after, limit: limit) }
    public func replayedAnswer(_ key: String) -> [UInt8]? { store.replayedAnswer(key) }
    public func visiblePosition() -> UInt64 { store.logState.last }
    public func needsConfirmation(_ position: UInt64) -> Bool { node.needsConfirmation(position) }
    public func confirm(_ position: UInt64) async throws { try await node.confirm(position) }

    public func writeState(_ id: String, _ state: SubscriptionState, expected: SubscriptionState, replay: ReplayEntry?) async throws {
        try await node.write(
            local: { try await $0.commitState(id, state, expected: expected, replay: replay) },
            forwarded: .state(id: id, state: LMDBSubscriberStore.encoded(state), expected: LMDBSubscriberStore.encoded(expected), replay: replay))
    }

    public func writeSubscription(_ s: IMSSubscription, expected: SubscriptionState??) async throws {
        try await node.write(
            local: { try await $0.commitSubscription(s, expected: expected) },
            forwarded: {
                var p = BinaryWriter(capacity: 1024)
                s.encodeProvisioned(into: &p)
                return .subscription(
                    provisioned: p.bytes, state: LMDBSubscriberStore.encoded(s.state), check: expected != nil,
                    expected: expected.flatMap { $0 }.map(LMDBSubscriberStore.encoded))
            }())
    }

    public func delete(_ id: String) async throws {
        try await node.write(local: { try await $0.commitDelete(id) }, forwarded: .delete(id: id))
    }

    public func writeNewSubscriptions(_ subscriptions: [IMSSubscription]) async throws {
        try await node.write(
            local: { try await $0.commitNewSubscriptions(subscriptions) }, forwarded: .newSubscriptions(subscriptions.map(ClusterNode.encodeWhole)))
    }
}
