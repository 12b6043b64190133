import DiameterPeer
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import HSSServer

/// Work for a shard on another event loop goes over in one batch per tick, runs there in order, and its
/// answers come back to the sending loop together.
@Suite("Loop mail")
struct LoopMailTests {
    @Test("100 items sent from loop 0 run on loop 1 in order; their answers come back to loop 0")
    func batchAndReplies() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let mail = LoopMail(loops: loops)
        let ran = NIOLockedValueBox<[(Int, onLoop1: Bool)]>([])
        let answered = NIOLockedValueBox<[(Int, onLoop0: Bool)]>([])
        let done = loops[0].makePromise(of: Void.self)
        let queued = try await loops[0].submit { () -> Int in
            var queued = 0
            for i in 0..<100 {
                let responder = DiameterResponder { answer in
                    let n = Int(answer.getInteger(at: 0, as: UInt32.self) ?? 0)
                    answered.withLockedValue { a in
                        a.append((n, onLoop0: loops[0].inEventLoop))
                        if a.count == 100 { done.succeed(()) }
                    }
                }
                let sent = mail.send(to: 1) {
                    ran.withLockedValue { $0.append((i, onLoop1: loops[1].inEventLoop)) }
                    var b = ByteBuffer()
                    b.writeInteger(UInt32(i))
                    mail.reply(responder, b, on: 1)
                }
                if sent { queued += 1 }
            }
            return queued
        }.get()
        try #require(queued == 100, "queued from one of the mail's loops")
        try await done.futureResult.get()
        #expect(ran.withLockedValue { $0.map(\.0) } == Array(0..<100), "run in the order sent")
        #expect(ran.withLockedValue { $0.allSatisfy(\.onLoop1) }, "run on the target loop")
        #expect(answered.withLockedValue { $0.map(\.0).sorted() } == Array(0..<100))
        #expect(answered.withLockedValue { $0.allSatisfy(\.onLoop0) }, "every answer delivered on the sending loop")
        // Off the loops, nothing is queued: the caller hops itself.
        #expect(!mail.send(to: 1) {})
        // An answer made outside a batch goes at once.
        let direct = NIOLockedValueBox(false)
        mail.reply(DiameterResponder { _ in direct.withLockedValue { $0 = true } }, ByteBuffer(), on: 1)
        #expect(direct.withLockedValue { $0 })
        try await group.shutdownGracefully()
    }
}
