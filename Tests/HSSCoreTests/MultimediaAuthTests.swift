import DiameterCore
import HSSCore
import NIOCore
import Testing

/// MAR → MAA, one test per rule of procedures.md §4 (TS 29.228 §6.3.1, §8.1; TS 33.203).
@Suite("MAR (TS 29.228 §6.3.1, §8.1)")
struct MultimediaAuthTests {
    let impi = "alice@ims.example.net"
    let impu = "sip:alice@ims.example.net"

    @Test("Step 2: unknown → Exp 5001; identities apart → Exp 5002")
    func identities() throws {
        #expect(try Fx.run(Fx.mar("nobody@ims.example.net", impu), nil).resultCode == .errorUserUnknown)
        #expect(try Fx.run(Fx.mar(impi, "sip:carol@ims.example.net"), Fx.alice).resultCode == .errorIdentitiesDontMatch)
    }

    @Test("Step 3: a scheme the HSS does not know, or the IMPI may not use → Exp 5006", arguments: ["Kerberos", "NASS-Bundled", "Early-IMS-Security"])
    func unsupportedScheme(_ scheme: String) throws {
        #expect(try Fx.run(Fx.mar(impi, impu, scheme: scheme), Fx.alice).resultCode == .errorAuthSchemeNotSupported)
    }

    @Test("Step 3: \"Unknown\" → the provisioned scheme (the first allowed)")
    func unknownScheme() throws {
        let o = try Fx.run(Fx.mar(impi, impu, scheme: "Unknown"), Fx.alice)
        #expect(o.answer.sipAuthDataItems.first?.sipAuthenticationScheme == "Digest-AKAv1-MD5")
        let c = try Fx.run(Fx.mar("carol-tablet@ims.example.net", "sip:carol@ims.example.net", scheme: "Unknown"), Fx.carol)
        #expect(c.answer.sipAuthDataItems.first?.sipAuthenticationScheme == "NASS-Bundled")
    }

