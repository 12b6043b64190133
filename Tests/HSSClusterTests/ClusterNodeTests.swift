import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import HSSCluster

/// One node of an in-process test cluster: its cluster node, shards and Cx application.
final class TestNode: @unchecked Sendable {
    let id: String
    let dataDir: String
    let node: ClusterNode
    let application: HSSApplication
    var task: Task<Void, any Error>?

    init(id: String, index: Int, dataDir: String, configuration: ClusterConfiguration, store: LMDBConfiguration) throws {
        self.id = id
        self.dataDir = dataDir
        var logger = Logger(label: "cluster-\(id)")
        logger.logLevel = ProcessInfo.processInfo.environment["HSS_TEST_LOG"] == nil ? .critical : .debug
        node = try ClusterNode(configuration: configuration, dataDirectory: dataDir, store: store, logger: logger)
        let context = HSSContext(originHost: "hss.localdomain", originRealm: "localdomain", sequenceNumbers: SequenceNumberScheme(ind: UInt64(index)))
        let directory = try SubscriberDirectory(shardCount: 2, context: context, storage: node.storage)
        node.attach(directory)
        let sh = ShPolicy(applicationServers: [
            ShApplicationServer(originHost: "tas.localdomain", read: Set(DataReference.served.map { $0.0.code }), subscribe: DataReference.notifiable)
        ])
        application = HSSApplication(directory: directory, context: context, logger: logger, shPolicy: sh)
        let n = node
        task = Task { try await n.run() }
    }

    /// Asks this node's Cx application directly (no TCP), as S-CSCF `host`.
    func ask<A: CxMessage>(_ request: some CxMessage, _: A.Type, endToEnd: UInt32? = nil, retransmitted: Bool = false) async throws -> (A, ByteBuffer) {
        let id = endToEnd ?? ClusterNodeTests.next()
        var bytes = request.encode(hopByHopID: id, endToEndID: id)
        if retransmitted { bytes.setInteger(bytes.getInteger(at: 4, as: UInt8.self)! | 0x10, at: 4) }
        let message = try DiameterDecoder().decode(bytes)
        let command = try #require(DiameterDictionary.standard.command(code: message.commandCode, applicationID: message.header.applicationID))
        let answer = await application.answer(message, command: command, from: PeerIdentity(originHost: "scscf1.localdomain", originRealm: "localdomain"))
        return (try A(decoding: try DiameterDecoder().decode(answer)), answer)
    }

    /// Asks this node's Sh application directly, as AS tas.localdomain.
    func askSh<A: ShMessage>(_ request: some ShMessage, _: A.Type) async throws -> A {
        let id = ClusterNodeTests.next()
        let message = try DiameterDecoder().decode(request.encode(hopByHopID: id, endToEndID: id))
        let command = try #require(DiameterDictionary.standard.command(code: message.commandCode, applicationID: message.header.applicationID))
        let answer = await application.answer(message, command: command, from: PeerIdentity(originHost: "tas.localdomain", originRealm: "localdomain"))
        return try A(decoding: try DiameterDecoder().decode(answer))
    }

    /// The Result-Code of the answer (also of an error answer, which has no Cx grammar).
    func resultCode(_ request: some CxMessage) async throws -> UInt32? {
        let id = ClusterNodeTests.next()
        let message = try DiameterDecoder().decode(request.encode(hopByHopID: id, endToEndID: id))
        let command = try #require(DiameterDictionary.standard.command(code: message.commandCode, applicationID: message.header.applicationID))
        let answer = await application.answer(message, command: command, from: PeerIdentity(originHost: "scscf1.localdomain", originRealm: "localdomain"))
        return try DiameterDecoder().decode(answer).first(.resultCode)?.unsigned32
    }

    func stop() async {
        await node.shutdown()
        task?.cancel()
        _ = try? await task?.value
    }

    func crash() async {
        node.halt()
        task?.cancel()
        _ = try? await task?.value
    }
}

/// A cluster of nodes in this process, on loopback ports (docs/replication.md).
struct TestCluster {
    var nodes: [TestNode]
    let configurations: [ClusterConfiguration]
    let stores: [LMDBConfiguration]
    let dirs: [String]

