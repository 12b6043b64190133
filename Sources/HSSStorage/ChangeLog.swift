public import HSSCore

/// One record of the change log (docs/storage.md): written in the same LMDB transaction as the change it
/// describes, keyed by a sequence number that only grows. The cluster issue ships these to other nodes.
///
/// Wire/storage form (big-endian):
///   version u8 (1) | epoch u64 | unix time ms u64 | kind u8 | crc32(payload) u32 | payload
/// Payload by kind (binary writer: varint lengths):
///   1 state         string id, data SubscriptionState
///   2 subscription  string id, data provisioned, data SubscriptionState
///   3 delete        string id
///   4 replay        string key (Origin-Host and End-to-End id), varint time ms, data answer
///   5 epoch         (empty) the first record of a leader's epoch
public struct ChangeRecord: Hashable, Sendable {
    public enum Kind: UInt8, Sendable { case state = 1, subscription = 2, delete = 3, replay = 4, epoch = 5 }
    public var sequence: UInt64
    public let epoch: UInt64
    public let timeMillis: UInt64
    public let kind: Kind
    public let payload: [UInt8]
    /// The stored form (version, epoch, time, kind, CRC-32 of the payload, payload), made once: the
    /// leader writes it to its log and ships it to every follower, a follower stores what it received.
    public let encoded: [UInt8]

    public init(sequence: UInt64, epoch: UInt64, timeMillis: UInt64, kind: Kind, payload: [UInt8]) {
        self.sequence = sequence
        self.epoch = epoch
        self.timeMillis = timeMillis
        self.kind = kind
        self.payload = payload
        var out: [UInt8] = [1]
        out.reserveCapacity(Self.headerSize + payload.count)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: epoch >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: timeMillis >> UInt64(shift))) }
        out.append(kind.rawValue)
        let crc = CRC32.checksum(payload)
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        out.append(contentsOf: payload)
        encoded = out
    }

    static let headerSize = 1 + 8 + 8 + 1 + 4

    /// Decodes a stored record; a wrong version, kind or checksum is corruption.
    public init(sequence: UInt64, encoded b: UnsafeRawBufferPointer) throws(StorageError) {
        guard b.count >= Self.headerSize, b[0] == 1 else { throw .corrupt("log record \(sequence): header") }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(b[at + $1]) } }
        self.sequence = sequence
        epoch = u64(1)
        timeMillis = u64(9)
        guard let k = Kind(rawValue: b[17]) else { throw .corrupt("log record \(sequence): kind \(b[17])") }
        kind = k
        let crc = (18..<22).reduce(UInt32(0)) { $0 << 8 | UInt32(b[$1]) }
        payload = Array(b[Self.headerSize...])
        guard CRC32.checksum(payload) == crc else { throw .corrupt("log record \(sequence): checksum") }
        encoded = Array(b)
    }

    /// The subscription id the record is about (for a replay record, its key).
    public var subscriptionID: String? {
        payload.withUnsafeBytes { raw in
            var r = BinaryReader(raw)
            return try? r.string()
        }
    }
}

extension UInt64 {
    var bigEndianBytes: [UInt8] { withUnsafeBytes(of: self.bigEndian) { Array($0) } }
    init(bigEndianBytes b: UnsafeRawBufferPointer) {
        self = b.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
