import DiameterCore
import Foundation
import Testing

/// The dictionary agrees with the reference pack's AVP tables (shared/spec/avps.md), and named constants
/// agree with the dictionary (freeDiameter's `#if AC_ORIGIN_HOST != 264 #error` idea).
@Suite("Dictionary")
struct DictionaryTests {
    static let specPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/spec/avps.md").path
    static var specPresent: Bool { FileManager.default.fileExists(atPath: specPath) }

    /// Rows `| code | name | type | ...` of avps.md §1, §2 and §6 with the vendor their section implies.
    static func specRows() throws -> [(code: UInt32, vendor: UInt32, name: String, type: String)] {
        let text = try String(contentsOfFile: specPath, encoding: .utf8)
        var vendor: UInt32 = 0
        var rows: [(UInt32, UInt32, String, String)] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## 1.") { vendor = 0 }
            if line.hasPrefix("## 2.") { vendor = 10415 }
            if line.hasPrefix("## 3.") { vendor = UInt32.max }  // no AVP tables in §3-5
            if line.hasPrefix("## 6.") { vendor = 0 }
            if line.hasPrefix("## 7.") { vendor = UInt32.max }
            guard vendor != UInt32.max, line.hasPrefix("| ") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, let code = UInt32(cells[0]) else { continue }
            var name = cells[1]
            if let paren = name.firstIndex(of: " ") { name = String(name[..<paren]) }
            rows.append((code, vendor, name, cells[2]))
        }
        return rows
    }

    @Test(
        "every AVP of avps.md §1, §2, §6 is in the dictionary with the same name and type",
        .enabled(if: specPresent, "shared/spec is not beside the checkout; skipping the cross-check"))
    func matchesSpec() throws {
        let rows = try Self.specRows()
        #expect(rows.count > 100)
        for row in rows {
            // 627/10415 was removed from TS 29.229 (V6.5.0): the spec lists it only to say so.
            if row.code == 627 && row.vendor == 10415 { continue }
            let def = DiameterDictionary.standard.definition(code: row.code, vendorID: row.vendor)
            #expect(def != nil, "AVP \(row.code)/\(row.vendor) \(row.name) missing")
            guard let def else { continue }
            #expect(def.name.lowercased() == row.name.lowercased(), "\(row.code)/\(row.vendor)")
            if !row.type.isEmpty, let t = AVPDataType(rawValue: row.type) {
                #expect(def.type == t, "\(def.name) type")
            }
        }
    }

    @Test("codes shared between vendors stay apart (621/0 vs 621/10415, 500/13019)")
    func vendorCollisions() {
        let d = DiameterDictionary.standard
        #expect(d.definition(code: 621, vendorID: 0)?.name == "OC-Supported-Features")
        #expect(d.definition(code: 621, vendorID: 10415)?.name == "Primary-Charging-Collection-Function-Name")
        #expect(d.definition(code: 650, vendorID: 0)?.name == "Load")
        #expect(d.definition(code: 650, vendorID: 10415)?.name == "Session-Priority")
        #expect(d.definition(code: 500, vendorID: VendorID.etsi)?.name == "Line-Identifier")
        #expect(d.definition(code: 500, vendorID: 10415) == nil)
        #expect(d.definition(code: 300, vendorID: 10415) == nil, "SWx 300/10415 is not Cx")
    }

    @Test("named constants match the dictionary entries")
    func constants() {
        let d = DiameterDictionary.standard
        for def in d.definitions {
            #expect(d.definition(def.key) == def)
        }
        #expect(AVPDefinition.originHost.code == 264)
        #expect(AVPDefinition.sipAuthDataItem.key == AVPKey(code: 612, vendorID: 10415))
        #expect(AVPDefinition.publicIdentity.encodingFlags == [.vendorSpecific, .mandatory])
        #expect(AVPDefinition.productName.encodingFlags == [], "Product-Name: M must not be set")
        #expect(AVPDefinition.supportedFeatures.encodingFlags == [.vendorSpecific], "M may: not sent")
    }

    @Test("enumeration names belong to Enumerated AVPs (Server-Assignment-Type 0-14, Reason-Code 0-3)")
    func enumerationNames() {
        let d = DiameterDictionary.standard
        #expect(d.enumerationNames(AVPDefinition.serverAssignmentType.key).count == 15)
        #expect(d.enumerationNames(AVPDefinition.reasonCode.key)[3] == "REMOVE_S-CSCF")
        for def in d.definitions where !d.enumerationNames(def.key).isEmpty {
            #expect(def.type == .enumerated, "\(def.name)")
        }
    }

    @Test("every grouped grammar and command grammar names only dictionary AVPs")
    func grammarsClosed() {
        let d = DiameterDictionary.standard
        for c in d.commands {
            for rule in c.request.rules + c.answer.rules {
                #expect(d.definition(rule.key) != nil, "\(c.name): \(rule.key)")
            }
        }
        for def in d.definitions where def.type == .grouped {
            for rule in d.groupedGrammar(def.key)?.rules ?? [] {
                #expect(d.definition(rule.key) != nil, "\(def.name): \(rule.key)")
            }
        }
    }

    @Test("commands: codes, application and flags (TS 29.229 §6.1, RFC 6733 §5)", arguments: [
        (257, 0, "CER", false), (280, 0, "DWR", false), (282, 0, "DPR", false), (300, 16777216, "UAR", true),
        (301, 16777216, "SAR", true), (302, 16777216, "LIR", true), (303, 16777216, "MAR", true),
        (304, 16777216, "RTR", true), (305, 16777216, "PPR", true),
        // TS 29.272 §7.2.
        (316, 16777251, "ULR", true), (317, 16777251, "CLR", true), (318, 16777251, "AIR", true),
        (319, 16777251, "IDR", true), (320, 16777251, "DSR", true), (321, 16777251, "PUR", true),
        (322, 16777251, "RSR", true), (323, 16777251, "NOR", true),
        // TS 29.329 §6.1.
        (306, 16777217, "UDR", true), (307, 16777217, "PUR", true), (308, 16777217, "SNR", true),
        (309, 16777217, "PNR", true),
    ] as [(UInt32, UInt32, String, Bool)])
    func commands(_ code: UInt32, _ app: UInt32, _ abbreviation: String, _ proxiable: Bool) throws {
        let c = try #require(DiameterDictionary.standard.command(code: code, applicationID: app))
        #expect(c.requestAbbreviation == abbreviation)
        #expect(c.proxiable == proxiable)
    }
}
