import Foundation
import HSSCore
import Testing

@testable import HSSStorage

/// The LMDB store on its own: records, indexes, the change log, schema, and the failure paths.
@Suite("LMDB store")
struct LMDBStoreTests {
    static func directory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hss-lmdb-\(UUID().uuidString)").path
        return path
    }

    static func subscription(_ i: Int, extra: [PublicIdentity] = []) -> IMSSubscription {
        let impi = "user\(i)@ims.example.net"
        return IMSSubscription(
            id: "sub-\(i)",
            privateIdentities: [PrivateIdentity(identity: impi, authenticationSchemes: [.akav1MD5], aka: AKACredentials(k: Block128(hi: UInt64(i), lo: 1), opc: Block128(hi: 2, lo: 3)))],
            publicIdentities: [PublicIdentity(identity: "sip:user\(i)@ims.example.net", serviceProfile: "p", privateIdentities: [impi])] + extra,
            serviceProfiles: [ServiceProfile(id: "p")])
    }

    @Test("Subscriptions, state and indexes round-trip; files are 0600")
    func roundTrip() async throws {
        let path = Self.directory()
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: path))
        var s = Self.subscription(1, extra: [PublicIdentity(identity: "sip:conf-!.*!@ims.example.net", type: .wildcardedPSI, serviceProfile: "p", privateIdentities: [])])
        try await store.commitSubscription(s)
        s.state.scscf = SCSCFAssignment(serverName: "sip:scscf", originHost: "scscf.ims.example.net", originRealm: "ims.example.net")
        s.state.sqn["user1@ims.example.net"] = 0x1234
        try await store.commitState(s.id, s.state)
        #expect(try store.load("sub-1") == s)
        #expect(store.subscriptionID(forPrivate: "user1@ims.example.net") == "sub-1")
        #expect(store.subscriptionID(forPublic: "sip:user1@ims.example.net") == "sub-1")
        #expect(store.subscriptionID(forPublic: "sip:conf-77@ims.example.net") == "sub-1", "wildcard")
        #expect(store.subscriptionID(forPublic: "sip:nobody@ims.example.net") == nil)
        let mode = try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        store.close()
    }

    @Test("Replacing a subscription drops the identities it lost; deleting removes everything")
    func replaceAndDelete() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory()))
        let old = Self.subscription(2, extra: [PublicIdentity(identity: "tel:+1555002", serviceProfile: "p", privateIdentities: ["user2@ims.example.net"])])
        try await store.commitSubscription(old)
        let new = Self.subscription(2)
        try await store.commitSubscription(new)
        #expect(store.subscriptionID(forPublic: "tel:+1555002") == nil)
        #expect(store.subscriptionID(forPublic: "sip:user2@ims.example.net") == "sub-2")
        try await store.commitDelete(new.id)
        #expect(try store.load("sub-2") == nil)
        #expect(!store.contains("user2@ims.example.net"))
        #expect(try store.verify().problems.isEmpty)
        store.close()
    }

    @Test("Every write appends a change-log record in its transaction: contiguous sequence, epoch, checksum")
    func changeLog() async throws {
        let path = Self.directory()
        var store = try LMDBSubscriberStore(LMDBConfiguration(path: path))
        let s = Self.subscription(3)
        try await store.commitSubscription(s)
        try await store.commitState(s.id, s.state)
        try await store.commitDelete(s.id)
        let records = try store.changes(from: 0)
        #expect(records.map(\.sequence) == [1, 2, 3])
        #expect(records.map(\.kind) == [.subscription, .state, .delete])
        #expect(records.allSatisfy { $0.epoch == 1 && $0.subscriptionID == "sub-3" })
        store.close()
        // Reopening bumps the epoch and continues the sequence.
        store = try LMDBSubscriberStore(LMDBConfiguration(path: path))
        #expect(store.epoch == 2)
        try await store.commitSubscription(s)
        #expect(try store.changes(from: 4).map { [$0.sequence, $0.epoch] } == [[4, 2]])
        store.close()
    }

    @Test("Retention keeps at most the configured number of records")
    func retention() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory(), logRetentionRecords: 5))
        let s = Self.subscription(4)
        try await store.commitSubscription(s)
        for _ in 0..<20 { try await store.commitState(s.id, s.state) }
        let records = try store.changes(from: 0)
        #expect(records.count == 5)
        #expect(records.first?.sequence == 17)
        store.close()
    }

    @Test("A retention floor keeps the log from that sequence on beyond the limits; without it the limits apply again")
    func retentionFloor() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory(), logRetentionRecords: 5))
        let s = Self.subscription(4)
        try await store.commitSubscription(s)
        for _ in 0..<9 { try await store.commitState(s.id, s.state) }
        #expect(try store.changes(from: 0).first?.sequence == 6)
        store.retentionFloor = 8
        for _ in 0..<10 { try await store.commitState(s.id, s.state) }
        #expect(try store.changes(from: 0).map(\.sequence) == Array(8...20), "kept from the floor on")
        store.retentionFloor = 0
        try await store.commitState(s.id, s.state)
        #expect(try store.changes(from: 0).map(\.sequence) == Array(17...21))
        store.close()
    }

    @Test("A corrupted log record or index entry is reported by verify")
    func verifyFindsCorruption() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory()))
        try await store.commitSubscription(Self.subscription(5))
        #expect(try store.verify().problems.isEmpty)
        try await store.writer.submit { t in
            try t.put(store.impu, Array("sip:ghost@x".utf8), Array("sub-5".utf8))
            var record = ChangeRecord(sequence: 99, epoch: 1, timeMillis: 0, kind: .state, payload: [1, 2, 3]).encoded
            record[record.count - 1] ^= 0xFF
            try t.put(store.log, UInt64(2).bigEndianBytes, record)
        }
        let problems = try store.verify().problems
        #expect(problems.contains { $0.contains("sip:ghost@x") })
        #expect(problems.contains { $0.contains("checksum") })
        store.close()
    }

    @Test("Schema: newer data is refused; older data runs the registered migrations")
    func schema() async throws {
        let path = Self.directory()
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: path))
        try await store.writer.submit { t in try t.put(store.meta, Array("schema".utf8), UInt64(7).bigEndianBytes) }
        store.close()
        #expect(throws: StorageError.schemaTooNew(found: 7, supported: LMDBSubscriberStore.schemaVersion)) {
            _ = try LMDBSubscriberStore(LMDBConfiguration(path: path))
        }
        // Pretend the data is schema 0: the 0 → 1 migration runs once.
        let env = try LMDBEnvironment(path: path, mapSize: 1 << 30, noSync: false)
        try env.openDatabases(["meta"])
        try env.write { t in try t.put(env.dbi("meta"), Array("schema".utf8), UInt64(0).bigEndianBytes) }
        let ran = Counter()
        let migrated = try LMDBSubscriberStore(LMDBConfiguration(path: path), migrations: [0: { _ in ran.increment() }])
        #expect(ran.value == 1)
        #expect(try migrated.stats().schema == LMDBSubscriberStore.schemaVersion)
        migrated.close()
    }

    @Test("Map full: the write fails with a clear error, nothing of it is stored, reads go on")
    func mapFull() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory(), mapSize: 512 << 10))
        try await store.commitSubscription(Self.subscription(6))
        var failure: StorageError?
        var big = Self.subscription(7)
        big.serviceProfiles[0].initialFilterCriteria = (0..<2000).map {
            InitialFilterCriteria(priority: $0, applicationServer: ApplicationServer(serverName: "sip:as\($0).ims.example.net", serviceInfo: String(repeating: "x", count: 200)))
        }
        do { try await store.commitSubscription(big) } catch let e as StorageError { failure = e }
        guard case .mapFull = failure else { Issue.record("expected mapFull, got \(String(describing: failure))"); return }
        #expect(failure!.description.contains("--map-size"))
        #expect(try store.load("sub-7") == nil, "nothing of the failed write")
        #expect(try store.load("sub-6") != nil, "reads go on")
        try await store.commitState("sub-6", SubscriptionState())  // small writes still fit
        store.close()
    }

    @Test("A disk error (injected EIO) fails the whole batch; nothing is stored; the next batch works")
    func diskError() async throws {
        let fail = Counter()
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory()), faultInjection: {
            fail.value > 0 ? StorageError.lmdb(code: 5, operation: "mdb_txn_commit", message: "Input/output error") : nil
        })
        let s = Self.subscription(8)
        fail.increment()
        await #expect(throws: StorageError.self) { try await store.commitSubscription(s) }
        #expect(try store.load("sub-8") == nil)
        fail.value = 0
        try await store.commitSubscription(s)
        #expect(try store.load("sub-8") == s)
        store.close()
    }

    /// Holds the writer inside one batch until the test opens it (the writer's fault-injection hook).
    final class Gate: @unchecked Sendable {
        let condition = NSCondition()
        var armed = false, inside = false, open = false
        func hook() {
            condition.lock()
            defer { condition.unlock() }
            guard armed, !inside else { return }
            inside = true
            while !open { condition.wait() }
        }
        func set(_ body: (Gate) -> Void) {
            condition.lock()
            body(self)
            condition.broadcast()
            condition.unlock()
        }
        var isInside: Bool {
            condition.lock()
            defer { condition.unlock() }
            return inside
        }
    }

    @Test("A write LMDB refuses (an index key over 511 octets) fails alone; the writes batched with it commit")
    func failingItemIsIsolated() async throws {
        let gate = Gate()
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory()), faultInjection: { gate.hook(); return nil })
        let good = Self.subscription(20)
        try await store.commitSubscription(good)
        var bad = Self.subscription(21)
        let long = String(repeating: "x", count: 600) + "@ims.example.net"
        bad.privateIdentities[0].identity = long
        bad.publicIdentities[0].privateIdentities = [long]
        let oversized = bad
        // The writer stops inside one batch; everything submitted meanwhile forms the next batch together.
        gate.set { $0.armed = true }
        let first = Task { try await store.commitState(good.id, good.state) }
        while !gate.isInside { try await Task.sleep(for: .milliseconds(1)) }
        let others = Task { [good] in
            try await withThrowingTaskGroup(of: Bool.self) { g in
                g.addTask {
                    do { try await store.commitSubscription(oversized) } catch { return false }
                    return true
                }
                for i in 0..<50 {
                    g.addTask {
                        var s = good.state
                        s.sqn["user20@ims.example.net"] = UInt64(i)
                        try await store.commitState(good.id, s)
                        return true
                    }
                }
                return try await g.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        while store.writer.queuedCount < 51 { try await Task.sleep(for: .milliseconds(1)) }
        let batchesBefore = store.writer.batches
        gate.set { $0.open = true }
        try await first.value
        let outcomes = try await others.value
        #expect(outcomes.filter { !$0 }.count == 1, "only the write with the oversized key fails")
        #expect(outcomes.count == 51)
        #expect(store.writer.batches - batchesBefore == 2, "the gate's batch and one batch for the 51 writes")
        #expect(try store.load(bad.id) == nil, "nothing of the failed write")
        #expect(store.subscriptionID(forPrivate: long) == nil)
        #expect(try store.load(good.id) != nil)
        store.close()
    }

    @Test("Concurrent writers are grouped into few commits")
    func groupCommit() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory()))
        let s = Self.subscription(9)
        try await store.commitSubscription(s)
        try await withThrowingTaskGroup(of: Void.self) { g in
            for _ in 0..<500 { g.addTask { try await store.commitState(s.id, s.state) } }
            try await g.waitForAll()
        }
        #expect(store.writer.items == 501)
        #expect(store.writer.batches < 250, "batches: \(store.writer.batches)")
        store.close()
    }

    @Test("Backup (hot, compacting) opens as a store with the same data")
    func backup() async throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: Self.directory()))
        try store.bulkLoad((10..<110).map { Self.subscription($0) })
        let copy = Self.directory()
        try store.backup(to: copy)
        let restored = try LMDBSubscriberStore(LMDBConfiguration(path: copy), readOnly: true)
        #expect(restored.subscriptionCount == 100)
        #expect(try restored.load("sub-42") == Self.subscription(42))
        #expect(try restored.verify().problems.isEmpty)
        store.close()
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int {
        get { lock.withLock { n } }
        set { lock.withLock { n = newValue } }
    }
    func increment() { lock.withLock { n += 1 } }
}
