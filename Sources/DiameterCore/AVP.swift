/// An AVP as an owned value tree (RFC 6733 §4.1): what Failed-AVP carries, what tests generate and
/// what `hss decode` prints. Decoded messages do not build this on the hot path; they index their bytes
/// (``DiameterMessage``) and build it only on request (``DiameterMessage/avpTree()``).
public struct AVP: Hashable, Sendable {
    public enum Payload: Hashable, Sendable {
        /// Raw data of a non-grouped (or unknown) AVP, without padding.
        case data([UInt8])
        /// The members of a Grouped AVP.
        case grouped([AVP])
    }

    public var code: UInt32
    public var vendorID: UInt32
    public var flags: AVPFlags
    public var payload: Payload

    public init(code: UInt32, vendorID: UInt32 = 0, flags: AVPFlags, payload: Payload) {
        self.code = code
        self.vendorID = vendorID
        var f = flags
        if vendorID != 0 { f.insert(.vendorSpecific) }
        self.flags = f
        self.payload = payload
    }

    /// An AVP with the dictionary's flags for `definition`.
    public init(_ definition: AVPDefinition, _ payload: Payload) {
        self.init(code: definition.code, vendorID: definition.vendorID, flags: definition.encodingFlags, payload: payload)
    }

    public var key: AVPKey { AVPKey(code: code, vendorID: vendorID) }

    /// Header size on the wire: 8, or 12 with a Vendor-Id.
    public var headerSize: Int { flags.contains(.vendorSpecific) ? 12 : 8 }

    /// AVP Length as it goes on the wire (header + data, no trailing padding).
    public var encodedLength: Int {
        switch payload {
        case .data(let d): return headerSize + d.count
        case .grouped(let members): return headerSize + members.reduce(0) { $0 + padded($1.encodedLength) }
        }
    }

    /// The members of a Grouped AVP (empty for data AVPs).
    public var members: [AVP] {
        if case .grouped(let m) = payload { return m }
        return []
    }

    /// A zero-filled example of `definition` for Failed-AVP (RFC 6733 §7.5: "of correct minimum length
    /// and contain zeroes").
    public static func example(of definition: AVPDefinition) -> AVP {
        if definition.type == .grouped { return AVP(definition, .grouped([])) }
        return AVP(definition, .data(definition.type.examplePayload))
    }
}

/// `n` rounded up to a multiple of 4 (RFC 6733 §4.1 padding).
@inlinable
func padded(_ n: Int) -> Int { (n + 3) & ~3 }
