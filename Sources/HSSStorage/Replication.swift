public import HSSCore
import Atomics
import CLibCrypto
import CLMDB
import Foundation

/// Where an epoch begins in the change log: records from `firstSequence` on (until the next entry's
/// `firstSequence`) were written by the leader of `epoch` (docs/replication.md, "Epochs and fencing").
public struct EpochStart: Hashable, Sendable, CustomStringConvertible {
    public var epoch: UInt64
    public var firstSequence: UInt64
    public init(epoch: UInt64, firstSequence: UInt64) {
        self.epoch = epoch
        self.firstSequence = firstSequence
    }
    public var description: String { "\(epoch)@\(firstSequence)" }

    static func encodeList(_ list: [EpochStart]) -> [UInt8] {
        list.flatMap { $0.epoch.bigEndianBytes + $0.firstSequence.bigEndianBytes }
    }

    static func decodeList(_ b: UnsafeRawBufferPointer) -> [EpochStart] {
        stride(from: 0, to: b.count - 15, by: 16).map {
            EpochStart(epoch: UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: b[$0..<$0 + 8])),
                       firstSequence: UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: b[$0 + 8..<$0 + 16])))
        }
    }

    /// The epoch that wrote record `sequence` according to `history` (0 before the first entry).
    public static func epoch(at sequence: UInt64, in history: [EpochStart]) -> UInt64 {
        history.last { $0.firstSequence <= sequence }?.epoch ?? 0
    }

    /// The last sequence two logs agree on: the highest `s` ≤ both ends whose record was written in the
    /// same epoch in both histories (Raft's log-matching rule applied to epochs: a sequence written in the
    /// same epoch is the same record, since one leader writes each epoch). Both histories are step
    /// functions, so only the steps need checking.
    public static func commonPoint(_ a: [EpochStart], end aEnd: UInt64, _ b: [EpochStart], end bEnd: UInt64) -> UInt64 {
        var s = min(aEnd, bEnd)
        let steps = Set(a.map(\.firstSequence) + b.map(\.firstSequence)).sorted(by: >)
        while s > 0 {
            if epoch(at: s, in: a) == epoch(at: s, in: b) { return s }
            // Down to just before the step that starts the interval holding s.
            guard let step = steps.first(where: { $0 <= s }), step > 0 else { return 0 }
            s = step - 1
        }
        return 0
    }
}

/// The log position and epoch that last committed, readable from any thread.
public final class LogState: @unchecked Sendable {
    public struct Snapshot: Sendable {
        public var epoch: UInt64
        /// The oldest retained record and the next sequence to be written.
        public var first: UInt64
        public var next: UInt64
        public var history: [EpochStart]
        public var last: UInt64 { next - 1 }
        /// The epoch of the last record (0 for an empty log).
        public var lastEpoch: UInt64 { EpochStart.epoch(at: last, in: history) }
    }
    private let lock = NSLock()
    private var value: Snapshot
    init(_ v: Snapshot) { value = v }
    public var current: Snapshot { lock.withLock { value } }
    func publish(_ v: Snapshot) { lock.withLock { value = v } }
}

/// Callbacks run on the writer thread after each commit, with the last committed sequence.
final class Listeners: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [@Sendable (UInt64) -> Void] = []
    func add(_ f: @escaping @Sendable (UInt64) -> Void) { lock.withLock { list.append(f) } }
    func call(_ sequence: UInt64) { for f in lock.withLock({ list }) { f(sequence) } }
}

/// The records of the batch the writer is committing, readable before the commit ends (docs/replication.md,
/// "Pipelined shipping"): a leader ships them while its own fsync runs. `shipped` notes that a reader took
/// some: if that commit then fails, followers may hold records this store will never have, and the store
/// refuses new records of this epoch (``StorageError/fenced``) until the next epoch begins.
final class UnsyncedTail: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [ChangeRecord] = []
    private var shipped = false

    func publish(_ r: [ChangeRecord]) { lock.withLock { records = r } }

    /// Ends the batch; true if its records were published and read by someone.
    func end() -> Bool {
        lock.withLock {
            defer { records = []; shipped = false }
            return shipped && !records.isEmpty
        }
    }

    /// The published records from `sequence` on (at most `limit`).
    func records(from sequence: UInt64, limit: Int) -> [ChangeRecord] {
        lock.withLock {
            guard let first = records.first, sequence >= first.sequence else { return [] }
            let start = Int(sequence - first.sequence)
            guard start < records.count else { return [] }
            shipped = true
            return Array(records[start..<min(records.count, start + limit)])
        }
    }
}

