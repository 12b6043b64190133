import Foundation

/// LMDB's single writer on its own thread (a write transaction must begin and commit on one OS thread;
/// ../shared/notes/swift-stack.md). Callers enqueue work and wait; the thread takes everything queued
/// (up to `maxBatch`), applies it in one transaction, commits (fsync unless MDB_NOSYNC), then resumes
/// every waiter with the commit's outcome. While one commit syncs, the next batch gathers: group commit
/// without a timer.
final class GroupCommitWriter: @unchecked Sendable {
    typealias Work = (Transaction) throws -> Void

    private struct Item {
        var work: Work
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let environment: LMDBEnvironment
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var stopping = false
    private var stopped = false
    private let maxBatch: Int
    private let maxQueue: Int
    private var thread: Thread?
    /// Runs inside each batch's transaction after the items (the change log's retention).
    private let afterBatch: (Transaction) throws -> Void
    /// Called on the writer thread after a batch committed, or after it failed (the transaction aborted:
    /// whatever the items counted in memory, such as the next log sequence, must be taken back).
    private let committed: (Bool) -> Void
    /// Test hook: when it returns an error for a batch, the batch fails with it (the transaction aborts).
    private let faultInjection: (@Sendable () -> StorageError?)?
    private let observer: (@Sendable (Int, Duration) -> Void)?

    /// Batches committed and items written, for `hss db stats` and the benchmarks.
    private(set) var batches = 0
    private(set) var items = 0

    init(
        environment: LMDBEnvironment, maxBatch: Int, maxQueue: Int, afterBatch: @escaping (Transaction) throws -> Void,
        committed: @escaping (Bool) -> Void = { _ in }, faultInjection: (@Sendable () -> StorageError?)? = nil, observer: (@Sendable (Int, Duration) -> Void)? = nil
    ) {
        self.observer = observer
        self.environment = environment
        self.maxBatch = maxBatch
        self.maxQueue = maxQueue
        self.afterBatch = afterBatch
        self.committed = committed
        self.faultInjection = faultInjection
        let t = Thread { [unowned self] in self.run() }
        t.name = "lmdb-writer"
        thread = t
        t.start()
    }

    /// Applies `work` in the next batch and returns once that batch is durably committed (or throws the
    /// batch's failure: nothing of it was written).
    func submit(_ work: @escaping Work) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            condition.lock()
            if stopping {
                condition.unlock()
                c.resume(throwing: StorageError.closed)
                return
            }
            if queue.count >= maxQueue {
                condition.unlock()
                c.resume(throwing: StorageError.overloaded)
                return
            }
            queue.append(Item(work: work, continuation: c))
            condition.signal()
            condition.unlock()
        }
    }

    /// Writes waiting for the next batch.
    var queuedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Finishes what is queued, then stops the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let n = min(queue.count, maxBatch)
            let batch = Array(queue[0..<n])
            queue.removeFirst(n)
            condition.unlock()

            // An item refused by its own precondition (a compare-and-set that found other data) fails
            // alone; it checks before it writes anything, so the rest of the batch commits. An item that
            // fails otherwise (an LMDB error, a value LMDB refuses) fails alone too: the transaction is
            // aborted and the batch runs again without it, so one bad request cannot fail the writes it
            // happened to share a batch with.
            var failed: [Int: any Error] = [:]
            var refused: [Int: StorageError] = [:]
            var failure: (any Error)?
            let started = ContinuousClock.now
            while true {
                refused = [:]
                do {
                    if let injected = faultInjection?() { throw injected }
                    try environment.write { txn in
                        for (i, item) in batch.enumerated() where failed[i] == nil {
                            do { try item.work(txn) } catch let e as StorageError where e.isRefusal {
                                refused[i] = e
                            } catch {
                                throw ItemFailure(index: i, error: error)
                            }
                        }
                        try afterBatch(txn)
                    }
                    batches += 1
                    items += batch.count - failed.count
                    committed(true)
                    observer?(batch.count - failed.count, ContinuousClock.now - started)
                } catch let e as ItemFailure {
                    committed(false)
                    failed[e.index] = e.error
                    if failed.count < batch.count { continue }
                } catch {
                    failure = error
                    committed(false)
                }
                break
            }
            for (i, item) in batch.enumerated() {
                if let failure = failure ?? failed[i] ?? refused[i] { item.continuation.resume(throwing: failure) } else { item.continuation.resume() }
            }
        }
    }
}

/// One item's own failure inside a batch (the batch runs again without it).
private struct ItemFailure: Error {
    var index: Int
    var error: any Error
}
