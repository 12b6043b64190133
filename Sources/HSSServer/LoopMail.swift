public import DiameterPeer
public import NIOCore

/// Requests for shards on other event loops, gathered per source loop and handed over once per event-loop
/// tick: one hop for the batch and one back for its answers, instead of one hop each way per request (each
/// hop is NIO's task queue: two `pthread_mutex_lock`s and, when the loop sleeps, a wake-up).
///
/// Every slot is touched by one thread only: `outgoing[s][t]` and `sources[s]` by loop s (which fills and
/// sends them), `targets[t]` by loop t (which runs batches and gathers their answers). The arrays holding
/// the slots never change after init.
public final class LoopMail: @unchecked Sendable {
    let loops: [any EventLoop]

    final class Outgoing {
        var work: [() -> Void] = []
    }
    final class Source {
        var flushScheduled = false
    }
    final class Target {
        /// While this loop runs a batch: the answers it made for the batch's source loop.
        var replies: [(DiameterResponder, ByteBuffer)]?
    }

    let outgoing: [[Outgoing]]
    let sources: [Source]
    let targets: [Target]

    init(loops: [any EventLoop]) {
        self.loops = loops
        outgoing = loops.map { _ in loops.map { _ in Outgoing() } }
        sources = loops.map { _ in Source() }
        targets = loops.map { _ in Target() }
    }

    /// The index of the loop this thread runs, if it is one of ours.
    func currentLoop() -> Int? {
        for i in loops.indices where loops[i].inEventLoop { return i }
        return nil
    }

    /// Queues `work` for loop `target`, to be sent at the end of this loop's tick; false when the caller is
    /// not on one of these loops (then it must hop itself).
    func send(to target: Int, _ work: @escaping () -> Void) -> Bool {
        guard let source = currentLoop() else { return false }
        outgoing[source][target].work.append(work)
        let state = sources[source]
        if !state.flushScheduled {
            state.flushScheduled = true
            loops[source].execute { self.flush(source) }
        }
        return true
    }

    private func flush(_ source: Int) {
        sources[source].flushScheduled = false
        for target in loops.indices {
            let slot = outgoing[source][target]
            guard !slot.work.isEmpty else { continue }
            let batch = slot.work
            slot.work.removeAll(keepingCapacity: true)
            loops[target].execute { self.run(batch, on: target, from: source) }
        }
    }

    private func run(_ batch: [() -> Void], on target: Int, from source: Int) {
        let state = targets[target]
        state.replies = []
        for work in batch { work() }
        let replies = state.replies ?? []
        state.replies = nil
        guard !replies.isEmpty else { return }
        loops[source].execute {
            for (responder, answer) in replies { responder.send(answer) }
        }
    }

    /// An answer made on loop `target`: gathered when that loop is running a batch (it goes back with the
    /// batch's other answers), else sent at once (an answer that waited for a commit).
    func reply(_ responder: DiameterResponder, _ answer: ByteBuffer, on target: Int) {
        let state = targets[target]
        if state.replies != nil {
            state.replies!.append((responder, answer))
        } else {
            responder.send(answer)
        }
    }
}
