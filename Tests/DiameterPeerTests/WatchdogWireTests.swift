import DiameterCore
import DiameterPeer
import DiameterTestKit
import NIOCore
import Testing

/// RFC 3539 over the wire: the server's own DWRs after Tw of silence, and the close when they go
/// unanswered. Tw cannot go below 6 s (RFC 3539 §3.4.1), so this suite takes about 20 s.
@Suite("Watchdog over the wire")
struct WatchdogWireTests {
    @Test("silence for Tw brings a DWR; DWAs keep the connection; unanswered DWRs close it")
    func silence() async throws {
        let server = try await DiameterServerTests.server { $0.watchdogInterval = .seconds(6) }
        // Taken before the capabilities exchange (the watchdog starts when it completes), so that a slow
        // open on a loaded machine cannot make the DWR look early.
        let started = ContinuousClock.now
        let client = try await DiameterServerTests.openClient(server)
        let dwr = try #require(try await client.receive(timeout: .seconds(10)))
        #expect(dwr.commandCode == 280 && dwr.isRequest)
        #expect(ContinuousClock.now - started >= .seconds(3), "not before Tw (6 s ± 2 s)")
        try await client.send(DeviceWatchdogAnswer(fields: BaseAnswerFields(
            resultCode: .success, originHost: SampleMessages.scscfHost, originRealm: SampleMessages.realm))
            .encode(hopByHopID: dwr.header.hopByHopID, endToEndID: dwr.header.endToEndID))
        // The next DWR goes unanswered: suspect after another Tw, closed after a third.
        let second = try #require(try await client.receive(timeout: .seconds(10)))
        #expect(second.commandCode == 280 && second.isRequest)
        #expect(await client.closedByPeer(timeout: .seconds(20)))
        // The registry forgets the peer when the channel's close completes, just after the client sees it.
        for _ in 0..<50 where !server.registry.openPeers.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.registry.openPeers.isEmpty)
        await server.shutdown()
    }
}
