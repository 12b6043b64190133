import DiameterCore
import DiameterTestKit
import Foundation
import HSSCore
import HSSStorage
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import HSSCluster

/// A leader silent on every follower link (docs/replication.md, "A silent leader"): its followers give up
/// its epoch and release its key, instead of waiting for its lease to lapse.
@Suite("Silent leader", .serialized)
struct SilentLeaderTests {
    @Test("Followers needed to release a silent leader's key: a majority without it, and enough that the rest cannot acknowledge")
    func followersToDepose() {
        #expect(ClusterNode.followersToDepose(members: 3, ackLevel: .one) == 2)
        #expect(ClusterNode.followersToDepose(members: 3, ackLevel: .all) == 2)
        #expect(ClusterNode.followersToDepose(members: 3, ackLevel: .async) == 2)
        #expect(ClusterNode.followersToDepose(members: 5, ackLevel: .one) == 4, "3 would leave one follower, enough for ack one")
        #expect(ClusterNode.followersToDepose(members: 5, ackLevel: .all) == 3)
        #expect(ClusterNode.followersToDepose(members: 2, ackLevel: .one) == 1)
    }

    @Test("A follower asked about a leader it hears says so; told to fence, it takes nothing more from that epoch and leaves the leader")
    func answers() async throws {
        let c = try await TestCluster.start()
        let follower = c.nodes[1].node
        let epoch = c.nodes[0].node.store.epoch
        let heard = follower.answerLeaderLost("n1", epoch: epoch, fence: false)
        #expect(!heard.0, "\(heard.1)")
        #expect(!c.nodes[0].node.answerLeaderLost("n1", epoch: epoch, fence: true).0, "the leader itself does not fence")
        #expect(follower.answerLeaderLost("n1", epoch: epoch, fence: true).0)
        #expect(follower.status().knownEpoch == epoch + 1 && follower.status().role == "candidate")
        try await c.waitUntil("n2's link to n1 closed") { c.nodes[0].node.status().followers["n2"] == nil }
        // Its welcome in that epoch is refused from now on: told to follow n1 in it, n2 says no.
        let told = await ClusterNode.exchange(.follow(leader: "n1", address: c.configurations[0].me!.address, epoch: epoch), with: c.configurations[1].me!.address, group: MultiThreadedEventLoopGroup.singleton)
        guard case .done(false, _) = told else {
            Issue.record("n2 followed an epoch it gave up: \(String(describing: told))")
            return
        }
        #expect(follower.answerLeaderLost("n1", epoch: epoch, fence: false).0, "past that epoch")
        await c.stopAll()
    }

