public import HSSCore
import Atomics
import CLMDB
import Foundation

/// Settings of the LMDB store (docs/storage.md).
public struct LMDBConfiguration: Sendable {
    /// The directory holding data.mdb and lock.mdb (created 0700, files 0600).
    public var path: String
    /// The map size: the most the data file may grow to. A large sparse map costs nothing. Default 4 GiB.
    public var mapSize: Int
    /// MDB_NOSYNC: commits are not fsync'ed. For labs only: a power failure loses the last moments
    /// (a process crash loses nothing: the OS still writes the pages).
    public var noSync: Bool
    /// Most writes per transaction.
    public var maxBatch: Int
    /// Most writes waiting; beyond it a write fails with ``StorageError/overloaded`` (3004 TOO_BUSY).
    public var maxQueue: Int
    /// Change-log retention: at most this many records ...
    public var logRetentionRecords: Int
    /// ... and none older than this (seconds).
    public var logRetentionSeconds: Int
    /// SEQ values reserved per private identity at a time (TS 33.102 Annex C SQN): a MAR writes only when
    /// it crosses the reserved mark.
    public var sqnBlock: UInt64
    /// The key-encryption keys of the provisioned records (K, OPc, HA1 at rest; docs/hardening.md); nil:
    /// records are stored as they are.
    public var keyRing: KeyRing?
    /// Called on the writer thread after each committed batch: writes in it, time of the transaction.
    public var commitObserver: (@Sendable (Int, Duration) -> Void)?
    /// A single node starts a new epoch at every open. A cluster node does not: its epoch changes only
    /// when a leader is elected (``LMDBSubscriberStore/beginEpoch(_:)``) or a follower applies records of
    /// a newer epoch (docs/replication.md).
    public var epochPerOpen = true
    /// Test hook: runs on the writer thread after a batch's records were published to the shipping path
    /// and before its commit; an error aborts the commit (a leader that dies between shipping and its
    /// own fsync: docs/replication.md, "Pipelined shipping").
    public var beforeCommit: (@Sendable () -> StorageError?)?

    public init(
        path: String, mapSize: Int = 4 << 30, noSync: Bool = false, maxBatch: Int = 1000, maxQueue: Int = 100_000,
        logRetentionRecords: Int = 1_000_000, logRetentionSeconds: Int = 86_400, sqnBlock: UInt64 = 1000
    ) {
        self.path = path
        self.mapSize = mapSize
        self.noSync = noSync
        self.maxBatch = maxBatch
        self.maxQueue = maxQueue
        self.logRetentionRecords = logRetentionRecords
        self.logRetentionSeconds = logRetentionSeconds
        self.sqnBlock = sqnBlock
    }
}

/// Subscribers, Cx state and the change log in LMDB (docs/storage.md). Reads run on any thread without a
/// lock (a reusable read transaction per thread); writes go to the one writer thread and return after a
/// durable commit.
public final class LMDBSubscriberStore: @unchecked Sendable {
    /// The schema this binary writes. Older data is migrated when opened; newer data is refused.
    public static let schemaVersion: UInt32 = 1
    /// Migrations from version N to N + 1, run in one transaction when the store opens.
    public typealias Migration = @Sendable (_ from: UInt32) throws -> Void

    static let databaseNames = ["meta", "provisioned", "state", "impi", "impu", "wildcard", "log", "replay", "replay-time", "imsi"]

