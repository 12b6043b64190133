import HSSCore
public import Atomics
import CLibCrypto
import Foundation

// Keys at rest (docs/hardening.md, "Keys at rest"): the provisioned record of a subscription (which holds
// K, OPc and HA1) is stored sealed with AES-256-GCM under a key-encryption key (KEK), a fresh 96-bit nonce
// per record and the subscription id as associated data, so a record copied under another id does not
// open. The change log, replication and backups carry the sealed bytes as they are.
//
// Sealed record: 0xE5 ‖ key id (1 octet) ‖ nonce (12) ‖ ciphertext ‖ tag (16). Unsealed records start
// with their format version (1 or 2), so a store holds both during a migration or a key rotation.

/// The KEKs: every key a record may be sealed under, by id, and the one new records get.
public struct KeyRing: Sendable, Equatable {
    public var keys: [UInt8: [UInt8]]
    public var current: UInt8

    public init(keys: [UInt8: [UInt8]], current: UInt8) {
        precondition(keys[current] != nil && keys.values.allSatisfy { $0.count == 32 }, "a key ring's keys are 32 octets and include the current one")
        self.keys = keys
        self.current = current
    }

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Lines `ID HEX` (ID 1-255, HEX 64 hex digits: a 256-bit key; `#` starts a comment); the last key
    /// listed is the current one. The file must not be readable by group or others (0400 or 0600).
    public static func load(path: String) throws(Invalid) -> KeyRing {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int else {
            throw Invalid(description: "\(path): cannot read")
        }
        guard mode & 0o077 == 0 else {
            throw Invalid(description: "\(path): mode \(String(mode & 0o777, radix: 8)) lets others read the key; chmod 400")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Invalid(description: "\(path): cannot read") }
        return try parse(text, source: path)
    }

    /// The same format, e.g. from the environment (`HSS_KEK`), lines or `;`-separated.
    public static func parse(_ text: String, source: String) throws(Invalid) -> KeyRing {
        var keys: [UInt8: [UInt8]] = [:]
        var last: UInt8?
        for (n, raw) in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let id = UInt8(parts[0]), id > 0, parts[1].count == 64, let key = hexOctets(parts[1]) else {
                throw Invalid(description: "\(source): entry \(n + 1): ID (1-255) and 64 hex digits expected")
            }
            guard keys[id] == nil else { throw Invalid(description: "\(source): key id \(id) twice") }
            keys[id] = key
            last = id
        }
        guard let last else { throw Invalid(description: "\(source): no key") }
        return KeyRing(keys: keys, current: last)
    }

    static func hexOctets(_ s: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var it = s.makeIterator()
        while let a = it.next() {
            guard let b = it.next(), let v = UInt8(String([a, b]), radix: 16) else { return nil }
            out.append(v)
        }
        return out
    }
}

/// Seals and opens records with a key ring (AES-256-GCM through OpenSSL EVP); without a ring, records are
/// stored as they are (and a sealed one cannot be read).
public final class RecordSealer: AtomicReference, Sendable {
    public let ring: KeyRing?
    static let magic: UInt8 = 0xE5

    public init(_ ring: KeyRing?) { self.ring = ring }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Whether stored bytes are sealed, and under which key.
    public static func keyID(of bytes: some Collection<UInt8>) -> UInt8? {
        guard bytes.count > 30, bytes.first == magic else { return nil }
        return bytes[bytes.index(after: bytes.startIndex)]
    }

    /// Seals `plain` for subscription `id` under the current key (without a ring: `plain`).
    public func seal(_ plain: [UInt8], id: String) throws(Failure) -> [UInt8] {
        guard let ring else { return plain }
        var nonce = [UInt8](repeating: 0, count: 12)
        guard RAND_bytes(&nonce, 12) == 1 else { throw Failure(description: "RAND_bytes failed") }
        let key = ring.keys[ring.current]!  // KeyRing.init checks the current key exists
        var out: [UInt8] = [Self.magic, ring.current] + nonce
        out.reserveCapacity(out.count + plain.count + 16)
        guard let (cipher, tag) = Self.gcm(encrypt: true, key: key, nonce: nonce, aad: Array(id.utf8), input: plain, tag: nil) else {
            throw Failure(description: "AES-256-GCM seal failed")
        }
        out += cipher
        out += tag
        return out
    }

    /// Opens sealed bytes of subscription `id`; plain bytes (not sealed) are returned as they are.
    public func open(_ stored: some Collection<UInt8>, id: String) throws(Failure) -> [UInt8] {
        try Self.open(Array(stored), id: id, ring: ring)
    }

    /// Whether stored bytes need sealing anew under this ring's current key (plain, or another key).
    public func needsResealing(_ stored: some Collection<UInt8>) -> Bool {
        guard let ring else { return false }
        return Self.keyID(of: stored) != ring.current
    }