    static func freePort() async throws -> Int {
        let ch = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = ch.localAddress!.port!
        try await ch.close()
        return port
    }

    /// `count` nodes, n1 the initial leader, the demo subscribers loaded into n1's store.
    static func start(
        count: Int = 3, ackLevel: AckLevel = .one, ackTimeout: Duration = .seconds(2), leaderWait: Duration = .seconds(2), sqnBlock: UInt64 = 1000,
        logRetention: Int = 1_000_000, tls: ClusterTLS? = nil, leaderBeforeCommit: (@Sendable () -> StorageError?)? = nil
    ) async throws -> TestCluster {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hss-cluster-\(UUID().uuidString)").path
        var members: [ClusterConfiguration.Member] = []
        for i in 1...count { members.append(.init(id: "n\(i)", address: "127.0.0.1:\(try await freePort())")) }
        var configurations: [ClusterConfiguration] = [], stores: [LMDBConfiguration] = [], dirs: [String] = []
        for i in 1...count {
            configurations.append(
                ClusterConfiguration(
                    name: "test", node: "n\(i)", members: members, ackLevel: ackLevel, ackTimeout: ackTimeout, leaderWait: leaderWait, initialLeader: "n1",
                    tls: tls))
            var s = LMDBConfiguration(path: "", sqnBlock: sqnBlock)
            s.logRetentionRecords = logRetention
            if i == 1 { s.beforeCommit = leaderBeforeCommit }
            stores.append(s)
            dirs.append(base + "/n\(i)")
        }
        try FileManager.default.createDirectory(atPath: dirs[0], withIntermediateDirectories: true)
        do {
            var seed = stores[0]
            seed.path = dirs[0]
            let store = try LMDBSubscriberStore(seed)
            try store.bulkLoad(try SubscriberFile.load(path: ClusterNodeTests.demo).subscriptions)
            store.close()
        }
        var c = TestCluster(nodes: [], configurations: configurations, stores: stores, dirs: dirs)
        for i in 0..<count { c.nodes.append(try c.makeNode(i)) }
        try await c.waitUntil("every follower connected") { c.nodes[0].node.status().followers.count == count - 1 }
        try await c.waitUntil("every node serving") { c.nodes.allSatisfy { $0.node.isServing } }
        return c
    }

    func makeNode(_ i: Int) throws -> TestNode {
        try TestNode(id: "n\(i + 1)", index: i + 1, dataDir: dirs[i], configuration: configurations[i], store: stores[i])
    }

    mutating func restart(_ i: Int) throws { nodes[i] = try makeNode(i) }

    /// Sends node `i` (0-based) a control message over the cluster link, as `hss cluster promote` does.
    func control(_ message: ClusterMessage, to i: Int) async throws {
        guard case .done(true, _) = await ClusterNode.exchange(
            message, with: configurations[i].me!.address, group: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(5))
        else {
            Issue.record("n\(i + 1) refused \(message)")
            throw CancellationError()
        }
    }

    /// Node `i` leads `epoch`.
    func promote(_ i: Int, epoch: UInt64) async throws { try await control(.promote(epoch: epoch), to: i) }

    /// Node `i` follows node `leader` in `epoch`.
    func follow(_ i: Int, leader: Int, epoch: UInt64) async throws {
        try await control(.follow(leader: "n\(leader + 1)", address: configurations[leader].me!.address, epoch: epoch), to: i)
    }

    func waitUntil(_ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// Every running node's store holds the same data.
    func converged(_ indexes: [Int]? = nil) async throws {
        let which = indexes ?? Array(nodes.indices)
        try await waitUntil("the stores converge") {
            let digests = try which.map { try nodes[$0].node.store.digest() }
            return Set(digests).count == 1
        }
    }

    func stopAll() async {
        for n in nodes { await n.stop() }
    }
}

@Suite("Cluster (in process)", .serialized)
struct ClusterNodeTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/examples/subscribers.json").standardized.path
    static let impi = "alice@localdomain", impu = "sip:alice@localdomain", scscf = "sip:scscf1.localdomain:6060"
    static let counter = NIOLockedCounter()
    static func next() -> UInt32 { counter.next() }

    static func envelope() -> CxEnvelope {
        CxEnvelope(sessionID: "scscf1.localdomain;\(next())", originHost: "scscf1.localdomain", originRealm: "localdomain", destinationRealm: "localdomain")
    }

