import DiameterCore
import DiameterPeer
import DiameterTestKit
import NIOCore
import Testing

/// RFC 6733 §6.1, §7.1.3: routing decisions and the protocol errors they give.
@Suite("Request routing")
struct RequestRouterTests {
    static let local = LocalPeer(
        originHost: SampleMessages.hssHost, originRealm: SampleMessages.realm,
        hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 1)
    let router = RequestRouter(local: local)

    func route(_ bytes: ByteBuffer) throws -> RequestRouter.Decision { router.route(try DiameterDecoder().decode(bytes)) }

    func errorCode(_ d: RequestRouter.Decision) -> ResultCode? {
        if case .error(let e) = d { return e.resultCode }
        return nil
    }

    @Test("a valid MAR for us goes to the application")
    func application() throws {
        guard case .application(let c) = try route(SampleMessages.mar.encode(hopByHopID: 1, endToEndID: 1)) else {
            Issue.record("not routed")
            return
        }
        #expect(c == .multimediaAuth)
    }

    @Test("DWR, DPR and CER go to the peer state machine")
    func base() throws {
        for m in [SampleMessages.dwr.encode(hopByHopID: 1, endToEndID: 1), SampleMessages.dpr.encode(hopByHopID: 1, endToEndID: 1),
                  SampleMessages.cer.encode(hopByHopID: 1, endToEndID: 1)] {
            guard case .base = try route(m) else { Issue.record("not base"); return }
        }
    }

    @Test("another application (S6a 16777251) → 3007")
    func applicationUnsupported() throws {
        let bytes = try DiameterDecoder().decode(GoldenMessages.named("3.4").bytes)  // PyHSS RTR, Cx header
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [.request, .proxiable], commandCode: 316, applicationID: 16_777_251, hopByHopID: 1, endToEndID: 1))
        for a in bytes.avps { w.append(a) }
        #expect(errorCode(try route(w.finish())) == .applicationUnsupported)
    }

    @Test("Destination-Host of another node → 3002 (no relaying)")
    func unableToDeliver() throws {
        var mar = SampleMessages.mar
        mar.envelope.destinationHost = "other-hss.example.org"
        #expect(errorCode(try route(mar.encode(hopByHopID: 1, endToEndID: 1))) == .unableToDeliver)
    }

    @Test("Destination-Realm not ours → 3003; the realm compares case-insensitively")
    func realm() throws {
        var mar = SampleMessages.mar
        mar.envelope.destinationRealm = "elsewhere.org"
        #expect(errorCode(try route(mar.encode(hopByHopID: 1, endToEndID: 1))) == .realmNotServed)
        mar.envelope.destinationRealm = SampleMessages.realm.uppercased()
        mar.envelope.destinationHost = nil
        guard case .application = try route(mar.encode(hopByHopID: 1, endToEndID: 1)) else { Issue.record("refused"); return }
    }

    @Test("an unknown command in Cx → 3001")
    func commandUnsupported() throws {
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [.request, .proxiable], commandCode: 399, applicationID: ApplicationID.cx, hopByHopID: 1, endToEndID: 1))
        w.append(.sessionID, "s;1")
        w.append(.originHost, "scscf.example.org")
        w.append(.originRealm, SampleMessages.realm)
        w.append(.destinationRealm, SampleMessages.realm)
        #expect(errorCode(try route(w.finish())) == .commandUnsupported)
    }

    @Test("a grammar error keeps its 5xxx code and Failed-AVP")
    func grammar() throws {
        let m = try DiameterDecoder().decode(SampleMessages.mar.encode(hopByHopID: 1, endToEndID: 1))
        var w = DiameterMessageWriter(header: m.header)
        for a in m.avps where a.code != AVPDefinition.userName.code { w.append(a) }
        guard case .error(let e) = try route(w.finish()) else { Issue.record("routed"); return }
        #expect(e.resultCode == .missingAVP)
        #expect(e.failedAVP?.code == AVPDefinition.userName.code)
    }

    @Test("the error answer to a 3002 has the E-bit, the request's ids and Session-Id")
    func protocolErrorAnswer() throws {
        var mar = SampleMessages.mar
        mar.envelope.destinationHost = "other-hss.example.org"
        let bytes = mar.encode(hopByHopID: 77, endToEndID: 88)
        guard case .error(let e) = try route(bytes), let answer = ErrorAnswer(error: e, request: bytes) else {
            Issue.record("no error")
            return
        }
        let a = try DiameterDecoder().decode(answer.encode(originHost: Self.local.originHost, originRealm: Self.local.originRealm))
        #expect(a.header.flags == [.proxiable, .error])
        #expect(a.header.hopByHopID == 77 && a.header.endToEndID == 88)
        #expect(a.first(.sessionID)?.string == mar.envelope.sessionID)
        #expect(a.first(.resultCode)?.unsigned32 == 3002)
    }
}