    @Test("An exchange returns when its caller is cancelled, also while its connect hangs (a host whose link is down)", .timeLimit(.minutes(1)))
    func exchangeCancelled() async throws {
        // A listener that never accepts, its backlog full: further connects get no SYN-ACK and hang,
        // as towards a host whose link is down.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } } == 0)
        try #require(listen(fd, 0) == 0)
        try #require(withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } } == 0)
        let target = "127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        // Fill the backlog with connections nobody accepts.
        var fillers: [any Channel] = []
        defer { for f in fillers { f.close(promise: nil) } }
        for _ in 0..<4 {
            if let ch = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.milliseconds(200)).connect(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port))).get() {
                fillers.append(ch)
            }
        }
        let started = ContinuousClock.now
        let asking = Task { await ClusterNode.exchange(.statusRequest, with: target, group: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(20)) }
        // Cancelled once its connect is (very likely) under way; nothing observable says when it is, and
        // cancelling earlier only makes the expected outcome easier.
        try await Task.sleep(for: .milliseconds(100))
        asking.cancel()
        #expect(await asking.value == nil)
        let took = ContinuousClock.now - started
        #expect(took < .seconds(10), "returned after \(took): it waited for the connect (20 s) rather than for its caller")
    }

    @Test(
        "A follower cut off from its leader (the link silent, the leader's port accepting and saying nothing) answers writes 3004 at once, not after leaderWait",
        .timeLimit(.minutes(1)))
    func cutOffFollowerFailsFast() async throws {
        let c = try await TestCluster.start(ackTimeout: .seconds(10), leaderWait: .seconds(10))
        let epoch = c.nodes[1].node.store.epoch + 1
        // A leader that welcomes the first connection, sends one heartbeat and goes silent; later
        // connections are accepted and never answered (a stopped process whose kernel still accepts).
        let fake = try await FakeLeader.start(epoch: epoch, heartbeat: true) { $0 == 1 }
        let address = fake.address
        defer { fake.serving.cancel() }
        try await c.control(.follow(leader: "n1", address: address, epoch: epoch), to: 1)
        try await c.waitUntil("n2 linked to the fake leader") { c.nodes[1].node.hasLeaderLink }
        try await c.waitUntil("n2 found its leader silent and unreachable") { c.nodes[1].node.state.withLockedValue { $0.leaderUnreachable } }
        let started = ContinuousClock.now
        #expect(try await c.nodes[1].resultCode(ClusterNodeTests.sar(.registration)) == 3004)
        let took = ContinuousClock.now - started
        #expect(took < .seconds(5), "answered after \(took): it waited for a leader it cannot reach (leaderWait is 10 s)")
        await c.stopAll()
    }

    /// An etcd, a leader key naming `leader` (at `leaderAddress`) in `epoch` on a lease that the test keeps
    /// alive (TTL 10 s) for the whole test, and nodes n2 and n3 (n2 seeded) of the members n1 (at
    /// `n1Address`), n2, n3 with etcd: `body` gets them, the etcd client and that lease.
    static func withEtcdCluster(
        leader: String, leaderAddress: (_ members: [ClusterConfiguration.Member]) -> String, n1Address: String, epoch: UInt64, leaseTTL: Int = 10,
        _ body: (TestCluster, EtcdClient, Int64) async throws -> Void
    ) async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hss-silent-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try await EtcdTLSTests.withPlainEtcd(directory: base + "/etcd") { port in
            let endpoint = "http://127.0.0.1:\(port)"
            let members = [ClusterConfiguration.Member(id: "n1", address: n1Address)]
                + [try await TestCluster.freePort(), try await TestCluster.freePort()].enumerated().map { .init(id: "n\($0.offset + 2)", address: "127.0.0.1:\($0.element)") }
            let etcd = EtcdClient(endpoints: [endpoint])
            let lease = try await etcd.grantLease(ttl: 10)
            let value = String(decoding: try JSONEncoder().encode(ClusterNode.LeaderValue(node: leader, address: leaderAddress(members), epoch: epoch)), as: UTF8.self)
            #expect(try await etcd.createIfAbsent("/hss/test/leader", value, lease: lease, counter: "/hss/test/epoch", counterRevision: 0, counterValue: "\(epoch)"))
            let keepAlive = Task {
                while !Task.isCancelled {
                    _ = try? await etcd.keepAlive(lease)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            defer { keepAlive.cancel() }
            var nodes: [TestNode] = []
            for i in 2...3 {
                let dir = base + "/n\(i)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                var store = LMDBConfiguration(path: dir, sqnBlock: 1000)
                if i == 2 {
                    // n2 holds the subscribers (a node with nothing at all would wait for every member).
                    let seeded = try LMDBSubscriberStore(store)
                    try seeded.bulkLoad(try SubscriberFile.load(path: ClusterNodeTests.demo).subscriptions)
                    seeded.close()
                }
                store.path = ""
                let configuration = ClusterConfiguration(
                    name: "test", node: "n\(i)", members: members, etcd: [endpoint], leaseTTL: leaseTTL, leaderSilence: .milliseconds(600))
                nodes.append(try TestNode(id: "n\(i)", index: i, dataDir: dir, configuration: configuration, store: store))
            }
            let cluster = TestCluster(nodes: nodes, configurations: [], stores: [], dirs: [])
            do {
                try await body(cluster, etcd, lease)
            } catch {
                await cluster.stopAll()
                throw error
            }
            await cluster.stopAll()
        }
    }

    /// A leader that welcomes its followers, sends them one heartbeat, then goes silent while its process
    /// and its etcd lease live on (a partition that leaves connections open, a stopped process).
    @Test(
        "A leader silent on both follower links while its lease lives: the followers release its key and elect one of them",
        .enabled(if: EtcdTLSTests.etcdPath != nil, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(1)))
    func deposed() async throws {
        let epoch: UInt64 = 7
        let fake = try await FakeLeader.start(epoch: epoch, heartbeat: true)
        defer { fake.serving.cancel() }
        try await Self.withEtcdCluster(leader: "n1", leaderAddress: { _ in fake.address }, n1Address: fake.address, epoch: epoch) { cluster, etcd, lease in
            let nodes = cluster.nodes
            try await cluster.waitUntil("both followed the silent leader") { fake.welcomed.withLockedValue { $0 } >= 2 }
            // Without the followers' release, nobody leads for as long as the lease lives (here: the whole test).
            try await cluster.waitUntil("n2 leads", timeout: .seconds(20)) { nodes[0].node.status().role == "leader" }
            try await cluster.waitUntil("n3 follows n2") { nodes[0].node.status().followers.keys.contains("n3") }
            #expect(try await etcd.keepAlive(lease) > 0, "the old leader's lease still lives: its key was released, not expired")
            #expect(nodes[0].node.status().epoch > epoch && nodes[1].node.status().knownEpoch > epoch)
        }
    }

    /// n2 led epoch 7 before a restart: its key lives on, on the lease of the process that is gone.
    @Test(
        "A node that finds its own leader key from before a restart releases it at once; the next leader is elected while that old lease lives",
        .enabled(if: EtcdTLSTests.etcdPath != nil, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(1)))
    func staleOwnKey() async throws {
        let epoch: UInt64 = 7
        // n1 is not running (its port refuses), as after kill -9 of every node with n1 not back yet.
        let n1 = "127.0.0.1:\(try await TestCluster.freePort())"
        try await Self.withEtcdCluster(leader: "n2", leaderAddress: { $0[1].address }, n1Address: n1, epoch: epoch) { cluster, etcd, lease in
            let nodes = cluster.nodes
            try await cluster.waitUntil("a leader", timeout: .seconds(20)) { nodes.contains { $0.node.status().role == "leader" } }
            #expect(try await etcd.keepAlive(lease) > 0, "the old lease still lives: the key was released, not expired")
            let leader = try #require(nodes.first { $0.node.status().role == "leader" })
            #expect(leader.node.status().epoch > epoch)
            try await cluster.waitUntil("the other follows it") { leader.node.status().followers.count == 1 }
        }
    }

    /// With a leader in place and the watch established, the election loop looks at etcd only when it
    /// renews its lease (here every 10 s: a TTL of 40 s); the key's deletion still starts an election at
    /// once, through the watch.
    @Test(
        "A leader key deleted in etcd: the watch wakes the election loops, a leader is elected within 3 s where they would look again after 10 s",
        .enabled(if: EtcdTLSTests.etcdPath != nil, "etcd is not installed (apt-get install etcd-server)"), .timeLimit(.minutes(1)))
    func watched() async throws {
        let n1 = "127.0.0.1:\(try await TestCluster.freePort())"
        try await Self.withEtcdCluster(leader: "n2", leaderAddress: { $0[1].address }, n1Address: n1, epoch: 7, leaseTTL: 40) { cluster, etcd, _ in
            let nodes = cluster.nodes
            try await cluster.waitUntil("a leader followed", timeout: .seconds(20)) {
                nodes.contains { $0.node.status().role == "leader" && $0.node.status().followers.count == 1 }
            }
            try await cluster.waitUntil("both watch the key") { nodes.allSatisfy { $0.node.watchingLeaderKey } }
            let kv = try #require(try await etcd.get("/hss/test/leader"))
            let deleted = ContinuousClock.now
            #expect(try await etcd.deleteIf("/hss/test/leader", modRevision: kv.modRevision))
            try await cluster.waitUntil("a new leader key", timeout: .seconds(12)) { (try await etcd.get("/hss/test/leader")).map { $0.modRevision > kv.modRevision } ?? false }
            #expect(ContinuousClock.now - deleted < .seconds(3), "elected on the watch, not at the next look")
            try await cluster.waitUntil("a leader followed again") {
                nodes.contains { $0.node.status().role == "leader" && $0.node.status().followers.count == 1 }
            }
        }
    }
}

