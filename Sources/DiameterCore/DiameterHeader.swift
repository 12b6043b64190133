/// The fixed 20-octet Diameter header (RFC 6733 §3).
///
/// ```
///  Version (1) | Message Length (3)
///  Command Flags (1) | Command Code (3)
///  Application-ID (4) | Hop-by-Hop Identifier (4) | End-to-End Identifier (4)
/// ```
public struct DiameterHeader: Hashable, Sendable {
    /// Size of the header on the wire.
    public static let size = 20
    /// The only version defined (RFC 6733 §3: "This Version field MUST be set to 1").
    public static let version: UInt8 = 1

    public var version: UInt8
    /// Length of the whole message, header included (24 bits on the wire).
    public var messageLength: UInt32
    public var flags: CommandFlags
    /// Command code (24 bits on the wire).
    public var commandCode: UInt32
    public var applicationID: UInt32
    public var hopByHopID: UInt32
    public var endToEndID: UInt32

    public init(
        version: UInt8 = DiameterHeader.version, messageLength: UInt32 = 0, flags: CommandFlags,
        commandCode: UInt32, applicationID: UInt32, hopByHopID: UInt32, endToEndID: UInt32
    ) {
        self.version = version
        self.messageLength = messageLength
        self.flags = flags
        self.commandCode = commandCode
        self.applicationID = applicationID
        self.hopByHopID = hopByHopID
        self.endToEndID = endToEndID
    }

    public var isRequest: Bool { flags.contains(.request) }
    public var isError: Bool { flags.contains(.error) }
}

/// Command flags (RFC 6733 §3): R, P, E, T and four reserved bits that MUST be zero.
public struct CommandFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// R: the message is a request.
    public static let request = CommandFlags(rawValue: 0x80)
    /// P: the message may be proxied, relayed or redirected.
    public static let proxiable = CommandFlags(rawValue: 0x40)
    /// E: the answer carries a protocol error (3xxx Result-Code).
    public static let error = CommandFlags(rawValue: 0x20)
    /// T: potentially retransmitted after a link failover.
    public static let potentiallyRetransmitted = CommandFlags(rawValue: 0x10)
    /// The four low bits, reserved (RFC 6733 §3: "MUST be set to zero").
    public static let reserved = CommandFlags(rawValue: 0x0F)

    /// Letters as tshark and the reference pack print them, e.g. `RP`.
    public var letters: String {
        var s = ""
        if contains(.request) { s += "R" }
        if contains(.proxiable) { s += "P" }
        if contains(.error) { s += "E" }
        if contains(.potentiallyRetransmitted) { s += "T" }
        return s
    }
}

/// AVP flags (RFC 6733 §4.1): V, M, P and five reserved bits.
public struct AVPFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// V: a Vendor-ID field follows the AVP length.
    public static let vendorSpecific = AVPFlags(rawValue: 0x80)
    /// M: the receiver MUST understand the AVP or reject the message.
    public static let mandatory = AVPFlags(rawValue: 0x40)
    /// P: end-to-end security (deprecated by RFC 6733; sent as 0).
    public static let protected = AVPFlags(rawValue: 0x20)
    /// The five low bits, reserved ("MUST be set to 0", RFC 6733 §4.1).
    public static let reserved = AVPFlags(rawValue: 0x1F)

    public var letters: String {
        var s = ""
        if contains(.vendorSpecific) { s += "V" }
        if contains(.mandatory) { s += "M" }
        if contains(.protected) { s += "P" }
        return s
    }
}
