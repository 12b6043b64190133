import Foundation

/// Runs messages through Wireshark's dissector as an independent wire-format check: `text2pcap -l 147`
/// wraps each message in a pcap record of user DLT 147, and `tshark -V` dissects it as Diameter.
public enum Tshark {
    public static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static var isAvailable: Bool { which("tshark") != nil && which("text2pcap") != nil }

    public struct Report: Sendable {
        /// The full `tshark -V` output.
        public var output: String
        /// Number of Diameter PDUs dissected.
        public var diameterPDUs: Int
        /// Lines that flag a malformed packet or an expert warning/error.
        public var problems: [String]
    }

    /// Dissects `messages` (one pcap record each) and collects malformed/expert flags.
    public static func dissect(_ messages: [[UInt8]]) throws -> Report {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tshark-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var dump = ""
        for m in messages {
            // text2pcap's od-style input: an offset starting at 0 begins a new packet.
            var offset = 0
            while offset < m.count {
                let line = m[offset..<min(offset + 16, m.count)]
                dump += String(format: "%06x ", offset) + line.map { String(format: "%02x", $0) }.joined(separator: " ") + "\n"
                offset += 16
            }
        }
        let txt = dir.appendingPathComponent("in.txt")
        let pcap = dir.appendingPathComponent("in.pcap")
        try dump.write(to: txt, atomically: true, encoding: .utf8)
        _ = try run(which("text2pcap") ?? "text2pcap", ["-q", "-l", "147", txt.path, pcap.path])
        let out = try run(
            which("tshark") ?? "tshark",
            ["-r", pcap.path, "-o", #"uat:user_dlts:"User 0 (DLT=147)","diameter","0","","0","""#, "-V"])
        let lines = out.split(separator: "\n").map(String.init)
        // Any expert information at all (Error, Warning, Note, Chat) or a malformed-packet mark.
        let problems = lines.filter { $0.contains("Malformed") || $0.contains("Expert Info") }
        let pdus = lines.filter { $0 == "Diameter Protocol" }.count
        return Report(output: out, diameterPDUs: pdus, problems: problems)
    }

    struct ToolFailed: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ToolFailed(description: "\(tool) exited with \(p.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
