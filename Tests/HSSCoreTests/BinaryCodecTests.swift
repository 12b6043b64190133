import HSSCore
import Testing

/// The storage form of the subscriber model round-trips, and bad bytes are errors, never crashes.
@Suite("Binary subscriber codec")
struct BinaryCodecTests {
    static var samples: [IMSSubscription] {
        var registered = Fx.with(UserDataTests.rich, "sip:alice@ims.example.net", .registered, impi: "alice@ims.example.net")
        registered.state.sqn["alice@ims.example.net"] = 0x1234_5678_9A
        registered.state.restoration["alice@ims.example.net"] = StoredRestoration(
            userName: "alice@ims.example.net",
            flows: [.init(path: [1, 2], contact: [3], initialCSeqSequenceNumber: 7, callIDSIPHeader: [9, 9])],
            registrationTimeOut: 99, sipAuthenticationScheme: "Digest-AKAv1-MD5")
        var carol = Fx.carol
        carol.capabilities = CapabilitySet(mandatory: [1, 300_000], optional: [], serverNames: ["sip:s"])
        carol.imsBarred = true
        var attached = registered
        attached.eps = S6aProceduresTests.eps
        attached.eps?.accessRestrictions = [.utranNotAllowed, .nbIoTNotAllowed]
        attached.eps?.akaIdentity = "alice@ims.example.net"
        attached.state.mme = MMERegistration(
            originHost: "mme1", originRealm: "epc", mmeNumber: [0x91, 0x21], visitedPLMN: [0x00, 0xF1, 0x10], ratType: 1004, ulrFlags: 34,
            imei: "3542980000000", softwareVersion: "01", ueSRVCCCapability: 1, imsVoiceOverPS: 0, purged: true)
        return [Fx.alice, carol, Fx.psi, registered, attached]
    }

    @Test("Records without EPS data keep format version 1 (what older binaries wrote); EPS data and a serving MME make them version 2")
    func versions() throws {
        let (p1, s1) = Self.encode(Self.samples[3])
        #expect(p1.first == 1 && s1.first == 1)
        let (p2, s2) = Self.encode(Self.samples[4])
        #expect(p2.first == 2 && s2.first == 2)
        // Version 2 is version 1 followed by the EPS part.
        var withoutEPS = Self.samples[4]
        withoutEPS.eps = nil
        withoutEPS.state.mme = nil
        let (p0, s0) = Self.encode(withoutEPS)
        #expect(Array(p2.dropFirst().prefix(p0.count - 1)) == Array(p0.dropFirst()))
        #expect(Array(s2.dropFirst().prefix(s0.count - 1)) == Array(s0.dropFirst()))
    }

    static func encode(_ s: IMSSubscription) -> ([UInt8], [UInt8]) {
        var a = BinaryWriter()
        s.encodeProvisioned(into: &a)
        var b = BinaryWriter()
        s.state.encode(into: &b)
        return (a.bytes, b.bytes)
    }

    static func decode(_ provisioned: [UInt8], _ state: [UInt8]) throws -> IMSSubscription {
        let st = try state.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            let s = try SubscriptionState(binary: &r)
            guard r.isAtEnd else { throw BinaryReader.Malformed(offset: r.offset) }
            return s
        }
        return try provisioned.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            let s = try IMSSubscription(provisioned: &r, state: st)
            guard r.isAtEnd else { throw BinaryReader.Malformed(offset: r.offset) }
            return s
        }
    }

    @Test("Every sample decodes to itself")
    func roundTrip() throws {
        for s in Self.samples {
            let (p, st) = Self.encode(s)
            #expect(try Self.decode(p, st) == s)
        }
    }

    @Test("Every truncation and a sweep of byte flips are errors or valid values, never a crash")
    func malformed() throws {
        let (p, st) = Self.encode(Self.samples[4])
        for n in 0..<p.count { #expect(throws: BinaryReader.Malformed.self) { try Self.decode(Array(p[0..<n]), st) } }
        for n in 0..<st.count { #expect(throws: BinaryReader.Malformed.self) { try Self.decode(p, Array(st[0..<n])) } }
        var rng = SeededRandom(seed: 11)
        for _ in 0..<2000 {
            var q = p
            q[Int(rng.next() % UInt64(q.count))] = UInt8(truncatingIfNeeded: rng.next())
            _ = try? Self.decode(q, st)
        }
        // An unknown format version is refused.
        var v3 = p
        v3[0] = 3
        #expect(throws: BinaryReader.Malformed.self) { try Self.decode(v3, st) }
        var s3 = st
        s3[0] = 3
        #expect(throws: BinaryReader.Malformed.self) { try Self.decode(p, s3) }
    }
}
