import NIOCore

// What the generated messages (Generated/*.messages.generated.swift) read values with: one record of the
// AVP index at a time, by its position. After grammar validation the required AVPs are present, but the
// typed initialisers do not rely on it: a missing, repeated or mistyped AVP is a 5005/5009/5004 error
// value (RFC 6733 §7), never a trap.

extension DiameterMessage {
    /// The AVP's (Vendor-Id, code) as one number, the generated decoders' switch key.
    @inline(__always)
    func key(at i: Int) -> UInt64 {
        let r = records[i]
        return UInt64(r.vendorID) << 32 | UInt64(r.code)
    }

    /// The end of the top-level AVPs in the index (all of it).
    var topLevelEnd: Int { records.count }

    /// The index of the next sibling of the AVP at `i`.
    @inline(__always)
    func next(after i: Int) -> Int { Int(records[i].subtreeEnd) }

    func string(at i: Int) throws(DiameterMessageError) -> String {
        let r = records[i]
        guard let s = bytes.getString(at: Int(r.dataOffset), length: Int(r.dataLength)) else { throw invalid(at: i) }
        return s
    }

    func octets(at i: Int) -> [UInt8] {
        let r = records[i]
        return bytes.getBytes(at: Int(r.dataOffset), length: Int(r.dataLength)) ?? []
    }

    @inline(__always)
    private func fixed<T: FixedWidthInteger>(at i: Int, as _: T.Type) throws(DiameterMessageError) -> T {
        let r = records[i]
        guard Int(r.dataLength) == MemoryLayout<T>.size,
            let v = bytes.getInteger(at: Int(r.dataOffset), endianness: .big, as: T.self)
        else { throw invalid(at: i) }
        return v
    }

    func unsigned32(at i: Int) throws(DiameterMessageError) -> UInt32 { try fixed(at: i, as: UInt32.self) }
    func integer32(at i: Int) throws(DiameterMessageError) -> Int32 { try fixed(at: i, as: Int32.self) }
    func unsigned64(at i: Int) throws(DiameterMessageError) -> UInt64 { try fixed(at: i, as: UInt64.self) }
    func integer64(at i: Int) throws(DiameterMessageError) -> Int64 { try fixed(at: i, as: Int64.self) }
    func float32(at i: Int) throws(DiameterMessageError) -> Float { Float(bitPattern: try fixed(at: i, as: UInt32.self)) }
    func float64(at i: Int) throws(DiameterMessageError) -> Double { Double(bitPattern: try fixed(at: i, as: UInt64.self)) }

    func address(at i: Int) throws(DiameterMessageError) -> DiameterAddress {
        guard let a = DiameterAddress(bytes: octets(at: i)) else { throw invalid(at: i) }
        return a
    }

    /// The members of the Grouped AVP at `i`.
    func members(at i: Int) -> AVPList { AVPView(message: self, index: i).members }

    /// The AVP at `i` as an owned tree (`*[ AVP ]`, groups without a grammar).
    func tree(at i: Int) -> AVP { AVPView(message: self, index: i).tree() }

    /// 5009 DIAMETER_AVP_OCCURS_TOO_MANY_TIMES, the occurrence past the limit as Failed-AVP (RFC 6733 §7.1.5).
    func repeated(at i: Int) -> DiameterMessageError {
        let v = AVPView(message: self, index: i)
        return DiameterMessageError(
            .avpOccursTooManyTimes, offset: v.offset, reason: "\(v.definition?.name ?? v.key.description) occurs too many times",
            failedAVP: v.tree(), header: header)
    }

    /// 5004 DIAMETER_INVALID_AVP_VALUE for a value of the wrong shape.
    func invalid(at i: Int) -> DiameterMessageError {
        let v = AVPView(message: self, index: i)
        return DiameterMessageError(
            .invalidAVPValue, offset: v.offset, reason: "\(v.definition?.name ?? v.key.description) has a value of the wrong type",
            failedAVP: v.tree(), header: header)
    }

    /// 5005 DIAMETER_MISSING_AVP with a zero-filled example as Failed-AVP (RFC 6733 §7.5).
    static func missing(_ d: AVPDefinition) -> DiameterMessageError {
        DiameterMessageError(.missingAVP, offset: 0, reason: "missing \(d.name)", failedAVP: .example(of: d))
    }
}

extension DiameterMessageWriter {
    /// A Grouped AVP from a typed value.
    public mutating func append<T: GroupedAVPValue>(_ value: T) {
        let start = beginAVP(code: T.definition.code, vendorID: T.definition.vendorID, flags: T.definition.encodingFlags)
        value.writeMembers(into: &self)
        endAVP(start)
    }
}

/// A typed Grouped AVP: its dictionary entry, how to read it from its members and how to write them.
public protocol GroupedAVPValue: Hashable, Sendable {
    static var definition: AVPDefinition { get }
    init(_ members: AVPList) throws(DiameterMessageError)
    func writeMembers(into w: inout DiameterMessageWriter)
}

/// A hand-written type the generated messages hold an Unsigned32 AVP as (a dictionary file's
/// `@swift_types`): Result-Code as ``ResultCode``.
public protocol Unsigned32Convertible {
    init(unsigned32: UInt32)
    var unsigned32: UInt32 { get }
}

extension ResultCode: Unsigned32Convertible {
    /// A base Result-Code (RFC 6733 §7.1): no vendor.
    public init(unsigned32: UInt32) { self.init(unsigned32) }
    public var unsigned32: UInt32 { value }
}
