import DiameterCore
import DiameterTestKit
import NIOCore
import Testing

/// Everything our encoder builds passes Wireshark's Diameter dissector without a malformed or expert
/// warning/error flag. Skipped where tshark is not installed (`.ci/run` installs it).
@Suite("tshark wire check", .enabled(if: Tshark.isAvailable, "tshark/text2pcap not installed (apt-get install tshark)"))
struct TsharkTests {
    /// Messages built by our encoder: each golden message re-encoded from its parsed structure, plus
    /// messages built field by field.
    static func encoderOutput() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for g in GoldenMessages.messages {
            out.append(Array(buffer: try DiameterDecoder().decode(g.bytes).reencoded()))
        }
        out += SampleMessages.all.map { Array(buffer: $0) }
        return out
    }

    @Test("no malformed or expert flag on any message we encode")
    func encoderOutputIsClean() throws {
        let messages = try Self.encoderOutput()
        let report = try Tshark.dissect(messages)
        #expect(report.diameterPDUs == messages.count, "every message dissected as Diameter")
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test("the check itself fails on a broken message")
    func checkerCatchesBreakage() throws {
        var bytes = GoldenMessages.named("1.1").bytes
        bytes[20 + 64 + 8 + 3] = 0xFF  // Vendor-Specific-Application-Id member length overruns
        let report = try Tshark.dissect([bytes])
        #expect(!report.problems.isEmpty)
    }
}
