/// A 128-bit value (key, OP/OPc, RAND, AES block) as two big-endian halves: no allocation, cheap XOR.
public struct Block128: Hashable, Sendable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64

    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    public static let zero = Block128(hi: 0, lo: 0)

    /// From 16 octets; `nil` for another count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        self.init(hi: h, lo: l)
    }

    /// From 32 hex digits; `nil` otherwise.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(16)
        var i = 0
        while i < 32 {
            guard let a = Self.nibble(digits[i]), let b = Self.nibble(digits[i + 1]) else { return nil }
            out.append(a << 4 | b)
            i += 2
        }
        self.init(bytes: out)
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            let shift = UInt64(56 - 8 * i)
            out[i] = UInt8(truncatingIfNeeded: hi >> shift)
            out[i + 8] = UInt8(truncatingIfNeeded: lo >> shift)
        }
        return out
    }

    public static func ^ (a: Block128, b: Block128) -> Block128 { Block128(hi: a.hi ^ b.hi, lo: a.lo ^ b.lo) }

    /// Cyclic left rotation by `bits` (multiples of 8 in Milenage: 0, 32, 64, 96).
    public func rotatedLeft(_ bits: Int) -> Block128 {
        switch bits & 127 {
        case 0: return self
        case 64: return Block128(hi: lo, lo: hi)
        case let r where r < 64:
            return Block128(hi: hi << UInt64(r) | lo >> UInt64(64 - r), lo: lo << UInt64(r) | hi >> UInt64(64 - r))
        case let r:
            return Block128(hi: lo, lo: hi).rotatedLeft(r - 64)
        }
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
