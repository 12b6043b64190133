import DiameterCore
import DiameterTestKit
import Foundation
import NIOCore
import Testing

/// Byte-exact vectors for the S6a and Sh messages (constructed: the samples of DiameterTestKit encoded
/// once, checked by tshark in TsharkTests, and kept in Fixtures/s6a-sh-samples.txt). Each line decodes to
/// the sample's values and re-encodes to the same bytes; the fuzz script seeds its corpus from the file.
/// `HSS_WRITE_FIXTURES=1 swift test --filter S6aShGoldenTests` rewrites the file after a deliberate change.
@Suite("S6a and Sh golden vectors")
struct S6aShGoldenTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/s6a-sh-samples.txt").path

    static func encoded() -> [(String, [UInt8])] {
        SampleMessages.s6aAndSh.enumerated().map { i, m in
            let type = Swift.type(of: m)
            let name = type.command.abbreviation(isRequest: type.isRequest)
            return ("\(type.command.applicationID == 16_777_217 ? "Sh" : "S6a") \(name)", Array(buffer: m.encode(hopByHopID: UInt32(i + 1), endToEndID: UInt32(1000 + i))))
        }
    }

    @Test("every S6a and Sh vector decodes to its sample and re-encodes byte-identically")
    func vectors() throws {
        let current = Self.encoded()
        if ProcessInfo.processInfo.environment["HSS_WRITE_FIXTURES"] == "1" {
            let text = "# S6a (TS 29.272) and Sh (TS 29.329) messages, one a line: interface, command, hex.\n"
                + current.map { "\($0.0) \(hex($0.1))" }.joined(separator: "\n") + "\n"
            try text.write(toFile: Self.path, atomically: true, encoding: .utf8)
        }
        let lines = try String(contentsOfFile: Self.path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == current.count, "one vector per sample")
        for (line, (name, bytes)) in zip(lines, current) {
            let fields = line.split(separator: " ")
            let label = fields.dropLast().joined(separator: " ")
            let vector = try #require(fields.last.flatMap { DiameterCore.bytes(fromHex: String($0)) }, "\(label): hex")
            #expect(label == name)
            #expect(vector == bytes, "\(name): our encoder no longer writes the vector")
            let message = try DiameterDecoder().decode(vector)
            #expect(try message.validate() != nil, "\(name): known command, grammar holds")
            let typed = try #require(try DiameterDictionary.decodeTyped(message))
            #expect(Array(buffer: typed.encode(hopByHopID: message.header.hopByHopID, endToEndID: message.header.endToEndID)) == vector, "\(name): re-encodes byte-identically")
        }
    }
}