/// The writer thread's answer to one write: the sequence of its last log record.
final class SequenceBox: @unchecked Sendable {
    var value: UInt64 = 0
}

/// An answer kept for a retransmitted request (RFC 6733 §5.5.4 duplicate detection, across nodes):
/// written in the transaction that stores the change the request made, replicated with it.
public struct ReplayEntry: Sendable, Hashable {
    /// Origin-Host and End-to-End Identifier of the request.
    public var key: String
    /// The encoded answer (its Hop-by-Hop Identifier is replaced when replayed).
    public var answer: [UInt8]
    public init(key: String, answer: [UInt8]) {
        self.key = key
        self.answer = answer
    }
    /// How long answers are kept (RFC 6733 §5.5.4 asks for at least the time a request may be retried).
    public static let retentionMillis: UInt64 = 60_000
}

extension LMDBSubscriberStore {
    /// The current epoch.
    public var epoch: UInt64 { committed.current.epoch }
    /// Position, epoch and history of the log as last committed.
    public var logState: LogState.Snapshot { committed.current }

    /// Calls `f` on the writer thread after every commit with the last committed sequence.
    public func onCommit(_ f: @escaping @Sendable (UInt64) -> Void) { commitListeners.add(f) }
    /// Calls `f` on the writer thread when a batch's records are in the log, before its commit (their last
    /// sequence): ``changes(from:limit:)`` returns them from then on.
    public func onLogged(_ f: @escaping @Sendable (UInt64) -> Void) { loggedListeners.add(f) }
    /// Calls `f` on the writer thread when a commit failed after its records had been read (shipped): the
    /// store refuses records of this epoch from then on (a leader must step down).
    public func onShippedAndLost(_ f: @escaping @Sendable (UInt64) -> Void) { lostListeners.add(f) }

    /// Starts epoch `epoch` (a node becoming leader): records written from now on carry it, and the
    /// history notes where it begins. Refuses an epoch not above the current one (fencing).
    public func beginEpoch(_ epoch: UInt64) async throws {
        try await writer.submit { [unowned self] t in
            guard epoch > self.currentEpoch else { throw StorageError.conflict("epoch \(epoch) is not above \(self.currentEpoch)") }
            try self.setEpoch(t, epoch, from: self.nextSequence)
            self.fencedEpoch = nil
            // Every epoch opens with a record: a follower that copied the store has a position in it.
            _ = try self.appendLog(t, .epoch, [])
        }
    }

    func setEpoch(_ t: Transaction, _ epoch: UInt64, from sequence: UInt64) throws {
        currentEpoch = epoch
        history.removeAll { $0.firstSequence >= sequence }
        history.append(EpochStart(epoch: epoch, firstSequence: sequence))
        try t.put(meta, Array("epoch".utf8), epoch.bigEndianBytes)
        try t.put(meta, Array("epochs".utf8), EpochStart.encodeList(history))
    }

    // MARK: Follower side

    /// What a batch of replicated records touched: subscriptions to reload from storage.
    public struct Applied: Sendable {
        public var subscriptionIDs: Set<String> = []
        public var last: UInt64 = 0
    }

    /// Applies records shipped from the leader, in order, in one transaction: each must be the next
    /// sequence (else ``StorageError/gap(expected:got:)`` and nothing is applied). Records keep their
    /// sequence, epoch and time, so this log becomes a copy of the leader's.
    public func applyReplicated(_ records: [ChangeRecord]) async throws -> Applied {
        let result = AppliedBox()
        try await writer.submit { [unowned self] t in
            for r in records {
                guard r.sequence == self.nextSequence else { throw StorageError.gap(expected: self.nextSequence, got: r.sequence) }
                if r.epoch != self.currentEpoch { try self.setEpoch(t, r.epoch, from: r.sequence) }
                if let id = try self.apply(t, r) { result.value.subscriptionIDs.insert(id) }
                try t.put(self.log, r.sequence.bigEndianBytes, r.encoded, append: true)
                self.nextSequence += 1
                result.value.last = r.sequence
            }
        }
        reloadWildcards()
        return result.value
    }

