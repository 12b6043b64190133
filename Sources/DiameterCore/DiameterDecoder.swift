public import NIOCore

/// Decodes one whole Diameter message (RFC 6733 §3, §4): header checks, AVP framing, nested Grouped
/// AVPs and the data type of every AVP the dictionary knows.
///
/// Pure and total: any byte sequence gives a message or a ``DiameterMessageError``; nothing traps.
/// Grammar (ABNF) checks are a separate step, ``DiameterMessage/validate(against:)``.
public struct DiameterDecoder: Sendable {
    /// Deeper nesting of Grouped AVPs is refused (no Cx AVP nests more than 4 levels).
    public static let maximumGroupDepth = 16
    /// The longest DiameterIdentity accepted: an FQDN has at most 255 octets (RFC 1035 §2.3.4).
    public static let maximumIdentityLength = 255

    public let dictionary: DiameterDictionary

    public init(dictionary: DiameterDictionary = .standard) {
        self.dictionary = dictionary
    }

    /// Decodes the readable bytes of `buffer`, which must hold exactly one message.
    public func decode(_ buffer: ByteBuffer) throws(DiameterMessageError) -> DiameterMessage {
        let bytes = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes) ?? ByteBuffer()
        let header = try Self.decodeHeader(bytes)
        var state = State(dictionary: dictionary, header: header)
        state.records.reserveCapacity(bytes.readableBytes / 16 + 4)
        try bytes.withUnsafeReadableBytes { (raw) throws(DiameterMessageError) in
            try state.parseAVPs(raw, from: DiameterHeader.size, to: raw.count, depth: 0, checkValues: true)
        }
        return DiameterMessage(header: header, bytes: bytes, records: state.records, dictionary: dictionary)
    }

    /// Decodes `bytes` (one whole message).
    public func decode(_ bytes: [UInt8]) throws(DiameterMessageError) -> DiameterMessage {
        try decode(ByteBuffer(bytes: bytes))
    }

    /// Checks and decodes the 20-octet header (RFC 6733 §3).
    public static func decodeHeader(_ bytes: ByteBuffer) throws(DiameterMessageError) -> DiameterHeader {
        let base = bytes.readerIndex
        guard bytes.readableBytes >= DiameterHeader.size,
            let w0 = bytes.getInteger(at: base, as: UInt32.self),
            let w1 = bytes.getInteger(at: base + 4, as: UInt32.self),
            let app = bytes.getInteger(at: base + 8, as: UInt32.self),
            let hbh = bytes.getInteger(at: base + 12, as: UInt32.self),
            let e2e = bytes.getInteger(at: base + 16, as: UInt32.self)
        else {
            throw DiameterMessageError(
                .invalidMessageLength, offset: 0,
                reason: "message of \(bytes.readableBytes) octets is shorter than the 20-octet header")
        }
        let header = DiameterHeader(
            version: UInt8(w0 >> 24), messageLength: w0 & 0xFF_FFFF, flags: CommandFlags(rawValue: UInt8(w1 >> 24)),
            commandCode: w1 & 0xFF_FFFF, applicationID: app, hopByHopID: hbh, endToEndID: e2e)
        // RFC 6733 §7.1.5 DIAMETER_UNSUPPORTED_VERSION.
        guard header.version == DiameterHeader.version else {
            throw DiameterMessageError(
                .unsupportedVersion, offset: 0, reason: "version \(header.version), expected 1", header: header)
        }
        // RFC 6733 §3: "the Message Length field is always a multiple of 4"; §7.1.5 5015.
        guard Int(header.messageLength) == bytes.readableBytes else {
            throw DiameterMessageError(
                .invalidMessageLength, offset: 1,
                reason: "Message Length \(header.messageLength) but \(bytes.readableBytes) octets present",
                header: header)
        }
        guard header.messageLength % 4 == 0 else {
            throw DiameterMessageError(
                .invalidMessageLength, offset: 1,
                reason: "Message Length \(header.messageLength) is not a multiple of 4", header: header)
        }
        // RFC 6733 §3: reserved bits MUST be zero; E MUST NOT be set in a request; §7.1.3 3008.
        guard header.flags.isDisjoint(with: .reserved) else {
            throw DiameterMessageError(
                .invalidHeaderBits, offset: 4, reason: "reserved command flag bits set", header: header)
        }
        guard !(header.flags.contains(.request) && header.flags.contains(.error)) else {
            throw DiameterMessageError(
                .invalidHeaderBits, offset: 4, reason: "E-bit set in a request", header: header)
        }
        return header
    }

    /// The parse state: the record table being filled.
    struct State {
        let dictionary: DiameterDictionary
        let header: DiameterHeader
        var records: [AVPRecord] = []
        // The dictionary's lookup tables, held once per decode (no retain per AVP).
        let ietfIndex: [Int16]
        let tgppIndex: [Int16]
        let types: [AVPDataType]
        let opaqueMembers: [Bool]

        init(dictionary: DiameterDictionary, header: DiameterHeader) {
            self.dictionary = dictionary
            self.header = header
            self.ietfIndex = dictionary.ietfIndex
            self.tgppIndex = dictionary.tgppIndex
            self.types = dictionary.typeByIndex
            self.opaqueMembers = dictionary.opaqueMembersByIndex
        }

        @inline(__always)
        func lookup(code: UInt32, vendorID: UInt32) -> Int {
            if code < DiameterDictionary.directRange {
                if vendorID == 0 { return Int(ietfIndex[Int(code)]) }
                if vendorID == VendorID.tgpp { return Int(tgppIndex[Int(code)]) }
            }
            return dictionary.index(code: code, vendorID: vendorID)
        }

        func definition(_ index: Int) -> AVPDefinition? { index >= 0 ? dictionary.definitions[index] : nil }

        func error(_ code: ResultCode, _ offset: Int, _ reason: String, _ failed: AVP? = nil) -> DiameterMessageError {
            DiameterMessageError(code, offset: offset, reason: reason, failedAVP: failed, header: header)
        }

        /// Parses the AVPs in `raw[from..<to]`, appending records (members right after their group).
        /// Inside a group whose members are opaque (Failed-AVP; `checkValues` false) only the framing is
        /// checked: it carries, by design, the AVP whose value was refused.
        mutating func parseAVPs(
            _ raw: UnsafeRawBufferPointer, from: Int, to end: Int, depth: Int, checkValues: Bool
        ) throws(DiameterMessageError) {
            var offset = from
            while offset < end {
                let remaining = end - offset
                guard remaining >= 8 else {
                    throw error(
                        .invalidAVPLength, offset,
                        "\(remaining) octets left, too few for an AVP header",
                        zeroHeaderAVP(raw, offset, remaining))
                }
                let code = load32(raw, offset)
                let flagsAndLength = load32(raw, offset + 4)
                let flags = AVPFlags(rawValue: UInt8(flagsAndLength >> 24))
                let length = Int(flagsAndLength & 0xFF_FFFF)
                let hasVendor = flags.contains(.vendorSpecific)
                let headerSize = hasVendor ? 12 : 8
                if hasVendor && remaining < 12 {
                    throw error(
                        .invalidAVPLength, offset, "AVP \(code) has the V-bit but no room for a Vendor-Id",
                        zeroHeaderAVP(raw, offset, remaining))
                }
                let vendorID = hasVendor ? load32(raw, offset + 8) : 0
                let defIndex = lookup(code: code, vendorID: vendorID)
                let type: AVPDataType? = defIndex >= 0 ? types[defIndex] : nil
                // RFC 6733 §4.1: the AVP Length covers header and data; it must fit in its container.
                guard length >= headerSize, length <= remaining else {
                    throw error(
                        .invalidAVPLength, offset,
                        "AVP \(AVPKey(code: code, vendorID: vendorID)) length \(length) "
                            + (length < headerSize ? "is below its \(headerSize)-octet header" : "overruns its container (\(remaining) octets left)"),
                        exampleAVP(code: code, vendorID: vendorID, flags: flags, type: type))
                }
                let dataOffset = offset + headerSize
                let dataLength = length - headerSize
                let next = offset + padded(length)
                // RFC 6733 §4.1, §4.4: padding belongs to the container: a Grouped AVP's data holds its members
                // padded, so a member's padding may not overrun the group.
                guard next <= end else {
                    throw error(
                        .invalidAVPLength, offset,
                        "AVP \(AVPKey(code: code, vendorID: vendorID)) padding overruns its container",
                        exampleAVP(code: code, vendorID: vendorID, flags: flags, type: type))
                }
                // RFC 6733 §4.1: reserved AVP flag bits MUST be zero; §7.1.3 3009.
                guard flags.isDisjoint(with: .reserved) else {
                    throw error(
                        .invalidAVPBits, offset, "AVP \(AVPKey(code: code, vendorID: vendorID)) has reserved flag bits set",
                        copyAVP(raw, code: code, vendorID: vendorID, flags: flags, dataOffset: dataOffset, dataLength: dataLength))
                }
                let recordIndex = records.count
                records.append(
                    AVPRecord(
                        code: code, vendorID: vendorID, headerOffset: UInt32(offset), dataOffset: UInt32(dataOffset),
                        dataLength: UInt32(dataLength), subtreeEnd: UInt32(recordIndex + 1),
                        definitionIndex: Int16(defIndex), flags: flags, isGroupParsed: false))
                if let type {
                    if type == .grouped {
                        guard depth < DiameterDecoder.maximumGroupDepth else {
                            throw error(
                                .invalidAVPValue, offset, "Grouped AVPs nested deeper than \(DiameterDecoder.maximumGroupDepth)",
                                exampleAVP(code: code, vendorID: vendorID, flags: flags, type: type))
                        }
                        try parseAVPs(
                            raw, from: dataOffset, to: dataOffset + dataLength, depth: depth + 1,
                            checkValues: checkValues && !opaqueMembers[defIndex])
                        records[recordIndex].isGroupParsed = true
                        records[recordIndex].subtreeEnd = UInt32(records.count)
                    } else if checkValues {
                        try checkValue(
                            raw, type: type, defIndex: defIndex, flags: flags, offset: offset, dataOffset: dataOffset,
                            dataLength: dataLength)
                    }
                }
                offset = next
            }
        }

        /// Checks a known AVP's data against its type (RFC 6733 §4.2, §4.3).
        @inline(__always)
        func checkValue(
            _ raw: UnsafeRawBufferPointer, type: AVPDataType, defIndex: Int, flags: AVPFlags, offset: Int,
            dataOffset: Int, dataLength: Int
        ) throws(DiameterMessageError) {
            if let size = type.fixedSize {
                // RFC 6733 §7.1.5 DIAMETER_INVALID_AVP_LENGTH.
                guard dataLength == size else {
                    guard let def = definition(defIndex) else { return }
                    throw error(
                        .invalidAVPLength, offset, "\(def.name) (\(type.rawValue)) has \(dataLength) data octets, expected \(size)",
                        copyAVP(raw, code: def.code, vendorID: def.vendorID, flags: flags, dataOffset: dataOffset, dataLength: dataLength))
                }
                return
            }
            let valid: Bool
            let what: String
            switch type {
            case .utf8String:
                valid = isValidUTF8(raw, dataOffset, dataLength)
                what = "is not valid UTF-8"
            case .diameterIdentity:
                // RFC 6733 §4.3.1: an FQDN or realm (IDNs in their ASCII form), which RFC 1035 §2.3.4
                // bounds to 255 octets. Bounded here, an identity off the wire cannot grow a key, a log
                // line or a stored record past what an FQDN can be.
                valid = dataLength > 0 && dataLength <= DiameterDecoder.maximumIdentityLength && isPrintableASCII(raw, dataOffset, dataLength)
                what = "is not a printable ASCII identity of 1 to 255 octets"  // maximumIdentityLength; a literal (no work when valid)
            case .diameterURI:
                // RFC 6733 §4.3.1: an aaa:// or aaas:// URI.
                valid = dataLength > 0 && isPrintableASCII(raw, dataOffset, dataLength)
                what = "is not a non-empty printable ASCII URI"
            case .address:
                valid = isValidAddress(raw, dataOffset, dataLength)
                what = "is not a valid address (family and size)"
            default:
                return
            }
            guard valid else {
                guard let def = definition(defIndex) else { return }
                throw error(
                    .invalidAVPValue, dataOffset, "\(def.name) \(what)",
                    copyAVP(raw, code: def.code, vendorID: def.vendorID, flags: flags, dataOffset: dataOffset, dataLength: dataLength))
            }
        }

        // MARK: Failed-AVP helpers

        /// The offending AVP as received.
        func copyAVP(
            _ raw: UnsafeRawBufferPointer, code: UInt32, vendorID: UInt32, flags: AVPFlags, dataOffset: Int, dataLength: Int
        ) -> AVP {
            let data = Array(raw[dataOffset..<(dataOffset + dataLength)])
            return AVP(code: code, vendorID: vendorID, flags: flags.subtracting(.reserved), payload: .data(data))
        }

        /// RFC 6733 §7.1.5: for a length error, "the offending AVP header and a zero filled payload of the
        /// minimum required length for the payloads data type" (an empty group for Grouped AVPs).
        func exampleAVP(code: UInt32, vendorID: UInt32, flags: AVPFlags, type: AVPDataType?) -> AVP {
            let clean = flags.subtracting(.reserved)
            if type == .grouped { return AVP(code: code, vendorID: vendorID, flags: clean, payload: .grouped([])) }
            return AVP(code: code, vendorID: vendorID, flags: clean, payload: .data((type ?? .octetString).examplePayload))
        }

        /// RFC 6733 §7.1.5: an incomplete header "padded with zero up to the minimum AVP header length".
        func zeroHeaderAVP(_ raw: UnsafeRawBufferPointer, _ offset: Int, _ remaining: Int) -> AVP {
            var h = [UInt8](repeating: 0, count: 8)
            for i in 0..<min(remaining, 8) { h[i] = raw[offset + i] }
            let code = UInt32(h[0]) << 24 | UInt32(h[1]) << 16 | UInt32(h[2]) << 8 | UInt32(h[3])
            return AVP(code: code, vendorID: 0, flags: AVPFlags(rawValue: h[4]).subtracting([.reserved, .vendorSpecific]), payload: .data([]))
        }
    }
}

