import CLibCrypto

// EPS AKA for S6a (TS 33.401 §6.1.1, Annex A.2; TS 29.272 §5.2.3.1): the E-UTRAN vector the AIA carries.
// Pure: no state, no I/O; OpenSSL's HMAC-SHA-256 for the key derivation function.

/// A PLMN identity as S6a carries it (Visited-PLMN-Id, TS 29.272 §7.3.9, coded as TS 24.008 §10.5.1.13):
/// three octets, MCC digit 2 | MCC digit 1, MNC digit 3 | MCC digit 3, MNC digit 2 | MNC digit 1, with
/// 0xF as MNC digit 3 for a two-digit MNC. It is the serving network's identity in KASME (TS 33.401
/// Annex A.2), so a value that is not this encoding is refused, never used.
public struct PLMNIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The three octets as received.
    public let octets: [UInt8]
    /// Three decimal digits.
    public let mcc: String
    /// Two or three decimal digits.
    public let mnc: String

    /// `nil` unless `bytes` is exactly three octets of BCD digits (0xF allowed only as MNC digit 3).
    public init?(bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        guard b.count == 3 else { return nil }
        let nibbles = [b[0] & 0x0F, b[0] >> 4, b[1] & 0x0F, b[2] & 0x0F, b[2] >> 4, b[1] >> 4]
        // MCC 1-3, MNC 1-2 must be digits; MNC 3 a digit or the filler.
        guard nibbles[0..<5].allSatisfy({ $0 <= 9 }), nibbles[5] <= 9 || nibbles[5] == 0xF else { return nil }
        octets = b
        mcc = nibbles[0..<3].map { String($0) }.joined()
        mnc = nibbles[3..<(nibbles[5] == 0xF ? 5 : 6)].map { String($0) }.joined()
    }

    /// From digits: `mcc` three digits, `mnc` two or three; `nil` otherwise.
    public init?(mcc: String, mnc: String) {
        let m = mcc.compactMap { $0.wholeNumberValue }.map(UInt8.init)
        let n = mnc.compactMap { $0.wholeNumberValue }.map(UInt8.init)
        guard m.count == 3, mcc.count == 3, n.count == mnc.count, n.count == 2 || n.count == 3 else { return nil }
        let mnc3: UInt8 = n.count == 3 ? n[2] : 0xF
        self.init(bytes: [m[1] << 4 | m[0], mnc3 << 4 | m[2], n[1] << 4 | n[0]])
    }

    public var description: String { "\(mcc)-\(mnc)" }
}

/// An E-UTRAN authentication vector (TS 33.401 §6.1.1; E-UTRAN-Vector, TS 29.272 §7.3.18): RAND, XRES,
/// AUTN, KASME.
public struct EPSAuthenticationVector: Hashable, Sendable {
    public var rand: Block128
    public var xres: UInt64
    /// AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A, with the AMF separation bit set.
    public var autn: Block128
    /// KASME (32 octets).
    public var kasme: [UInt8]
    /// The SQN the vector carries (concealed by AK in AUTN).
    public var sqn: UInt64

    /// XRES as the AIA carries it (8 octets).
    public var xresBytes: [UInt8] { withUnsafeBytes(of: xres.bigEndian) { Array($0) } }

    /// TS 33.401 §6.1.1: "the HSS shall set the AMF separation bit to 1" for E-UTRAN vectors (bit 0 of the
    /// AMF, its most significant bit; TS 33.102 Annex H).
    public static let amfSeparationBit: UInt16 = 0x8000

