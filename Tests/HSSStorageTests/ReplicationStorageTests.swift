import Foundation
import HSSCore
import Testing

@testable import HSSStorage

/// The store's side of replication (docs/replication.md): applying shipped records, compare-and-set,
/// epochs and their history, truncation and repair, replay answers, the digest.
@Suite("Replication storage")
struct ReplicationStorageTests {
    static func open(epochPerOpen: Bool = false, faults: (@Sendable () -> StorageError?)? = nil) throws -> LMDBSubscriberStore {
        var c = LMDBConfiguration(path: LMDBStoreTests.directory())
        c.epochPerOpen = epochPerOpen
        return try LMDBSubscriberStore(c, faultInjection: faults)
    }

    static func registered(_ s: IMSSubscription, by server: String) -> SubscriptionState {
        var st = s.state
        st.scscf = SCSCFAssignment(serverName: server, originHost: "scscf.ims.example.net", originRealm: "ims.example.net")
        return st
    }

    /// Ships everything from `leader` after `follower`'s last record to it.
    static func ship(_ leader: LMDBSubscriberStore, to follower: LMDBSubscriberStore) async throws {
        let records = try leader.changes(from: follower.logState.last + 1, limit: 100_000)
        if !records.isEmpty { _ = try await follower.applyReplicated(records) }
    }

    @Test("A follower that applies the leader's records holds the same data, log positions and epoch history")
    func applyMirrors() async throws {
        let leader = try Self.open(), follower = try Self.open()
        try await leader.beginEpoch(1)
        for i in 0..<5 { try await leader.commitSubscription(LMDBStoreTests.subscription(i)) }
        let s = LMDBStoreTests.subscription(3)
        try await leader.commitState(s.id, Self.registered(s, by: "sip:a"), expected: s.state)
        try await leader.commitDelete("sub-4")
        try await Self.ship(leader, to: follower)
        #expect(try follower.digest() == leader.digest())
        #expect(follower.logState.last == leader.logState.last)
        #expect(follower.logState.history == [EpochStart(epoch: 1, firstSequence: 1)])
        #expect(follower.epoch == 1)
        #expect(try follower.load("sub-3")?.state.scscf?.serverName == "sip:a")
        #expect(try follower.load("sub-4") == nil && !follower.contains("user4@ims.example.net"))
        #expect(try follower.verify().problems.isEmpty)

        try await leader.beginEpoch(5)
        try await leader.commitSubscription(LMDBStoreTests.subscription(9))
        try await Self.ship(leader, to: follower)
        #expect(follower.logState.history.map(\.epoch) == [1, 5])
        #expect(follower.logState.lastEpoch == 5)
        #expect(try follower.digest() == leader.digest())
    }

    @Test("A record that does not follow the last one is refused and nothing of its batch is applied")
    func gapRefused() async throws {
        let leader = try Self.open(), follower = try Self.open()
        try await leader.beginEpoch(1)
        for i in 0..<4 { try await leader.commitSubscription(LMDBStoreTests.subscription(i)) }
        let all = try leader.changes(from: 1)
        await #expect(throws: StorageError.gap(expected: 1, got: 2)) { _ = try await follower.applyReplicated(Array(all.dropFirst())) }
        await #expect(throws: StorageError.gap(expected: 3, got: 4)) { _ = try await follower.applyReplicated([all[0], all[1], all[3]]) }
        #expect(follower.logState.last == 0)
        #expect(follower.subscriptionCount == 0)
    }

    @Test("Compare-and-set: a write based on old state fails alone; the other writes of its batch commit")
    func compareAndSet() async throws {
        let store = try Self.open()
        try await store.beginEpoch(1)
        let a = LMDBStoreTests.subscription(1), b = LMDBStoreTests.subscription(2)
        try await store.commitSubscription(a)
        try await store.commitSubscription(b)
        try await store.commitState(a.id, Self.registered(a, by: "sip:x"), expected: a.state)
        // Both based on a's original state: one conflicts; b's write in the same moment succeeds.
        let stale = Task { try await store.commitState(a.id, Self.registered(a, by: "sip:y"), expected: a.state) }
        let other = Task { try await store.commitState(b.id, Self.registered(b, by: "sip:z"), expected: b.state) }
        await #expect(throws: StorageError.self) { _ = try await stale.value }
        _ = try await other.value
        #expect(try store.load(a.id)?.state.scscf?.serverName == "sip:x")
        #expect(try store.load(b.id)?.state.scscf?.serverName == "sip:z")
        // Creating what exists, or replacing what does not, conflicts too.
        await #expect(throws: StorageError.self) { _ = try await store.commitSubscription(a, expected: .some(nil)) }
        await #expect(throws: StorageError.self) { _ = try await store.commitState("sub-nobody", SubscriptionState(), expected: SubscriptionState()) }
        #expect(try store.verify().problems.isEmpty)
    }