// MARK: - Raw readers (callers check bounds first)

@inline(__always)
func load32(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}

/// RFC 3629 UTF-8 validation (rejects overlongs, surrogates and code points above U+10FFFF).
func isValidUTF8(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Bool {
    var i = start
    let end = start + count
    while i < end {
        // ASCII fast path, eight octets at a time (identities are ASCII).
        while end - i >= 8, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
        }
        guard i < end else { break }
        let b0 = raw[i]
        if b0 < 0x80 { i += 1; continue }
        let need: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F
        case 0xF0: need = 3; lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F
        default: return false
        }
        guard end - i > need else { return false }
        let b1 = raw[i + 1]
        guard b1 >= lower && b1 <= upper else { return false }
        var k = 2
        while k <= need {
            let b = raw[i + k]
            guard b >= 0x80 && b <= 0xBF else { return false }
            k += 1
        }
        i += need + 1
    }
    return true
}

func isPrintableASCII(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Bool {
    var i = start
    let end = start + count
    // Eight octets at a time: every byte in 0x21...0x7E (no high bit, none below 0x21, no 0x7F).
    while end - i >= 8 {
        let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        let high = w & 0x8080_8080_8080_8080
        let below21 = (w &- 0x2121_2121_2121_2121) & ~w & 0x8080_8080_8080_8080
        let is7F = ((w ^ 0x7F7F_7F7F_7F7F_7F7F) &- 0x0101_0101_0101_0101) & ~(w ^ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080
        if high | below21 | is7F != 0 { break }
        i += 8
    }
    while i < end {
        let b = raw[i]
        guard b >= 0x21 && b <= 0x7E else { return false }
        i += 1
    }
    return true
}

/// RFC 6733 §4.3.1 Address: a 2-octet family; IPv4 and IPv6 must carry 4 and 16 octets.
func isValidAddress(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Bool {
    guard count >= 2 else { return false }
    let family = UInt16(raw[start]) << 8 | UInt16(raw[start + 1])
    switch family {
    case DiameterAddress.familyIPv4: return count == 6
    case DiameterAddress.familyIPv6: return count == 18
    default: return count > 2
    }
}

extension DiameterDecoder {
    /// The Result-Code, or the Experimental-Result-Code, of an encoded answer, found by walking the
    /// top-level AVP headers only (no table, no value checks): what the peer layer's metrics need per
    /// answer, at a fraction of a decode. `nil` when absent or when the bytes do not walk cleanly.
    public static func peekResultCode(_ message: ByteBuffer) -> UInt32? {
        let start = message.readerIndex
        guard let length = message.getInteger(at: start, as: UInt32.self).map({ Int($0 & 0xFF_FFFF) }),
            length <= message.readableBytes
        else { return nil }
        return scan(message, from: start + DiameterHeader.size, to: start + length, nested: false)
    }

    private static func scan(_ m: ByteBuffer, from: Int, to end: Int, nested: Bool) -> UInt32? {
        var at = from
        while end - at >= 8 {
            guard let code = m.getInteger(at: at, as: UInt32.self), let word = m.getInteger(at: at + 4, as: UInt32.self) else { return nil }
            let hasVendor = word & 0x8000_0000 != 0
            let avpLength = Int(word & 0xFF_FFFF)
            let header = hasVendor ? 12 : 8
            guard avpLength >= header, avpLength <= end - at else { return nil }
            if !hasVendor {
                if !nested && code == 268 || nested && code == 298, avpLength == 12 {
                    return m.getInteger(at: at + 8, as: UInt32.self)
                }
                if !nested && code == 297, let inner = scan(m, from: at + 8, to: at + avpLength, nested: true) { return inner }
            }
            at += (avpLength + 3) & ~3
        }
        return nil
    }
}