    /// Opens sealed bytes without a sealer (nil ring: a sealed record is an error naming the missing key).
    public static func open(_ stored: [UInt8], id: String, ring: KeyRing?) throws(Failure) -> [UInt8] {
        guard let keyID = keyID(of: stored) else { return stored }
        guard let ring else { throw Failure(description: "subscription \(id) is sealed under key \(keyID) and no key ring is configured") }
        return try open(stored, id: id, keyID: keyID, ring: ring)
    }

    static func open(_ stored: [UInt8], id: String, keyID: UInt8, ring: KeyRing) throws(Failure) -> [UInt8] {
        guard let key = ring.keys[keyID] else { throw Failure(description: "subscription \(id) is sealed under key \(keyID), which the key ring lacks") }
        let nonce = Array(stored[2..<14]), body = Array(stored[14..<(stored.count - 16)]), tag = Array(stored[(stored.count - 16)...])
        guard let (plain, _) = gcm(encrypt: false, key: key, nonce: nonce, aad: Array(id.utf8), input: body, tag: tag) else {
            throw Failure(description: "subscription \(id): the sealed record does not open (wrong key, or altered)")
        }
        return plain
    }

    /// AES-256-GCM: encrypt (returns the tag) or decrypt (checks `tag`; nil when it does not verify).
    static func gcm(encrypt: Bool, key: [UInt8], nonce: [UInt8], aad: [UInt8], input: [UInt8], tag: [UInt8]?) -> ([UInt8], [UInt8])? {
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: input.count + 16)
        var n: Int32 = 0, total: Int32 = 0
        var ok = (encrypt ? EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) : EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil)) == 1
        ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nil) == 1
        ok = ok && (encrypt ? EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) : EVP_DecryptInit_ex(ctx, nil, nil, key, nonce)) == 1
        ok = ok && (encrypt ? EVP_EncryptUpdate(ctx, nil, &n, aad, Int32(aad.count)) : EVP_DecryptUpdate(ctx, nil, &n, aad, Int32(aad.count))) == 1
        guard ok else { return nil }
        let updated = out.withUnsafeMutableBufferPointer { o in
            encrypt ? EVP_EncryptUpdate(ctx, o.baseAddress, &n, input, Int32(input.count)) : EVP_DecryptUpdate(ctx, o.baseAddress, &n, input, Int32(input.count))
        }
        guard updated == 1 else { return nil }
        total = n
        var tagOut = tag ?? [UInt8](repeating: 0, count: 16)
        if !encrypt {
            guard tagOut.count == 16, EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, &tagOut) == 1 else { return nil }
        }
        let finished = out.withUnsafeMutableBufferPointer { o in
            encrypt ? EVP_EncryptFinal_ex(ctx, o.baseAddress! + Int(total), &n) : EVP_DecryptFinal_ex(ctx, o.baseAddress! + Int(total), &n)
        }
        guard finished == 1 else { return nil }
        total += n
        if encrypt {
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, &tagOut) == 1 else { return nil }
        }
        return (Array(out[0..<Int(total)]), tagOut)
    }
}

extension LMDBSubscriberStore {
    /// The key ring records are sealed and opened with now (nil: none).
    public var keyRing: KeyRing? { sealer.ring }

    /// Replaces the key ring (its current key seals every record written from now on). The new ring must
    /// still hold the keys existing records are sealed under until ``reseal(batch:)`` has run.
    public func setKeyRing(_ ring: KeyRing?) {
        sealing.store(RecordSealer(ring), ordering: .releasing)
    }

    /// What a key rotation did.
    public struct ResealReport: Sendable, Codable, Equatable {
        public var keyID: UInt8?
        public var resealed: Int
        public var subscriptions: Int
    }

    /// Seals every provisioned record that is plain or sealed under another key anew, under the current
    /// key (online: through the writer, `batch` subscriptions per transaction, each a change-log record so
    /// that followers and backups get the new form). The records are opened with the ring, so it must hold
    /// their keys.
    @discardableResult
    public func reseal(batch: Int = 1000) async throws -> ResealReport {
        var report = ResealReport(keyID: keyRing?.current, resealed: 0, subscriptions: 0)
        var after: String?
        while true {
            let ids = try subscriptionIDs(after: after, limit: batch)
            guard let last = ids.last else { break }
            let sealer = self.sealer
            let counted = ResealCount()
            try await writer.submit { [unowned self] t in
                for id in ids {
                    let key = Array(id.utf8)
                    guard let stored = try t.get(self.provisioned, key).map({ Array($0) }) else { continue }
                    counted.seen += 1
                    guard sealer.needsResealing(stored) else { continue }
                    let sealed = try sealer.seal(try sealer.open(stored, id: id), id: id)
                    let st = try t.get(self.state, key).map { Array($0) } ?? Self.encoded(SubscriptionState())
                    try t.put(self.provisioned, key, sealed)
                    _ = try self.logSubscription(t, id: id, (sealed, st))
                    counted.resealed += 1
                }
            }
            report.subscriptions += counted.seen
            report.resealed += counted.resealed
            after = last
        }
        return report
    }
}

/// Counts of one reseal transaction (written on the writer thread, read after it committed).
final class ResealCount: @unchecked Sendable {
    var seen = 0
    var resealed = 0
}
