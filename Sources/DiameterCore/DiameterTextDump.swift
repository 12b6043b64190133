/// A readable description of a decoded message: names, vendors, flags, typed values, nested groups.
/// `Codable`, so `hss decode --json` prints the same tree as JSON.
public struct MessageDump: Codable, Hashable, Sendable {
    public var version: UInt8
    public var length: UInt32
    public var flags: UInt8
    public var flagLetters: String
    public var commandCode: UInt32
    public var commandName: String?
    public var applicationID: UInt32
    public var applicationName: String?
    public var hopByHopID: UInt32
    public var endToEndID: UInt32
    public var avps: [AVPDump]
}

public struct AVPDump: Codable, Hashable, Sendable {
    public var code: UInt32
    public var vendorID: UInt32
    public var name: String?
    public var flags: UInt8
    public var flagLetters: String
    public var length: Int
    public var type: String?
    /// The typed value as text (strings unquoted, numbers in decimal, octets in hex); absent for groups.
    public var value: String?
    /// A name for the value, where one is known (enumerations, result codes, applications, vendors).
    public var valueName: String?
    public var members: [AVPDump]?
}

public enum DiameterTextDump {
    static let applicationNames: [UInt32: String] = [
        ApplicationID.base: "Diameter Common Messages", ApplicationID.cx: "3GPP Cx",
        16_777_217: "3GPP Sh", 16_777_238: "3GPP Gx", 16_777_251: "3GPP S6a/S6d", 16_777_255: "3GPP SLh",
        ApplicationID.relay: "Relay",
    ]
    static let vendorNames: [UInt32: String] = [
        VendorID.ietf: "IETF", VendorID.tgpp: "3GPP", VendorID.etsi: "ETSI", VendorID.tgpp2: "3GPP2",
    ]

    public static func dump(_ message: DiameterMessage) -> MessageDump {
        let h = message.header
        let command = message.dictionary.command(code: h.commandCode, applicationID: h.applicationID)
        return MessageDump(
            version: h.version, length: h.messageLength, flags: h.flags.rawValue, flagLetters: h.flags.letters,
            commandCode: h.commandCode, commandName: command.map { "\($0.fullName(isRequest: h.isRequest)) (\($0.abbreviation(isRequest: h.isRequest)))" },
            applicationID: h.applicationID, applicationName: applicationNames[h.applicationID],
            hopByHopID: h.hopByHopID, endToEndID: h.endToEndID,
            avps: message.avps.map { dump($0, parentVendor: nil) })
    }

    static func dump(_ v: AVPView, parentVendor: UInt32?) -> AVPDump {
        let def = v.definition
        var d = AVPDump(
            code: v.code, vendorID: v.vendorID, name: def?.name, flags: v.flags.rawValue, flagLetters: v.flags.letters,
            length: v.length, type: def?.type.rawValue)
        if v.isGrouped {
            let vendor = v.first(.vendorID)?.unsigned32
            d.members = v.members.map { dump($0, parentVendor: vendor) }
            return d
        }
        (d.value, d.valueName) = format(v, def: def, parentVendor: parentVendor)
        return d
    }

    static func format(_ v: AVPView, def: AVPDefinition?, parentVendor: UInt32?) -> (String, String?) {
        guard let def else { return (hex(v.bytes), nil) }
        switch def.type {
        case .utf8String, .diameterIdentity, .diameterURI:
            return (v.string ?? hex(v.bytes), nil)
        case .unsigned32:
            guard let n = v.unsigned32 else { return (hex(v.bytes), nil) }
            return (String(n), name(forUnsigned32: n, key: def.key, parentVendor: parentVendor))
        case .integer32, .enumerated:
            guard let n = v.integer32 else { return (hex(v.bytes), nil) }
            return (String(n), v.message.dictionary.enumerationNames(def.key)[n])
        case .unsigned64: return (v.unsigned64.map { String($0) } ?? hex(v.bytes), nil)
        case .integer64: return (v.integer64.map { String($0) } ?? hex(v.bytes), nil)
        case .float32: return (v.float32.map { "\($0)" } ?? hex(v.bytes), nil)
        case .float64: return (v.float64.map { "\($0)" } ?? hex(v.bytes), nil)
        case .address: return (v.address.map { $0.description } ?? hex(v.bytes), nil)
        case .time:
            guard let s = v.ntpSeconds else { return (hex(v.bytes), nil) }
            return (String(s), ntpToISO8601(s))
        case .octetString, .grouped:
            return (hex(v.bytes), nil)
        }
    }

    static func name(forUnsigned32 n: UInt32, key: AVPKey, parentVendor: UInt32?) -> String? {
        switch key {
        case AVPDefinition.resultCode.key: return ResultCode(n).name
        case AVPDefinition.experimentalResultCode.key: return ResultCode(n, vendorID: parentVendor ?? VendorID.tgpp).name
        case AVPDefinition.authApplicationID.key, AVPDefinition.acctApplicationID.key: return applicationNames[n]
        case AVPDefinition.vendorID.key, AVPDefinition.supportedVendorID.key: return vendorNames[n]
        default: return nil
        }
    }

    /// Text form: one line for the header, one per AVP, members indented.
    public static func render(_ message: DiameterMessage) -> String {
        let d = dump(message)
        var out = "\(d.commandName ?? "Command \(d.commandCode)") code \(d.commandCode), "
        out += "app \(d.applicationID)\(d.applicationName.map { " (\($0))" } ?? ""), "
        out += "flags 0x\(hex2(d.flags)) [\(d.flagLetters)], length \(d.length), version \(d.version), "
        out += "hop-by-hop 0x\(hex8(d.hopByHopID)), end-to-end 0x\(hex8(d.endToEndID))\n"
        for a in d.avps { render(a, depth: 1, into: &out) }
        return out
    }

    static func render(_ a: AVPDump, depth: Int, into out: inout String) {
        out += String(repeating: "  ", count: depth)
        out += a.name ?? "Unknown-AVP"
        out += " (\(a.code)\(a.vendorID != 0 ? "/\(a.vendorID)" : ""), flags 0x\(hex2(a.flags)) [\(a.flagLetters)], len \(a.length))"
        if let members = a.members {
            out += ":\n"
            for m in members { render(m, depth: depth + 1, into: &out) }
            return
        }
        let value = a.value ?? ""
        switch a.type {
        case "UTF8String", "DiameterIdentity", "DiameterURI": out += " = \"\(value)\""
        case "OctetString", nil: out += " = 0x\(value)"
        default: out += " = \(value)"
        }
        if let n = a.valueName { out += " (\(n))" }
        out += "\n"
    }

    static func hex2(_ v: UInt8) -> String { hex([v]) }
    static func hex8(_ v: UInt32) -> String { hex([UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]) }

    /// RFC 6733 §4.3.1 Time (RFC 5905 NTP seconds): values with the high bit clear are in era 1 (from 2036).
    public static func ntpToISO8601(_ ntp: UInt32) -> String {
        let unix = Int64(ntp) - 2_208_988_800 + (ntp & 0x8000_0000 == 0 ? 4_294_967_296 : 0)
        var days = unix / 86_400
        var rem = unix % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))Z"
    }
}
