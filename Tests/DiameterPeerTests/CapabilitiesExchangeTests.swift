import DiameterCore
import DiameterPeer
import DiameterTestKit
import NIOCore
import Testing

/// RFC 6733 §5.3: the responder's decisions on real CERs.
@Suite("Capabilities exchange")
struct CapabilitiesExchangeTests {
    static let local = LocalPeer(
        originHost: "hss.ims.mnc001.mcc001.3gppnetwork.org", originRealm: "ims.mnc001.mcc001.3gppnetwork.org",
        hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 1)

    func decision(_ bytes: [UInt8], local: LocalPeer = local) throws -> CapabilitiesExchange.Decision {
        CapabilitiesExchange.evaluate(try DiameterDecoder().decode(bytes), local: local)
    }

    func cer(_ configure: (inout PeerCapabilities) -> Void) -> [UInt8] {
        var caps = PeerCapabilities(
            originHost: "scscf.example.org", originRealm: "example.org", hostIPAddresses: [DiameterAddress("127.0.0.1")!],
            vendorID: 10415, productName: "test")
        configure(&caps)
        return Array(buffer: CapabilitiesExchangeRequest(capabilities: caps).encode(hopByHopID: 1, endToEndID: 2))
    }

    @Test("PyHSS's CER (Cx in a Vendor-Specific-Application-Id, and relay) is accepted with Cx in common")
    func pyhss() throws {
        guard case .accept(let peer, let common) = try decision(GoldenMessages.named("2.4").bytes) else {
            Issue.record("refused")
            return
        }
        #expect(common == [ApplicationID.cx])
        #expect(peer.originHost == "hss01")
    }

    @Test("a CER with only another application (go-diameter's, app 4) is refused with 5010")
    func noCommonApplication() throws {
        guard case .reject(let code, _, _, _) = try decision(GoldenMessages.named("2.3").bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(code == .noCommonApplication)
    }

    @Test("freeDiameter with NoRelay (no application at all) is refused with 5010")
    func noApplication() throws {
        guard case .reject(let code, _, _, _) = try decision(cer { _ in }) else { Issue.record("accepted"); return }
        #expect(code == .noCommonApplication)
    }

    @Test("freeDiameter's default CER (relay only) is accepted: a relay supports every application")
    func relayOnly() throws {
        guard case .accept(_, let common) = try decision(cer { $0.authApplicationIDs = [ApplicationID.relay] }) else {
            Issue.record("refused")
            return
        }
        #expect(common == [ApplicationID.cx])
    }

    @Test("python-diameter's CER (Cx as a plain Auth-Application-Id) is accepted")
    func plainAuthApplication() throws {
        guard case .accept = try decision(cer { $0.authApplicationIDs = [ApplicationID.cx] }) else { Issue.record("refused"); return }
    }

    @Test("Kamailio's CER without Host-IP-Address is accepted")
    func kamailioWithoutHostIP() throws {
        let bytes = cer {
            $0.hostIPAddresses = []
            $0.vendorSpecificApplicationIDs = [.cx]
        }
        guard case .accept = try decision(bytes) else { Issue.record("refused"); return }
    }

    @Test("a peer outside the allow-list is refused with 3010, case-insensitively inside it")
    func allowList() throws {
        var local = Self.local
        local.allowedPeers = ["SCSCF.example.org"]
        let inside = cer { $0.vendorSpecificApplicationIDs = [.cx] }
        guard case .accept = try decision(inside, local: local) else { Issue.record("refused"); return }
        let outside = cer {
            $0.originHost = "rogue.example.org"
            $0.vendorSpecificApplicationIDs = [.cx]
        }
        guard case .reject(let code, _, _, _) = try decision(outside, local: local) else { Issue.record("accepted"); return }
        #expect(code == .unknownPeer)
    }

    @Test("a CER missing Origin-Host is refused with 5005")
    func missingOriginHost() throws {
        let m = try DiameterDecoder().decode(cer { $0.vendorSpecificApplicationIDs = [.cx] })
        var w = DiameterMessageWriter(header: m.header)
        for a in m.avps where a.code != AVPDefinition.originHost.code { w.append(a) }
        guard case .reject(let code, _, _, _) = try decision(Array(buffer: w.finish())) else { Issue.record("accepted"); return }
        #expect(code == .missingAVP)
    }

    @Test("the CEA advertises us: Host-IP-Address, Vendor-Id, Product-Name, Origin-State-Id, 10415 and Cx")
    func ceaContents() throws {
        let request = try DiameterDecoder().decode(GoldenMessages.named("2.4").bytes)
        let decision = CapabilitiesExchange.evaluate(request, local: Self.local)
        let (header, cea) = try CapabilitiesExchangeAnswer.decode(CapabilitiesExchange.answer(to: request.header, decision: decision, local: Self.local))
        #expect(header.hopByHopID == request.header.hopByHopID && header.endToEndID == request.header.endToEndID)
        #expect(!header.isError)
        #expect(cea.resultCode == .success)
        #expect(cea.capabilities.hostIPAddresses == [.ipv4(127, 0, 0, 1)])
        #expect(cea.capabilities.supportedVendorIDs == [VendorID.tgpp])
        #expect(cea.capabilities.vendorSpecificApplicationIDs == [.cx])
        #expect(cea.capabilities.originStateID == 1)
        #expect(cea.capabilities.productName == "swift-ims-hss")
    }

    @Test("a 3010 CEA carries the E-bit; a 5010 CEA does not")
    func ceaErrorBit() throws {
        let request = try DiameterDecoder().decode(GoldenMessages.named("2.4").bytes)
        let e3010 = try DiameterDecoder().decode(CapabilitiesExchange.answer(
            to: request.header, decision: .reject(.unknownPeer, reason: "x", peer: nil), local: Self.local))
        #expect(e3010.header.isError)
        #expect(e3010.first(.resultCode)?.unsigned32 == 3010)
        let e5010 = try DiameterDecoder().decode(CapabilitiesExchange.answer(
            to: request.header, decision: .reject(.noCommonApplication, reason: "x", peer: nil), local: Self.local))
        #expect(!e5010.header.isError)
        #expect(e5010.first(.errorMessage)?.string == "x")
    }
}
