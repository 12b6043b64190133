import Atomics
import Foundation
import NIOConcurrencyHelpers

/// A position that only grows (a log sequence), with tasks waiting for it to reach a target. Waits end
/// with `true` when it is reached, `false` at their deadline (a sweeper checks deadlines every 50 ms)
/// or when the waiter is failed (a role change). Reading the value takes no lock (an atomic copy kept
/// under the lock): the request path asks it for answers that write nothing.
final class Progress: Sendable {
    private struct Waiter {
        var target: UInt64
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var value: UInt64
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
    }
    private let state: NIOLockedValueBox<State>
    private let current: ManagedAtomic<UInt64>

    init(_ value: UInt64 = 0) {
        state = NIOLockedValueBox(State(value: value))
        current = ManagedAtomic(value)
    }

    var value: UInt64 { current.load(ordering: .acquiring) }

    /// Tasks waiting for the value to reach their target.
    var waiting: Int { state.withLockedValue { $0.waiters.count } }

    /// Raises the value (never lowers it) and resumes the waiters it satisfies.
    func advance(to v: UInt64) { move { $0 = max($0, v) } }

    /// Raises the value by one (a signal: waiters for `value + 1` wake).
    func bump() { move { $0 += 1 } }

    /// Changes the value under the lock, then resumes the waiters the new value satisfies.
    private func move(_ change: (inout UInt64) -> Void) {
        let ready: [CheckedContinuation<Bool, Never>] = state.withLockedValue { s in
            let before = s.value
            change(&s.value)
            current.store(s.value, ordering: .releasing)
            guard s.value > before else { return [] }
            let v = s.value
            let done = s.waiters.filter { $0.value.target <= v }
            for id in done.keys { s.waiters[id] = nil }
            return done.values.map(\.continuation)
        }
        for c in ready { c.resume(returning: true) }
    }

    /// Sets the value, also lower (a follower whose log was truncated or replaced).
    func reset(to v: UInt64) {
        state.withLockedValue {
            $0.value = v
            current.store(v, ordering: .releasing)
        }
    }

    /// Waits until the value reaches `target` (true), or the deadline passes, the waiter is failed or the
    /// task is cancelled (false).
    func wait(for target: UInt64, timeout: Duration) async -> Bool {
        let id = state.withLockedValue { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = state.withLockedValue { s -> Bool? in
                    if s.value >= target { return true }
                    if Task.isCancelled { return false }
                    s.waiters[id] = Waiter(target: target, deadline: .now + timeout, continuation: c)
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let c = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            c?.continuation.resume(returning: false)
        }
    }

    /// Ends the waits whose deadline passed (false).
    func sweep() {
        let now = ContinuousClock.now
        let expired: [CheckedContinuation<Bool, Never>] = state.withLockedValue { s in
            let old = s.waiters.filter { $0.value.deadline <= now }
            for id in old.keys { s.waiters[id] = nil }
            return old.values.map(\.continuation)
        }
        for c in expired { c.resume(returning: false) }
    }

    /// Ends every wait (false).
    func failAll() {
        let all: [CheckedContinuation<Bool, Never>] = state.withLockedValue { s in
            defer { s.waiters.removeAll() }
            return s.waiters.values.map(\.continuation)
        }
        for c in all { c.resume(returning: false) }
    }
}
