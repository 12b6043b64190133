import CLMDB
#if canImport(Glibc)
import Glibc
#endif

/// Storage failures, as operational errors (not Result-Codes): the Cx layer maps them to answers.
public enum StorageError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The map (file size limit) is full: raise `--map-size`. Nothing of the failed batch was written.
    case mapFull(mapSize: Int)
    /// The writer's queue is over its limit: the request should be retried (3004 DIAMETER_TOO_BUSY).
    case overloaded
    /// The store has been closed.
    case closed
    /// A record does not decode.
    case corrupt(String)
    /// The data was written by a newer schema than this binary knows.
    case schemaTooNew(found: UInt32, supported: UInt32)
    /// Any other LMDB or system error (e.g. EIO, ENOSPC), with its text.
    case lmdb(code: Int32, operation: String, message: String)
    /// A compare-and-set write found other data than the writer based it on (another node or request
    /// changed the subscription first): nothing was written; reload and run again.
    case conflict(String)
    /// A replicated record does not follow the last one applied (docs/replication.md: a follower never
    /// skips a gap).
    case gap(expected: UInt64, got: UInt64)
    /// A commit failed after its records had been shipped to followers: this store writes no more records
    /// of that epoch (a leader steps down; docs/replication.md, "Pipelined shipping").
    case fenced(epoch: UInt64)

    /// Errors that fail one write of a batch without aborting the others.
    var isRefusal: Bool {
        if case .conflict = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .mapFull(let size):
            "the LMDB map is full (map size \(size / (1 << 20)) MiB): restart with a larger --map-size; nothing of the failed write was stored"
        case .overloaded: "the storage writer is overloaded"
        case .closed: "the store is closed"
        case .corrupt(let what): "corrupt record: \(what)"
        case .schemaTooNew(let found, let supported): "the data has schema version \(found); this binary supports up to \(supported)"
        case .lmdb(let code, let op, let message): "\(op) failed: \(message) (\(code))"
        case .conflict(let what): "write conflict: \(what)"
        case .gap(let expected, let got): "replication gap: expected record \(expected), got \(got)"
        case .fenced(let epoch): "no more writes in epoch \(epoch): a commit failed after its records were shipped"
        }
    }

    static func check(_ rc: Int32, _ operation: String, mapSize: Int = 0) throws(StorageError) {
        guard rc != 0 else { return }
        if rc == MDB_MAP_FULL { throw .mapFull(mapSize: mapSize) }
        throw .lmdb(code: rc, operation: operation, message: String(cString: mdb_strerror(rc)))
    }
}

/// An LMDB environment (one directory: data.mdb, lock.mdb, created 0600) with named databases.
/// Opened with MDB_NOTLS: read transactions are not tied to a thread. Write transactions must begin and
/// commit on one thread: only ``GroupCommitWriter``'s thread (or a single-threaded tool) writes.
final class LMDBEnvironment: @unchecked Sendable {
    let env: OpaquePointer
    let mapSize: Int
    let readOnly: Bool
    private(set) var databases: [String: MDB_dbi] = [:]

    init(path: String, mapSize: Int, noSync: Bool, readOnly: Bool = false, maxReaders: UInt32 = 512) throws(StorageError) {
        var e: OpaquePointer?
        try StorageError.check(mdb_env_create(&e), "mdb_env_create")
        guard let e else { throw .lmdb(code: -1, operation: "mdb_env_create", message: "no environment") }
        env = e
        self.mapSize = mapSize
        self.readOnly = readOnly
        do {
            try StorageError.check(mdb_env_set_mapsize(e, mapSize), "mdb_env_set_mapsize")
            try StorageError.check(mdb_env_set_maxdbs(e, 16), "mdb_env_set_maxdbs")
            try StorageError.check(mdb_env_set_maxreaders(e, maxReaders), "mdb_env_set_maxreaders")
            if !readOnly { mkdir(path, 0o700) }
            var flags = UInt32(MDB_NOTLS)
            if noSync { flags |= UInt32(MDB_NOSYNC) }
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            try StorageError.check(mdb_env_open(e, path, flags, 0o600), "mdb_env_open \(path)")
        } catch {
            mdb_env_close(e)
            throw error
        }
    }

    deinit { mdb_env_close(env) }