/// A cluster-link listener that plays a leader of `epoch`: `answer(n)` says whether it welcomes its n-th
/// connection (1-based), and `heartbeat` whether it then sends one heartbeat (the follower's log counts
/// as checked); after that it reads and ignores everything. Connections it does not welcome are accepted
/// and never answered (a stopped process whose kernel still accepts). Closed when the task is cancelled.
struct FakeLeader {
    let address: String
    let welcomed: NIOLockedValueBox<Int>
    let serving: Task<Void, any Error>

    static func start(epoch: UInt64, heartbeat: Bool, answer: @escaping @Sendable (Int) -> Bool = { _ in true }) async throws -> FakeLeader {
        let fake = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { ch in ch.eventLoop.makeCompletedFuture { try ClusterNode.framed(ch) } }
        let address = "127.0.0.1:\(try #require(fake.channel.localAddress?.port))"
        let connections = NIOLockedValueBox(0), welcomed = NIOLockedValueBox(0)
        let serving = Task {
            try await fake.executeThenClose { inbound in
                for try await conn in inbound {
                    let welcome = answer(connections.withLockedValue { $0 += 1; return $0 })
                    Task {
                        try await conn.executeThenClose { messages, outbound in
                            for try await m in messages where welcome {
                                guard case .hello(let h) = m else { continue }
                                welcomed.withLockedValue { $0 += 1 }
                                try await outbound.write(.welcome(epoch: epoch, leader: "n1"))
                                if heartbeat { try await outbound.write(.records([], leaderLast: h.last, acknowledged: h.last)) }
                            }
                        }
                    }
                }
            }
        }
        return FakeLeader(address: address, welcomed: welcomed, serving: serving)
    }
}
