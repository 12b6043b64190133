import Foundation

/// xmllint's verdict on a document against an XSD.
public enum XMLLint {
    /// (valid, xmllint's output), or nil when xmllint is not installed (scripts/setup-debian.sh --test
    /// installs libxml2-utils).
    public static func validate(_ xml: [UInt8], schema: String) throws -> (ok: Bool, output: String)? {
        guard let lint = Tshark.which("xmllint") else { return nil }
        let doc = FileManager.default.temporaryDirectory.appendingPathComponent("xmllint-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).xml")
        try Data(xml).write(to: doc)
        defer { try? FileManager.default.removeItem(at: doc) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: lint)
        p.arguments = ["--noout", "--schema", schema, doc.path]
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus == 0, out)
    }
}

/// The Sh-Data schema of this repository (docs/schemas/ShDataType.xsd).
public enum ShDataSchema {
    public static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/schemas/ShDataType.xsd").standardized.path

    /// xmllint's verdict on `xml` against the Sh-Data schema; nil without xmllint.
    public static func validate(_ xml: [UInt8]) throws -> (ok: Bool, output: String)? { try XMLLint.validate(xml, schema: path) }
}