    static func sar(_ type: ServerAssignmentType, impu: String = impu, impi: String = impi) -> ServerAssignmentRequest {
        ServerAssignmentRequest(
            envelope: envelope(), userName: impi, publicIdentities: [impu], serverName: scscf, serverAssignmentType: type, userDataAlreadyAvailable: .userDataNotAvailable)
    }

    static func mar() -> MultimediaAuthRequest {
        MultimediaAuthRequest(
            envelope: envelope(), userName: impi, publicIdentity: impu, sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"),
            sipNumberAuthItems: 1, serverName: scscf)
    }

    /// SQN of a vector for alice (demo K/OP): AUTN[0..5] ⊕ AK.
    static func sqn(_ a: MultimediaAuthAnswer) throws -> UInt64 {
        let authenticate = try #require(a.sipAuthDataItems.first?.sipAuthenticate)
        var m = try Milenage()
        let k = Block128(hex: "30313233343536373839616263646566")!
        let opc = m.opc(k: k, op: Block128(hex: "66656463626139383736353433323130")!)
        let ak = m.compute(k: k, opc: opc, rand: try #require(Block128(bytes: authenticate[0..<16])), sqn: 0, amf: 0).ak
        return authenticate[16..<22].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } ^ ak
    }

    static func registeredServer(_ node: TestNode, _ id: String = "alice") throws -> String? {
        try node.node.store.load(id)?.state.scscf?.serverName
    }

    @Test("A SAR on a follower is forwarded, acknowledged, and replicated to every node; LIR on another follower sees it")
    func forwardedWrite() async throws {
        let c = try await TestCluster.start()
        let (saa, _) = try await c.nodes[1].ask(Self.sar(.registration), ServerAssignmentAnswer.self)
        #expect(saa.envelope.result == .success)
        // Acknowledged at level one: durable on the leader and on at least one follower when answered.
        let durable = try [0, 1, 2].map { try Self.registeredServer(c.nodes[$0]) }.filter { $0 == Self.scscf }.count
        #expect(durable >= 2)
        try await c.converged()
        let (lia, _) = try await c.nodes[2].ask(LocationInfoRequest(envelope: Self.envelope(), publicIdentity: Self.impu), LocationInfoAnswer.self)
        #expect(lia.envelope.result == .success)
        #expect(lia.serverName == Self.scscf)
        #expect(c.nodes[1].node.status().role == "follower")
        #expect(c.nodes[0].node.status().followers.keys.sorted() == ["n2", "n3"])
        await c.stopAll()
    }