    /// KASME = KDF(CK ‖ IK, S) with S = FC ‖ P0 ‖ L0 ‖ P1 ‖ L1, FC = 0x10, P0 = the serving network's PLMN
    /// identity (3 octets), P1 = SQN ⊕ AK (6 octets) (TS 33.401 Annex A.2); the KDF is HMAC-SHA-256 (TS 33.220
    /// Annex B.2).
    public static func kasme(ck: Block128, ik: Block128, servingNetwork: PLMNIdentity, sqnXorAK: UInt64) -> [UInt8] {
        let key = ck.bytes + ik.bytes
        let s = kdfInput(servingNetwork: servingNetwork, sqnXorAK: sqnXorAK)
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let done = key.withUnsafeBufferPointer { k in
            s.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, o.baseAddress, &length)
                }
            }
        }
        // HMAC-SHA-256 with a 32-octet key and a 14-octet message cannot fail short of a broken libcrypto.
        precondition(done != nil && length == 32, "OpenSSL HMAC-SHA-256 failed")
        return out
    }

    /// S = FC ‖ P0 ‖ L0 ‖ P1 ‖ L1 of the KASME derivation (TS 33.401 Annex A.2): 14 octets.
    static func kdfInput(servingNetwork: PLMNIdentity, sqnXorAK: UInt64) -> [UInt8] {
        var s: [UInt8] = [0x10]
        s.reserveCapacity(14)
        s += servingNetwork.octets
        s += [0x00, 0x03]
        for shift in stride(from: 40, through: 0, by: -8) { s.append(UInt8(truncatingIfNeeded: sqnXorAK >> UInt64(shift))) }
        s += [0x00, 0x06]
        return s
    }
}

/// HMAC-SHA-256 for the KDF (TS 33.220 Annex B.2) with one OpenSSL EVP_MAC context created once and
/// re-keyed per call: about 300 ns per KASME here, against 920 ns for the one-shot `HMAC()` (which
/// fetches the digest and allocates a context each time; measured with a C loop of 10⁶ calls).
/// Non-copyable: it owns the context; a ``Milenage`` holds one (a shard's crypto value).
public struct KeyDerivation: ~Copyable {
    let ctx: OpaquePointer

    public init() throws(Milenage.CryptoFailure) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { throw Milenage.CryptoFailure() }
        defer { EVP_MAC_free(mac) }  // the context keeps its own reference
        guard let c = EVP_MAC_CTX_new(mac) else { throw Milenage.CryptoFailure() }
        let ok = "SHA256".withCString { name in
            var params = [
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: name), 0),
                OSSL_PARAM_construct_end(),
            ]
            // A 32-octet placeholder key: EVP_MAC_init needs one the first time; every derivation re-keys.
            let zero = [UInt8](repeating: 0, count: 32)
            return EVP_MAC_init(c, zero, zero.count, &params) == 1
        }
        guard ok else {
            EVP_MAC_CTX_free(c)
            throw Milenage.CryptoFailure()
        }
        ctx = c
    }

    deinit { EVP_MAC_CTX_free(ctx) }

    /// HMAC-SHA-256(key, message): 32 octets.
    public mutating func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = EVP_MAC_init(ctx, key, key.count, nil) == 1 && EVP_MAC_update(ctx, message, message.count) == 1
            && EVP_MAC_final(ctx, &out, &length, 32) == 1
        // Cannot fail short of a broken libcrypto: the context, key and lengths are fixed and valid.
        precondition(ok && length == 32, "OpenSSL HMAC-SHA-256 failed")
        return out
    }

    /// KASME (TS 33.401 Annex A.2), as ``EPSAuthenticationVector/kasme(ck:ik:servingNetwork:sqnXorAK:)``.
    public mutating func kasme(ck: Block128, ik: Block128, servingNetwork: PLMNIdentity, sqnXorAK: UInt64) -> [UInt8] {
        hmacSHA256(key: ck.bytes + ik.bytes, message: EPSAuthenticationVector.kdfInput(servingNetwork: servingNetwork, sqnXorAK: sqnXorAK))
    }
}

extension Milenage {
    /// An E-UTRAN vector for `sqn` and the serving network (TS 33.401 §6.1.1): the AMF with its separation
    /// bit set, AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A, KASME from CK, IK, the PLMN and SQN ⊕ AK.
    public mutating func epsVector(
        k: Block128, opc: Block128, rand: Block128, sqn: UInt64, amf: UInt16, servingNetwork: PLMNIdentity
    ) -> EPSAuthenticationVector {
        let amf = amf | EPSAuthenticationVector.amfSeparationBit
        let o = compute(k: k, opc: opc, rand: rand, sqn: sqn, amf: amf)
        let concealed = (sqn ^ o.ak) & SequenceNumberScheme.mask
        let autn = Block128(hi: concealed << 16 | UInt64(amf), lo: o.macA)
        let kasme = kdf.kasme(ck: o.ck, ik: o.ik, servingNetwork: servingNetwork, sqnXorAK: concealed)
        return EPSAuthenticationVector(rand: rand, xres: o.res, autn: autn, kasme: kasme, sqn: sqn)
    }
}
