import DiameterCore
import DiameterTestKit
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

/// The frame decoder cuts a TCP byte stream into whole messages, whatever the read boundaries.
@Suite("Framing")
struct FramingTests {
    static var stream: [UInt8] { GoldenMessages.messages.flatMap { $0.bytes } }

    @Test("NIO's ByteToMessageDecoderVerifier: 1-byte drip, whole buffer, and every split")
    func verifier() throws {
        let inputOutput = GoldenMessages.messages.map { g in
            (ByteBuffer(bytes: g.bytes), [ByteBuffer(bytes: g.bytes)])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: inputOutput) { DiameterFrameHandler() }
    }

    @Test("1-byte drip feed of every golden message back to back")
    func dripFeed() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(DiameterFrameHandler()))
        for byte in Self.stream {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        for golden in GoldenMessages.messages {
            let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
            #expect(Array(buffer: frame) == golden.bytes, "\(golden.title)")
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try channel.finish()
    }

    @Test("all messages coalesced in one read")
    func coalesced() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(DiameterFrameHandler()))
        try channel.writeInbound(ByteBuffer(bytes: Self.stream))
        var count = 0
        while let frame = try channel.readInbound(as: ByteBuffer.self) {
            #expect(Array(buffer: frame) == GoldenMessages.messages[count].bytes)
            count += 1
        }
        #expect(count == GoldenMessages.messages.count)
        _ = try channel.finish()
    }

    @Test("irregular splits (primes) give the same frames", arguments: [2, 3, 7, 13, 19, 101])
    func irregularSplits(_ step: Int) throws {
        let framer = DiameterFrameDecoder()
        var buffer = ByteBuffer()
        var frames: [[UInt8]] = []
        let all = Self.stream
        var i = 0
        while i < all.count {
            buffer.writeBytes(all[i..<min(i + step, all.count)])
            i += step
            while case .frame(let f) = try framer.nextFrame(&buffer) { frames.append(Array(buffer: f)) }
        }
        #expect(frames == GoldenMessages.messages.map { $0.bytes })
        #expect(buffer.readableBytes == 0)
    }

    @Test("a declared length above the maximum closes the stream: the handler errors")
    func oversizedInChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(DiameterFrameHandler(maximumMessageLength: 4096)))
        var big = GoldenMessages.named("1.1").bytes
        big[1] = 0x01; big[2] = 0x00; big[3] = 0x00  // 65536 octets declared
        #expect(throws: DiameterFrameDecoder.FramingError.self) { try channel.writeInbound(ByteBuffer(bytes: big)) }
        _ = try? channel.finish()
    }

    @Test("whatever is configured, a declared length too large to answer is refused")
    func answerableCap() throws {
        let framer = DiameterFrameDecoder(maximumMessageLength: .max)
        #expect(framer.maximumMessageLength == DiameterFrameDecoder.largestAnswerableMessage)
        var b = ByteBuffer(bytes: [1, 0xFF, 0xFF, 0xFC, 0x80, 0, 1, 0x2F])  // declares 16,777,212 octets
        #expect(throws: DiameterFrameDecoder.FramingError.self) { try framer.nextFrame(&b) }
    }

    @Test("a declared length below the header is a framing error")
    func tooShortDeclared() throws {
        var b = ByteBuffer(bytes: [1, 0, 0, 8, 0, 0, 0, 0])
        #expect(throws: DiameterFrameDecoder.FramingError.self) { try DiameterFrameDecoder().nextFrame(&b) }
    }

    @Test("frames share the stream's storage (no copy per message)")
    func zeroCopy() throws {
        var b = ByteBuffer(bytes: Self.stream)
        guard case .frame(let f) = try DiameterFrameDecoder().nextFrame(&b) else {
            Issue.record("no frame")
            return
        }
        let same = f.withUnsafeReadableBytes { p in b.withUnsafeReadableBytes { q in p.baseAddress! + p.count == q.baseAddress! } }
        #expect(same)
    }
}
