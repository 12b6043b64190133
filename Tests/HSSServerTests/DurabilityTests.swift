import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import NIOCore
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

    /// An AKA MAR (one vector) from `host`, naming `serverName`.
    static func akaMAR(
        _ impi: String = CxOverTCPTests.impi, _ impu: String = CxOverTCPTests.impu, from host: String = CxOverTCPTests.scscf1,
        serverName: String = CxOverTCPTests.scscf1Name
    ) -> MultimediaAuthRequest {
        MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(host), userName: impi, publicIdentity: impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1, serverName: serverName)
    }

    /// Alice's SAR from S-CSCF 1.
    static func aliceSAR(_ type: ServerAssignmentType = .registration) -> ServerAssignmentRequest {
        ServerAssignmentRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentities: [CxOverTCPTests.impu],
            serverName: CxOverTCPTests.scscf1Name, serverAssignmentType: type, userDataAlreadyAvailable: .userDataNotAvailable)
    }

    static func mar(_ c: TestClient) async throws -> MultimediaAuthAnswer {
        try await CxOverTCPTests.ask(c, akaMAR(), MultimediaAuthAnswer.self)
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
        let sar = Self.aliceSAR()
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

    /// Sends `request` with the given End-to-End id (T flag when `retransmitted`) and decodes the MAA.
    static func mar(
        _ c: TestClient, _ request: MultimediaAuthRequest, hopByHop: UInt32, endToEnd: UInt32, retransmitted: Bool
    ) async throws -> MultimediaAuthAnswer {
        try await c.send(request.encode(hopByHopID: hopByHop, endToEndID: endToEnd, retransmitted: retransmitted))
        let m = try #require(try await c.receive())
        #expect(m.header.hopByHopID == hopByHop)
        return try MultimediaAuthAnswer(decoding: m)
    }

    @Test("A kept MAA (T-flag replay from the store) is handed out only to the peer whose request it answered")
    func replayBelongsToThePeer() async throws {
        let path = Self.directory()
        var store = try Self.seeded(path)
        var r = try await CxOverTCPTests.start(storage: store)
        let request = Self.akaMAR()
        let e2e: UInt32 = 0x0BAD_CAFE
        // The first MAR assigns the S-CSCF: it writes, and its answer is kept for retransmissions.
        var scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let first = try await Self.mar(scscf, request, hopByHop: 1, endToEnd: e2e, retransmitted: false)
        let rand = try #require(first.sipAuthDataItems.first?.sipAuthenticate).prefix(16)
        await scscf.close()
        await r.server.shutdown()
        store.close()
        // After a restart (the in-memory duplicate cache is gone, as after a failover to another node), a
        // second peer sends the same request: the S-CSCF's Origin-Host, End-to-End id and the T flag.
        store = try Self.seeded(path)
        r = try await CxOverTCPTests.start(storage: store)
        let rogue = try await CxOverTCPTests.client(r, "rogue.localdomain")
        let spoofed = try await Self.mar(rogue, request, hopByHop: 2, endToEnd: e2e, retransmitted: true)
        #expect(spoofed.envelope.result == .success)
        #expect(try #require(spoofed.sipAuthDataItems.first?.sipAuthenticate).prefix(16) != rand, "the rogue peer read the S-CSCF's vector")
        // The S-CSCF's own retransmission gets its kept answer (so the comparison above could fail).
        scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let again = try await Self.mar(scscf, request, hopByHop: 3, endToEnd: e2e, retransmitted: true)
        #expect(try #require(again.sipAuthDataItems.first?.sipAuthenticate).prefix(16) == rand)
        await rogue.close()
        await scscf.close()
        await r.server.shutdown()
        store.close()
    }

    @Test("A MAR whose Origin-Host is 600 octets gets 5004 naming it; SARs around it are answered 2001")
    func oversizedOriginHost() async throws {
        let store = try Self.seeded(Self.directory())
        let r = try await CxOverTCPTests.start(storage: store)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        var long = Self.akaMAR(serverName: "sip:other.localdomain")
        long.envelope.originHost = String(repeating: "h", count: 600) + ".localdomain"
        let sar = Self.aliceSAR()
        // In one write: SAR, the long MAR, SAR (the SARs would share the MAR's batch were it to write).
        try await scscf.send([
            sar.encode(hopByHopID: 11, endToEndID: 11), long.encode(hopByHopID: 12, endToEndID: 12),
            sar.encode(hopByHopID: 13, endToEndID: 13),
        ])
        var results: [UInt32: UInt32] = [:]
        var failed: DiameterMessage?
        for _ in 0..<3 {
            let m = try #require(try await scscf.receive())
            results[m.header.hopByHopID] = m.first(.resultCode)?.unsigned32
            if m.header.hopByHopID == 12 { failed = m }
        }
        #expect(results == [11: 2001, 12: 5004, 13: 2001])
        #expect(failed?.first(.failedAVP)?.first(.originHost) != nil, "Failed-AVP names Origin-Host")
        await scscf.close()
        await r.server.shutdown()
        store.close()
    }

    @Test("Head of line: with every commit taking 300 ms, MARs for another subscriber behind a SAR on the same connection are answered first; a subscriber's own requests keep their order")
    func noHeadOfLineBlocking() async throws {
        let slow = Counter()
        let store = try Self.seeded(Self.directory(), fault: {
            if slow.value > 0 { usleep(300_000) }
            return nil
        })
        let r = try await CxOverTCPTests.start(storage: store)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let bob = Self.akaMAR("bob@localdomain", "sip:bob@localdomain")
        // Bob's first MAR assigns the S-CSCF (a write); after it his MARs write nothing.
        #expect(try await CxOverTCPTests.ask(scscf, bob, MultimediaAuthAnswer.self).envelope.result == .success)
        slow.value = 1
        let sar = Self.aliceSAR()
        let lir = LocationInfoRequest(envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), publicIdentity: CxOverTCPTests.impu)
        // One write: alice's SAR (a 300 ms commit), bob's MARs, alice's LIR (behind her SAR).
        try await scscf.send(
            [sar.encode(hopByHopID: 1, endToEndID: 1)] + (2...6).map { bob.encode(hopByHopID: $0, endToEndID: $0) }
                + [lir.encode(hopByHopID: 7, endToEndID: 7)])
        var order: [UInt32] = []
        var lia: DiameterMessage?
        for _ in 1...7 {
            let m = try #require(try await scscf.receive())
            order.append(m.header.hopByHopID)
            if m.header.hopByHopID == 7 { lia = m }
        }
        #expect(Array(order.prefix(5)).sorted() == [2, 3, 4, 5, 6], "bob's MARs first: \(order)")
        #expect(order.suffix(2) == [1, 7], "alice's SAR, then her LIR: \(order)")
        // The LIR ran after the SAR's commit: it sees the registration.
        #expect(try LocationInfoAnswer(decoding: try #require(lia)).serverName == CxOverTCPTests.scscf1Name)
        slow.value = 0
        await scscf.close()
        await r.server.shutdown()
        store.close()
    }

    @Test("Order under concurrency: alice's registrations, de-registrations and LIRs interleaved with bob's MARs on two connections; each LIR sees the SAR before it")
    func subscriptionOrder() async throws {
        let store = try Self.seeded(Self.directory())
        let r = try await CxOverTCPTests.start(storage: store)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let other = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf2)
        let bob = Self.akaMAR("bob@localdomain", "sip:bob@localdomain", from: CxOverTCPTests.scscf2, serverName: CxOverTCPTests.scscf2Name)
        let lir = LocationInfoRequest(envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), publicIdentity: CxOverTCPTests.impu)
        // 40 rounds in one write: SAR (registration, then de-registration, alternating), LIR; bob's MARs on
        // the other connection meanwhile.
        var burst: [ByteBuffer] = []
        for i in 0..<40 {
            let id = UInt32(1000 + 2 * i)
            burst.append(Self.aliceSAR(i % 2 == 0 ? .registration : .userDeregistration).encode(hopByHopID: id, endToEndID: id))
            burst.append(lir.encode(hopByHopID: id + 1, endToEndID: id + 1))
        }
        async let bobs: Void = {
            try await other.send((0..<200).map { bob.encode(hopByHopID: UInt32(5000 + $0), endToEndID: UInt32(5000 + $0)) })
            for _ in 0..<200 { _ = try #require(try await other.receive()) }
        }()
        try await scscf.send(burst)
        var lias: [UInt32: ResultCode?] = [:]
        for _ in 0..<80 {
            let m = try #require(try await scscf.receive())
            if m.commandCode == CommandDefinition.locationInfo.code {
                lias[m.header.hopByHopID] = try LocationInfoAnswer(decoding: m).envelope.result
            }
        }
        try await bobs
        for i in 0..<40 {
            let result = try #require(lias[UInt32(1000 + 2 * i + 1)])
            if i % 2 == 0 {
                #expect(result == .success, "LIR \(i) after a registration: \(String(describing: result))")
            } else {
                #expect(result != .success, "LIR \(i) after a de-registration: \(String(describing: result))")
            }
        }
        await scscf.close()
        await other.close()
        await r.server.shutdown()
        store.close()
    }

    @Test("A storage failure answers 5012 (nothing acknowledged), reads keep being served, and the HSS recovers")
    func storageFailure() async throws {
        let failing = Counter()
        let store = try Self.seeded(Self.directory(), fault: { failing.value > 0 ? .mapFull(mapSize: 1 << 20) : nil })
        let r = try await CxOverTCPTests.start(storage: store)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let sar = Self.aliceSAR()
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