    public let configuration: LMDBConfiguration
    let environment: LMDBEnvironment
    let reads: ThreadReadTransactions
    /// Seals provisioned records (keys at rest); replaced whole when the key ring is reloaded.
    let sealing: ManagedAtomic<RecordSealer>
    var sealer: RecordSealer { sealing.load(ordering: .acquiring) }
    var writer: GroupCommitWriter!
    let meta, provisioned, state, impi, impu, wildcard, log, replay, replayTime, imsi: MDB_dbi
    /// Wildcard patterns → subscription ids, in memory (few, rarely changed); swapped atomically.
    let wildcards: ManagedAtomic<WildcardList>
    /// Writer-thread state: the next log sequence number, the oldest retained one, the epoch and its
    /// history. What committed is published in `committed` (docs/replication.md).
    var nextSequence: UInt64 = 1
    var firstSequence: UInt64 = 1
    var currentEpoch: UInt64 = 0
    var history: [EpochStart] = []
    let committed: LogState
    /// Called on the writer thread after each commit with the last committed sequence.
    let commitListeners = Listeners()
    /// Called on the writer thread when a batch's records are published (before its commit), and when a
    /// commit fails after some of them were read.
    let loggedListeners = Listeners(), lostListeners = Listeners()
    /// Writer thread: the records of the batch being written; the epoch in which a commit failed after its
    /// records were shipped (no more records of it are written).
    var batchRecords: [ChangeRecord] = []
    var fencedEpoch: UInt64?
    /// The batch being committed, for the shipping path.
    let unsynced = UnsyncedTail()
    /// Retention keeps the log from this sequence on, whatever its limits say (0: no floor). A cluster
    /// leader sets it while a follower takes a snapshot, so that the records after the snapshot's
    /// position are still there when that follower comes back (`ClusterNode.retainForSnapshots`).
    public var retentionFloor: UInt64 {
        get { retentionFloorValue.load(ordering: .relaxed) }
        set { retentionFloorValue.store(newValue, ordering: .relaxed) }
    }
    let retentionFloorValue = ManagedAtomic<UInt64>(0)
    let openedAt = Date()

    final class WildcardList: AtomicReference, @unchecked Sendable {
        let entries: [(WildcardPattern, String, String)]  // (pattern, pattern text, subscription id)
        init(_ e: [(WildcardPattern, String, String)]) { entries = e }
    }