    @Test("Sh in a cluster: an SNR on a follower is replicated to every node; the node that executes a change (here the follower a SAR reached) sends the PNR")
    func shNotificationNode() async throws {
        let c = try await TestCluster.start()
        let seen = c.nodes.map { _ in NIOLockedValueBox<[HSSAdmin.Delivery]>([]) }
        for (i, n) in c.nodes.enumerated() { n.application.observeDeliveries { d in seen[i].withLockedValue { $0.append(d) } } }
        let snr = SubscribeNotificationsRequest(
            envelope: ShEnvelope(sessionID: "tas.localdomain;\(Self.next())", originHost: "tas.localdomain", originRealm: "localdomain", destinationRealm: "localdomain"),
            userIdentity: UserIdentity(publicIdentity: Self.impu), subsReqType: .subscribe, dataReferences: [.imsUserState])
        #expect(try await c.nodes[1].askSh(snr, SubscribeNotificationsAnswer.self).envelope.result == .success)
        try await c.converged()
        for n in c.nodes { #expect(try n.node.store.load("alice")?.state.sh.subscriptions.map(\.applicationServer) == ["tas.localdomain"]) }
        let (saa, _) = try await c.nodes[2].ask(Self.sar(.registration), ServerAssignmentAnswer.self)
        #expect(saa.envelope.result == .success)
        try await c.waitUntil("node 3 sends the PNR") { seen[2].withLockedValue { $0.count } == 1 }
        let pnr = try #require(seen[2].withLockedValue { $0.first })
        #expect(pnr.command == "PNR" && pnr.destinationHost == "tas.localdomain" && pnr.userName == Self.impu)
        #expect(seen[0].withLockedValue { $0.isEmpty } && seen[1].withLockedValue { $0.isEmpty })
        await c.stopAll()
    }

    @Test("MARs on every node for one subscriber: SQNs all distinct, each node's increasing with its own IND; blocks are replicated writes")
    func sqnAcrossNodes() async throws {
        let c = try await TestCluster.start(sqnBlock: 4)
        var byNode: [Int: [UInt64]] = [:]
        for round in 0..<12 {
            for i in 0..<3 {
                let (maa, _) = try await c.nodes[i].ask(Self.mar(), MultimediaAuthAnswer.self)
                #expect(maa.envelope.result == .success, "round \(round) node \(i)")
                byNode[i, default: []].append(try Self.sqn(maa))
            }
        }
        let all = byNode.values.flatMap { $0 }
        #expect(Set(all).count == all.count, "no SQN twice")
        for (i, list) in byNode {
            #expect(list == list.sorted(), "node \(i + 1) increasing")
            #expect(list.allSatisfy { $0 & 31 == UInt64(i + 1) }, "node \(i + 1)'s IND")
        }
        try await c.converged()
        await c.stopAll()
    }

    @Test("Ack level all: with a follower down, a write is not acknowledged and is answered 5012, not 2001")
    func ackLevelAll() async throws {
        let c = try await TestCluster.start(ackLevel: .all, ackTimeout: .milliseconds(300))
        let (ok, _) = try await c.nodes[0].ask(Self.sar(.registration), ServerAssignmentAnswer.self)
        #expect(ok.envelope.result == .success)
        await c.nodes[2].stop()
        // Through a follower (forwarded) and on the leader itself: each a state change.
        #expect(try await c.nodes[1].resultCode(Self.sar(.userDeregistration)) == 5012)
        #expect(try await c.nodes[0].resultCode(Self.sar(.registration)) == 5012)
        await c.stopAll()
    }

    @Test("Manual failover: promote a follower; the old leader's unacknowledged tail is truncated and repaired when it comes back")
    func promoteAndTruncate() async throws {
        var c = try await TestCluster.start(ackTimeout: .milliseconds(300))
        // The followers stop; the leader commits a registration nobody acknowledges (answered 5012).
        await c.nodes[1].stop()
        await c.nodes[2].stop()
        let sar = Self.sar(.registration)
        let (lost, _) = try await c.nodes[0].ask(sar, ServerAssignmentAnswer.self)
        #expect(lost.envelope.result == .unableToComply)
        #expect(try Self.registeredServer(c.nodes[0]) == Self.scscf, "committed locally, not acknowledged")
        // Its retransmission finds the registration in the leader's store, needs no write, and must still
        // not be answered 2001 while nobody acknowledged it (the fault tests found this: the deposed
        // leader's tail is truncated and the "acknowledged" registration is gone).
        #expect(try await c.nodes[0].resultCode(sar) == 5012)
        await c.nodes[0].crash()
        // n2 and n3 come back; n2 is promoted by hand, n3 follows it.
        try c.restart(1)
        try c.restart(2)
        let epoch = c.nodes[1].node.store.epoch + 1
        try await c.promote(1, epoch: epoch)
        try await c.follow(2, leader: 1, epoch: epoch)
        try await c.waitUntil("n3 follows n2") { c.nodes[1].node.status().followers.keys.contains("n3") && c.nodes[2].node.isServing }
        let (bob, _) = try await c.nodes[2].ask(Self.sar(.registration, impu: "sip:bob@localdomain", impi: "bob@localdomain"), ServerAssignmentAnswer.self)
        #expect(bob.envelope.result == .success)
        // The old leader returns: it learns n2 leads a newer epoch, is truncated back and repaired.
        try c.restart(0)
        try await c.waitUntil("n1 follows n2") { c.nodes[1].node.status().followers.keys.contains("n1") }
        try await c.converged()
        #expect(try Self.registeredServer(c.nodes[0]) == nil, "the unacknowledged registration is gone")
        #expect(try Self.registeredServer(c.nodes[0], "bob") == Self.scscf)
        #expect(c.nodes[0].node.status().role == "follower")
        #expect(c.nodes[0].node.store.logState.history.last?.epoch == epoch)
        await c.stopAll()
    }

    @Test(
        "Pipelined shipping: records reach the followers before the leader's commit; a follower answers nothing from them until they are acknowledged; the leader dying before its commit loses no acknowledged write, and the record becomes the next leader's"
    )
    func leaderDiesBeforeItsCommit() async throws {
        let hold = CommitHold()
        var c = try await TestCluster.start(ackTimeout: .milliseconds(500), leaderWait: .milliseconds(500), leaderBeforeCommit: { hold.pass() })
        let sequence = c.nodes[0].node.store.logState.last + 1
        hold.arm()
        let sar = Task { [c] in try await c.nodes[0].resultCode(Self.sar(.registration)) }
        // The SAR's record is on both followers, durable, while the leader's commit has not happened.
        try await c.waitUntil("the record is on both followers") {
            c.nodes[1].node.store.logState.last >= sequence && c.nodes[2].node.store.logState.last >= sequence
        }
        #expect(hold.isHolding)
        #expect(try Self.registeredServer(c.nodes[0]) == nil, "not committed on the leader")
        #expect(try Self.registeredServer(c.nodes[1]) == Self.scscf, "applied on the follower")
        // Not acknowledged (the leader's own fsync is part of it): a follower does not answer from it.
        #expect(c.nodes[1].node.needsConfirmation(sequence))
        #expect(c.nodes[0].node.acknowledgedPosition < sequence)
        await #expect(throws: ClusterUnavailable.self) { try await c.nodes[1].node.confirm(sequence) }
        let lir = try await c.nodes[2].resultCode(LocationInfoRequest(envelope: Self.envelope(), publicIdentity: Self.impu))
        #expect(lir != 2001, "an LIR on a follower is not answered from the unacknowledged registration")
        // The leader's commit fails (as if it died): the SAR is not acknowledged, the leader steps down and
        // writes nothing more in its epoch (followers hold a record under a sequence it would reuse).
        hold.release()
        #expect(try await sar.value != 2001)
        try await c.waitUntil("the leader stepped down") { c.nodes[0].node.status().role != "leader" }
        await c.nodes[0].crash()
        // n2 leads the next epoch, n3 follows: the record both hold becomes acknowledged state once the new
        // epoch's first record is acknowledged (Raft's rule: an entry of an earlier term is committed
        // through one of the current term), and the registration is answered from it.
        let epoch = c.nodes[1].node.store.epoch + 1
        try await c.promote(1, epoch: epoch)
        try await c.follow(2, leader: 1, epoch: epoch)
        try await c.waitUntil("n3 follows n2") { c.nodes[1].node.status().followers.keys.contains("n3") && c.nodes[2].node.isServing }
        try await c.waitUntil("the record is acknowledged on n2") { !c.nodes[1].node.needsConfirmation(sequence) }
        let (lia, _) = try await c.nodes[2].ask(LocationInfoRequest(envelope: Self.envelope(), publicIdentity: Self.impu), LocationInfoAnswer.self)
        #expect(lia.envelope.result == .success)
        #expect(lia.serverName == Self.scscf)
        // The old leader comes back without the record, follows n2 and takes it from n2's log.
        try c.restart(0)
        try await c.waitUntil("n1 follows n2") { c.nodes[1].node.status().followers.keys.contains("n1") }
        try await c.converged()
        #expect(try Self.registeredServer(c.nodes[0]) == Self.scscf)
        await c.stopAll()
    }

    @Test("A connect refused (nothing listens: the process is dead) is told apart from other failures; only then is a leader's key released early")
    func refusedMeansDead() async throws {
        let port = try await TestCluster.freePort()
        let error = await #expect(throws: (any Error).self) {
            _ = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        }
        #expect(error.map(ClusterNode.isRefused) == true)
        #expect(!ClusterNode.isRefused(ClusterUnavailable("nothing from the leader for 1.5 s")))
        #expect(!ClusterNode.isRefused(IOError(errnoCode: ETIMEDOUT, reason: "connect")))
    }