    @Test("A failed batch takes back its sequence numbers: the log stays contiguous")
    func abortedBatchLeavesNoHole() async throws {
        let fail = FaultSwitch()
        let store = try Self.open(faults: { fail.on ? .lmdb(code: 5, operation: "test", message: "EIO") : nil })
        try await store.beginEpoch(1)
        try await store.commitSubscription(LMDBStoreTests.subscription(1))
        fail.on = true
        await #expect(throws: StorageError.self) { _ = try await store.commitSubscription(LMDBStoreTests.subscription(2)) }
        fail.on = false
        let seq = try await store.commitSubscription(LMDBStoreTests.subscription(3))
        #expect(seq == 3, "epoch record 1, sub-1 at 2, sub-3 at 3")
        #expect(try store.verify().problems.isEmpty)
    }

    @Test(
        "Pipelined shipping: a batch's records can be read before its commit; a commit that fails after they were read fences the epoch until the next one begins; unread, it does not"
    )
    func shippedBeforeCommit() async throws {
        let hold = FaultSwitch()
        let seen = SequenceList()
        let store = try Self.open()
        var c = store.configuration
        store.close()
        // The hook runs after the records were published and before the commit: it reads them as the
        // leader's sender would, then fails the commit when asked to.
        let reader = StoreBox()
        c.beforeCommit = {
            if let s = reader.store, hold.on {
                seen.append(contentsOf: ((try? s.changes(from: s.logState.last + 1, uncommitted: true)) ?? []).map(\.sequence))
                return .lmdb(code: 5, operation: "mdb_txn_commit", message: "EIO")
            }
            return nil
        }
        let leader = try LMDBSubscriberStore(c)
        reader.store = leader
        try await leader.beginEpoch(1)
        try await leader.commitSubscription(LMDBStoreTests.subscription(1))
        let lost = SequenceList()
        leader.onShippedAndLost { lost.append(contentsOf: [$0]) }
        hold.on = true
        await #expect(throws: StorageError.self) { _ = try await leader.commitSubscription(LMDBStoreTests.subscription(2)) }
        hold.on = false
        #expect(seen.values == [3], "the record was readable before its commit")
        #expect(lost.values == [3])
        #expect(try leader.changes(from: 3, uncommitted: true).isEmpty, "gone with the failed commit")
        await #expect(throws: StorageError.fenced(epoch: 1)) { _ = try await leader.commitSubscription(LMDBStoreTests.subscription(3)) }
        try await leader.beginEpoch(2)
        let seq = try await leader.commitSubscription(LMDBStoreTests.subscription(3))
        #expect(seq == 4, "epoch 2 begins at 3 (its record), sub-3 at 4")
        // A commit that fails before anyone read its records fences nothing (a single node never ships).
        let plain = FaultSwitch()
        let single = try Self.open(faults: { plain.on ? .lmdb(code: 5, operation: "test", message: "EIO") : nil })
        try await single.beginEpoch(1)
        plain.on = true
        await #expect(throws: StorageError.self) { _ = try await single.commitSubscription(LMDBStoreTests.subscription(1)) }
        plain.on = false
        try await single.commitSubscription(LMDBStoreTests.subscription(1))
    }

    @Test("Epochs only grow")
    func epochsGrow() async throws {
        let store = try Self.open()
        try await store.beginEpoch(3)
        await #expect(throws: StorageError.self) { try await store.beginEpoch(3) }
        await #expect(throws: StorageError.self) { try await store.beginEpoch(2) }
        #expect(store.epoch == 3)
    }