    final class AppliedBox: @unchecked Sendable { var value = Applied() }

    /// Applies one record's change (not its log entry); returns the subscription it touched.
    func apply(_ t: Transaction, _ r: ChangeRecord) throws -> String? {
        try r.payload.withUnsafeBytes { raw -> String? in
            var p = BinaryReader(raw)
            switch r.kind {
            case .state:
                let id = try p.string()
                try t.put(state, Array(id.utf8), try p.data())
                return id
            case .subscription:
                let id = try p.string()
                let pb = try p.data(), sb = try p.data()
                try replaceWhole(t, id, pb, sb)
                return id
            case .delete:
                let id = try p.string()
                try removeWhole(t, id)
                return id
            case .epoch:
                return nil
            case .replay:
                let key = try p.string(), time = try p.varint(), answer = try p.data()
                let k = Self.replayRecordKey(key)
                try t.put(replay, k, time.bigEndianBytes + answer)
                try t.put(replayTime, time.bigEndianBytes + k, [])
                return nil
            }
        }
    }

    /// Drops the records after `sequence` (a follower whose tail diverged from the new leader's log:
    /// docs/replication.md "Divergence"), and the epochs that began after it. Returns the subscriptions
    /// those records touched: their current values must come from the leader (``repair(_:)``).
    public func truncate(after sequence: UInt64) async throws -> Set<String> {
        let ids = IDsBox()
        try await writer.submit { [unowned self] t in
            var s = self.nextSequence
            while s > sequence + 1 {
                s -= 1
                if let v = try t.get(self.log, s.bigEndianBytes) {
                    let r = try ChangeRecord(sequence: s, encoded: v)
                    if let id = r.subscriptionID, r.kind != .replay, r.kind != .epoch { ids.value.insert(id) }
                }
                try t.delete(self.log, s.bigEndianBytes)
            }
            self.nextSequence = sequence + 1
            self.firstSequence = min(self.firstSequence, self.nextSequence)
            self.history.removeAll { $0.firstSequence > sequence }
            self.currentEpoch = self.history.last?.epoch ?? self.currentEpoch
            try t.put(self.meta, Array("epoch".utf8), self.currentEpoch.bigEndianBytes)
            try t.put(self.meta, Array("epochs".utf8), EpochStart.encodeList(self.history))
            // Kept until repaired: a crash between truncation and repair must not forget them.
            var w = BinaryWriter()
            w.strings(ids.value.sorted())
            try t.put(self.meta, Array("repair".utf8), w.bytes)
        }
        return ids.value
    }

    /// Subscriptions a truncation left waiting for the leader's records.
    public func pendingRepair() -> [String] {
        (try? environment.read { t -> [String] in
            guard let v = try t.get(meta, Array("repair".utf8)) else { return [] }
            var r = BinaryReader(v)
            return try r.strings()
        }) ?? []
    }

    final class IDsBox: @unchecked Sendable { var value: Set<String> = [] }

    /// One subscription as the leader has it now, to repair a follower: its records, or nil (deleted).
    public struct RepairRecord: Sendable, Hashable {
        public var id: String
        public var records: (provisioned: [UInt8], state: [UInt8])?
        public init(id: String, records: (provisioned: [UInt8], state: [UInt8])?) {
            self.id = id
            self.records = records
        }
        public static func == (a: Self, b: Self) -> Bool {
            a.id == b.id && a.records?.provisioned == b.records?.provisioned && a.records?.state == b.records?.state
        }
        public func hash(into h: inout Hasher) { h.combine(id) }
    }

    /// The leader's current records of `ids` (the repair of a diverged follower).
    public func repairRecords(_ ids: [String]) throws -> [RepairRecord] {
        try environment.read { t in
            try ids.map { id in
                guard let p = try t.get(provisioned, Array(id.utf8)) else { return RepairRecord(id: id, records: nil) }
                let s = try t.get(state, Array(id.utf8)).map { Array($0) } ?? Self.encoded(SubscriptionState())
                return RepairRecord(id: id, records: (Array(p), s))
            }
        }
    }

