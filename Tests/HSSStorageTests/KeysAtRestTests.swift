import Foundation
import HSSCore
import Testing

@testable import HSSStorage

/// K, OPc and HA1 at rest: provisioned records sealed with AES-256-GCM under a key ring (docs/hardening.md).
@Suite("Keys at rest")
struct KeysAtRestTests {
    static let key1 = String(repeating: "11", count: 32), key2 = String(repeating: "2a", count: 32)
    static let ring1 = try! KeyRing.parse("1 \(key1)", source: "test")
    static let ring12 = try! KeyRing.parse("1 \(key1)\n2 \(key2)  # rotated", source: "test")
    static let ring2 = try! KeyRing.parse("2 \(key2)", source: "test")

    /// A subscription whose K is a recognisable pattern.
    static func subscription(_ i: Int) -> IMSSubscription {
        var s = LMDBStoreTests.subscription(i)
        s.privateIdentities[0].aka = AKACredentials(k: Block128(hex: "c0ffee00c0ffee00c0ffee00c0ffee\(String(format: "%02x", i % 256))")!, opc: Block128(hi: 7, lo: 9))
        return s
    }

    static func store(_ path: String, _ ring: KeyRing?) throws -> LMDBSubscriberStore {
        var c = LMDBConfiguration(path: path)
        c.keyRing = ring
        return try LMDBSubscriberStore(c)
    }

    @Test("Key files: ID HEX lines, the last current, comments; group- or other-readable files refused; bad entries named")
    func keyFiles() throws {
        #expect(Self.ring12.current == 2 && Self.ring12.keys.count == 2)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kek-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("1 \(Self.key1)\n".utf8), attributes: [.posixPermissions: 0o644])
        #expect(throws: KeyRing.Invalid.self) { try KeyRing.load(path: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        #expect(try KeyRing.load(path: path) == Self.ring1)
        for bad in ["", "0 \(Self.key1)", "1 abc", "1 \(Self.key1)\n1 \(Self.key2)", "x \(Self.key1)"] {
            #expect(throws: KeyRing.Invalid.self) { try KeyRing.parse(bad, source: "t") }
        }
    }

    @Test("Sealed bytes open only for the same id, under a key the ring holds, unaltered")
    func sealing() throws {
        let sealer = RecordSealer(Self.ring1)
        let plain: [UInt8] = Array("provisioned record".utf8)
        let sealed = try sealer.seal(plain, id: "a")
        #expect(sealed.first == 0xE5 && sealed[1] == 1 && sealed.count == plain.count + 30)
        #expect(try sealer.open(sealed, id: "a") == plain)
        #expect(try sealer.seal(plain, id: "a") != sealed, "a fresh nonce per record")
        #expect(throws: RecordSealer.Failure.self) { try sealer.open(sealed, id: "b") }
        var altered = sealed
        altered[20] ^= 1
        #expect(throws: RecordSealer.Failure.self) { try sealer.open(altered, id: "a") }
        #expect(throws: RecordSealer.Failure.self) { try RecordSealer(Self.ring2).open(sealed, id: "a") }
        #expect(throws: RecordSealer.Failure.self) { try RecordSealer(nil).open(sealed, id: "a") }
        #expect(try RecordSealer(nil).open(plain, id: "a") == plain, "plain records read as they are")
    }

    @Test("A store with a key ring: records sealed on disk (K not in data.mdb nor in a backup), read back whole; without the ring they do not open")
    func store() async throws {
        let path = LMDBStoreTests.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try Self.store(path, Self.ring1)
            defer { store.close() }
            for i in 0..<20 { try await store.commitSubscription(Self.subscription(i)) }
            _ = try store.bulkLoad((20..<40).map(Self.subscription))
            #expect(try store.load(Self.subscription(3).id) == Self.subscription(3))
            #expect(try store.load(Self.subscription(33).id) == Self.subscription(33))
            #expect(try store.repairRecords([Self.subscription(5).id]).first?.records?.provisioned.first == 0xE5)
            #expect(try store.verify().problems.isEmpty)
            try store.backup(to: path + "-backup")
        }
        defer { try? FileManager.default.removeItem(atPath: path + "-backup") }
        let pattern: [UInt8] = [0xc0, 0xff, 0xee, 0x00, 0xc0, 0xff, 0xee, 0x00]
        for file in [path + "/data.mdb", path + "-backup/data.mdb"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            let found = bytes.indices.dropLast(8).contains { bytes[$0] == 0xc0 && Array(bytes[$0..<($0 + 8)]) == pattern }
            #expect(!found, "K appears in clear in \(file)")
        }
        let without = try Self.store(path, nil)
        defer { without.close() }
        #expect(throws: StorageError.self) { try without.load(Self.subscription(3).id) }
    }

    @Test("Rotation: a ring with the new key current seals everything anew (plain records too), after which the old key can go")
    func rotation() async throws {
        let path = LMDBStoreTests.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let plainStore = try Self.store(path, nil)
        _ = try plainStore.bulkLoad((0..<5).map(Self.subscription))
        plainStore.close()
        let store = try Self.store(path, Self.ring1)
        defer { store.close() }
        _ = try store.bulkLoad((5..<10).map(Self.subscription))  // sealed under key 1; 0-4 are still plain
        let before = store.logState.last
        store.setKeyRing(Self.ring12)
        let report = try await store.reseal(batch: 3)
        #expect(report == LMDBSubscriberStore.ResealReport(keyID: 2, resealed: 10, subscriptions: 10))
        #expect(store.logState.last == before + 10, "each resealed subscription is a change-log record (replicated)")
        #expect(try await store.reseal().resealed == 0, "nothing left to do")
        store.setKeyRing(Self.ring2)
        for i in 0..<10 { #expect(try store.load(Self.subscription(i).id) == Self.subscription(i)) }
        #expect(try store.repairRecords([Self.subscription(0).id]).first?.records?.provisioned[1] == 2)
    }
}
