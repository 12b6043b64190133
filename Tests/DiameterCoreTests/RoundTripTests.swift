import DiameterCore
import DiameterTestKit
import NIOCore
import Testing

/// Randomly generated valid messages survive encode → decode → re-encode unchanged.
@Suite("Round trip")
struct RoundTripTests {
    @Test("random valid messages round-trip", arguments: 0..<20)
    func randomMessages(_ batch: Int) throws {
        var gen = RandomMessageGenerator(seed: 0xD1A_0000 + UInt64(batch))
        for _ in 0..<100 {
            let (header, avps) = gen.message()
            var w = DiameterMessageWriter(header: header)
            for a in avps { w.append(a) }
            let bytes = w.finish()
            let decoded = try DiameterDecoder().decode(bytes)
            #expect(decoded.header.commandCode == header.commandCode)
            #expect(decoded.header.flags == header.flags)
            #expect(decoded.header.hopByHopID == header.hopByHopID)
            #expect(decoded.header.messageLength == UInt32(bytes.readableBytes))
            #expect(decoded.avpTree() == avps, "seed batch \(batch)")
            #expect(decoded.reencoded() == bytes)
        }
    }

    @Test("typed accessors return what the writer wrote")
    func typedValues() throws {
        var w = DiameterMessageWriter(header: DiameterHeader(flags: .request, commandCode: 257, applicationID: 0, hopByHopID: 1, endToEndID: 2))
        w.append(.originHost, "hss.example.org")
        w.append(.hostIPAddress, DiameterAddress("127.0.0.1")!)
        w.append(.hostIPAddress, DiameterAddress("2001:db8::1")!)
        w.append(.originStateID, UInt32.max)
        w.append(.accountingSubSessionID, UInt64.max - 1)
        w.append(.authSessionState, Int32(1))
        w.append(.eventTimestamp, UInt32(3_913_056_000))  // 2024-01-01T00:00:00Z in NTP seconds
        let m = try DiameterDecoder().decode(w.finish())
        #expect(m.first(.originHost)?.string == "hss.example.org")
        #expect(m.all(.hostIPAddress).map { $0.address?.description } == ["127.0.0.1", "2001:db8::1"])
        #expect(m.first(.originStateID)?.unsigned32 == UInt32.max)
        #expect(m.first(.accountingSubSessionID)?.unsigned64 == UInt64.max - 1)
        #expect(m.first(.authSessionState)?.enumerated == 1)
        #expect(m.first(.authSessionState)?.unsigned64 == nil, "wrong-size accessor gives nil, not a trap")
        #expect(DiameterTextDump.ntpToISO8601(m.first(.eventTimestamp)!.ntpSeconds!) == "2024-01-01T00:00:00Z")
    }

    @Test("IPv6 text forms", arguments: [
        ("::1", "::1"), ("2001:db8:0:0:0:0:0:1", "2001:db8::1"), ("fe80::", "fe80::"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ])
    func ipv6(_ input: String, _ canonical: String) throws {
        let a = try #require(DiameterAddress(input))
        #expect(a.description == canonical)
        #expect(DiameterAddress(bytes: a.encoded) == a)
    }
}