    /// Opens (creating) the store, checks and migrates the schema, bumps the epoch, starts the writer.
    public init(_ configuration: LMDBConfiguration, readOnly: Bool = false, migrations: [UInt32: Migration] = [:],
                faultInjection: (@Sendable () -> StorageError?)? = nil) throws(StorageError) {
        self.configuration = configuration
        let env = try LMDBEnvironment(path: configuration.path, mapSize: configuration.mapSize, noSync: configuration.noSync, readOnly: readOnly)
        environment = env
        try env.openDatabases(Self.databaseNames)
        let metaDB = env.dbi("meta"), logDB = env.dbi("log"), wildcardDB = env.dbi("wildcard")
        meta = metaDB; provisioned = env.dbi("provisioned"); state = env.dbi("state")
        impi = env.dbi("impi"); impu = env.dbi("impu"); wildcard = wildcardDB; log = logDB; replay = env.dbi("replay"); replayTime = env.dbi("replay-time")
        imsi = env.dbi("imsi")
        reads = ThreadReadTransactions(env)
        sealing = ManagedAtomic(RecordSealer(configuration.keyRing))

        // Schema and epoch.
        var epoch: UInt64 = 0
        do {
            let found: UInt32? = try env.read { t in try t.get(metaDB, Array("schema".utf8)).map { UInt32(truncatingIfNeeded: UInt64(bigEndianBytes: $0)) } }
            if let found, found > Self.schemaVersion { throw StorageError.schemaTooNew(found: found, supported: Self.schemaVersion) }
            if !readOnly {
                epoch = try env.write { t in
                    var version = found ?? Self.schemaVersion
                    while version < Self.schemaVersion {
                        guard let m = migrations[version] else { throw StorageError.corrupt("no migration from schema \(version)") }
                        try m(version)
                        version += 1
                    }
                    try t.put(metaDB, Array("schema".utf8), UInt64(version).bigEndianBytes)
                    var e = try t.get(metaDB, Array("epoch".utf8)).map { UInt64(bigEndianBytes: $0) } ?? 0
                    if configuration.epochPerOpen {
                        e += 1
                        try t.put(metaDB, Array("epoch".utf8), e.bigEndianBytes)
                    }
                    return e
                }
            } else {
                epoch = try env.read { t in try t.get(metaDB, Array("epoch".utf8)).map { UInt64(bigEndianBytes: $0) } ?? 0 }
            }
            // Log positions and wildcard patterns.
            var first: UInt64?
            var last: UInt64 = 0
            try env.read { t in
                try t.forEach(logDB) { k, _ in
                    if first == nil { first = UInt64(bigEndianBytes: k) }
                    return false
                }
                var cursor: OpaquePointer?
                try StorageError.check(mdb_cursor_open(t.txn, logDB, &cursor), "mdb_cursor_open")
                var k = MDB_val(), v = MDB_val()
                if mdb_cursor_get(cursor, &k, &v, MDB_LAST) == 0 {
                    last = UInt64(bigEndianBytes: UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size))
                }
                mdb_cursor_close(cursor)
            }
            firstSequence = first ?? (last + 1)
            nextSequence = last + 1
            history = try env.read { t in try t.get(metaDB, Array("epochs".utf8)).map(EpochStart.decodeList) } ?? []
            if !readOnly && epoch > 0 && history.last?.epoch != epoch {
                // A new epoch begins at the next record (and a store from before the history existed gets one).
                history.append(EpochStart(epoch: epoch, firstSequence: nextSequence))
                let h = history
                try env.write { t in try t.put(metaDB, Array("epochs".utf8), EpochStart.encodeList(h)) }
            }
            wildcards = ManagedAtomic(try Self.readWildcards(env, wildcardDB))
        } catch let e as StorageError {
            throw e
        } catch {
            throw .corrupt("\(error)")
        }
        currentEpoch = epoch
        committed = LogState(LogState.Snapshot(epoch: epoch, first: firstSequence, next: nextSequence, history: history))
        if !readOnly {
            writer = GroupCommitWriter(
                environment: env, maxBatch: configuration.maxBatch, maxQueue: configuration.maxQueue,
                afterBatch: { [unowned self] t in
                    try self.applyRetention(t)
                    try self.expireReplays(t)
                    // Last before the commit: the batch's records go to the shipping path now.
                    if let last = self.batchRecords.last {
                        self.unsynced.publish(self.batchRecords)
                        self.loggedListeners.call(last.sequence)
                    }
                    if let e = self.configuration.beforeCommit?() { throw e }
                },
                committed: { [unowned self] ok in self.batchEnded(ok) }, faultInjection: faultInjection,
                observer: configuration.commitObserver)
        }
    }

    /// Writes waiting for the writer thread's next batch (an overload signal).
    public var queuedWrites: Int { writer?.queuedCount ?? 0 }

    /// Stops the writer (after what is queued) and closes the environment.
    public func close() {
        writer?.stop()
    }

    deinit { writer?.stop() }

    // MARK: Reads (any thread, no lock)

    public func subscriptionID(forPrivate identity: String) -> String? {
        try? reads.read { t in try t.get(impi, Array(identity.utf8)).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Exact match, then wildcarded PSI/IMPU patterns.
    public func subscriptionID(forPublic identity: String) -> String? {
        if let id = try? reads.read({ t in try t.get(impu, Array(identity.utf8)).map { String(decoding: $0, as: UTF8.self) } }) {
            return id
        }
        return wildcards.load(ordering: .acquiring).entries.first { $0.0.matches(identity) }?.2
    }

    /// The subscription whose EPS data has this IMSI (S6a User-Name, TS 29.272 §7.3.1 n).
    public func subscriptionID(forIMSI identity: String) -> String? {
        guard !identity.isEmpty else { return nil }
        return try? reads.read { t in try t.get(imsi, Array(identity.utf8)).map { String(decoding: $0, as: UTF8.self) } }
    }

    public func contains(_ identity: String) -> Bool {
        subscriptionID(forPrivate: identity) != nil || subscriptionID(forPublic: identity) != nil
    }

    /// The subscription with its stored state (whose `sqn` values are the reserved high-water marks).
    public func load(_ id: String) throws(StorageError) -> IMSSubscription? {
        // LMDB refuses empty keys (MDB_BAD_VALSIZE); no subscription has an empty id.
        guard !id.isEmpty else { return nil }
        do {
            return try reads.read { t in
                guard let p = try t.get(provisioned, Array(id.utf8)) else { return nil }
                var st = SubscriptionState()
                if let sb = try t.get(state, Array(id.utf8)) {
                    var r = BinaryReader(sb)
                    st = try SubscriptionState(binary: &r)
                }
                return try Self.subscription(sealer.open(p, id: id), state: st)
            }
        } catch let e as StorageError {
            throw e
        } catch {
            throw .corrupt("subscription \(id): \(error)")
        }
    }

    /// Subscription ids in key order after `after` (exclusive), at most `limit`.
    public func subscriptionIDs(after: String?, limit: Int) throws -> [String] {
        var out: [String] = []
        try environment.read { t in
            try t.forEach(provisioned, from: after.map { Array($0.utf8) }) { k, _ in
                let id = String(decoding: k, as: UTF8.self)
                if id != after { out.append(id) }
                return out.count < limit
            }
        }
        return out
    }

    public var subscriptionCount: Int { (try? environment.read { t in t.stat(provisioned).entries }) ?? 0 }

    // MARK: Writes (durable when they return)

    /// Stores a subscription's Cx state, if what is stored is still `expected` (compare-and-set; nil:
    /// no check), with an answer to replay for a retransmission (docs/replication.md). Returns the log
    /// sequence of the write.
    @discardableResult
    public func commitState(_ id: String, _ s: SubscriptionState, expected: SubscriptionState? = nil, replay: ReplayEntry? = nil) async throws -> UInt64 {
        let bytes = Self.encoded(s)
        let expectedBytes = expected.map(Self.encoded)
        let key = Array(id.utf8)
        let sequence = SequenceBox()
        try await writer.submit { [unowned self] t in
            if let expectedBytes { try self.check(t, id: id, expectedState: expectedBytes) }
            try t.put(self.state, key, bytes)
            var p = BinaryWriter(capacity: bytes.count + id.utf8.count + 4)
            p.string(id)
            p.data(bytes)
            sequence.value = try self.appendLog(t, .state, p.bytes)
            if let replay { try self.putReplay(t, replay) }
        }
        return sequence.value
    }

    public static func encoded(_ s: SubscriptionState) -> [UInt8] {
        var w = BinaryWriter(capacity: 128)
        s.encode(into: &w)
        return w.bytes
    }

    /// Refuses the write (``StorageError/conflict(_:)``) unless subscription `id` exists with exactly
    /// `expectedState` stored (nil: it must not exist).
    func check(_ t: Transaction, id: String, expectedState: [UInt8]?) throws {
        let key = Array(id.utf8)
        let exists = try t.get(provisioned, key) != nil
        guard let expectedState else {
            if exists { throw StorageError.conflict("\(id) exists") }
            return
        }
        guard exists else { throw StorageError.conflict("\(id) does not exist") }
        let current = try t.get(state, key).map { Array($0) } ?? Self.encoded(SubscriptionState())
        if current != expectedState { throw StorageError.conflict("\(id) changed") }
    }

    /// Stores a subscription's provisioned data and state and updates the identity indexes (removing the
    /// identities the stored record had and `s` no longer has). With `expected`, only if the stored state
    /// is still that (`.some(nil)`: the subscription must not exist yet).
    @discardableResult
    public func commitSubscription(_ s: IMSSubscription, expected: SubscriptionState?? = nil) async throws -> UInt64 {
        let r = try records(s)
        let expectedBytes = expected.map { $0.map(Self.encoded) }
        let sequence = SequenceBox()
        try await writer.submit { [unowned self] t in
            if let expectedBytes { try self.check(t, id: s.id, expectedState: expectedBytes) }
            try self.replaceWhole(t, s.id, r.provisioned, r.state)
            sequence.value = try self.logSubscription(t, id: s.id, r)
        }
        reloadWildcards()
        return sequence.value
    }

    /// Puts a subscription's records and indexes, removing the index entries of the identities the stored
    /// record had and the new one has not (writer thread).
    func replaceWhole(_ t: Transaction, _ id: String, _ provisionedBytes: [UInt8], _ stateBytes: [UInt8]) throws {
        let new = try identities(provisionedBytes, id: id)
        if let old = try storedIdentities(t, id) {
            for x in old.impis.subtracting(new.impis) { try t.delete(impi, Array(x.utf8)) }
            for x in old.impus.subtracting(new.impus) { try t.delete(impu, Array(x.utf8)) }
            for x in old.wildcards.subtracting(new.wildcards) { try t.delete(wildcard, Array(x.utf8)) }
            for x in old.imsis.subtracting(new.imsis) { try t.delete(imsi, Array(x.utf8)) }
        }
        try put(
            t, id: id, provisioned: provisionedBytes, state: stateBytes, impis: new.impis, impus: new.impus, wildcards: Array(new.wildcards),
            imsis: new.imsis)
    }

    typealias IdentitySets = (impis: Set<String>, impus: Set<String>, wildcards: Set<String>, imsis: Set<String>)

    func identities(_ provisionedBytes: [UInt8], id: String) throws -> IdentitySets {
        let s = try Self.subscription(sealer.open(provisionedBytes, id: id), state: SubscriptionState())
        return (Set(s.privateIdentities.map(\.identity)), Set(s.publicIdentities.map(\.identity)),
                Set(s.publicIdentities.filter { $0.wildcard != nil }.map(\.identity)), Set(s.eps.map { [$0.imsi] } ?? []))
    }

    func storedIdentities(_ t: Transaction, _ id: String) throws -> IdentitySets? {
        guard let old = try t.get(provisioned, Array(id.utf8)) else { return nil }
        return try identities(Array(old), id: id)
    }

    /// Removes a subscription's records and index entries (writer thread).
    func removeWhole(_ t: Transaction, _ id: String) throws {
        if let old = try storedIdentities(t, id) {
            for x in old.impis { try t.delete(impi, Array(x.utf8)) }
            for x in old.impus { try t.delete(impu, Array(x.utf8)) }
            for x in old.wildcards { try t.delete(wildcard, Array(x.utf8)) }
            for x in old.imsis { try t.delete(imsi, Array(x.utf8)) }
        }
        try t.delete(provisioned, Array(id.utf8))
        try t.delete(state, Array(id.utf8))
    }

    /// Stores many new subscriptions in one writer transaction, each with its change-log record (the
    /// API's bulk import). The caller makes sure none exists yet.
    @discardableResult
    public func commitNewSubscriptions(_ subscriptions: [IMSSubscription]) async throws -> UInt64 {
        let encoded = try subscriptions.map { ($0, try records($0)) }
        let sequence = SequenceBox()
        try await writer.submit { [unowned self] t in
            for (s, r) in encoded {
                try self.putWhole(t, s, r)
                sequence.value = try self.logSubscription(t, id: s.id, r)
            }
        }
        if encoded.contains(where: { $0.0.publicIdentities.contains { $0.wildcard != nil } }) { reloadWildcards() }
        return sequence.value
    }

    @discardableResult
    public func commitDelete(_ id: String) async throws -> UInt64 {
        let sequence = SequenceBox()
        try await writer.submit { [unowned self] t in
            try self.removeWhole(t, id)
            var p = BinaryWriter()
            p.string(id)
            sequence.value = try self.appendLog(t, .delete, p.bytes)
        }
        reloadWildcards()
        return sequence.value
    }

    /// Writes many subscriptions in large transactions on the calling thread (an import before serving;
    /// no change-log records: replicas start from a backup). Returns the number written.
    @discardableResult
    public func bulkLoad(_ subscriptions: some Sequence<IMSSubscription>, transactionSize: Int = 10_000) throws -> Int {
        var count = 0
        var batch: [IMSSubscription] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            try environment.write { t in
                for s in batch { try putWhole(t, s, records(s)) }
            }
            count += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        for s in subscriptions {
            batch.append(s)
            if batch.count == transactionSize { try flush() }
        }
        try flush()
        reloadWildcards()
        return count
    }

    func put(
        _ t: Transaction, id: String, provisioned pb: [UInt8], state sb: [UInt8], impis: some Sequence<String>, impus: some Sequence<String>,
        wildcards: [String], imsis: some Sequence<String>
    ) throws {
        let key = Array(id.utf8)
        try t.put(provisioned, key, pb)
        try t.put(state, key, sb)
        for x in impis { try t.put(impi, Array(x.utf8), key) }
        for x in impus { try t.put(impu, Array(x.utf8), key) }
        for x in wildcards { try t.put(wildcard, Array(x.utf8), key) }
        for x in imsis { try t.put(imsi, Array(x.utf8), key) }
    }

    static func readWildcards(_ env: LMDBEnvironment, _ db: MDB_dbi) throws -> WildcardList {
        var list: [(WildcardPattern, String, String)] = []
        try env.read { t in
            try t.forEach(db) { k, v in
                let text = String(decoding: k, as: UTF8.self)
                if let p = WildcardPattern(text) { list.append((p, text, String(decoding: v, as: UTF8.self))) }
                return true
            }
        }
        return WildcardList(list)
    }

    func reloadWildcards() {
        if let list = try? Self.readWildcards(environment, wildcard) { wildcards.store(list, ordering: .releasing) }
    }

    /// A subscription's two records: provisioned data (sealed when a key ring is configured) and state
    /// (binary, BinaryCodec.swift).
    func records(_ s: IMSSubscription) throws -> (provisioned: [UInt8], state: [UInt8]) {
        var pw = BinaryWriter(capacity: 1024)
        s.encodeProvisioned(into: &pw)
        var sw = BinaryWriter(capacity: 128)
        s.state.encode(into: &sw)
        return (try sealer.seal(pw.bytes, id: s.id), sw.bytes)
    }

    /// A subscription from its (opened) provisioned record and a state.
    static func subscription(_ provisioned: [UInt8], state: SubscriptionState) throws -> IMSSubscription {
        try provisioned.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            return try IMSSubscription(provisioned: &r, state: state)
        }
    }

    /// Puts a whole subscription (records and every identity index) without touching identities it may
    /// have had before.
    func putWhole(_ t: Transaction, _ s: IMSSubscription, _ r: (provisioned: [UInt8], state: [UInt8])) throws {
        try put(
            t, id: s.id, provisioned: r.provisioned, state: r.state, impis: s.privateIdentities.map(\.identity),
            impus: s.publicIdentities.map(\.identity), wildcards: s.publicIdentities.filter { $0.wildcard != nil }.map(\.identity),
            imsis: s.eps.map { [$0.imsi] } ?? [])
    }

    /// The change-log record of a stored subscription (kind 2).
    @discardableResult
    func logSubscription(_ t: Transaction, id: String, _ r: (provisioned: [UInt8], state: [UInt8])) throws -> UInt64 {
        var p = BinaryWriter(capacity: r.provisioned.count + r.state.count + 16)
        p.string(id)
        p.data(r.provisioned)
        p.data(r.state)
        return try appendLog(t, .subscription, p.bytes)
    }

    // MARK: Change log (writer thread only)

    /// Appends a record of the current epoch; returns its sequence.
    func appendLog(_ t: Transaction, _ kind: ChangeRecord.Kind, _ payload: [UInt8]) throws -> UInt64 {
        if let f = fencedEpoch, f == currentEpoch { throw StorageError.fenced(epoch: f) }
        let record = ChangeRecord(
            sequence: nextSequence, epoch: currentEpoch, timeMillis: UInt64(Date().timeIntervalSince1970 * 1000), kind: kind, payload: payload)
        try t.put(log, nextSequence.bigEndianBytes, record.encoded, append: true)
        nextSequence += 1
        batchRecords.append(record)
        return record.sequence
    }

    /// After each batch: publish what committed, or take back what the aborted batch counted.
    func batchEnded(_ ok: Bool) {
        let shipped = unsynced.end()
        let last = batchRecords.last?.sequence
        batchRecords = []
        if !ok, shipped, let last {
            // Followers may hold records up to `last` that this store will never have; writing other
            // records under the same sequences in this epoch would make two logs differ where their epochs
            // agree. Nothing more is written in this epoch.
            fencedEpoch = committed.current.epoch
            lostListeners.call(last)
        }
        if ok {
            committed.publish(.init(epoch: currentEpoch, first: firstSequence, next: nextSequence, history: history))
            commitListeners.call(nextSequence - 1)
        } else {
            let c = committed.current
            (currentEpoch, firstSequence, nextSequence, history) = (c.epoch, c.first, c.next, c.history)
        }
    }

    /// Drops the oldest records beyond the retention limits (at most 1,000 per batch).
    func applyRetention(_ t: Transaction) throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let cutoff = now &- UInt64(configuration.logRetentionSeconds) * 1000
        var dropped = 0
        let floor = retentionFloor
        while dropped < 1000, firstSequence < nextSequence, floor == 0 || firstSequence < floor {
            let excess = Int(nextSequence - firstSequence) > configuration.logRetentionRecords
            var old = false
            if !excess, let v = try t.get(log, firstSequence.bigEndianBytes), v.count >= 17 {
                old = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: v[9..<17])) < cutoff
            }
            guard excess || old else { break }
            try t.delete(log, firstSequence.bigEndianBytes)
            firstSequence += 1
            dropped += 1
        }
    }

    /// Log records from `sequence` on (at most `limit`), for replication and `hss db log`: the committed
    /// ones, then those of the batch being committed (`uncommitted`: a leader ships them while its own
    /// fsync runs; docs/replication.md, "Pipelined shipping").
    public func changes(from sequence: UInt64, limit: Int = 1000, uncommitted: Bool = false) throws -> [ChangeRecord] {
        var out: [ChangeRecord] = []
        try environment.read { t in
            try t.forEach(log, from: sequence.bigEndianBytes) { k, v in
                out.append(try ChangeRecord(sequence: UInt64(bigEndianBytes: k), encoded: v))
                return out.count < limit
            }
        }
        if uncommitted, out.count < limit {
            out += unsynced.records(from: out.last.map { $0.sequence + 1 } ?? sequence, limit: limit - out.count)
        }
        return out
    }
}

