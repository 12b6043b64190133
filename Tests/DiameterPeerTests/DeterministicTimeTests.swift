import DiameterCore
import DiameterPeer
import DiameterTestKit
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The connection's timers with virtual time (NIOAsyncTestingEventLoop, the actor's executor): no sleeping.
@Suite("Peer timers with virtual time")
struct DeterministicTimeTests {
    static func connection(_ configure: (inout DiameterServerConfiguration) -> Void = { _ in }) async throws -> NIOAsyncTestingChannel {
        var config = DiameterServerConfiguration(local: DiameterServerTests.local(), listenAddresses: [])
        configure(&config)
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        var logger = Logger(label: "virtual-time")
        logger.logLevel = .critical
        let registry = PeerRegistry(localOriginHost: config.local.originHost)
        let app = CountingApplication()
        let (cfg, log) = (config, logger)
        _ = try await loop.submit {
            try PeerConnection.configurePipeline(channel, configuration: cfg, application: app, registry: registry, logger: log)
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3868))
        return channel
    }

    static func outbound(_ channel: NIOAsyncTestingChannel) async throws -> DiameterMessage? {
        guard let b = try await channel.readOutbound(as: ByteBuffer.self) else { return nil }
        return try DiameterDecoder().decode(b)
    }

    @Test("no CER within the timeout: closed at 10 s, not before")
    func cerTimeout() async throws {
        let channel = try await Self.connection()
        await channel.testingEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test("RFC 3539 on the connection: DWR after Tw of silence, suspect after another, closed after a third")
    func watchdog() async throws {
        let channel = try await Self.connection()
        try await channel.writeInbound(DiameterServerTests.cer())
        #expect(try await Self.outbound(channel)?.first(.resultCode)?.unsigned32 == 2001)
        await channel.testingEventLoop.advanceTime(by: .seconds(27))
        #expect(try await Self.outbound(channel) == nil, "nothing before Tw - 2 s")
        await channel.testingEventLoop.advanceTime(by: .seconds(6))
        let dwr = try #require(try await Self.outbound(channel))
        #expect(dwr.commandCode == 280 && dwr.isRequest)
        // No DWA: SUSPECT after the next Tw, then DOWN (closed) after one more.
        await channel.testingEventLoop.advanceTime(by: .seconds(33))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(33))
        #expect(!channel.isActive)
    }

    @Test("traffic defers the DWR; a DWA keeps the connection open indefinitely")
    func trafficDefersWatchdog() async throws {
        let channel = try await Self.connection()
        try await channel.writeInbound(DiameterServerTests.cer())
        _ = try await Self.outbound(channel)
        for _ in 0..<10 {  // a DWR from the peer every 20 s: our timer never fires
            await channel.testingEventLoop.advanceTime(by: .seconds(20))
            try await channel.writeInbound(SampleMessages.dwr.encode(hopByHopID: 1, endToEndID: 1))
            let dwa = try #require(try await Self.outbound(channel))
            #expect(dwa.commandCode == 280 && !dwa.isRequest)
        }
        // Silence: our DWR; answer it; the connection stays.
        await channel.testingEventLoop.advanceTime(by: .seconds(33))
        let dwr = try #require(try await Self.outbound(channel))
        #expect(dwr.isRequest)
        try await channel.writeInbound(DeviceWatchdogAnswer(fields: BaseAnswerFields(
            resultCode: .success, originHost: SampleMessages.scscfHost, originRealm: SampleMessages.realm))
            .encode(hopByHopID: dwr.header.hopByHopID, endToEndID: dwr.header.endToEndID))
        await channel.testingEventLoop.advanceTime(by: .seconds(33))
        #expect(try await Self.outbound(channel)?.isRequest == true, "the next DWR, one Tw later")
        #expect(channel.isActive)
    }
}
