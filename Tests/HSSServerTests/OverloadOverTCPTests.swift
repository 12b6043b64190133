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

    @Test("Throttled before decoding: the answer is the decoded path's, byte for byte; a retransmission, a spoofed Origin-Host, Proxy-Info, a foreign Destination-Realm and broken framing are still decided by the decoded path")
    func refusedBeforeDecoding() async throws {
        let gate = OverloadGate(originHost: CxOverTCPTests.hss)
        let policy = PeerAuthorization(rules: [.init(originHost: CxOverTCPTests.scscf1, applications: [ApplicationID.cx])])
        let r = try await CxOverTCPTests.start(authorization: policy, overload: gate)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        // Served before the overload: its retransmission must replay this answer (RFC 6733 §6.1.1).
        let first = Self.mar(doic: false)
        var original = first.encode(hopByHopID: 7001, endToEndID: 7001)
        try await scscf.send(original)
        let served = try #require(try await scscf.receive())
        #expect(served.first(.resultCode)?.unsigned32 == 2001)
        gate.publish(OverloadStatus(report: OverloadReport(sequenceNumber: 3, reductionPercentage: 100, validityDuration: 30), throttlePercentage: 100, load: 65535))

        // A plain MAR: refused before decoding, with what ErrorAnswer writes for the decoded request.
        let plain = Self.mar(doic: false, destinationHost: nil)
        let bytes = plain.encode(hopByHopID: 7002, endToEndID: 7002)
        try await scscf.send(bytes)
        let busy = try #require(try await scscf.receive())
        let request = try DiameterDecoder().decode(bytes)
        let expected = ErrorAnswer(
            requestHeader: request.header, error: DiameterMessageError(.tooBusy, offset: 0, reason: "too busy", header: request.header),
            sessionID: request.first(.sessionID)?.string
        ).encode(originHost: CxOverTCPTests.hss, originRealm: CxOverTCPTests.realm)
        #expect(Array(busy.bytes.readableBytesView) == Array(expected.readableBytesView))

        // The retransmission (T-flag) of the MAR served before: its answer again, not 3004.
        original.setInteger(original.getInteger(at: 4, as: UInt8.self)! | 0x10, at: 4)
        try await scscf.send(original)
        let replay = try #require(try await scscf.receive())
        #expect(replay.first(.resultCode)?.unsigned32 == 2001 && replay.header.hopByHopID == 7001)
        // Another node's Origin-Host from a peer that is not a relay: refused as a spoof (RFC 6733 §6.1), not throttled.
        var spoof = Self.mar(doic: false)
        spoof.envelope.originHost = CxOverTCPTests.scscf2
        let spoofed = try await Self.send(scscf, spoof)
        #expect(spoofed.first(.resultCode)?.unsigned32 == ResultCode.authorizationRejected.value)
        // Proxy-Info: throttled, and the answer carries it back (RFC 6733 §6.2).
        var proxied = Self.mar(doic: false)
        proxied.envelope.proxyInfo = [ProxyInfo(proxyHost: "dra.example", proxyState: [1, 2, 3])]
        let proxiedAnswer = try await Self.send(scscf, proxied)
        #expect(proxiedAnswer.first(.resultCode)?.unsigned32 == 3004 && proxiedAnswer.first(.proxyInfo) != nil)
        // A realm this node does not serve: 3003, as without overload.
        var foreign = Self.mar(doic: false)
        foreign.envelope.destinationRealm = "elsewhere.example"
        #expect(try await Self.send(scscf, foreign).first(.resultCode)?.unsigned32 == ResultCode.realmNotServed.value)
        // An AVP whose length runs past the message: the decoded path's 5014 (Failed-AVP), and the connection lives on.
        var broken = Self.mar(doic: false).encode(hopByHopID: 7003, endToEndID: 7003)
        broken.setInteger(UInt32(0x4000_0FFF), at: DiameterHeader.size + 4)
        try await scscf.send(broken)
        let refused = try #require(try await scscf.receive())
        #expect(refused.first(.resultCode)?.unsigned32 == ResultCode.invalidAVPLength.value)
        gate.publish(OverloadStatus(report: OverloadReport(sequenceNumber: 4, reductionPercentage: 0, validityDuration: 0)))
        #expect(try MultimediaAuthAnswer(decoding: try await Self.send(scscf, Self.mar(doic: false))).envelope.result == .success)
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
        // The 20 requests go out in one write. `seconds`: from just before that write to the last answer,
        // the longest the bucket can have refilled for while the burst was being served.
        func burst(_ host: String) async throws -> (ok: Int, busy: Int, seconds: Double) {
            let c = try await CxOverTCPTests.client(r, host)
            defer { Task { await c.close() } }
            let base = CxOverTCPTests.next() &* 1000
            let requests = (0..<20).map { i -> ByteBuffer in
                var m = DurabilityTests.akaMAR(from: host)
                m.envelope.originHost = host
                return m.encode(hopByHopID: base + UInt32(i), endToEndID: base + UInt32(i))
            }
            let start = ContinuousClock.now
            try await c.send(requests)
            var counts = (ok: 0, busy: 0, seconds: 0.0)
            for _ in 0..<20 {
                let a = try #require(try await c.receive())
                if a.first(.resultCode)?.unsigned32 == 3004 { counts.busy += 1 } else { counts.ok += 1 }
            }
            let elapsed = ContinuousClock.now - start
            counts.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return counts
        }
        let limited = try await burst(CxOverTCPTests.scscf1)
        // The bucket holds 5 tokens and gains 5 a second: at most 5 + 5 x seconds (+1 for rounding) are
        // admitted however slow the machine is, and at least the 5 it starts with.
        let most = 5 + Int((5 * limited.seconds).rounded(.up)) + 1
        #expect(limited.ok >= 5 && limited.ok <= most && limited.busy == 20 - limited.ok, "\(limited)")
        let allowed = try await burst(CxOverTCPTests.scscf2)
        #expect(allowed.ok == 20, "\(allowed)")
        await r.server.shutdown()
    }
}