// MARK: Operations: backup, verify, stats

extension LMDBSubscriberStore {
    /// A hot, compacting copy of the store into directory `path` (mdb_env_copy2 with MDB_CP_COMPACT): a
    /// consistent snapshot taken without stopping the writer.
    public func backup(to path: String) throws(StorageError) { try environment.copy(to: path) }

    public struct VerifyReport: Sendable, CustomStringConvertible {
        public var subscriptions = 0
        public var privateIdentities = 0
        public var publicIdentities = 0
        public var logRecords = 0
        public var problems: [String] = []
        public var description: String {
            "subscriptions \(subscriptions), private identities \(privateIdentities), public identities \(publicIdentities), log records \(logRecords): "
                + (problems.isEmpty ? "OK" : "\(problems.count) problem(s)\n" + problems.prefix(50).joined(separator: "\n"))
        }
    }

    /// Reads everything in one snapshot: every record decodes, every identity is indexed to its
    /// subscription and every index entry points back, the change log's checksums and sequence hold.
    public func verify() throws -> VerifyReport {
        var report = VerifyReport()
        try environment.read { t in
            var owners: [String: String] = [:]  // identity → id, from the subscriptions
            try t.forEach(provisioned) { k, v in
                let id = String(decoding: k, as: UTF8.self)
                do {
                    var st = SubscriptionState()
                    if let sb = try t.get(state, Array(k)) {
                        var sr = BinaryReader(sb)
                        st = try SubscriptionState(binary: &sr)
                    }
                    let s = try Self.subscription(sealer.open(v, id: id), state: st)
                    if s.id != id { report.problems.append("subscription \(id): record names \(s.id)") }
                    report.subscriptions += 1
                    for p in s.privateIdentities {
                        owners["i:" + p.identity] = id
                        report.privateIdentities += 1
                    }
                    for p in s.publicIdentities {
                        owners["u:" + p.identity] = id
                        report.publicIdentities += 1
                    }
                    if let eps = s.eps { owners["m:" + eps.imsi] = id }
                } catch {
                    report.problems.append("subscription \(id): \(error)")
                }
                return true
            }
            for (db, prefix) in [(impi, "i:"), (impu, "u:"), (imsi, "m:")] {
                try t.forEach(db) { k, v in
                    let identity = String(decoding: k, as: UTF8.self), id = String(decoding: v, as: UTF8.self)
                    if owners.removeValue(forKey: prefix + identity) != id {
                        report.problems.append("index: \(identity) → \(id), which does not have it")
                    }
                    return true
                }
            }
            for (key, id) in owners { report.problems.append("index: \(key.dropFirst(2)) of \(id) missing") }
            var expected: UInt64?
            try t.forEach(log) { k, v in
                let seq = UInt64(bigEndianBytes: k)
                if let e = expected, seq != e { report.problems.append("log: sequence \(e) missing before \(seq)") }
                expected = seq + 1
                do { _ = try ChangeRecord(sequence: seq, encoded: v) } catch { report.problems.append("\(error)") }
                report.logRecords += 1
                return true
            }
        }
        return report
    }

