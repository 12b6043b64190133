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
public struct DiameterMessageWriter: ~Copyable {
    // The message is built in a private growable buffer with plain big-endian stores (ByteBuffer pays a
    // dynamic exclusivity check per write; see docs/benchmarks.md), and copied once into a ByteBuffer by
    // finish(). Non-copyable: two copies would share the storage.
    @usableFromInline var storage: UnsafeMutableRawPointer
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int
    @usableFromInline let allocator: ByteBufferAllocator

    /// Starts a message with `header` (its `messageLength` is ignored and computed by ``finish()``).
    public init(header: DiameterHeader, allocator: ByteBufferAllocator = ByteBufferAllocator(), capacity: Int = 512) {
        self.capacity = max(capacity, 64)
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
        self.count = 0
        self.allocator = allocator
        put32(UInt32(header.version) << 24)  // length patched in finish()
        put32(UInt32(header.flags.rawValue) << 24 | (header.commandCode & 0xFF_FFFF))
        put32(header.applicationID)
        put32(header.hopByHopID)
        put32(header.endToEndID)
    }

    deinit { storage.deallocate() }

    /// Octets written so far.
    public var bytesWritten: Int { count }

    /// Completes the message: writes the Message Length and returns the bytes.
    public consuming func finish() -> ByteBuffer {
        precondition(count <= 0xFF_FFFF, "Diameter message longer than 2^24-1 octets")
        let version = UInt32(storage.load(as: UInt8.self))
        set32(version << 24 | UInt32(count), at: 0)
        var out = allocator.buffer(capacity: count)
        out.writeBytes(UnsafeRawBufferPointer(start: storage, count: count))
        return out
    }

    // MARK: Raw output