    @Test("Truncating a diverged tail and repairing from the leader converges; the repair list survives until repaired")
    func truncateAndRepair() async throws {
        let leader = try Self.open(), follower = try Self.open()
        try await leader.beginEpoch(1)
        for i in 0..<3 { try await leader.commitSubscription(LMDBStoreTests.subscription(i)) }
        try await Self.ship(leader, to: follower)
        let common = leader.logState.last
        // The old leader (here: `follower`) wrote on in epoch 1 after the others stopped hearing it ...
        try await follower.beginEpoch(2)
        let s1 = LMDBStoreTests.subscription(1)
        try await follower.commitState(s1.id, Self.registered(s1, by: "sip:lost"), expected: s1.state)
        try await follower.commitSubscription(LMDBStoreTests.subscription(7))
        // ... while the new leader wrote in epoch 3.
        try await leader.beginEpoch(3)
        let s2 = LMDBStoreTests.subscription(2)
        try await leader.commitState(s2.id, Self.registered(s2, by: "sip:kept"), expected: s2.state)

        let point = EpochStart.commonPoint(leader.logState.history, end: leader.logState.last, follower.logState.history, end: follower.logState.last)
        #expect(point == common)
        let ids = try await follower.truncate(after: point)
        #expect(ids == ["sub-1", "sub-7"])
        #expect(follower.pendingRepair() == ["sub-1", "sub-7"])
        #expect(follower.logState.last == common)
        #expect(follower.logState.history.map(\.epoch) == [1])
        try await follower.repair(try leader.repairRecords(follower.pendingRepair()))
        #expect(follower.pendingRepair().isEmpty)
        try await Self.ship(leader, to: follower)
        #expect(try follower.digest() == leader.digest())
        #expect(try follower.load("sub-7") == nil)
        #expect(try follower.load("sub-1")?.state.scscf == nil)
        #expect(try follower.load("sub-2")?.state.scscf?.serverName == "sip:kept")
        #expect(follower.logState.history.map(\.epoch) == [1, 3])
    }

    @Test("A replay answer is stored with its state change and replicated with it")
    func replayReplicated() async throws {
        let leader = try Self.open(), follower = try Self.open()
        try await leader.beginEpoch(1)
        let s = LMDBStoreTests.subscription(1)
        try await leader.commitSubscription(s)
        try await leader.commitState(s.id, Self.registered(s, by: "sip:a"), expected: s.state, replay: ReplayEntry(key: "scscf|42", answer: [1, 2, 3]))
        try await Self.ship(leader, to: follower)
        #expect(leader.replayedAnswer("scscf|42") == [1, 2, 3])
        #expect(follower.replayedAnswer("scscf|42") == [1, 2, 3])
        #expect(follower.replayedAnswer("scscf|43") == nil)
    }

    @Test("The digest covers subscriptions and state, not the log")
    func digest() async throws {
        let a = try Self.open(), b = try Self.open()
        let s = LMDBStoreTests.subscription(1)
        try await a.commitSubscription(s)
        try b.bulkLoad([s])
        #expect(try a.digest() == b.digest(), "same data, different logs")
        try await b.commitState(s.id, Self.registered(s, by: "sip:a"), expected: s.state)
        #expect(try a.digest() != b.digest())
    }

    @Test("commonPoint: identical, behind, ahead, and diverged logs")
    func commonPoint() {
        let h1 = [EpochStart(epoch: 1, firstSequence: 1)]
        #expect(EpochStart.commonPoint(h1, end: 50, h1, end: 50) == 50)
        #expect(EpochStart.commonPoint(h1, end: 50, h1, end: 20) == 20, "a follower behind")
        let leader = [EpochStart(epoch: 1, firstSequence: 1), EpochStart(epoch: 3, firstSequence: 41)]
        #expect(EpochStart.commonPoint(leader, end: 60, h1, end: 55) == 40, "the old leader wrote 41-55 in epoch 1; epoch 3 began at 41")
        #expect(EpochStart.commonPoint(leader, end: 60, h1, end: 30) == 30)
        let other = [EpochStart(epoch: 1, firstSequence: 1), EpochStart(epoch: 2, firstSequence: 36)]
        #expect(EpochStart.commonPoint(leader, end: 60, other, end: 45) == 35, "epoch 2 never reached the leader")
        #expect(EpochStart.commonPoint([], end: 0, leader, end: 10) == 0)
        #expect(EpochStart.commonPoint([EpochStart(epoch: 2, firstSequence: 1)], end: 5, h1, end: 5) == 0, "nothing in common")
    }
}

final class FaultSwitch: @unchecked Sendable {
    var on = false
}

final class StoreBox: @unchecked Sendable {
    var store: LMDBSubscriberStore?
}

final class SequenceList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [UInt64] = []
    func append(contentsOf v: [UInt64]) { lock.withLock { list += v } }
    var values: [UInt64] { lock.withLock { list } }
}