    @Test("Check-quorum: a leader that has heard no majority of the members for the lease's TTL has a reason to step down; one follower heard is enough of three")
    func checkQuorum() async throws {
        let c = try await TestCluster.start()
        let leader = c.nodes[0].node
        #expect(leader.lostQuorum(now: .now) == nil)
        await c.nodes[2].stop()
        try await c.waitUntil("n3's session ended") { leader.status().followers.count == 1 }
        #expect(leader.lostQuorum(now: .now) == nil, "n2 is heard: with the leader a majority")
        // With no writes, n2 is still heard: it answers the leader's heartbeats.
        let since = ContinuousClock.now
        try await c.waitUntil("n2 answers a heartbeat") { (leader.state.withLockedValue { $0.heard["n2"] } ?? since) > since + .milliseconds(300) }
        await c.nodes[1].stop()
        try await c.waitUntil("n2's session ended") { leader.status().followers.isEmpty }
        #expect(leader.lostQuorum(now: .now) == nil, "not for the lease's TTL yet")
        let why = leader.lostQuorum(now: .now + .seconds(3))
        #expect(why?.contains("heard 0 of the 1") == true, "\(why ?? "nil")")
        await c.stopAll()
    }

    @Test("A deposed leader holding an answer until a leader checks its log does not answer from the tail that check truncates")
    func heldAnswerAfterTruncation() async throws {
        var c = try await TestCluster.start(ackTimeout: .milliseconds(300), leaderWait: .seconds(15))
        // As in promoteAndTruncate: the leader commits a registration nobody acknowledges (5012).
        await c.nodes[1].stop()
        await c.nodes[2].stop()
        let sar = Self.sar(.registration)
        #expect(try await c.nodes[0].resultCode(sar) == 5012)
        // n1 is told to follow n2 (down for now) in the next epoch: its store still shows the registration.
        let epoch = c.nodes[0].node.store.epoch + 1
        try await c.follow(0, leader: 1, epoch: epoch)
        // The retransmission needs no write on n1: it waits for a leader to check n1's log.
        let retransmission = Task { [c] in try await c.nodes[0].ask(sar, ServerAssignmentAnswer.self).0 }
        try await Task.sleep(for: .milliseconds(200))
        // n2 and n3 come back, n2 leads the epoch after the one n1 was told about (n2 may have heard of
        // that one from n1 already, refusing n1 as its leader), n3 follows: n1's tail is truncated.
        try c.restart(1)
        try c.restart(2)
        try await c.promote(1, epoch: epoch + 1)
        try await c.follow(2, leader: 1, epoch: epoch + 1)
        let answer = try await retransmission.value
        // Whatever the answer, a 2001 must mean the registration is on the leader (it was computed again
        // from the truncated store, and written through n2).
        #expect(answer.envelope.result == .success)
        #expect(try Self.registeredServer(c.nodes[1]) == Self.scscf, "answered 2001: durable on the leader")
        await c.stopAll()
    }

