public import DiameterCore

/// Builds messages byte by byte, for tests that need wire forms our writer would never produce.
public enum RawMessage {
    /// A header (20 octets) followed by `body`; the Message Length is `body.count + 20` unless given.
    public static func message(
        version: UInt8 = 1, flags: UInt8 = 0xC0, command: UInt32 = 303, application: UInt32 = ApplicationID.cx,
        hopByHop: UInt32 = 0x1122_3344, endToEnd: UInt32 = 0x5566_7788, length: Int? = nil, body: [UInt8]
    ) -> [UInt8] {
        let len = UInt32(length ?? body.count + 20)
        var out: [UInt8] = [version] + be24(len) + [flags] + be24(command)
        out += be32(application) + be32(hopByHop) + be32(endToEnd)
        return out + body
    }

    /// An AVP with an explicit length field (default: the true length), padded unless told not to.
    public static func avp(
        code: UInt32, flags: UInt8 = 0x40, vendor: UInt32? = nil, data: [UInt8], length: Int? = nil, pad: Bool = true
    ) -> [UInt8] {
        let headerSize = vendor == nil ? 8 : 12
        var out = be32(code) + [flags] + be24(UInt32(length ?? headerSize + data.count))
        if let vendor { out += be32(vendor) }
        out += data
        if pad { out += [UInt8](repeating: 0, count: (4 - out.count % 4) % 4) }
        return out
    }

    public static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    public static func be24(_ v: UInt32) -> [UInt8] { [UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
