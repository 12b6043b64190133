import DiameterCore
import DiameterPeer
import DiameterTestKit
import Logging
import NIOCore
import Testing

/// Connections this node opens (RFC 6733 §2.1, §5.6 initiator side): CER out, reconnection after Tc,
/// and the election when two nodes connect to each other at once (§5.6.4).
@Suite("Outbound peers", .serialized)
struct OutboundPeerTests {
    static func node(_ host: String, port: Int = 0, connectTo: [ConfiguredPeer] = []) async throws -> DiameterServer {
        var config = DiameterServerConfiguration(
            local: LocalPeer(originHost: host, originRealm: "localdomain", hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 3),
            listenAddresses: [("127.0.0.1", port)])
        config.connectPeers = connectTo
        config.reconnectInterval = .milliseconds(200)
        config.disconnectTimeout = .milliseconds(300)
        var logger = Logger(label: host)
        logger.logLevel = .critical
        return try await DiameterServer(configuration: config, application: CountingApplication(), logger: logger)
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("a node connects to a configured peer: CER/CEA, both sides open, requests flow both ways")
    func connectOut() async throws {
        let a = try await Self.node("a.localdomain")
        let portA = try #require(a.localAddresses.first?.port)
        let b = try await Self.node("b.localdomain", connectTo: [ConfiguredPeer(originHost: "a.localdomain", host: "127.0.0.1", port: portA)])
        #expect(await Self.waitFor(15) { a.registry.openPeers == ["b.localdomain"] && b.registry.openPeers == ["a.localdomain"] })
        // A (responder) asks B, and B (initiator) asks A, over the one connection.
        var request = SampleMessages.mar
        request.envelope.destinationHost = nil
        request.envelope.destinationRealm = "localdomain"
        let mar = request
        let fromA = try await a.send(to: "b.localdomain") { hbh, e2e in mar.encode(hopByHopID: hbh, endToEndID: e2e) }
        #expect(fromA.first(.resultCode)?.unsigned32 == 2001)
        let fromB = try await b.send(to: "a.localdomain") { hbh, e2e in mar.encode(hopByHopID: hbh, endToEndID: e2e + 1) }
        #expect(fromB.first(.resultCode)?.unsigned32 == 2001)
        await b.shutdown()
        await a.shutdown()
    }

    @Test("after the peer restarts, the node reconnects within Tc")
    func reconnect() async throws {
        let a = try await Self.node("a.localdomain")
        let portA = try #require(a.localAddresses.first?.port)
        let b = try await Self.node("b.localdomain", connectTo: [ConfiguredPeer(originHost: "a.localdomain", host: "127.0.0.1", port: portA)])
        #expect(await Self.waitFor(15) { b.registry.openPeers == ["a.localdomain"] })
        await a.shutdown()  // DPR to B, close
        #expect(await Self.waitFor(15) { b.registry.openPeers.isEmpty })
        let a2 = try await Self.node("a.localdomain", port: portA)
        #expect(await Self.waitFor(15) { b.registry.openPeers == ["a.localdomain"] && a2.registry.openPeers == ["b.localdomain"] })
        await b.shutdown()
        await a2.shutdown()
    }

    @Test("a CEA from another identity than the configured one closes the connection")
    func wrongIdentity() async throws {
        let a = try await Self.node("a.localdomain")
        let portA = try #require(a.localAddresses.first?.port)
        let b = try await Self.node("b.localdomain", connectTo: [ConfiguredPeer(originHost: "dra.localdomain", host: "127.0.0.1", port: portA)])
        try await Task.sleep(for: .milliseconds(800))
        #expect(b.registry.openPeers.isEmpty)
        await b.shutdown()
        await a.shutdown()
    }

    @Test("two nodes connecting to each other end with one connection, both open (election)", arguments: 0..<3)
    func election(_ round: Int) async throws {
        let a = try await Self.node("a.localdomain")
        let b = try await Self.node("b.localdomain")
        let portA = try #require(a.localAddresses.first?.port)
        let portB = try #require(b.localAddresses.first?.port)
        // Both start connecting at once.
        a.connect(to: ConfiguredPeer(originHost: "b.localdomain", host: "127.0.0.1", port: portB))
        b.connect(to: ConfiguredPeer(originHost: "a.localdomain", host: "127.0.0.1", port: portA))
        #expect(await Self.waitFor(15) { a.registry.openPeers == ["b.localdomain"] && b.registry.openPeers == ["a.localdomain"] })
        // Stable: after a few reconnect intervals both still see exactly one open peer.
        try await Task.sleep(for: .milliseconds(600))
        #expect(a.registry.openPeers == ["b.localdomain"] && b.registry.openPeers == ["a.localdomain"])
        let answer = try await a.send(to: "b.localdomain") { hbh, e2e in
            DeviceWatchdogRequest(originHost: "a.localdomain", originRealm: "localdomain").encode(hopByHopID: hbh, endToEndID: e2e)
        }
        #expect(answer.commandCode == 280 && answer.first(.resultCode)?.unsigned32 == 2001)
        await a.shutdown()
        await b.shutdown()
    }
}
