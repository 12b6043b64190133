import HSSCore
import Testing

func b128(_ hex: String) -> Block128 { Block128(hex: hex)! }
func u64(_ hex: String) -> UInt64 { UInt64(hex, radix: 16)! }

/// Milenage (TS 35.206) against every TS 35.207 and TS 35.208 test set, and the AKA vector and
/// resynchronisation (TS 33.102 §6.3) built on it.
@Suite("Milenage")
struct MilenageTests {
    @Test("f1, f1*, f2, f3, f4, f5, f5* of every test set", arguments: MilenageVectors.sets)
    func functions(_ set: MilenageTestSet) throws {
        var m = try Milenage()
        let o = m.compute(k: b128(set.k), opc: b128(set.opc), rand: b128(set.rand), sqn: u64(set.sqn), amf: UInt16(set.amf, radix: 16)!)
        #expect(o.macA == u64(set.f1), "f1")
        #expect(o.macS == u64(set.f1Star), "f1*")
        #expect(o.res == u64(set.f2), "f2")
        #expect(o.ck == b128(set.f3), "f3")
        #expect(o.ik == b128(set.f4), "f4")
        #expect(o.ak == u64(set.f5), "f5")
        #expect(o.akStar == u64(set.f5Star), "f5*")
    }

    @Test("OPc = E_K(OP) ⊕ OP for every test set", arguments: MilenageVectors.sets)
    func opc(_ set: MilenageTestSet) throws {
        var m = try Milenage()
        #expect(m.opc(k: b128(set.k), op: b128(set.op)) == b128(set.opc))
    }

    @Test("AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A, and the vector's AVP forms", arguments: MilenageVectors.sets.filter { $0.autn != nil })
    func vector(_ set: MilenageTestSet) throws {
        var m = try Milenage()
        let v = m.vector(k: b128(set.k), opc: b128(set.opc), rand: b128(set.rand), sqn: u64(set.sqn), amf: UInt16(set.amf, radix: 16)!)
        #expect(v.autn == b128(try #require(set.autn)))
        #expect(v.sipAuthenticate == b128(set.rand).bytes + b128(set.autn!).bytes)
        #expect(v.sipAuthorization.count == 8)
        #expect(v.xres == u64(set.f2))
    }

    @Test("AUTS of every test set gives back SQN_MS with a valid MAC-S (AMF* = 0000)", arguments: MilenageVectors.sets.filter { $0.auts != nil })
    func resynchronisation(_ set: MilenageTestSet) throws {
        var m = try Milenage()
        let auts = try #require(set.auts)
        let input = b128(set.rand).bytes + Array(hexBytes(auts))
        #expect(m.resynchronise(k: b128(set.k), opc: b128(set.opc), randAndAUTS: input) == .sqnMS(u64(set.sqn)))
    }

    @Test("external AUTS vectors (hostapd, free5gc), including a MAC failure", arguments: MilenageVectors.autsVectors)
    func externalAUTS(_ v: AUTSVector) throws {
        var m = try Milenage()
        let result = m.resynchronise(k: b128(v.k), opc: b128(v.opc), randAndAUTS: b128(v.rand).bytes + hexBytes(v.auts))
        if let sqn = v.sqnMS {
            #expect(result == .sqnMS(u64(sqn)))
        } else {
            #expect(result == .macFailure)
        }
    }

    @Test("a tampered AUTS fails MAC-S; a wrong size is malformed")
    func tampered() throws {
        var m = try Milenage()
        let set = MilenageVectors.sets[0]
        var input = b128(set.rand).bytes + hexBytes(set.auts!)
        input[29] ^= 0x01
        #expect(m.resynchronise(k: b128(set.k), opc: b128(set.opc), randAndAUTS: input) == .macFailure)
        #expect(m.resynchronise(k: b128(set.k), opc: b128(set.opc), randAndAUTS: Array(input.prefix(29))) == .malformed)
    }

    @Test("one context serves many subscribers (re-keyed when K changes)")
    func rekeying() throws {
        var m = try Milenage()
        for set in MilenageVectors.sets + MilenageVectors.sets.reversed() {
            let o = m.compute(k: b128(set.k), opc: b128(set.opc), rand: b128(set.rand), sqn: u64(set.sqn), amf: UInt16(set.amf, radix: 16)!)
            #expect(o.res == u64(set.f2), "\(set.name)")
        }
    }

    func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
}

/// TS 33.102 Annex C: SQN = SEQ ‖ IND, each node with its own IND.
@Suite("SQN (SEQ ‖ IND)")
struct SequenceNumberTests {
    @Test("the next SQN is SEQ + 1 with our IND (osmocom's example: IND 10 after 31 → 42, 74, 106)")
    func next() {
        let s = SequenceNumberScheme(indBits: 5, ind: 10)
        #expect(s.next(after: 31) == 42)
        #expect(s.next(after: 42) == 74)
        #expect(s.next(after: 74) == 106)
        #expect(s.seq(of: 106) == 3 && s.ind(of: 106) == 10)
    }

    @Test("two nodes never issue the same SQN, whatever order they step in")
    func distinctAcrossNodes() {
        let a = SequenceNumberScheme(ind: 1)
        let b = SequenceNumberScheme(ind: 2)
        var last: UInt64 = 0
        var issued = Set<UInt64>()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            last = Bool.random(using: &rng) ? a.next(after: last) : b.next(after: last)
            #expect(issued.insert(last).inserted)
        }
    }

    @Test("after resynchronisation, the next SQN is above SQN_MS")
    func afterResync() {
        let s = SequenceNumberScheme(ind: 3)
        let sqnMS: UInt64 = 0x0000_0000_002A  // SEQ 1, IND 10
        #expect(s.next(after: sqnMS) > sqnMS)
        #expect(s.seq(of: s.next(after: sqnMS)) == s.seq(of: sqnMS) + 1)
    }

    @Test("SQN stays within 48 bits: after the last SEQ it wraps to SEQ 0 with our IND")
    func wrap() {
        let s = SequenceNumberScheme(ind: 5)
        #expect(s.next(after: 0xFFFF_FFFF_FFE0) == 5)
        #expect(s.next(after: 0xFFFF_FFFF_FFC0) == 0xFFFF_FFFF_FFE5)
    }
}
