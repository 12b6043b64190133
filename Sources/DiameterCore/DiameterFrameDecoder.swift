public import NIOCore

/// Splits a byte stream into whole Diameter messages (RFC 6733 §3: the 24-bit Message Length frames
/// each message on TCP). Handles messages split across reads and many messages in one read; refuses a
/// declared length above ``maximumMessageLength`` before buffering it.
///
/// A pure state-free cutter over a `ByteBuffer`; ``DiameterFrameHandler`` adapts it to NIO.
public struct DiameterFrameDecoder: Sendable {
    /// Default cap on a message's declared length: 1 MiB.
    public static let defaultMaximumMessageLength = 1 << 20

    /// The largest message the framer ever admits, whatever is configured: an answer echoes parts of its
    /// request (Session-Id, Proxy-Info, Failed-AVP), and must still fit the 24-bit Message Length with room
    /// for our own AVPs.
    public static let largestAnswerableMessage = 0xFF_FFFF - 65_536

    public let maximumMessageLength: Int

    /// `maximumMessageLength` is capped at ``largestAnswerableMessage``.
    public init(maximumMessageLength: Int = DiameterFrameDecoder.defaultMaximumMessageLength) {
        self.maximumMessageLength = min(maximumMessageLength, Self.largestAnswerableMessage)
    }

    public enum Outcome: Sendable, Equatable {
        /// One whole message, a slice sharing the stream's storage.
        case frame(ByteBuffer)
        /// More bytes are needed.
        case needMoreData
    }

    /// A stream that can no longer be framed: the connection must close (no answer can be matched).
    public struct FramingError: Error, Hashable, Sendable, CustomStringConvertible {
        public var declaredLength: Int
        public var reason: String
        public var description: String { reason }
    }

    /// Cuts the next message off the front of `stream`.
    public func nextFrame(_ stream: inout ByteBuffer) throws(FramingError) -> Outcome {
        guard let word = stream.getInteger(at: stream.readerIndex, as: UInt32.self) else { return .needMoreData }
        let length = Int(word & 0xFF_FFFF)
        guard length >= DiameterHeader.size else {
            throw FramingError(declaredLength: length, reason: "declared message length \(length) is below the 20-octet header")
        }
        guard length <= maximumMessageLength else {
            throw FramingError(
                declaredLength: length,
                reason: "declared message length \(length) exceeds the maximum \(maximumMessageLength)")
        }
        guard let frame = stream.readSlice(length: length) else { return .needMoreData }
        return .frame(frame)
    }
}

/// NIO adapter: a `ByteToMessageDecoder` that emits one `ByteBuffer` per Diameter message.
public struct DiameterFrameHandler: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public var framer: DiameterFrameDecoder

    public init(maximumMessageLength: Int = DiameterFrameDecoder.defaultMaximumMessageLength) {
        self.framer = DiameterFrameDecoder(maximumMessageLength: maximumMessageLength)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch try framer.nextFrame(&buffer) {
        case .frame(let frame):
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        case .needMoreData:
            return .needMoreData
        }
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // Whole messages still buffered are delivered; a trailing partial message is dropped at EOF.
        while case .frame(let frame) = try framer.nextFrame(&buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        return .needMoreData
    }
}
