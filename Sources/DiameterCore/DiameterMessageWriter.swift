public import NIOCore

/// Encodes a Diameter message straight into one `ByteBuffer` (RFC 6733 §3, §4): header first, AVPs
/// appended with the dictionary's flags, lengths back-patched, data padded with zeros to 4 octets.
///
/// ```swift
/// var w = DiameterMessageWriter(header: header)
/// w.append(.sessionID, "scscf.example;1;1")
/// w.appendGroup(.vendorSpecificApplicationID) { g in
///     g.append(.vendorID, VendorID.tgpp)
///     g.append(.authApplicationID, ApplicationID.cx)
/// }
/// let bytes = w.finish()
/// ```
public struct DiameterMessageWriter {
    /// The bytes written so far.
    public var bytesWritten: ByteBuffer { buffer }
    @usableFromInline var buffer: ByteBuffer
    private let start: Int

    /// Starts a message with `header` (its `messageLength` is ignored and computed by ``finish()``).
    public init(header: DiameterHeader, allocator: ByteBufferAllocator = ByteBufferAllocator(), capacity: Int = 512) {
        var b = allocator.buffer(capacity: capacity)
        let start = b.writerIndex
        b.writeInteger(UInt32(header.version) << 24)  // length patched in finish()
        b.writeInteger(UInt32(header.flags.rawValue) << 24 | (header.commandCode & 0xFF_FFFF))
        b.writeInteger(header.applicationID)
        b.writeInteger(header.hopByHopID)
        b.writeInteger(header.endToEndID)
        self.buffer = b
        self.start = start
    }

    /// Completes the message: writes the Message Length and returns the bytes.
    public consuming func finish() -> ByteBuffer {
        let length = buffer.writerIndex - start
        precondition(length <= 0xFF_FFFF, "Diameter message longer than 2^24-1 octets")
        let version = UInt32(buffer.getInteger(at: start, as: UInt8.self) ?? 1)
        buffer.setInteger(version << 24 | UInt32(length), at: start)
        return buffer
    }

    // MARK: AVP primitives

    /// Writes an AVP header and returns the offset of its length field, to patch with ``endAVP(_:)``.
    @inlinable
    public mutating func beginAVP(code: UInt32, vendorID: UInt32, flags: AVPFlags) -> Int {
        var f = flags
        if vendorID != 0 { f.insert(.vendorSpecific) }
        let at = buffer.writerIndex
        buffer.writeInteger(code)
        buffer.writeInteger(UInt32(f.rawValue) << 24)
        if f.contains(.vendorSpecific) { buffer.writeInteger(vendorID) }
        return at
    }

    /// Patches the length of the AVP begun at `at` and pads it to 4 octets.
    @inlinable
    public mutating func endAVP(_ at: Int) {
        let length = buffer.writerIndex - at
        precondition(length <= 0xFF_FFFF, "AVP longer than 2^24-1 octets")
        let flags = buffer.getInteger(at: at + 4, as: UInt8.self) ?? 0
        buffer.setInteger(UInt32(flags) << 24 | UInt32(length), at: at + 4)
        let pad = (4 - length & 3) & 3
        if pad > 0 { buffer.writeRepeatingByte(0, count: pad) }
    }

    // MARK: Typed appends (flags from the dictionary)

    public mutating func append(_ d: AVPDefinition, _ value: UInt32, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        buffer.writeInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: Int32, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        buffer.writeInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: UInt64, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        buffer.writeInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: Int64, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        buffer.writeInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: Float, flags: AVPFlags? = nil) {
        append(d, value.bitPattern, flags: flags)
    }

    public mutating func append(_ d: AVPDefinition, _ value: Double, flags: AVPFlags? = nil) {
        append(d, value.bitPattern, flags: flags)
    }

    /// UTF8String, DiameterIdentity, DiameterURI.
    public mutating func append(_ d: AVPDefinition, _ value: String, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        buffer.writeString(value)
        endAVP(at)
    }

    /// OctetString (and any type given as raw data).
    public mutating func append(_ d: AVPDefinition, bytes: some Collection<UInt8>, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        buffer.writeBytes(bytes)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ address: DiameterAddress, flags: AVPFlags? = nil) {
        append(d, bytes: address.encoded, flags: flags)
    }

    /// A Grouped AVP whose members `body` appends.
    public mutating func appendGroup(_ d: AVPDefinition, flags: AVPFlags? = nil, _ body: (inout DiameterMessageWriter) -> Void) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        body(&self)
        endAVP(at)
    }

    /// An owned AVP tree, flags as given.
    public mutating func append(_ avp: AVP) {
        let at = beginAVP(code: avp.code, vendorID: avp.vendorID, flags: avp.flags)
        switch avp.payload {
        case .data(let d): buffer.writeBytes(d)
        case .grouped(let members): for m in members { append(m) }
        }
        endAVP(at)
    }

    /// A decoded AVP, re-encoded from its parsed structure (members recursively).
    public mutating func append(_ view: AVPView) {
        let at = beginAVP(code: view.code, vendorID: view.vendorID, flags: view.flags)
        if view.isGrouped {
            for m in view.members { append(m) }
        } else {
            var data = view.data
            buffer.writeBuffer(&data)
        }
        endAVP(at)
    }
}

extension DiameterMessage {
    /// Re-encodes the message from its parsed structure (header fields and every AVP, lengths and padding
    /// recomputed). Byte-identical to the input for any well-formed message.
    public func reencoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var w = DiameterMessageWriter(header: header, allocator: allocator, capacity: bytes.readableBytes)
        for avp in avps { w.append(avp) }
        return w.finish()
    }
}