    @Test("Digest-AKAv1-MD5: n vectors numbered from 1, SQN stepping SEQ with our IND, each verifiable with Milenage")
    func akaVectors() throws {
        let o = try Fx.run(Fx.mar(impi, impu, n: 3), Fx.alice)
        #expect(o.resultCode == .success)
        let a = o.answer
        #expect(a.userName == impi)
        #expect(a.publicIdentity == impu)
        #expect(a.sipNumberAuthItems == 3)
        #expect(a.sipAuthDataItems.map(\.sipItemNumber) == [1, 2, 3])
        let scheme = SequenceNumberScheme(ind: 3)
        var expectedSQN: UInt64 = 0x20
        var m = try Milenage()
        for item in a.sipAuthDataItems {
            expectedSQN = scheme.next(after: expectedSQN)
            let authenticate = try #require(item.sipAuthenticate)
            #expect(authenticate.count == 32)
            let rand = try #require(Block128(bytes: authenticate[0..<16]))
            let v = m.vector(k: Fx.k, opc: Fx.opc, rand: rand, sqn: expectedSQN, amf: 0xB9B9)
            #expect(authenticate == v.sipAuthenticate, "RAND ‖ AUTN")
            #expect(item.sipAuthorization == v.sipAuthorization, "XRES")
            #expect(item.confidentialityKey == v.ck.bytes)
            #expect(item.integrityKey == v.ik.bytes)
        }
        #expect(o.updated?.state.sqn[impi] == expectedSQN)
        #expect(scheme.ind(of: expectedSQN) == 3)
        // A second MAR continues from the stored SQN.
        let next = try Fx.run(Fx.mar(impi, impu), try #require(o.updated))
        #expect(next.updated?.state.sqn[impi] == scheme.next(after: expectedSQN))
    }

    @Test("SIP-Number-Auth-Items above the configured maximum is capped; 0 gives one")
    func cap() throws {
        #expect(try Fx.run(Fx.mar(impi, impu, n: 50), Fx.alice).answer.sipAuthDataItems.count == 4)
        #expect(try Fx.run(Fx.mar(impi, impu, n: 0), Fx.alice).answer.sipAuthDataItems.count == 1)
    }

    @Test("Digest-AKAv2-SHA-256 is served from the same AKA credentials")
    func akav2() throws {
        let o = try Fx.run(Fx.mar(impi, impu, scheme: "Digest-AKAv2-SHA-256"), Fx.alice)
        #expect(o.resultCode == .success)
        #expect(o.answer.sipAuthDataItems.first?.sipAuthenticationScheme == "Digest-AKAv2-SHA-256")
    }

    @Test("SIP Digest (and the pre-standard Digest-MD5 name): Digest-HA1 = MD5(IMPI:realm:password), never the password or K",
          arguments: ["SIP Digest", "Digest-MD5"])
    func digest(_ scheme: String) throws {
        let o = try Fx.run(Fx.mar(impi, impu, scheme: scheme), Fx.alice)
        #expect(o.resultCode == .success)
        let item = try #require(o.answer.sipAuthDataItems.first)
        #expect(item.sipAuthenticationScheme == "SIP Digest")
        let d = try #require(item.sipDigestAuthenticate)
        #expect(d.digestRealm == Fx.realm)
        #expect(d.digestQoP == "auth")
        // md5("alice@ims.example.net:ims.example.net:s3cret"), computed independently.
        #expect(String(decoding: try #require(d.digestHA1), as: UTF8.self) == "50591da2a0752d4d2db1d2fab27342c5")
        let wire = Array(o.answer.encode(hopByHopID: 1, endToEndID: 1).readableBytesView)
        #expect(!wire.contains(subsequence: Array("s3cret".utf8)))
        #expect(!wire.contains(subsequence: Fx.k.bytes))
        #expect(item.sipAuthenticate == nil && item.confidentialityKey == nil)
    }

    @Test("NASS-Bundled: the Line-Identifier of the IMPI")
    func nass() throws {
        let o = try Fx.run(Fx.mar("carol-tablet@ims.example.net", "sip:carol@ims.example.net", scheme: "NASS-Bundled"), Fx.carol)
        #expect(o.answer.sipAuthDataItems.first?.lineIdentifiers == [Array("line-7".utf8)])
    }

    @Test("Step 5: the MAR stores the S-CSCF (pending until the SAR)")
    func assignment() throws {
        let o = try Fx.run(Fx.mar(impi, impu), Fx.alice)
        #expect(o.updated?.state.scscf == SCSCFAssignment(serverName: Fx.scscf1, originHost: Fx.scscf1Host, originRealm: Fx.realm, authenticationPending: true))
        #expect(o.requests.isEmpty)
    }

    @Test("Step 5 / §8.1.1: a MAR from a new S-CSCF overwrites the stored one and sends RTR NEW_SERVER_ASSIGNED to the old one")
    func newServer() throws {
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let o = try Fx.run(Fx.mar(impi, impu, server: Fx.scscf2, host: Fx.scscf2Host), s)
        #expect(o.resultCode == .success)
        #expect(o.updated?.state.scscf?.serverName == Fx.scscf2)
        #expect(o.updated?.state.scscf?.originHost == Fx.scscf2Host)
        guard case .registrationTermination(let rtr) = try #require(o.requests.first) else { Issue.record("no RTR"); return }
        #expect(rtr.destinationHost == Fx.scscf1Host)
        #expect(rtr.reason.reasonCode == .newServerAssigned)
        #expect(rtr.userName == impi)
        #expect(Set(rtr.publicIdentities) == [impu, "tel:+15550001"])
        // Same Diameter node under another name: no de-registration needed (§8.1.1).
        let same = try Fx.run(Fx.mar(impi, impu, server: Fx.scscf2, host: Fx.scscf1Host), s)
        #expect(same.requests.isEmpty)
        // Nothing registered: nothing to tell.
        let idle = try Fx.run(Fx.mar(impi, impu, server: Fx.scscf2, host: Fx.scscf2Host), Fx.with(Fx.alice, impu, .notRegistered, impi: impi, pending: true))
        #expect(idle.requests.isEmpty)
    }

    /// RAND ‖ AUTS as a USIM at SQN_MS would send it (TS 33.102 §6.3.3).
    func auts(sqnMS: UInt64, rand: Block128, k: Block128 = Fx.k) throws -> [UInt8] {
        var m = try Milenage()
        let o = m.compute(k: k, opc: Fx.opc, rand: rand, sqn: sqnMS, amf: 0x0000)
        let concealed = (sqnMS ^ o.akStar) & 0xFFFF_FFFF_FFFF
        var bytes = rand.bytes
        for shift in stride(from: 40, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: concealed >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: o.macS >> UInt64(shift))) }
        return bytes
    }

    @Test("Step 4: resynchronisation with a valid MAC-S → SQN_HE := SQN_MS, fresh vectors above it, RC 2001")
    func resync() throws {
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let rand = Block128(hex: "23553cbe9637a89d218ae64dae47bf35")!
        let sqnMS: UInt64 = 0x1234_5678
        let o = try Fx.run(Fx.mar(impi, impu, server: Fx.scscf1, authorization: try auts(sqnMS: sqnMS, rand: rand)), s)
        #expect(o.resultCode == .success)
        #expect(o.updated?.state.sqn[impi] == SequenceNumberScheme(ind: 3).next(after: sqnMS))
        #expect(o.requests.isEmpty)
    }

    @Test("Step 4: a bad MAC-S → RC 5012, never 2001; no vectors")
    func resyncBadMAC() throws {
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        var bad = try auts(sqnMS: 0x99, rand: Block128(hex: "00112233445566778899aabbccddeeff")!)
        bad[29] ^= 1
        let o = try Fx.run(Fx.mar(impi, impu, authorization: bad), s)
        #expect(o.resultCode == .unableToComply)
        #expect(o.answer.sipAuthDataItems.isEmpty)
        #expect(o.updated == nil)
    }

    @Test("Step 4: resynchronisation from another S-CSCF, or with none stored → RC 5012")
    func resyncWrongServer() throws {
        let good = try auts(sqnMS: 0x99, rand: Block128(hex: "00112233445566778899aabbccddeeff")!)
        #expect(try Fx.run(Fx.mar(impi, impu, authorization: good), Fx.alice).resultCode == .unableToComply)
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        #expect(try Fx.run(Fx.mar(impi, impu, server: Fx.scscf2, host: Fx.scscf2Host, authorization: good), s).resultCode == .unableToComply)
    }

    @Test("Step 4: SIP-Authorization that is not RAND ‖ AUTS → RC 5004 with Failed-AVP")
    func resyncMalformed() throws {
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let o = try Fx.run(Fx.mar(impi, impu, authorization: [1, 2, 3]), s)
        #expect(o.resultCode == .invalidAVPValue)
        #expect(o.answer.envelope.failedAVP.first?.code == AVPDefinition.sipAuthorization.code)
    }

    @Test("The scheme is allowed but its credentials are missing → RC 5012")
    func missingCredentials() throws {
        var s = Fx.alice
        s.privateIdentities[0].digest = nil
        #expect(try Fx.run(Fx.mar(impi, impu, scheme: "SIP Digest"), s).resultCode == .unableToComply)
    }
}

extension Array where Element: Equatable {
    func contains(subsequence s: [Element]) -> Bool {
        guard !s.isEmpty, s.count <= count else { return false }
        return (0...(count - s.count)).contains { Array(self[$0..<($0 + s.count)]) == s }
    }
}
