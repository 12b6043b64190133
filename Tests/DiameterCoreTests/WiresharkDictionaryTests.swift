import DiameterCore
import Foundation
import Testing

/// The dictionary agrees with an independent one: Wireshark's Diameter XML dictionaries (Debian's
/// libwireshark-data, installed with tshark), read here as text. Every AVP we define that Wireshark knows
/// has the same code, vendor and data type (Wireshark's derived names mapped to RFC 6733's: IPAddress is
/// Address, AppId and VendorId are Unsigned32).
@Suite("Dictionary against Wireshark's")
struct WiresharkDictionaryTests {
    static let directory = "/usr/share/wireshark/diameter"
    static var present: Bool { FileManager.default.fileExists(atPath: directory + "/dictionary.xml") }

    struct Key: Hashable {
        var code: UInt32
        var vendor: UInt32
    }

    /// Every AVP of every file: (code, vendor) → the type names Wireshark gives it ("Grouped" for a
    /// `<grouped>` AVP). XML comments (Wireshark keeps alternative definitions in them) are left out.
    static func load() throws -> [Key: Set<String>] { try loadAll().types }

    /// Types as `load()`, and the named values of each Enumerated AVP (value → names; Wireshark sometimes
    /// lists a value twice).
    static func loadAll() throws -> (types: [Key: Set<String>], enumerations: [Key: [Int32: Set<String>]]) {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".xml") }
        var texts: [String] = []
        for f in files {
            let raw = try String(contentsOfFile: directory + "/" + f, encoding: .utf8)
            // Copy everything outside comments, in one pass.
            var text = ""
            text.reserveCapacity(raw.utf8.count)
            var rest = raw[...]
            while let open = rest.range(of: "<!--") {
                text += rest[..<open.lowerBound]
                guard let close = rest.range(of: "-->", range: open.upperBound..<rest.endIndex) else {
                    rest = rest[rest.endIndex...]
                    break
                }
                rest = rest[close.upperBound...]
            }
            text += rest
            texts.append(text)
        }
        func attribute(_ name: String, in tag: Substring) -> String? {
            guard let r = tag.range(of: name + "=\"") else { return nil }
            let rest = tag[r.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        var vendors: [String: UInt32] = [:]
        for text in texts {
            var scan = text[...]
            while let r = scan.range(of: "<vendor ") {
                let tag = scan[r.lowerBound...].prefix { $0 != ">" }
                if let id = attribute("vendor-id", in: tag), let code = attribute("code", in: tag).flatMap(UInt32.init) { vendors[id] = code }
                scan = scan[r.upperBound...]
            }
        }
        var avps: [Key: Set<String>] = [:]
        var enumerations: [Key: [Int32: Set<String>]] = [:]
        for text in texts {
            var scan = text[...]
            while let r = scan.range(of: "<avp ") {
                let tag = scan[r.lowerBound...].prefix { $0 != ">" }
                let body = scan[tag.endIndex...]
                let end = body.range(of: "</avp>")?.lowerBound ?? body.endIndex
                let inner = body[..<end]
                scan = body[end...]
                guard let code = attribute("code", in: tag).flatMap(UInt32.init) else { continue }
                let vendor = attribute("vendor-id", in: tag).map { vendors[$0] ?? UInt32.max } ?? 0
                let type: String? =
                    inner.contains("<grouped") ? "Grouped" : inner.range(of: "type-name=\"").map { r in String(inner[r.upperBound...].prefix { $0 != "\"" }) }
                if let type { avps[Key(code: code, vendor: vendor), default: []].insert(type) }
                var values = inner
                while let e = values.range(of: "<enum ") {
                    let tag = values[e.lowerBound...].prefix { $0 != ">" }
                    values = values[tag.endIndex...]
                    if let name = attribute("name", in: tag), let value = attribute("code", in: tag).flatMap(Int32.init) {
                        enumerations[Key(code: code, vendor: vendor), default: [:]][value, default: []].insert(name)
                    }
                }
            }
        }
        return (avps, enumerations)
    }

    /// Wireshark's type name as RFC 6733 names it.
    static func rfcName(_ wireshark: String) -> String {
        switch wireshark {
        case "IPAddress": "Address"
        case "AppId", "VendorId": "Unsigned32"
        default: wireshark
        }
    }

    /// Where Wireshark's dictionary and the specification disagree, the specification decides; each entry
    /// names where our type comes from. Wireshark types several Unsigned32 AVPs as Enumerated or
    /// Integer32 (for display), RFC 7155's Framed-IP-Address as an address, and the Digest AVPs as text.
    static let digest = "shared/spec/avps.md §6: opaque octets, as freeDiameter encodes them (RFC 4590's types vary)"
    static let specificationDecides: [String: String] = [
        "Result-Code": "RFC 6733 §7.1: Unsigned32",
        "Session-Binding": "RFC 6733 §8.17: Unsigned32",
        "Authorization-Lifetime": "RFC 6733 §8.9: Unsigned32",
        "Experimental-Result-Code": "RFC 6733 §7.7: Unsigned32",
        "Inband-Security-Id": "RFC 6733 §6.10: Unsigned32",
        "Framed-IP-Address": "RFC 7155 §4.4.10.5.1: OctetString",
        "Digest-Response": digest, "Digest-Nonce": digest,
        "Digest-Response-Auth": digest, "Digest-Nextnonce": digest,
        "Digest-Method": digest, "Digest-URI": digest,
        "Digest-Entity-Body-Hash": digest, "Digest-CNonce": digest,
        "Digest-Nonce-Count": digest, "Digest-Username": digest,
        "Digest-Opaque": digest, "Digest-Auth-Param": digest,
        "Digest-AKA-Auts": digest, "Digest-Domain": digest,
        "Digest-Stale": digest, "Digest-HA1": digest,
        "UDR-Flags": "TS 29.329 §6.3.28: Unsigned32 (a bit mask; Wireshark shows its bits as values)",
    ]

    /// TS 29.229 AVPs newer than Wireshark's dictionary (Rel-12 and later).
    static let newerThanWireshark: Set<String> = [
        "RTR-Flags", "P-CSCF-Subscription-Info", "Registration-Time-Out", "Alternate-Digest-Algorithm",
        "Alternate-Digest-HA1", "Failed-PCSCF", "PCSCF-FQDN", "PCSCF-IP-Address",
        // TS 29.329 §6.3.30-6.3.32 (Rel-13).
        "Call-Reference-Info", "Call-Reference-Number", "AS-Number",
    ]

    @Test("every AVP we define that Wireshark knows has the same code, vendor and type", .enabled(if: present, "Wireshark's Diameter dictionaries are not installed (libwireshark-data); skipping"))
    func sameTypes() throws {
        let theirs = try Self.load()
        #expect(theirs.count > 1000, "Wireshark's dictionaries read: \(theirs.count) AVPs")
        var compared = 0
        var mismatches: [String] = []
        var unknown: [String] = []
        for d in DiameterDictionary.standard.definitions {
            guard let types = theirs[Key(code: d.code, vendor: d.vendorID)] else {
                unknown.append("\(d.name) (\(d.code)/\(d.vendorID))")
                continue
            }
            compared += 1
            let names = Set(types.map(Self.rfcName))
            // OctetStringOrUTF8: Wireshark's name for an OctetString that usually holds text.
            let ours = d.type.rawValue
            let agrees = names.contains(ours) || (names.contains("OctetStringOrUTF8") && (ours == "OctetString" || ours == "UTF8String"))
            if !agrees && Self.specificationDecides[d.name] == nil {
                mismatches.append("\(d.name) (\(d.code)/\(d.vendorID)): ours \(ours), Wireshark \(names.sorted())")
            }
        }
        #expect(mismatches == [], "type differences the specification does not settle: \(mismatches)")
        #expect(compared >= 270, "AVPs compared: \(compared)")
        #expect(Set(unknown.map { String($0.prefix { $0 != " " }) }).subtracting(Self.newerThanWireshark) == [], "AVPs Wireshark does not know: \(unknown)")
    }

    /// Value names where Wireshark's dictionary and the specification disagree (the specification decides).
    static let enumerationSpecificationDecides: [String: String] = [
        "Redirect-Host-Usage 0": "RFC 6733 §6.13: DONT_CACHE (Wireshark: \"Don't Care\")",
    ]

    /// Spellings of a value's name compared without case and punctuation ("REMOVE_S-CSCF", "Remove S-CSCF").
    static func normalized(_ s: String) -> String { String(s.lowercased().filter { $0.isLetter || $0.isNumber }) }

    @Test("every enumeration value we name, Wireshark names with the same number", .enabled(if: present, "Wireshark's Diameter dictionaries are not installed (libwireshark-data); skipping"))
    func sameEnumerations() throws {
        let theirs = try Self.loadAll().enumerations
        let dictionary = DiameterDictionary.standard
        var compared = 0
        var mismatches: [String] = []
        for d in dictionary.definitions where d.type == .enumerated {
            let ours = dictionary.enumerationNames(d.key)
            guard let known = theirs[Key(code: d.code, vendor: d.vendorID)], !ours.isEmpty else { continue }
            for (value, name) in ours {
                compared += 1
                guard let names = known[value] else {
                    mismatches.append("\(d.name) \(value) \(name): Wireshark has no such value")
                    continue
                }
                if !names.map(Self.normalized).contains(Self.normalized(name)),
                    Self.enumerationSpecificationDecides["\(d.name) \(value)"] == nil
                {
                    mismatches.append("\(d.name) \(value): ours \(name), Wireshark \(names.sorted())")
                }
            }
        }
        #expect(mismatches == [], "enumeration differences: \(mismatches)")
        #expect(compared >= 150, "enumeration values compared: \(compared)")
    }
}
