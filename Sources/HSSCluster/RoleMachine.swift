import Logging

/// A node's role as a value (docs/replication.md, "Roles and the cluster link"): an event in, the new
/// state and the actions it asks for out. `ClusterNode` is the shell that feeds it events (an etcd
/// campaign won, a leader key seen, a lease lost, a log checked) and performs the actions (closing a
/// link, failing the writes that wait for acknowledgements, dropping caches, logging). Table-tested
/// row by row in `RoleMachineTests`.
struct RoleMachine: Equatable, Sendable {
    var role: ClusterRole = .candidate
    /// The highest epoch this node has heard of (its own, a leader's, a follower's hello).
    var knownEpoch: UInt64 = 0
    /// When not leading, this node answers from its store only up to here (docs/replication.md, "No
    /// answer from unacknowledged state"): 0 after a start, what was acknowledged when it was deposed,
    /// the maximum once a leader has checked its log.
    var safePoint: UInt64 = 0
    /// Counts role changes: a session or a sender begun in one generation ends when it changes.
    var generation = 0
    var stopped = false

    enum Event: Equatable, Sendable {
        /// This node leads `epoch`: its epoch record is written (an etcd campaign won, a promote, the
        /// initial leader of a static cluster).
        case elected(epoch: UInt64)
        /// A static leader restarted and leads on in the epoch its store holds.
        case resumed(epoch: UInt64)
        /// `leader` leads `epoch`, reachable at `address` (the etcd key, `follow`, a refusal naming it).
        case leaderSeen(leader: String, address: String, epoch: UInt64)
        /// Leadership is no longer certain (a lease lost or expired, no quorum heard, a newer epoch seen,
        /// a commit lost after shipping, told to follow, stopping); `acknowledged`: the position that was
        /// acknowledged then.
        case deposed(reason: String, acknowledged: UInt64)
        /// Not leading: `leader` of `epoch` is silent on every follower link that counts (docs/replication.md,
        /// "A silent leader"): this node promises to take nothing more from that epoch (as a Raft vote
        /// for the next term does), so that the leader can get no write acknowledged once its key is released.
        case leaderLost(leader: String, epoch: UInt64)
        /// The leader checked this node's log (the first records of a follower session).
        case logChecked
        /// Stopping (`shutdown`): no new role from now on.
        case stopping
        /// Stopped like a crash (tests): no role, nothing answered from the store.
        case halted
    }

    enum Action: Equatable, Sendable {
        /// Close the link to the leader this node followed.
        case closeLink
        /// A new leadership: no follower known yet, nothing acknowledged yet (the log may end in an
        /// earlier epoch's records that only this node holds).
        case startLeading
        /// Writes waiting for an acknowledgement will not get it.
        case failAcknowledgementWaits
        /// Drop every shard's cache (what it holds was loaded under the old role).
        case clearCaches
        case log(Logger.Level, String, [String: String])
    }

    /// The actions of `event` (none when it changes nothing).
    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .elected(let epoch):
            guard !stopped else { return [] }
            role = .leader(epoch: epoch)
            knownEpoch = max(knownEpoch, epoch)
            safePoint = .max
            generation += 1
            return [.closeLink, .startLeading, .clearCaches, .log(.notice, "became leader", ["epoch": "\(epoch)"])]
        case .resumed(let epoch):
            guard !stopped else { return [] }
            role = .leader(epoch: epoch)
            knownEpoch = max(knownEpoch, epoch)
            safePoint = .max
            generation += 1
            return [.log(.notice, "leading again", ["epoch": "\(epoch)"])]
        case .leaderSeen(let leader, let address, let epoch):
            if case .follower(let l, let a, let e) = role, l == leader, a == address, e == epoch { return [] }
            guard !stopped else { return [] }
            // A leader learns of another through `deposed` first (the shell sends it), which keeps its
            // acknowledged position; without it nothing of its store is answered from.
            if case .leader = role { safePoint = 0 }
            role = .follower(leader: leader, address: address, epoch: epoch)
            knownEpoch = max(knownEpoch, epoch)
            generation += 1
            return [
                .closeLink, .failAcknowledgementWaits, .clearCaches,
                .log(.notice, "following", ["leader": leader, "address": address, "epoch": "\(epoch)"]),
            ]
        case .deposed(let reason, let acknowledged):
            guard case .leader(let epoch) = role else { return [] }
            role = .fenced(epoch: epoch)
            generation += 1
            // What nobody acknowledged may be truncated by the next leader: not answered from.
            safePoint = acknowledged
            return [.failAcknowledgementWaits, .clearCaches, .log(.warning, "stepped down", ["reason": reason])]
        case .leaderLost(let leader, let epoch):
            guard !stopped, knownEpoch <= epoch else { return [] }
            if case .leader = role { return [] }
            // Above `epoch`: a welcome of that epoch is refused from now on, and a follower's link closed.
            knownEpoch = epoch + 1
            let log = Action.log(.warning, "leader lost", ["leader": leader, "epoch": "\(epoch)"])
            guard case .follower = role else { return [log] }
            role = .candidate
            generation += 1
            return [.closeLink, log]
        case .logChecked:
            safePoint = .max
            return []
        case .stopping:
            stopped = true
            return []
        case .halted:
            stopped = true
            role = .candidate
            safePoint = 0
            generation += 1
            return [.closeLink, .failAcknowledgementWaits]
        }
    }
}
