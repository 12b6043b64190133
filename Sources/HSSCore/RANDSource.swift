import CLibCrypto

/// RAND for authentication vectors (TS 33.102 §6.3.2: unpredictable): OpenSSL's CSPRNG, drawn 4 KiB at a
/// time so a vector costs two loads, not a system call. One per shard; not shared.
public struct RANDSource: RandomNumberGenerator {
    var buffer: [UInt64] = Array(repeating: 0, count: 512)
    var position = 512

    public init() {}

    public mutating func next() -> UInt64 {
        if position == buffer.count {
            let ok = buffer.withUnsafeMutableBytes { RAND_bytes($0.bindMemory(to: UInt8.self).baseAddress, Int32($0.count)) }
            precondition(ok == 1, "OpenSSL RAND_bytes failed")
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }
}
