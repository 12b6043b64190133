import Foundation
import HSSCore

/// CSV for the common fields (RFC 4180: commas, double quotes, CRLF or LF). Import columns, with a header:
///   id, impi, k, opc | op, amf, sqn, digest_realm, digest_password | digest_ha1, impus
/// `impus` is a space-separated list; every IMPU of a row shares one implicit set and a profile "default"
/// without iFCs. Empty cells are absent values. Export columns (no secrets):
///   id, impi, schemes, impus, scscf, registered
enum CSV {
    static let importColumns = ["id", "impi", "k", "opc", "op", "amf", "sqn", "digest_realm", "digest_password", "digest_ha1", "impus"]

    /// Parses CSV text into rows of fields.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.unicodeScalars.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",":
                row.append(field)
                field = ""
            case "\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            case "\r": continue
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    /// The import CSV as NDJSON with the same line numbers (line 1, the header, becomes an empty line).
    static func toNDJSON(_ text: String) throws -> [UInt8] {
        let rows = parse(text)
        guard let header = rows.first else { return [] }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for n in names where !importColumns.contains(n) {
            throw APIError.invalid(["csv": "unknown column \(n) (known: \(importColumns.joined(separator: ", ")))"])
        }
        guard names.contains("id"), names.contains("impi"), names.contains("impus") else {
            throw APIError.invalid(["csv": "the header needs id, impi and impus"])
        }
        var out: [UInt8] = []
        for row in rows.dropFirst() {
            out.append(UInt8(ascii: "\n"))
            var cell: [String: String] = [:]
            for (i, name) in names.enumerated() where i < row.count {
                let v = row[i].trimmingCharacters(in: .whitespaces)
                if !v.isEmpty { cell[name] = v }
            }
            if cell.isEmpty { continue }
            let impi = cell["impi"] ?? ""
            var identity: [String: Any] = ["identity": impi]
            if let k = cell["k"] {
                var aka: [String: Any] = ["k": k]
                if let opc = cell["opc"] { aka["opc"] = opc }
                if let op = cell["op"] { aka["op"] = op }
                if let amf = cell["amf"] { aka["amf"] = amf }
                if let sqn = cell["sqn"] { aka["sqn"] = sqn }
                identity["aka"] = aka
            }
            if let realm = cell["digest_realm"] {
                var digest: [String: Any] = ["realm": realm]
                if let p = cell["digest_password"] { digest["password"] = p }
                if let h = cell["digest_ha1"] { digest["ha1"] = h }
                identity["digest"] = digest
            }
            let impus = (cell["impus"] ?? "").split(separator: " ").map {
                ["identity": String($0), "serviceProfile": "default", "implicitSet": 1, "privateIdentities": [impi]] as [String: Any]
            }
            let subscription: [String: Any] = [
                "id": cell["id"] ?? "", "privateIdentities": [identity], "publicIdentities": impus, "serviceProfiles": [["id": "default"]],
            ]
            out.append(contentsOf: try JSONSerialization.data(withJSONObject: subscription))
        }
        return out
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static let exportHeader = "id,impi,schemes,impus,scscf,registered\n"

    static func exportRow(_ s: IMSSubscription) -> String {
        let registered = s.publicIdentities.filter { s.registrationState(of: $0.identity) != .notRegistered }.map(\.identity)
        return [
            s.id, s.privateIdentities.map(\.identity).joined(separator: " "),
            Set(s.privateIdentities.flatMap { $0.authenticationSchemes.map(\.rawValue) }).sorted().joined(separator: " "),
            s.publicIdentities.map(\.identity).joined(separator: " "), s.state.scscf?.serverName ?? "", registered.joined(separator: " "),
        ].map(quote).joined(separator: ",") + "\n"
    }
}
