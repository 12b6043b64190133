import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import Testing

/// The HSS with its LMDB store, in process: state survives a restart, SQN keeps climbing without a write
/// per MAR, and a storage failure is an answer (5012), not a crash, while reads go on.
@Suite("HSS with LMDB", .serialized)
struct DurabilityTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hss-durable-\(UUID().uuidString)").path
    }

    static func seeded(_ path: String, sqnBlock: UInt64 = 1000, fault: (@Sendable () -> StorageError?)? = nil) throws -> LMDBSubscriberStore {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: path, sqnBlock: sqnBlock), faultInjection: fault)
        if store.subscriptionCount == 0 { try store.bulkLoad(try SubscriberFile.load(path: CxOverTCPTests.demo).subscriptions) }
        return store
    }

    static func mar(_ c: TestClient) async throws -> MultimediaAuthAnswer {
        try await CxOverTCPTests.ask(c, MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1,
            serverName: CxOverTCPTests.scscf1Name), MultimediaAuthAnswer.self)
    }

    /// The SQN a vector carries: AUTN[0..5] ⊕ AK, AK = f5(K, RAND) (demo subscriber alice's K and OP).
    static func sqn(of item: SIPAuthDataItem) throws -> UInt64 {
        let authenticate = try #require(item.sipAuthenticate)
        let rand = try #require(Block128(bytes: authenticate[0..<16]))
        var m = try Milenage()
        let k = Block128(hex: "30313233343536373839616263646566")!
        let opc = m.opc(k: k, op: Block128(hex: "66656463626139383736353433323130")!)
        let ak = m.compute(k: k, opc: opc, rand: rand, sqn: 0, amf: 0).ak
        let concealed = authenticate[16..<22].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return concealed ^ ak
    }

    @Test("Register, stop, start: LIR returns the same S-CSCF; SQN continues upward past the reserved block")
    func restart() async throws {
        let path = Self.directory()
        var store = try Self.seeded(path, sqnBlock: 10)
        var r = try await CxOverTCPTests.start(storage: store)
        var scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        var sqns: [UInt64] = []
        for _ in 0..<25 { sqns.append(try Self.sqn(of: try #require(try await Self.mar(scscf).sipAuthDataItems.first))) }
        let sar = ServerAssignmentRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentities: [CxOverTCPTests.impu],
            serverName: CxOverTCPTests.scscf1Name, serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        #expect(try await CxOverTCPTests.ask(scscf, sar, ServerAssignmentAnswer.self).envelope.result == .success)
        await scscf.close()
        await r.server.shutdown()
        store.close()

        store = try Self.seeded(path, sqnBlock: 10)
        r = try await CxOverTCPTests.start(storage: store)
        scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let lia = try await CxOverTCPTests.ask(scscf, LocationInfoRequest(envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), publicIdentity: "tel:+15551230001"), LocationInfoAnswer.self)
        #expect(lia.envelope.result == .success)
        #expect(lia.serverName == CxOverTCPTests.scscf1Name)
        let after = try Self.sqn(of: try #require(try await Self.mar(scscf).sipAuthDataItems.first))
        #expect(after > sqns.max()!, "SQN continues upward")
        #expect(Set(sqns).count == sqns.count)
        #expect(sqns == sqns.sorted())
        // 25 vectors with a block of 10 SEQ values: three reservations, not 25 writes (plus the MAR's S-CSCF
        // assignment and the SAR).
        let stateWrites = try store.changes(from: 0).filter { $0.kind == .state }.count
        #expect(stateWrites <= 6, "state writes: \(stateWrites)")
        await scscf.close()
        await r.server.shutdown()
        store.close()
    }

    @Test("A storage failure answers 5012 (nothing acknowledged), reads keep being served, and the HSS recovers")
    func storageFailure() async throws {
        let failing = Counter()
        let store = try Self.seeded(Self.directory(), fault: { failing.value > 0 ? .mapFull(mapSize: 1 << 20) : nil })
        let r = try await CxOverTCPTests.start(storage: store)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let sar = ServerAssignmentRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentities: [CxOverTCPTests.impu],
            serverName: CxOverTCPTests.scscf1Name, serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        failing.value = 1
        #expect(try await CxOverTCPTests.ask(scscf, sar, ServerAssignmentAnswer.self).envelope.result == .unableToComply)
        // Nothing was registered, and reads are answered.
        let lia = try await CxOverTCPTests.ask(scscf, LocationInfoRequest(envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), publicIdentity: CxOverTCPTests.impu), LocationInfoAnswer.self)
        #expect(lia.envelope.result == .errorIdentityNotRegistered)
        failing.value = 0
        #expect(try await CxOverTCPTests.ask(scscf, sar, ServerAssignmentAnswer.self).envelope.result == .success)
        await scscf.close()
        await r.server.shutdown()
        store.close()
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int {
        get { lock.withLock { n } }
        set { lock.withLock { n = newValue } }
    }
}
