import Foundation
import NIOConcurrencyHelpers
import Atomics
import NIOCore
import Testing

@testable import HSSCluster

/// The etcd watch the election loop waits on (docs/replication.md, "Automatic failover").
@Suite("etcd watch", .serialized)
struct EtcdWatchTests {
    @Test("The lines of a watch stream (as etcd 3.4's gateway sends them): created, a put, a delete")
    func lines() throws {
        let created = #"{"result":{"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"1","raft_term":"2"},"created":true}}"#
        let put = #"{"result":{"header":{"revision":"2"},"events":[{"kv":{"key":"L2hzcy94L2xlYWRlcg==","create_revision":"2","mod_revision":"2","version":"1","value":"dg=="}}]}}"#
        let delete = #"{"result":{"header":{"revision":"3"},"events":[{"type":"DELETE","kv":{"key":"L2hzcy94L2xlYWRlcg==","mod_revision":"3"}}]}}"#
        func events(_ line: String) throws -> [EtcdClient.WatchEvent] {
            EtcdClient.watchEvents(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
        }
        #expect(try events(created) == [.created(revision: 1)])
        #expect(try events(put) == [.put(value: "v", modRevision: 2)])
        #expect(try events(delete) == [.delete(modRevision: 3)])
        #expect(try events(#"{"result":{"header":{"revision":"3"}}}"#) == [], "a progress report")
    }

    /// Watches `key`, then puts and deletes it through `etcd`: the watch reports both, and ends when its
    /// task is cancelled.
    static func roundTrip(_ etcd: EtcdClient, key: String) async throws {
        let seen = NIOLockedValueBox<[EtcdClient.WatchEvent]>([])
        let watch = Task { try await etcd.watch(key) { event in seen.withLockedValue { $0.append(event) } } }
        defer { watch.cancel() }
        func waitUntil(_ what: String, _ condition: ([EtcdClient.WatchEvent]) -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while !condition(seen.withLockedValue { $0 }) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("timed out waiting for \(what): \(seen.withLockedValue { $0 })")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try await waitUntil("the watch to be created") { $0.contains { if case .created = $0 { true } else { false } } }
        try await etcd.put(key, "n1")
        try await waitUntil("the put") { $0.contains { if case .put(value: "n1", _) = $0 { true } else { false } } }
        let kv = try #require(try await etcd.get(key))
        #expect(try await etcd.deleteIf(key, modRevision: kv.modRevision))
        try await waitUntil("the delete") { $0.contains(.delete(modRevision: kv.modRevision + 1)) }
        watch.cancel()
        let started = ContinuousClock.now
        try await watch.value
        #expect(ContinuousClock.now - started < .seconds(5), "cancelling ends the watch")
    }

    @Test("A watch reports the key's changes and ends when cancelled", .enabled(if: EtcdTLSTests.etcdPath != nil, "etcd is not installed (apt-get install etcd-server)"))
    func plain() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hss-watch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await EtcdTLSTests.withPlainEtcd(directory: dir) { port in
            try await Self.roundTrip(EtcdClient(endpoints: ["http://127.0.0.1:\(port)"]), key: "/hss/t/leader")
        }
    }

    @Test("A watch to an endpoint that refuses: an error, at once")
    func refused() async throws {
        let etcd = EtcdClient(endpoints: ["http://127.0.0.1:\(try await EtcdClientTests.closedPort())"], timeout: .milliseconds(300))
        await #expect(throws: (any Error).self) { try await etcd.watch("/hss/t/leader") { _ in } }
    }

    @Test("A watch that fell behind (a key revision it never reported, at two looks in a row) is set up again; one look ahead is not enough")
    func behind() async throws {
        let c = try await TestCluster.start()
        let node = c.nodes[0].node
        let watch = Task { try await Task.sleep(for: .seconds(60)) }
        defer { watch.cancel() }
        node.watchTask.withLockedValue { $0 = watch }
        node.leaderKeyWatched.store(true, ordering: .relaxed)
        node.watchRevision.store(5, ordering: .relaxed)
        node.checkWatch(keyRevision: 5)
        node.checkWatch(keyRevision: 5)
        #expect(!watch.isCancelled, "the watch reported that revision")
        node.checkWatch(keyRevision: 7)
        #expect(!watch.isCancelled, "one look may race the event on its way")
        node.watchRevision.store(7, ordering: .relaxed)
        node.checkWatch(keyRevision: 7)
        #expect(!watch.isCancelled, "the event arrived")
        node.checkWatch(keyRevision: 9)
        node.checkWatch(keyRevision: 9)
        #expect(watch.isCancelled, "behind at two looks: set up again")
        await c.stopAll()
    }
}