    /// Overwrites subscriptions with the leader's records, without log records (the log continues from
    /// the common point with the leader's records).
    public func repair(_ records: [RepairRecord]) async throws {
        try await writer.submit { [unowned self] t in
            for r in records {
                if let rec = r.records { try self.replaceWhole(t, r.id, rec.provisioned, rec.state) } else { try self.removeWhole(t, r.id) }
            }
            try t.delete(self.meta, Array("repair".utf8))
        }
        reloadWildcards()
    }

    // MARK: Replay of answers to retransmitted requests

    func putReplay(_ t: Transaction, _ entry: ReplayEntry) throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let k = Self.replayRecordKey(entry.key)
        try t.put(replay, k, now.bigEndianBytes + entry.answer)
        try t.put(replayTime, now.bigEndianBytes + k, [])
        var p = BinaryWriter(capacity: entry.key.utf8.count + entry.answer.count + 16)
        p.string(entry.key)
        p.varint(now)
        p.data(entry.answer)
        _ = try appendLog(t, .replay, p.bytes)
    }

    /// The LMDB key of a replay entry: the SHA-256 of its name. A request's name holds identities that
    /// come off the wire; hashed, the key has one size whatever they are, always within LMDB's 511-octet
    /// key limit (a longer key fails `mdb_put`, which would fail the batch it shares with other writes).
    /// The change log carries the name itself; each node hashes it the same way.
    static func replayRecordKey(_ name: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var bytes = Array(name.utf8)
        var length: UInt32 = 0
        let ok = EVP_Digest(&bytes, bytes.count, &out, &length, EVP_sha256(), nil)
        precondition(ok == 1 && length == 32, "SHA-256 is always available in libcrypto")
        return out
    }

    /// The answer stored for a request (Origin-Host and End-to-End Identifier), if still kept.
    public func replayedAnswer(_ key: String) -> [UInt8]? {
        try? reads.read { t -> [UInt8]? in
            guard let v = try t.get(replay, Self.replayRecordKey(key)), v.count >= 8 else { return nil }
            let time = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: v[0..<8]))
            guard time + ReplayEntry.retentionMillis > UInt64(Date().timeIntervalSince1970 * 1000) else { return nil }
            return Array(v[8...])
        }
    }

    /// Drops replay entries past their time, oldest first through the time index (up to 1,000 per
    /// batch; writer thread).
    func expireReplays(_ t: Transaction) throws {
        let cutoff = UInt64(Date().timeIntervalSince1970 * 1000) &- ReplayEntry.retentionMillis
        var old: [[UInt8]] = []
        try t.forEach(replayTime) { k, _ in
            guard k.count >= 8, UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: k[0..<8])) < cutoff else { return false }
            old.append(Array(k))
            return old.count < 1000
        }
        for k in old {
            try t.delete(replayTime, k)
            try t.delete(replay, Array(k[8...]))
        }
    }

    // MARK: Digest

    /// SHA-256 over every subscription's records and every identity index, in key order: two nodes with
    /// the same digest hold the same subscribers and Cx state (`hss db digest`; the log, the epoch and
    /// replay answers are not part of it).
    public func digest() throws -> String {
        guard let ctx = EVP_MD_CTX_new() else { throw StorageError.corrupt("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        func feed(_ b: UnsafeRawBufferPointer) {
            var n = UInt32(b.count).bigEndian
            withUnsafeBytes(of: &n) { _ = EVP_DigestUpdate(ctx, $0.baseAddress, 4) }
            _ = EVP_DigestUpdate(ctx, b.baseAddress, b.count)
        }
        try environment.read { t in
            for db in [provisioned, state, impi, impu, wildcard] {
                try t.forEach(db) { k, v in
                    feed(k)
                    feed(v)
                    return true
                }
                feed(UnsafeRawBufferPointer(start: nil, count: 0))
            }
        }
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out.map { String(format: "%02x", $0) }.joined()
    }

    /// The directory holding the store of a data directory: a cluster node that installed a snapshot
    /// names its current store in `CURRENT` (docs/replication.md, "Snapshots").
    public static func storePath(dataDirectory: String) -> String {
        let marker = dataDirectory + "/CURRENT"
        if let name = try? String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty {
            return dataDirectory + "/" + name
        }
        return dataDirectory
    }
}