    @Test(
        "A leader that takes forwarded writes and never answers them: the write is answered 3004 after ackTimeout + leaderWait, not never",
        .timeLimit(.minutes(1)))
    func silentLeader() async throws {
        let c = try await TestCluster.start(ackTimeout: .milliseconds(300), leaderWait: .milliseconds(300))
        // A fake leader: welcomes a follower into a newer epoch, then reads and ignores everything.
        let epoch = c.nodes[1].node.store.epoch + 1
        let fake = try await FakeLeader.start(epoch: epoch, heartbeat: false)
        let address = fake.address
        try await c.control(.follow(leader: "n1", address: address, epoch: epoch), to: 1)
        try await c.waitUntil("n2 linked to the fake leader") { c.nodes[1].node.hasLeaderLink }
        let started = ContinuousClock.now
        #expect(try await c.nodes[1].resultCode(Self.sar(.registration)) == 3004)
        #expect(ContinuousClock.now - started >= .milliseconds(550))
        fake.serving.cancel()
        await c.stopAll()
    }

    @Test("A follower behind the retained log gets a snapshot, then the tail")
    func snapshotCatchUp() async throws {
        var c = try await TestCluster.start(logRetention: 20)
        await c.nodes[2].stop()
        for i in 0..<41 {
            let (a, _) = try await c.nodes[0].ask(Self.sar(i % 2 == 0 ? .registration : .userDeregistration), ServerAssignmentAnswer.self)
            #expect(a.envelope.result == .success)
        }
        #expect(c.nodes[0].node.store.logState.first > 10)
        try c.restart(2)
        try await c.waitUntil("n3 follows") { c.nodes[0].node.status().followers.keys.contains("n3") }
        try await c.converged()
        #expect(FileManager.default.fileExists(atPath: c.dirs[2] + "/CURRENT"), "n3 serves a snapshot store")
        #expect(try Self.registeredServer(c.nodes[2]) == Self.scscf)
        // n3 streams: the log is no longer held for it.
        try await c.waitUntil("the leader's log is no longer held for n3") { c.nodes[0].node.store.retentionFloor == 0 }
        await c.stopAll()
    }

