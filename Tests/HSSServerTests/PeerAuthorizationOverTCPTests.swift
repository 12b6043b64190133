import DiameterCore
import DiameterPeer
import DiameterTestKit
import HSSCore
import HSSServer
import NIOCore
import Testing

/// Peer authorisation end to end (docs/hardening.md): the listed CSCF may use Cx, the listed MME only
/// AIR, an unlisted peer is refused at the CER, a spoofed Origin-Host is refused, a relay may forward,
/// and a policy replaced at run time disconnects a peer it no longer lists.
@Suite("Peer authorisation over TCP", .serialized)
struct PeerAuthorizationOverTCPTests {
    static let policy = PeerAuthorization(rules: [
        .init(originHost: CxOverTCPTests.scscf1, applications: [ApplicationID.cx]),
        .init(originHost: S6aOverTCPTests.mme1, applications: [ApplicationID.s6a], commands: [CommandDefinition.authenticationInformation.code]),
        .init(originHost: "dra.localdomain", applications: [ApplicationID.cx, ApplicationID.s6a], relay: true),
    ])

    static func resultCode(_ m: DiameterMessage?) -> UInt32? {
        m?.first(.resultCode)?.unsigned32 ?? m?.first(.experimentalResult)?.first(.experimentalResultCode)?.unsigned32
    }

    @Test("Unlisted peer → CEA 3010; listed peers use what their rule allows, 3007 / 3001 (E-bit) beyond it; a spoofed Origin-Host → 5003; a relay may forward")
    func enforcing() async throws {
        let r = try await CxOverTCPTests.start(authorization: Self.policy)
        let address = r.server.localAddresses[0]
        await #expect(throws: TestClient.CapabilitiesRefused.self) {
            _ = try await TestClient.connectPeer(to: address, originHost: "rogue.localdomain", originRealm: CxOverTCPTests.realm, applications: [.cx, .s6a])
        }

        let mme = try await TestClient.connectPeer(to: address, originHost: S6aOverTCPTests.mme1, originRealm: CxOverTCPTests.realm, applications: [.cx, .s6a])
        let aia = try await CxOverTCPTests.ask(mme, S6aOverTCPTests.air(), AuthenticationInformationAnswer.self)
        #expect(aia.envelope.result == .success)
        // ULR is not in its rule: 3001, E-bit, and the connection stays.
        try await mme.send(S6aOverTCPTests.ulr(S6aOverTCPTests.mme1).encode(hopByHopID: 41, endToEndID: 41))
        let ula = try #require(try await mme.receive())
        #expect(Self.resultCode(ula) == 3001 && ula.header.flags.contains(.error))
        // Cx is not in its rule: 3007 with the E-bit.
        try await mme.send(DurabilityTests.akaMAR(from: S6aOverTCPTests.mme1).encode(hopByHopID: 42, endToEndID: 42))
        let maa = try #require(try await mme.receive())
        #expect(Self.resultCode(maa) == 3007 && maa.header.flags.contains(.error))
        // An AIR naming another MME as its origin: a spoof from a peer that is no relay → 5003, no vectors.
        var spoofed = S6aOverTCPTests.air()
        spoofed.envelope.originHost = "mme2.localdomain"
        try await mme.send(spoofed.encode(hopByHopID: 43, endToEndID: 43))
        let refused = try #require(try await mme.receive())
        #expect(Self.resultCode(refused) == 5003 && refused.first(.authenticationInfo) == nil)
        #expect(try await CxOverTCPTests.ask(mme, S6aOverTCPTests.air(), AuthenticationInformationAnswer.self).envelope.result == .success)

        // The S-CSCF uses Cx.
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        #expect(try await CxOverTCPTests.ask(scscf, DurabilityTests.akaMAR(), MultimediaAuthAnswer.self).envelope.result == .success)
        // A relay forwards an MME's AIR: its Origin-Host is the MME's, and it is answered.
        let dra = try await TestClient.connectPeer(to: address, originHost: "dra.localdomain", originRealm: CxOverTCPTests.realm, applications: [.cx, .s6a])
        var relayed = S6aOverTCPTests.air()
        relayed.envelope.originHost = "mme7.localdomain"
        #expect(try await CxOverTCPTests.ask(dra, relayed, AuthenticationInformationAnswer.self).envelope.result == .success)
        await dra.close()
        await scscf.close()
        await mme.close()
        await r.server.shutdown()
    }

    @Test("A policy replaced at run time: a peer it no longer lists is disconnected at its next request; a newly listed one connects")
    func replaced() async throws {
        let r = try await CxOverTCPTests.start(authorization: Self.policy)
        let address = r.server.localAddresses[0]
        let mme = try await TestClient.connectPeer(to: address, originHost: S6aOverTCPTests.mme1, originRealm: CxOverTCPTests.realm, applications: [.s6a])
        #expect(try await CxOverTCPTests.ask(mme, S6aOverTCPTests.air(), AuthenticationInformationAnswer.self).envelope.result == .success)
        var next = Self.policy
        next.rules?.removeAll { $0.originHost == S6aOverTCPTests.mme1 }
        next.rules?.append(.init(originHost: "mme2.localdomain", applications: [ApplicationID.s6a]))
        #expect(r.application.admin.setPeerAuthorization(next))
        try await mme.send(S6aOverTCPTests.air().encode(hopByHopID: 51, endToEndID: 51))
        #expect(try await mme.receive() == nil, "the connection is closed without an answer")
        let mme2 = try await TestClient.connectPeer(to: address, originHost: "mme2.localdomain", originRealm: CxOverTCPTests.realm, applications: [.s6a])
        #expect(try await CxOverTCPTests.ask(mme2, S6aOverTCPTests.air("mme2.localdomain"), AuthenticationInformationAnswer.self).envelope.result == .success)
        await mme2.close()
        await mme.close()
        await r.server.shutdown()
    }
}
