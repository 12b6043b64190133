import HSSCore
import Testing

/// EPS AKA (TS 33.401 §6.1.1, Annex A.2): KASME against independent computations, the PLMN identity's
/// encoding (TS 24.008 §10.5.1.13), and E-UTRAN vectors from the TS 35.207 Milenage sets.
@Suite("EPS AKA")
struct EPSAKATests {
    static func block(_ hex: String) -> Block128 { Block128(hex: hex)! }
    // TS 35.207 set 1.
    static let k = block("465b5ce8b199b49faa5f0a2ee238a6bc")
    static let opc = block("cd63cb71954a9f4e48a5994e37a02baf")
    static let rand = block("23553cbe9637a89d218ae64dae47bf35")

    /// The vector open5gs publishes in its unit tests (tests/unit/security-test.c, security_test3): CK and IK
    /// of TS 35.207 set 1, PLMN octets 024830 (MCC 208, MNC 034), SQN fd8eef40df7d, AK aa689c648370. The same value
    /// comes out of Python's hmac module with S written out by hand from Annex A.2.
    @Test("KASME matches open5gs's published vector and an independent HMAC-SHA-256")
    func kasmeVector() throws {
        let plmn = try #require(PLMNIdentity(bytes: [0x02, 0x48, 0x30]))
        let kasme = EPSAuthenticationVector.kasme(
            ck: Self.block("b40ba9a3c58b2a05bbf0d987b21bf8cb"), ik: Self.block("f769bcd751044604127672711c6d3441"),
            servingNetwork: plmn, sqnXorAK: 0xfd8e_ef40_df7d ^ 0xaa68_9c64_8370)
        #expect(hex(kasme) == "238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549")
    }

    @Test("KASME depends on the serving network: another PLMN gives another key")
    func kasmeBoundToPLMN() throws {
        let a = try #require(PLMNIdentity(mcc: "001", mnc: "01"))
        let b = try #require(PLMNIdentity(mcc: "001", mnc: "02"))
        let ck = Self.block("b40ba9a3c58b2a05bbf0d987b21bf8cb")
        let ik = Self.block("f769bcd751044604127672711c6d3441")
        #expect(EPSAuthenticationVector.kasme(ck: ck, ik: ik, servingNetwork: a, sqnXorAK: 1)
            != EPSAuthenticationVector.kasme(ck: ck, ik: ik, servingNetwork: b, sqnXorAK: 1))
    }

    @Test("PLMN identities: 2- and 3-digit MNCs both ways; anything not BCD is refused")
    func plmnIdentity() throws {
        let two = try #require(PLMNIdentity(bytes: [0x00, 0xF1, 0x10]))
        #expect(two.mcc == "001" && two.mnc == "01")
        #expect(PLMNIdentity(mcc: "001", mnc: "01")?.octets == [0x00, 0xF1, 0x10])
        let three = try #require(PLMNIdentity(bytes: [0x13, 0x00, 0x62]))  // MCC 310, MNC 260
        #expect(three.mcc == "310" && three.mnc == "260")
        #expect(PLMNIdentity(mcc: "310", mnc: "260")?.octets == [0x13, 0x00, 0x62])
        #expect(PLMNIdentity(bytes: [0x02, 0x48, 0x30])?.description == "208-034")
        // Wrong length, a non-digit in the MCC or the MNC's first digits, a filler elsewhere than MNC 3.
        for bad: [UInt8] in [[], [0x00, 0xF1], [0x00, 0xF1, 0x10, 0x00], [0x0A, 0xF1, 0x10], [0x00, 0xF1, 0x1A], [0xF0, 0x01, 0x10], [0x00, 0x0F, 0x10]] {
            #expect(PLMNIdentity(bytes: bad) == nil, "\(bad)")
        }
        #expect(PLMNIdentity(mcc: "01", mnc: "01") == nil)
        #expect(PLMNIdentity(mcc: "001", mnc: "1") == nil)
        #expect(PLMNIdentity(mcc: "0a1", mnc: "01") == nil)
    }

    /// TS 35.207 set 1 (K, OPc, RAND, SQN ff9bb4d0b607; AMF b9b9 already has its top bit set, so the
    /// E-UTRAN AUTN is the set's AUTN): RES, AUTN as the test set gives them, KASME from its CK, IK, AK.
    @Test("an E-UTRAN vector from TS 35.207 set 1: XRES, AUTN, KASME")
    func vectorFromTestSet() throws {
        var m = try Milenage()
        let plmn = try #require(PLMNIdentity(mcc: "001", mnc: "01"))
        let v = m.epsVector(k: Self.k, opc: Self.opc, rand: Self.rand, sqn: 0xff9b_b4d0_b607, amf: 0xb9b9, servingNetwork: plmn)
        #expect(hex(v.xresBytes) == "a54211d5e3ba50bf")
        #expect(hex(v.autn.bytes) == "55f328b43577b9b94a9ffac354dfafb3")
        let expected = EPSAuthenticationVector.kasme(
            ck: Self.block("b40ba9a3c58b2a05bbf0d987b21bf8cb"), ik: Self.block("f769bcd751044604127672711c6d3441"),
            servingNetwork: plmn, sqnXorAK: 0xff9b_b4d0_b607 ^ 0xaa68_9c64_8370)
        #expect(v.kasme == expected)
    }

    @Test("the AMF separation bit is set in every E-UTRAN AUTN (TS 33.401 §6.1.1)")
    func separationBit() throws {
        var m = try Milenage()
        let plmn = try #require(PLMNIdentity(mcc: "001", mnc: "01"))
        let v = m.epsVector(k: Self.k, opc: Self.opc, rand: Self.rand, sqn: 32, amf: 0x0000, servingNetwork: plmn)
        #expect(UInt16(truncatingIfNeeded: v.autn.hi) == 0x8000)
        // The MAC-A covers the AMF as sent: it equals f1 computed with the separation bit set.
        let o = m.compute(k: Self.k, opc: Self.opc, rand: Self.rand, sqn: 32, amf: 0x8000)
        #expect(v.autn.lo == o.macA)
    }
}

private func hex(_ b: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(b.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
}
