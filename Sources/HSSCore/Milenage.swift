import CLibCrypto

/// The Milenage algorithm set (3GPP TS 35.206): f1, f1*, f2, f3, f4, f5, f5*, over AES-128 through OpenSSL
/// EVP. One context is created once and re-keyed per subscriber (about 245 ns per vector measured here;
/// a fresh context per block costs 270-1000 ns per block). It also holds the HMAC-SHA-256 context that
/// derives KASME for E-UTRAN vectors (``KeyDerivation``), so that a shard's one crypto value serves MAR
/// and AIR. Non-copyable: it owns the contexts; keep one per shard or thread.
public struct Milenage: ~Copyable {
    public struct Output: Hashable, Sendable {
        /// f1: MAC-A (8 octets).
        public var macA: UInt64
        /// f1*: MAC-S (8 octets).
        public var macS: UInt64
        /// f2: RES / XRES (8 octets).
        public var res: UInt64
        /// f3: CK.
        public var ck: Block128
        /// f4: IK.
        public var ik: Block128
        /// f5: AK (48 bits).
        public var ak: UInt64
        /// f5*: AK* for resynchronisation (48 bits).
        public var akStar: UInt64
    }

    public struct CryptoFailure: Error, Sendable {}

    let ctx: OpaquePointer
    var key: Block128?
    /// The KDF of TS 33.401 Annex A.2 (EPS vectors).
    var kdf: KeyDerivation

    public init() throws(CryptoFailure) {
        let derivation = try KeyDerivation()
        guard let c = EVP_CIPHER_CTX_new() else { throw CryptoFailure() }
        guard EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), nil, nil, nil) == 1 else {
            EVP_CIPHER_CTX_free(c)
            throw CryptoFailure()
        }
        EVP_CIPHER_CTX_set_padding(c, 0)
        ctx = c
        kdf = derivation
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    /// E_K(block): AES-128 with the subscriber key `k` (re-keys only when `k` changes).
    mutating func encrypt(_ k: Block128, _ block: Block128) -> Block128 {
        if key != k {
            var kb = k.bigEndianTuple
            _ = withUnsafeBytes(of: &kb) { EVP_EncryptInit_ex(ctx, nil, nil, $0.bindMemory(to: UInt8.self).baseAddress, nil) }
            key = k
        }
        var input = block.bigEndianTuple
        var output = Block128.zero.bigEndianTuple
        var n: Int32 = 0
        withUnsafeBytes(of: &input) { inp in
            withUnsafeMutableBytes(of: &output) { out in
                _ = EVP_EncryptUpdate(
                    ctx, out.bindMemory(to: UInt8.self).baseAddress, &n, inp.bindMemory(to: UInt8.self).baseAddress, 16)
            }
        }
        return Block128(bigEndianTuple: output)
    }

    /// OPc = E_K(OP) ⊕ OP (TS 35.206 §4.1); computed once per subscriber.
    public mutating func opc(k: Block128, op: Block128) -> Block128 { encrypt(k, op) ^ op }

    /// All seven functions (TS 35.206 §4.1), with the default rotations r1..r5 = 64, 0, 32, 64, 96 and
    /// constants c1..c5 = 0, 1, 2, 4, 8.
    public mutating func compute(k: Block128, opc: Block128, rand: Block128, sqn: UInt64, amf: UInt16) -> Output {
        let temp = self.temp(k: k, opc: opc, rand: rand)
        let out1 = self.out1(k: k, opc: opc, temp: temp, sqn: sqn, amf: amf)
        let out2 = encrypt(k, (temp ^ opc) ^ Block128(hi: 0, lo: 1)) ^ opc
        let out3 = encrypt(k, (temp ^ opc).rotatedLeft(32) ^ Block128(hi: 0, lo: 2)) ^ opc
        let out4 = encrypt(k, (temp ^ opc).rotatedLeft(64) ^ Block128(hi: 0, lo: 4)) ^ opc
        return Output(
            macA: out1.hi, macS: out1.lo, res: out2.lo, ck: out3, ik: out4, ak: out2.hi >> 16,
            akStar: akStar(k: k, opc: opc, temp: temp))
    }

    /// TEMP = E_K(RAND ⊕ OPc).
    mutating func temp(k: Block128, opc: Block128, rand: Block128) -> Block128 { encrypt(k, rand ^ opc) }

    /// OUT1 = E_K(TEMP ⊕ rot(IN1 ⊕ OPc, r1) ⊕ c1) ⊕ OPc, IN1 = SQN ‖ AMF ‖ SQN ‖ AMF: f1 (high half), f1* (low).
    mutating func out1(k: Block128, opc: Block128, temp: Block128, sqn: UInt64, amf: UInt16) -> Block128 {
        let half = (sqn & 0xFFFF_FFFF_FFFF) << 16 | UInt64(amf)
        return encrypt(k, temp ^ (Block128(hi: half, lo: half) ^ opc).rotatedLeft(64)) ^ opc
    }

    /// f5* = the first 48 bits of OUT5 = E_K(rot(TEMP ⊕ OPc, r5) ⊕ c5) ⊕ OPc.
    mutating func akStar(k: Block128, opc: Block128, temp: Block128) -> UInt64 {
        (encrypt(k, (temp ^ opc).rotatedLeft(96) ^ Block128(hi: 0, lo: 8)) ^ opc).hi >> 16
    }
}

extension Block128 {
    /// The 16 octets in wire (big-endian) order, as a tuple for C calls.
    var bigEndianTuple: (UInt64, UInt64) { (hi.bigEndian, lo.bigEndian) }

    init(bigEndianTuple t: (UInt64, UInt64)) {
        self.init(hi: UInt64(bigEndian: t.0), lo: UInt64(bigEndian: t.1))
    }
}