    public struct Stats: Sendable, CustomStringConvertible {
        public var path: String
        public var schema: UInt32
        public var epoch: UInt64
        public var history: [EpochStart]
        public var entries: [(String, Int)]
        public var mapSize: Int
        public var usedBytes: Int
        public var fileBytes: Int
        public var readers: Int
        public var logFirst: UInt64
        public var logNext: UInt64
        public var description: String {
            var lines = [
                "path        \(path)", "schema      \(schema)", "epoch       \(epoch)",
                "epochs      " + history.map { "\($0.epoch)@\($0.firstSequence)" }.joined(separator: " "),
                "map size    \(mapSize >> 20) MiB", "used        \(usedBytes >> 10) KiB of the map",
                "file        \(fileBytes >> 10) KiB (data.mdb)", "readers     \(readers)",
                "log         records \(logFirst)..<\(logNext)",
            ]
            for (name, n) in entries { lines.append("db \(name.padding(toLength: 12, withPad: " ", startingAt: 0))\(n) entries") }
            return lines.joined(separator: "\n")
        }
    }

    public func stats() throws -> Stats {
        let info = environment.info()
        let entries: [(String, Int)] = try environment.read { t in Self.databaseNames.map { ($0, t.stat(environment.dbi($0)).entries) } }
        let (first, next): (UInt64, UInt64) = try environment.read { t in
            var first: UInt64?
            var last: UInt64 = 0
            try t.forEach(log) { k, _ in
                if first == nil { first = UInt64(bigEndianBytes: k) }
                last = UInt64(bigEndianBytes: k)
                return true
            }
            return (first ?? last + 1, last + 1)
        }
        let schema: UInt32 = try environment.read { t in try t.get(meta, Array("schema".utf8)).map { UInt32(truncatingIfNeeded: UInt64(bigEndianBytes: $0)) } ?? 0 }
        let size = (try? FileManager.default.attributesOfItem(atPath: configuration.path + "/data.mdb")[.size] as? Int) ?? 0
        return Stats(
            path: configuration.path, schema: schema, epoch: epoch, history: committed.current.history, entries: entries, mapSize: info.mapSize,
            usedBytes: (info.lastPage + 1) * info.pageSize, fileBytes: size, readers: info.readers, logFirst: first, logNext: next)
    }
}
