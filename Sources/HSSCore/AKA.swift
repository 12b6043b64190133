/// An IMS AKA authentication vector (TS 33.102 §6.3.2) as the MAA carries it (TS 29.229 §6.3.10-6.3.28):
/// SIP-Authenticate = RAND ‖ AUTN, SIP-Authorization = XRES, Confidentiality-Key, Integrity-Key.
public struct AuthenticationVector: Hashable, Sendable {
    public var rand: Block128
    public var xres: UInt64
    public var ck: Block128
    public var ik: Block128
    /// AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A.
    public var autn: Block128
    /// The SQN the vector carries (concealed by AK in AUTN).
    public var sqn: UInt64

    /// RAND ‖ AUTN (32 octets), for SIP-Authenticate.
    public var sipAuthenticate: [UInt8] { rand.bytes + autn.bytes }
    /// XRES (8 octets), for SIP-Authorization in the MAA.
    public var sipAuthorization: [UInt8] { withUnsafeBytes(of: xres.bigEndian) { Array($0) } }
}

extension Milenage {
    /// A vector for `sqn` (TS 33.102 §6.3.2): AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A.
    public mutating func vector(k: Block128, opc: Block128, rand: Block128, sqn: UInt64, amf: UInt16) -> AuthenticationVector {
        let o = compute(k: k, opc: opc, rand: rand, sqn: sqn, amf: amf)
        let concealed = (sqn ^ o.ak) & 0xFFFF_FFFF_FFFF
        let autn = Block128(hi: concealed << 16 | UInt64(amf), lo: o.macA)
        return AuthenticationVector(rand: rand, xres: o.res, ck: o.ck, ik: o.ik, autn: autn, sqn: sqn)
    }

    /// The outcome of a resynchronisation request.
    public enum Resynchronisation: Hashable, Sendable {
        /// MAC-S verified: the USIM's highest accepted SQN.
        case sqnMS(UInt64)
        /// MAC-S did not verify: refuse (TS 33.102 §6.3.5; the HSS answers DIAMETER_UNABLE_TO_COMPLY).
        case macFailure
        /// The SIP-Authorization was not RAND (16) ‖ AUTS (14).
        case malformed
    }

    /// TS 33.102 §6.3.3, §6.3.5: from RAND ‖ AUTS (30 octets of SIP-Authorization in a MAR), recover
    /// SQN_MS = AUTS[0..5] ⊕ f5*(K, RAND) and check MAC-S = f1*(K, SQN_MS, RAND, AMF* = 0000).
    public mutating func resynchronise(k: Block128, opc: Block128, randAndAUTS: [UInt8]) -> Resynchronisation {
        guard randAndAUTS.count == 30, let rand = Block128(bytes: randAndAUTS[0..<16]) else { return .malformed }
        let auts = Array(randAndAUTS[16..<30])
        var concealed: UInt64 = 0
        for b in auts[0..<6] { concealed = concealed << 8 | UInt64(b) }
        var macS: UInt64 = 0
        for b in auts[6..<14] { macS = macS << 8 | UInt64(b) }
        // Three AES blocks: TEMP once, then f5* and f1*.
        let temp = self.temp(k: k, opc: opc, rand: rand)
        let sqnMS = concealed ^ akStar(k: k, opc: opc, temp: temp)
        let expected = out1(k: k, opc: opc, temp: temp, sqn: sqnMS, amf: 0x0000).lo
        return expected == macS ? .sqnMS(sqnMS) : .macFailure
    }
}

/// SQN = SEQ ‖ IND with a 5-bit IND (TS 33.102 Annex C.1.1.2, C.3.2): every vector takes the next SEQ; IND
/// is this node's own value, so two nodes of a cluster never issue the same SQN.
public struct SequenceNumberScheme: Hashable, Sendable {
    /// IND length in bits (Annex C: 5, an array of 32 in the USIM).
    public var indBits: Int
    /// This node's IND.
    public var ind: UInt64

    public init(indBits: Int = 5, ind: UInt64) {
        precondition(indBits >= 0 && indBits < 16 && ind < (1 << UInt64(indBits)), "IND must fit in indBits")
        self.indBits = indBits
        self.ind = ind
    }

    public static let mask: UInt64 = 0xFFFF_FFFF_FFFF

    public func seq(of sqn: UInt64) -> UInt64 { (sqn & Self.mask) >> UInt64(indBits) }
    public func ind(of sqn: UInt64) -> UInt64 { sqn & ((1 << UInt64(indBits)) - 1) }

    /// The SQN after `sqn` (the last one issued, by any node): SEQ + 1 with our IND.
    public func next(after sqn: UInt64) -> UInt64 {
        ((seq(of: sqn) + 1) << UInt64(indBits) | ind) & Self.mask
    }

    /// The reservation mark for a block of `block` SEQ values after `sqn`: SEQ + block with our IND. A node
    /// that persisted this mark may issue every SQN up to it without writing, and after a restart goes on
    /// after it, so no SQN is issued twice.
    public func reservation(after sqn: UInt64, block: UInt64) -> UInt64 {
        // Wrapping: `block` is configuration and SQN_MS comes from the UE; the result is cut to 48 bits anyway.
        ((seq(of: sqn) &+ block) << UInt64(indBits) | ind) & Self.mask
    }
}