    /// Opens (creating when writable) the named databases, in one write transaction.
    func openDatabases(_ names: [String]) throws(StorageError) {
        var txn: OpaquePointer?
        try StorageError.check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        for name in names {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, name, readOnly ? 0 : UInt32(MDB_CREATE), &dbi)
            if rc != 0 {
                mdb_txn_abort(txn)
                try StorageError.check(rc, "mdb_dbi_open \(name)")
            }
            databases[name] = dbi
        }
        let rc = mdb_txn_commit(txn)
        try StorageError.check(rc, "mdb_txn_commit (open databases)")
    }

    func dbi(_ name: String) -> MDB_dbi {
        guard let d = databases[name] else { preconditionFailure("database \(name) not opened") }
        return d
    }

    /// A read-only transaction for `body`.
    func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        try StorageError.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin (read)")
        defer { mdb_txn_abort(txn) }
        return try body(Transaction(txn: txn!, environment: self))
    }

    /// A write transaction for `body`, committed when it returns, aborted when it throws. Call from one
    /// thread only (see the type's note).
    func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        try StorageError.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin (write)")
        let result: T
        do {
            result = try body(Transaction(txn: txn!, environment: self))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try StorageError.check(mdb_txn_commit(txn), "mdb_txn_commit", mapSize: mapSize)
        return result
    }

    /// A hot, compacting copy into `path` (a directory) while the server runs (mdb_env_copy2).
    func copy(to path: String) throws(StorageError) {
        mkdir(path, 0o700)
        try StorageError.check(mdb_env_copy2(env, path, UInt32(MDB_CP_COMPACT)), "mdb_env_copy2 \(path)")
        chmod(path + "/data.mdb", 0o600)
    }

    func info() -> (mapSize: Int, lastPage: Int, pageSize: Int, maxReaders: Int, readers: Int) {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var stat = MDB_stat()
        mdb_env_stat(env, &stat)
        return (info.me_mapsize, info.me_last_pgno, Int(stat.ms_psize), Int(info.me_maxreaders), Int(info.me_numreaders))
    }
}

/// A transaction's operations. Values returned point into the map: copy them before the transaction ends.
struct Transaction {
    let txn: OpaquePointer
    let environment: LMDBEnvironment

    func get(_ db: MDB_dbi, _ key: [UInt8]) throws(StorageError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(), v = MDB_val()
        let rc = key.withUnsafeBytes { kb -> Int32 in
            k.mv_size = kb.count
            k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
            return mdb_get(txn, db, &k, &v)
        }
        if rc == MDB_NOTFOUND { return nil }
        try StorageError.check(rc, "mdb_get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    func put(_ db: MDB_dbi, _ key: [UInt8], _ value: [UInt8], append: Bool = false) throws(StorageError) {
        var k = MDB_val(), v = MDB_val()
        let rc = key.withUnsafeBytes { kb in
            value.withUnsafeBytes { vb -> Int32 in
                k.mv_size = kb.count
                k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
                v.mv_size = vb.count
                v.mv_data = UnsafeMutableRawPointer(mutating: vb.baseAddress)
                return mdb_put(txn, db, &k, &v, append ? UInt32(MDB_APPEND) : 0)
            }
        }
        try StorageError.check(rc, "mdb_put", mapSize: environment.mapSize)
    }

    /// Deletes `key`; a missing key is not an error.
    func delete(_ db: MDB_dbi, _ key: [UInt8]) throws(StorageError) {
        var k = MDB_val()
        let rc = key.withUnsafeBytes { kb -> Int32 in
            k.mv_size = kb.count
            k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
            return mdb_del(txn, db, &k, nil)
        }
        if rc == MDB_NOTFOUND { return }
        try StorageError.check(rc, "mdb_del", mapSize: environment.mapSize)
    }

    /// Calls `body` for each (key, value) in key order from `from` (or the first); stop by returning false.
    func forEach(_ db: MDB_dbi, from: [UInt8]? = nil, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try StorageError.check(mdb_cursor_open(txn, db, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        var rc: Int32
        if let from {
            rc = from.withUnsafeBytes { kb -> Int32 in
                k.mv_size = kb.count
                k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
                return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            }
        } else {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        }
        while rc == 0 {
            guard try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size), UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
            else { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try StorageError.check(rc, "mdb_cursor_get") }
    }

    func stat(_ db: MDB_dbi) -> (entries: Int, depth: Int, pages: Int) {
        var s = MDB_stat()
        mdb_stat(txn, db, &s)
        return (s.ms_entries, Int(s.ms_depth), s.ms_branch_pages + s.ms_leaf_pages + s.ms_overflow_pages)
    }
}

/// A reusable read transaction per thread (mdb_txn_reset / mdb_txn_renew keep the reader slot, so a lookup
/// takes no lock in LMDB's reader table).
final class ThreadReadTransactions: @unchecked Sendable {
    let environment: LMDBEnvironment
    var key = pthread_key_t()
    /// Every transaction handed out, so that closing can abort them (LMDB wants every transaction ended
    /// before the environment closes). Touched once per thread, at its first read.
    private var created: [OpaquePointer] = []
    private var lock = pthread_mutex_t()

    init(_ environment: LMDBEnvironment) {
        self.environment = environment
        pthread_mutex_init(&lock, nil)
        // No destructor: the transactions are aborted in deinit (glibc does not hand a deleted key's values
        // to a later key).
        pthread_key_create(&key, nil)
    }

    deinit {
        pthread_key_delete(key)
        for t in created { mdb_txn_abort(t) }
        pthread_mutex_destroy(&lock)
    }

    func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        if let p = pthread_getspecific(key) {
            txn = OpaquePointer(p)
            try StorageError.check(mdb_txn_renew(txn), "mdb_txn_renew")
        } else {
            try StorageError.check(mdb_txn_begin(environment.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin (read)")
            pthread_setspecific(key, UnsafeRawPointer(txn))
            pthread_mutex_lock(&lock)
            created.append(txn!)
            pthread_mutex_unlock(&lock)
        }
        defer { mdb_txn_reset(txn) }
        return try body(Transaction(txn: txn!, environment: environment))
    }
}
