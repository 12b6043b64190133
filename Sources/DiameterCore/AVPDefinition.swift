/// Identifies an AVP: always the pair (code, Vendor-Id), never the code alone
/// (621/0 is OC-Supported-Features, 621/10415 is Primary-Charging-Collection-Function-Name).
public struct AVPKey: Hashable, Sendable, CustomStringConvertible {
    public var code: UInt32
    public var vendorID: UInt32

    public init(code: UInt32, vendorID: UInt32 = 0) {
        self.code = code
        self.vendorID = vendorID
    }

    public var description: String { vendorID == 0 ? "\(code)" : "\(code)/\(vendorID)" }
}

/// The data formats of RFC 6733 §4.2 (basic) and §4.3 (derived).
public enum AVPDataType: String, Hashable, Sendable, CaseIterable {
    case octetString = "OctetString"
    case integer32 = "Integer32"
    case integer64 = "Integer64"
    case unsigned32 = "Unsigned32"
    case unsigned64 = "Unsigned64"
    case float32 = "Float32"
    case float64 = "Float64"
    case grouped = "Grouped"
    case address = "Address"
    case time = "Time"
    case utf8String = "UTF8String"
    case diameterIdentity = "DiameterIdentity"
    case diameterURI = "DiameterURI"
    case enumerated = "Enumerated"

    /// Exact payload size for fixed-size types; `nil` for variable-size ones.
    public var fixedSize: Int? {
        switch self {
        case .integer32, .unsigned32, .float32, .enumerated, .time: 4
        case .integer64, .unsigned64, .float64: 8
        default: nil
        }
    }

    /// Payload size of the zero-filled example of this type in a Failed-AVP (RFC 6733 §7.5: "of correct
    /// minimum length and contain zeroes"): the fixed size; 6 for an Address (an IPv4 family); 4 for
    /// variable-length types, since an empty value is flagged by Wireshark as undecoded data.
    public var exampleSize: Int {
        if let fixedSize { return fixedSize }
        return self == .address ? 6 : 4
    }

    /// The zero-filled example payload (an Address keeps its family: IPv4 0.0.0.0).
    public var examplePayload: [UInt8] {
        self == .address ? [0, 1, 0, 0, 0, 0] : [UInt8](repeating: 0, count: exampleSize)
    }
}

/// How the sender must treat the M-bit of an AVP (the "AVP Flag rules" tables).
public enum MandatoryBitRule: String, Hashable, Sendable {
    case must, may, mustNot
}

/// One dictionary entry: the AVP's identity, name, data type and flag rule.
/// The dictionary is data (DEVELOPERS.md rule 2): these values, not switch statements, drive the codec.
///
/// Trivially copyable (the name is a `StaticString`), so passing definitions around on the encode and
/// decode paths costs no reference counting. Enumeration names live in the dictionary
/// (``DiameterDictionary/enumerationNames(_:)``).
public struct AVPDefinition: Hashable, Sendable, CustomStringConvertible {
    public var key: AVPKey
    public var staticName: StaticString
    public var type: AVPDataType
    public var mandatoryBit: MandatoryBitRule

    public init(_ code: UInt32, vendor: UInt32 = 0, _ name: StaticString, _ type: AVPDataType, m: MandatoryBitRule = .must) {
        self.key = AVPKey(code: code, vendorID: vendor)
        self.staticName = name
        self.type = type
        self.mandatoryBit = m
    }

    public var name: String { staticName.description }
    public var code: UInt32 { key.code }
    public var vendorID: UInt32 { key.vendorID }

    /// Flags we send: V iff a vendor is set; M iff the rule says "must".
    public var encodingFlags: AVPFlags {
        var f: AVPFlags = []
        if key.vendorID != 0 { f.insert(.vendorSpecific) }
        if mandatoryBit == .must { f.insert(.mandatory) }
        return f
    }

    public var description: String { "\(name) (\(key))" }

    public static func == (a: AVPDefinition, b: AVPDefinition) -> Bool {
        a.key == b.key && a.type == b.type && a.mandatoryBit == b.mandatoryBit && a.name == b.name
    }

    public func hash(into h: inout Hasher) {
        h.combine(key)
        h.combine(type)
    }
}