    @Test("While a follower installs a snapshot the leader keeps its log from the snapshot's position on, beyond the retention limit")
    func snapshotRetention() async throws {
        let c = try await TestCluster.start(logRetention: 20)
        let leader = c.nodes[0].node
        let position = leader.store.logState.last
        // As sendSnapshot records it for a follower it sends a snapshot to (n3 here, streaming meanwhile).
        leader.state.withLockedValue { $0.snapshotFloors["n9"] = (position + 1, .now) }
        leader.retainForSnapshots()
        #expect(leader.store.retentionFloor == position + 1)
        for i in 0..<41 {
            #expect(try await c.nodes[0].ask(Self.sar(i % 2 == 0 ? .registration : .userDeregistration), ServerAssignmentAnswer.self).0.envelope.result == .success)
        }
        #expect(leader.store.logState.first <= position + 1, "kept from the snapshot's position on")
        // Held no longer than snapshotRetentionHold, then the limit applies again.
        leader.state.withLockedValue { $0.snapshotFloors["n9"] = (position + 1, .now - ClusterNode.snapshotRetentionHold) }
        leader.retainForSnapshots()
        #expect(leader.store.retentionFloor == 0)
        _ = try await c.nodes[0].ask(Self.sar(.userDeregistration), ServerAssignmentAnswer.self)  // a write (the last SAR registered)
        #expect(leader.store.logState.first > position + 1)
        await c.stopAll()
    }

    @Test("A retransmitted MAR (T flag) reaching another node gets the first node's answer, vectors included")
    func replayAcrossNodes() async throws {
        let c = try await TestCluster.start()
        let request = Self.mar()
        let e2e = Self.next()
        let (first, firstBytes) = try await c.nodes[0].ask(request, MultimediaAuthAnswer.self, endToEnd: e2e)
        #expect(first.envelope.result == .success)
        try await c.converged()
        let (_, again) = try await c.nodes[1].ask(request, MultimediaAuthAnswer.self, endToEnd: e2e, retransmitted: true)
        #expect(Array(again.readableBytesView) == Array(firstBytes.readableBytesView))
        // Without the T flag it is a new request: new vectors (so the comparison above could fail).
        let (_, fresh) = try await c.nodes[1].ask(request, MultimediaAuthAnswer.self, endToEnd: e2e)
        #expect(Array(fresh.readableBytesView) != Array(firstBytes.readableBytesView))
        await c.stopAll()
    }

    @Test("A retransmitted SAR reaching another node is executed again on the replicated state and gives the same answer")
    func sarAgainAcrossNodes() async throws {
        let c = try await TestCluster.start()
        for type in [ServerAssignmentType.registration, .userDeregistration] {
            let request = Self.sar(type)
            let e2e = Self.next()
            let (first, firstBytes) = try await c.nodes[0].ask(request, ServerAssignmentAnswer.self, endToEnd: e2e)
            #expect(first.envelope.result == .success)
            try await c.converged()
            let (_, again) = try await c.nodes[2].ask(request, ServerAssignmentAnswer.self, endToEnd: e2e, retransmitted: true)
            #expect(Array(again.readableBytesView) == Array(firstBytes.readableBytesView), "\(type)")
        }
        #expect(try Self.registeredServer(c.nodes[1]) == nil)
        await c.stopAll()
    }

