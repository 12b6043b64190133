import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import HSSCluster

/// The etcd client when etcd is not there or does not answer: every call ends in an error value (the
/// election loop retries), never a trap, and within its timeout.
@Suite("etcd client failures")
struct EtcdClientTests {
    /// A loopback port nothing listens on.
    static func closedPort() async throws -> Int {
        let ch = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(ch.localAddress?.port)
        try await ch.close()
        return port
    }

    @Test("Connection refused: an error, and no promise left incomplete (that trapped debug builds)")
    func refused() async throws {
        let etcd = EtcdClient(endpoints: ["http://127.0.0.1:\(try await Self.closedPort())"], timeout: .milliseconds(300))
        for _ in 0..<20 {
            await #expect(throws: (any Error).self) { _ = try await etcd.get("/hss/test/leader") }
            await #expect(throws: (any Error).self) { _ = try await etcd.keepAlive(1) }
        }
    }

    @Test("A server that accepts and never answers: the call fails at its timeout")
    func silent() async throws {
        // Its own event loop: the shared one also runs the in-process HSS shards of suites running beside
        // this one, whose load would delay the timer this test measures.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let etcd = EtcdClient(endpoints: ["http://127.0.0.1:\(port)"], group: group, timeout: .milliseconds(200))
        let started = ContinuousClock.now
        await #expect(throws: (any Error).self) { _ = try await etcd.get("/hss/test/leader") }
        // Bounded, not exact: the awaiting test task also waits for a thread of the pool that every suite
        // running beside this one shares (2 threads here); the bug this guards against was waiting for ever.
        #expect(ContinuousClock.now - started < .seconds(10))
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("Endpoints: scheme stripped, a port outside 0-65535 or a missing port refused")
    func endpoints() {
        let etcd = EtcdClient(endpoints: ["http://127.0.0.1:2379", "10.0.0.9:2380", "https://[::1]:2379", "http://h:70000", "http://nohost", "HTTPS://e1:2379"])
        #expect(etcd.endpoints.map { "\($0.host):\($0.port)" } == ["127.0.0.1:2379", "10.0.0.9:2380", "::1:2379", "e1:2379"])
        #expect(etcd.endpoints.map(\.secure) == [false, false, true, true])
    }
}
