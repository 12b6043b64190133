public import NIOCore

/// A typed message (generated from the dictionary files): decoded from a ``DiameterMessage`` and encoded
/// with the dictionary's flags.
public protocol DiameterTypedMessage: Hashable, Sendable {
    static var command: CommandDefinition { get }
    static var isRequest: Bool { get }
    /// The command's code, application and P-bit as constants (``command`` is a whole grammar to copy).
    static var commandCode: UInt32 { get }
    static var applicationID: UInt32 { get }
    static var isProxiable: Bool { get }
    /// Reads the typed fields (call after ``DiameterMessage/validate(against:)``; missing or mistyped
    /// AVPs are error values either way).
    init(decoding message: DiameterMessage) throws(DiameterMessageError)
    /// Writes every AVP of the message, in the grammar's order.
    func writeAVPs(into w: inout DiameterMessageWriter)
}

extension DiameterTypedMessage {
    /// Header flags: R for requests, P when the command is proxiable.
    @inlinable
    public static var defaultFlags: CommandFlags {
        var f: CommandFlags = isRequest ? .request : []
        if isProxiable { f.insert(.proxiable) }
        return f
    }

    /// Encodes the message with the given identifiers.
    @inlinable
    public func encode(
        hopByHopID: UInt32, endToEndID: UInt32, retransmitted: Bool = false,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
        var flags = Self.defaultFlags
        if retransmitted { flags.insert(.potentiallyRetransmitted) }
        let header = DiameterHeader(
            flags: flags, commandCode: Self.commandCode, applicationID: Self.applicationID,
            hopByHopID: hopByHopID, endToEndID: endToEndID)
        var w = DiameterMessageWriter(header: header, allocator: allocator)
        writeAVPs(into: &w)
        return w.finish()
    }

    /// Decodes, checks against the grammar and reads the typed fields. A message of another command or
    /// direction is refused with 3001 DIAMETER_COMMAND_UNSUPPORTED.
    public static func decode(_ bytes: ByteBuffer, decoder: DiameterDecoder = DiameterDecoder()) throws(DiameterMessageError) -> (DiameterHeader, Self) {
        let message = try decoder.decode(bytes)
        guard message.commandCode == commandCode, message.applicationID == applicationID,
            message.isRequest == isRequest
        else {
            throw DiameterMessageError(
                .commandUnsupported, offset: 4,
                reason: "expected \(command.abbreviation(isRequest: isRequest)), got command \(message.commandCode)",
                header: message.header)
        }
        try message.validate(against: command)
        return (message.header, try Self(decoding: message))
    }
}

extension DiameterMessageWriter {
    /// Result-Code, or Experimental-Result { Vendor-Id, Experimental-Result-Code } when the code has a
    /// vendor (RFC 6733 §7.6; Cx outcomes are vendor 10415).
    public mutating func append(result: ResultCode) {
        if let vendor = result.vendorID {
            appendGroup(.experimentalResult) { g in
                g.append(.vendorID, vendor)
                g.append(.experimentalResultCode, result.value)
            }
        } else {
            append(.resultCode, result.value)
        }
    }
}
