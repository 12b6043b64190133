import DiameterCore
import DiameterPeer
import DiameterTestKit
import HSSCore
import HSSServer
import NIOCore
import Testing

/// Overload control on the wire (RFC 7683, RFC 8583; docs/hardening.md, "Overload"): DOIC AVPs only for
/// requests that carried OC-Supported-Features, the OC-OLR while overloaded, the node's own throttling of
/// requests no reacting node abated (3004, or 5012 when Destination-Host names the HSS), and the per-peer
/// request rate.
@Suite("Overload control over TCP", .serialized)
struct OverloadOverTCPTests {
    static func mar(doic: Bool, destinationHost: String? = nil) -> MultimediaAuthRequest {
        var r = DurabilityTests.akaMAR()
        if doic { r.envelope.ocSupportedFeatures = OCSupportedFeatures(ocFeatureVector: 1) }
        r.envelope.destinationHost = destinationHost
        return r
    }

    static func send(_ c: TestClient, _ r: MultimediaAuthRequest) async throws -> DiameterMessage {
        let id = CxOverTCPTests.next()
        try await c.send(r.encode(hopByHopID: id, endToEndID: id))
        return try #require(try await c.receive())
    }

    @Test("A DOIC request's answer carries OC-Supported-Features (loss) and Load; a plain one's none; in overload the OLR comes with them and plain requests are throttled (3004 E-bit, 5012 with Destination-Host the HSS)")
    func doic() async throws {
        let gate = OverloadGate(originHost: CxOverTCPTests.hss)
        let r = try await CxOverTCPTests.start(overload: gate)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)

        let plain = try MultimediaAuthAnswer(decoding: try await Self.send(scscf, Self.mar(doic: false)))
        #expect(plain.envelope.result == .success)
        #expect(plain.envelope.ocSupportedFeatures == nil && plain.envelope.ocOLR == nil && plain.envelope.loads.isEmpty, "RFC 7683 §5.1.2: none without OC-Supported-Features")
        let doic = try MultimediaAuthAnswer(decoding: try await Self.send(scscf, Self.mar(doic: true)))
        #expect(doic.envelope.result == .success)
        #expect(doic.envelope.ocSupportedFeatures?.ocFeatureVector == 1)
        #expect(doic.envelope.ocOLR == nil)
        #expect(doic.envelope.loads.map(\.loadType) == [.host, .peer] && doic.envelope.loads.allSatisfy { $0.sourceID == CxOverTCPTests.hss })

        // Overloaded: every plain request is throttled here; DOIC requests were abated by their sender.
        gate.publish(OverloadStatus(report: OverloadReport(sequenceNumber: 9, reductionPercentage: 100, validityDuration: 30), throttlePercentage: 100, load: 65535))
        let reported = try MultimediaAuthAnswer(decoding: try await Self.send(scscf, Self.mar(doic: true)))
        #expect(reported.envelope.result == .success)
        #expect(reported.envelope.ocOLR == OCOLR(ocSequenceNumber: 9, ocReportType: .hostReport, ocReductionPercentage: 100, ocValidityDuration: 30))
        #expect(reported.envelope.loads.first?.loadValue == 65535)
        let busy = try await Self.send(scscf, Self.mar(doic: false))
        #expect(busy.first(.resultCode)?.unsigned32 == 3004 && busy.header.flags.contains(.error))
        let toUs = try await Self.send(scscf, Self.mar(doic: false, destinationHost: CxOverTCPTests.hss))
        #expect(toUs.first(.resultCode)?.unsigned32 == 5012 && !toUs.header.flags.contains(.error), "RFC 7683 §8: a retry would come back here")
        // The condition ends: plain requests are served again, and the connection lived through it.
        gate.publish(OverloadStatus(report: OverloadReport(sequenceNumber: 10, reductionPercentage: 0, validityDuration: 0)))
        #expect(try MultimediaAuthAnswer(decoding: try await Self.send(scscf, Self.mar(doic: false))).envelope.result == .success)
        let ended = try MultimediaAuthAnswer(decoding: try await Self.send(scscf, Self.mar(doic: true)))
        #expect(ended.envelope.ocOLR?.ocValidityDuration == 0 && ended.envelope.ocOLR?.ocSequenceNumber == 10)
        await scscf.close()
        await r.server.shutdown()
    }

    @Test("Per-peer rate: beyond the server's default a burst gets 3004; a peer whose rule allows more is served; the connection lives on")
    func rate() async throws {
        let policy = PeerAuthorization(rules: [
            .init(originHost: CxOverTCPTests.scscf1, applications: [ApplicationID.cx]),
            .init(originHost: CxOverTCPTests.scscf2, applications: [ApplicationID.cx], maxRequestsPerSecond: 10_000),
        ])
        let r = try await CxOverTCPTests.start(authorization: policy, overload: OverloadGate(originHost: CxOverTCPTests.hss, defaultPeerRate: 5))
        func burst(_ host: String) async throws -> (ok: Int, busy: Int) {
            let c = try await CxOverTCPTests.client(r, host)
            defer { Task { await c.close() } }
            let base = CxOverTCPTests.next() &* 1000
            for i in 0..<20 {
                var m = DurabilityTests.akaMAR(from: host)
                m.envelope.originHost = host
                try await c.send(m.encode(hopByHopID: base + UInt32(i), endToEndID: base + UInt32(i)))
            }
            var counts = (ok: 0, busy: 0)
            for _ in 0..<20 {
                let a = try #require(try await c.receive())
                if a.first(.resultCode)?.unsigned32 == 3004 { counts.busy += 1 } else { counts.ok += 1 }
            }
            return counts
        }
        let limited = try await burst(CxOverTCPTests.scscf1)
        #expect(limited.ok >= 5 && limited.ok <= 7 && limited.busy == 20 - limited.ok, "\(limited)")
        let allowed = try await burst(CxOverTCPTests.scscf2)
        #expect(allowed.ok == 20, "\(allowed)")
        await r.server.shutdown()
    }
}