    @usableFromInline
    mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        bigger.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    @inlinable @inline(__always)
    mutating func put32(_ v: UInt32) {
        reserve(4)
        storage.storeBytes(of: v.bigEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    @inlinable @inline(__always)
    mutating func put64(_ v: UInt64) {
        reserve(8)
        storage.storeBytes(of: v.bigEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    @inlinable @inline(__always)
    func set32(_ v: UInt32, at offset: Int) {
        storage.storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    @inlinable
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (storage + count).copyMemory(from: base, byteCount: bytes.count)
        count += bytes.count
    }

    @inlinable
    mutating func put(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { put(UnsafeRawBufferPointer($0)) }
        if done == nil {
            reserve(bytes.count)
            for b in bytes {
                storage.storeBytes(of: b, toByteOffset: count, as: UInt8.self)
                count += 1
            }
        }
    }

    @inlinable
    mutating func put(_ string: String) {
        var s = string
        s.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    // MARK: AVP primitives

    /// Where an AVP began and the flags it was written with, for ``endAVP(_:)``.
    public struct AVPStart: Sendable {
        @usableFromInline let offset: Int
        @usableFromInline let flags: UInt8
        @usableFromInline init(offset: Int, flags: UInt8) {
            self.offset = offset
            self.flags = flags
        }
    }

    /// Writes an AVP header; the length is patched by ``endAVP(_:)``.
    @inlinable
    public mutating func beginAVP(code: UInt32, vendorID: UInt32, flags: AVPFlags) -> AVPStart {
        var f = flags
        if vendorID != 0 { f.insert(.vendorSpecific) }
        let start = AVPStart(offset: count, flags: f.rawValue)
        if f.contains(.vendorSpecific) {
            reserve(12)
            put64(UInt64(code) << 32 | UInt64(f.rawValue) << 24)
            put32(vendorID)
        } else {
            put64(UInt64(code) << 32 | UInt64(f.rawValue) << 24)
        }
        return start
    }

    /// Patches the length of the AVP begun at `start` and pads it to 4 octets.
    @inlinable
    public mutating func endAVP(_ start: AVPStart) {
        let length = count - start.offset
        precondition(length <= 0xFF_FFFF, "AVP longer than 2^24-1 octets")
        set32(UInt32(start.flags) << 24 | UInt32(length), at: start.offset + 4)
        let pad = (4 - length & 3) & 3
        if pad > 0 {
            reserve(pad)
            (storage + count).initializeMemory(as: UInt8.self, repeating: 0, count: pad)
            count += pad
        }
    }

    // MARK: Typed appends (flags from the dictionary)

    public mutating func append(_ d: AVPDefinition, _ value: UInt32, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        putInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: Int32, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        putInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: UInt64, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        putInteger(value)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ value: Int64, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        putInteger(value)
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
        put(value)
        endAVP(at)
    }

    /// OctetString (and any type given as raw data).
    public mutating func append(_ d: AVPDefinition, bytes: some Collection<UInt8>, flags: AVPFlags? = nil) {
        let at = beginAVP(code: d.code, vendorID: d.vendorID, flags: flags ?? d.encodingFlags)
        put(bytes)
        endAVP(at)
    }

    public mutating func append(_ d: AVPDefinition, _ address: DiameterAddress, flags: AVPFlags? = nil) {
        append(d, bytes: address.encoded, flags: flags)
    }

    @inlinable @inline(__always)
    mutating func putInteger<T: FixedWidthInteger>(_ v: T) {
        if T.bitWidth == 64 { put64(UInt64(truncatingIfNeeded: v)) } else { put32(UInt32(truncatingIfNeeded: v)) }
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
        case .data(let d): put(d)
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
            let r = view.record
            view.message.bytes.withUnsafeReadableBytes { raw in
                put(UnsafeRawBufferPointer(rebasing: raw[Int(r.dataOffset)..<Int(r.dataOffset + r.dataLength)]))
            }
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

/// AVPs encoded on their own, to be added to messages already encoded (the DOIC AVPs a peer layer adds
/// to an answer, the OC-Supported-Features a load generator adds to its requests).
public enum EncodedAVPs {
    /// The octets of the AVPs `body` appends (no message header).
    public static func make(_ body: (inout DiameterMessageWriter) -> Void) -> [UInt8] {
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [], commandCode: 0, applicationID: 0, hopByHopID: 0, endToEndID: 0))
        body(&w)
        return Array(w.finish().readableBytesView.dropFirst(20))
    }

    /// Writes the encoded message `message` to `out` followed by `avps`, its Message Length (RFC 6733 §3)
    /// covering them: what ``append(_:to:)`` makes of it, written where it goes without a copy of its own
    /// (a connection's outbox). The caller keeps the message within 2^24 - 1 octets.
    public static func write(_ message: ByteBuffer, appending avps: [UInt8], to out: inout ByteBuffer) {
        let start = out.writerIndex
        out.writeImmutableBuffer(message)
        guard !avps.isEmpty, message.readableBytes >= 20 else { return }
        out.writeBytes(avps)
        setMessageLength(message.readableBytes + avps.count, ofMessageAt: start, in: &out)
    }

    /// Appends `avps` to the encoded message in `message` and sets its Message Length (RFC 6733 §3). The
    /// caller keeps the message within 2^24 - 1 octets (its own messages, far below).
    public static func append(_ avps: [UInt8], to message: inout ByteBuffer) {
        guard !avps.isEmpty, message.readableBytes >= 20 else { return }
        message.writeBytes(avps)
        setMessageLength(message.readableBytes, ofMessageAt: message.readerIndex, in: &message)
    }

    /// The 24-bit Message Length (RFC 6733 §3) of the message whose header starts at `start` in `buffer`.
    private static func setMessageLength(_ length: Int, ofMessageAt start: Int, in buffer: inout ByteBuffer) {
        buffer.setInteger(UInt8(truncatingIfNeeded: length >> 16), at: start + 1)
        buffer.setInteger(UInt16(truncatingIfNeeded: length), at: start + 2)
    }
}