    @Test("TLS on the cluster link: the cluster replicates over it; a client without a certificate of the cluster CA gets nothing")
    func tlsLink() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        try pki.issue("node", host: "node.cluster")
        try pki.issue("stranger", host: "node.cluster", ca: "foreign-ca")
        let tls = ClusterTLS(certificateChainPath: pki.path("node.pem"), privateKeyPath: pki.path("node.key"), trustRootsPath: pki.path("ca.pem"))
        let c = try await TestCluster.start(tls: tls)
        let (saa, _) = try await c.nodes[2].ask(Self.sar(.registration), ServerAssignmentAnswer.self)
        #expect(saa.envelope.result == .success)
        try await c.converged()
        let address = c.configurations[0].me!.address
        let group = MultiThreadedEventLoopGroup.singleton
        #expect(await ClusterNode.status(of: address, group: group, tls: try tls.contexts().client, timeout: .seconds(5))?.role == "leader")
        #expect(await ClusterNode.status(of: address, group: group) == nil, "plain TCP")
        let stranger = ClusterTLS(certificateChainPath: pki.path("stranger.pem"), privateKeyPath: pki.path("stranger.key"), trustRootsPath: pki.path("ca.pem"))
        #expect(await ClusterNode.status(of: address, group: group, tls: try stranger.contexts().client) == nil, "foreign CA")
        await c.stopAll()
    }

    @Test("Without a leader, a write waits leaderWait for one, then is answered 3004 so the S-CSCF tries another HSS; reads are still served")
    func noLeader() async throws {
        let c = try await TestCluster.start(leaderWait: .milliseconds(400))
        await c.nodes[0].crash()
        try await c.waitUntil("n2 lost its leader link") { !c.nodes[1].node.hasLeaderLink }
        let started = ContinuousClock.now
        #expect(try await c.nodes[1].resultCode(Self.sar(.registration)) == 3004)
        #expect(ContinuousClock.now - started >= .milliseconds(350), "held for the next leader first")
        let (uaa, _) = try await c.nodes[1].ask(
            UserAuthorizationRequest(envelope: Self.envelope(), userName: Self.impi, publicIdentity: Self.impu, visitedNetworkIdentifier: Array("localdomain".utf8)),
            UserAuthorizationAnswer.self)
        #expect(uaa.envelope.result == .firstRegistration)
        await c.nodes[1].stop()
        await c.nodes[2].stop()
    }

    @Test("During a failover a write waits for the next leader and is answered by it (2001, not 3004)")
    func writeWaitsForNextLeader() async throws {
        let c = try await TestCluster.start(leaderWait: .seconds(10))
        await c.nodes[0].crash()
        try await c.waitUntil("n3 lost its leader link") { !c.nodes[2].node.hasLeaderLink }
        // A SAR reaches n3 while nobody leads; meanwhile n2 is promoted and n3 told to follow it.
        let sar = Task { try await c.nodes[2].ask(Self.sar(.registration), ServerAssignmentAnswer.self).0 }
        try await Task.sleep(for: .milliseconds(300))
        let epoch = c.nodes[1].node.store.epoch + 1
        try await c.promote(1, epoch: epoch)
        try await c.follow(2, leader: 1, epoch: epoch)
        #expect(try await sar.value.envelope.result == .success)
        #expect(try Self.registeredServer(c.nodes[1]) == Self.scscf, "committed by the new leader")
        await c.nodes[1].stop()
        await c.nodes[2].stop()
    }
}

final class NIOLockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt32 = 1000
    func next() -> UInt32 { lock.withLock { value += 1; return value } }
}

/// Holds a store's commit (after its records were published for shipping) until released, then fails it:
/// a leader that dies between shipping and its own fsync.
final class CommitHold: @unchecked Sendable {
    private let condition = NSCondition()
    private var armed = false, holding = false, released = false

    func arm() { condition.withLock { armed = true } }
    var isHolding: Bool { condition.withLock { holding } }

    func release() {
        condition.withLock {
            released = true
            condition.broadcast()
        }
    }

    /// The writer thread's hook: passes unless armed; armed, it holds the first batch until released (at
    /// most 20 s) and fails it.
    func pass() -> StorageError? {
        condition.lock()
        defer { condition.unlock() }
        guard armed else { return nil }
        armed = false
        holding = true
        let deadline = Date().addingTimeInterval(20)
        while !released && condition.wait(until: deadline) {}
        holding = false
        return .lmdb(code: 5, operation: "mdb_txn_commit", message: "test: the leader died before its commit")
    }
}
