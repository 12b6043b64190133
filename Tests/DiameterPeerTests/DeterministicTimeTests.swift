import DiameterCore
@testable import DiameterPeer
import DiameterTestKit
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

/// The connection's timers with virtual time (NIOAsyncTestingEventLoop, the actor's executor): no sleeping.
@Suite("Peer timers with virtual time")
struct DeterministicTimeTests {
    static func connection(
        application: any DiameterRequestHandler = CountingApplication(), metrics: any PeerMetrics = NoPeerMetrics(), registry: PeerRegistry? = nil,
        _ configure: (inout DiameterServerConfiguration) -> Void = { _ in }
    ) async throws -> NIOAsyncTestingChannel {
        var config = DiameterServerConfiguration(local: DiameterServerTests.local(), listenAddresses: [])
        configure(&config)
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        var logger = Logger(label: "virtual-time")
        logger.logLevel = .critical
        let registry = registry ?? PeerRegistry(localOriginHost: config.local.originHost)
        let (cfg, log) = (config, logger)
        _ = try await loop.submit {
            try PeerConnection.configurePipeline(channel, configuration: cfg, application: application, registry: registry, metrics: metrics, logger: log)
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3868))
        return channel
    }

    /// The Diameter messages one written buffer holds, one after the other (what is left stays in `out`).
    static func messages(_ out: inout ByteBuffer) throws -> [DiameterMessage] {
        var messages: [DiameterMessage] = []
        while out.readableBytes >= DiameterHeader.size, let word = out.getInteger(at: out.readerIndex, as: UInt32.self),
            let frame = out.readSlice(length: Int(word & 0xFF_FFFF))
        {
            messages.append(try DiameterDecoder().decode(frame))
        }
        return messages
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

    /// A connection under a new overload gate whose application answers at once, its capabilities
    /// exchanged, then `status` published.
    static func overloadConnection(
        _ status: OverloadStatus, metrics: RecordingMetrics = RecordingMetrics()
    ) async throws -> (NIOAsyncTestingChannel, OverloadGate) {
        let gate = OverloadGate(originHost: SampleMessages.hssHost)
        let channel = try await Self.connection(application: ImmediateApplication(), metrics: metrics) { $0.overload = gate }
        try await channel.writeInbound(DiameterServerTests.cer())
        #expect(try await Self.outbound(channel)?.first(.resultCode)?.unsigned32 == 2001)
        gate.publish(status)
        return (channel, gate)
    }

    /// An overload condition (report 1) asking for `percent` less, which the node also throttles requests
    /// without OC-Supported-Features at.
    static func throttling(_ percent: UInt32) -> OverloadStatus {
        OverloadStatus(report: OverloadReport(sequenceNumber: 1, reductionPercentage: percent, validityDuration: 30), throttlePercentage: percent)
    }

    /// A MAR refused from its AVP headers when refused for load: no Proxy-Info, no Destination-Host (naming
    /// this node it would get 5012, RFC 7683 §8); and the same from a reacting node (OC-Supported-Features).
    static let plainMAR: MultimediaAuthRequest = {
        var plain = SampleMessages.mar
        plain.envelope.proxyInfo = []
        plain.envelope.destinationHost = nil
        return plain
    }()
    /// `requests` in one read (Session-Id and identifiers from `hopByHop` on, counted up), and the answers,
    /// which leave in one write.
    static func readBurst(
        _ channel: NIOAsyncTestingChannel, _ requests: [MultimediaAuthRequest], hopByHop: inout UInt32
    ) async throws -> [DiameterMessage] {
        var bytes = ByteBuffer()
        for r in requests {
            hopByHop += 1
            var m = r
            m.envelope.sessionID = "scscf.example;\(hopByHop)"
            var one = m.encode(hopByHopID: hopByHop, endToEndID: hopByHop)
            bytes.writeBuffer(&one)
        }
        try await channel.writeInbound(bytes)
        var out = try #require(try await channel.readOutbound(as: ByteBuffer.self))
        return try Self.messages(&out)
    }

    static let doicMAR: MultimediaAuthRequest = {
        var doic = plainMAR
        doic.envelope.ocSupportedFeatures = OCSupportedFeatures(ocFeatureVector: 1)
        return doic
    }()

    @Test("The answers of one read burst leave in one write, in arrival order; refusals before decoding among them, counted once per burst")
    func oneWritePerBurst() async throws {
        let metrics = RecordingMetrics()
        // Every request without OC-Supported-Features is throttled; a DOIC one is served (its sender abates).
        let (channel, _) = try await Self.overloadConnection(Self.throttling(100), metrics: metrics)
        let plain = Self.plainMAR, doic = Self.doicMAR
        var burst = ByteBuffer()
        for (hbh, mar) in [(10, plain), (11, doic), (12, plain), (13, plain)] as [(UInt32, MultimediaAuthRequest)] {
            var m = mar
            m.envelope.sessionID = "scscf.example;\(hbh)"
            var bytes = m.encode(hopByHopID: hbh, endToEndID: hbh)
            burst.writeBuffer(&bytes)
        }
        try await channel.writeInbound(burst)  // one read: four frames, then the read's end
        var out = try #require(try await channel.readOutbound(as: ByteBuffer.self))
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil, "one write for the burst")
        let answers = try Self.messages(&out)
        #expect(out.readableBytes == 0)
        #expect(answers.map(\.header.hopByHopID) == [10, 11, 12, 13])
        #expect(answers.map { $0.first(.resultCode)?.unsigned32 } == [3004, 2001, 3004, 3004])
        #expect(answers.map { $0.first(.sessionID)?.string } == (10...13).map { "scscf.example;\($0)" })
        #expect(answers[1].first(.ocOLR) != nil, "the DOIC request's answer carries the report")
        // The three refusals before decoding, counted at the burst's end (received, and refused 3004); the
        // served request is counted as it arrives. The CER is not an application request.
        #expect(metrics.requests.withLockedValue { $0 }.filter { $0 == 303 }.count == 4)
        #expect(metrics.errors.withLockedValue { $0 } == [3004, 3004, 3004])
    }

    @Test("A DOIC request's answer carries the DOIC AVPs within its length; a retransmission gets the kept answer with the node's state at the time of the replay (RFC 7683 §5.2: answers to a reacting node carry the report in force), and none when it no longer carries OC-Supported-Features")
    func replayCarriesCurrentDOIC() async throws {
        let (channel, gate) = try await Self.overloadConnection(
            OverloadStatus(report: OverloadReport(sequenceNumber: 1, reductionPercentage: 10, validityDuration: 30), load: 100))
        let doic = Self.doicMAR, plain = Self.plainMAR
        /// One request (the T-flag set when `retransmitted`) and its answer.
        func exchange(_ mar: MultimediaAuthRequest, hopByHop: UInt32, retransmitted: Bool) async throws -> DiameterMessage {
            var bytes = mar.encode(hopByHopID: hopByHop, endToEndID: 77)
            if retransmitted { bytes.setInteger(try #require(bytes.getInteger(at: 4, as: UInt8.self)) | 0x10, at: 4) }
            try await channel.writeInbound(bytes)
            var out = try #require(try await channel.readOutbound(as: ByteBuffer.self))
            let answers = try Self.messages(&out)
            #expect(answers.count == 1 && out.readableBytes == 0, "one answer, its length covering the DOIC AVPs")
            return try #require(answers.first)
        }
        func sequence(_ m: DiameterMessage) -> UInt64? {
            m.first(.ocOLR).flatMap { try? OCOLR($0.members) }?.ocSequenceNumber
        }
        let first = try await exchange(doic, hopByHop: 1, retransmitted: false)
        #expect(first.first(.resultCode)?.unsigned32 == 2001 && first.first(.ocSupportedFeatures) != nil && sequence(first) == 1)
        gate.publish(OverloadStatus(report: OverloadReport(sequenceNumber: 2, reductionPercentage: 30, validityDuration: 30), load: 300))
        let replayed = try await exchange(doic, hopByHop: 2, retransmitted: true)
        #expect(replayed.header.hopByHopID == 2 && replayed.header.endToEndID == 77)
        #expect(replayed.first(.sessionID)?.string == first.first(.sessionID)?.string)
        #expect(replayed.first(.sipAuthDataItem)?.members.first { _ in true }?.tree() == first.first(.sipAuthDataItem)?.members.first { _ in true }?.tree(), "the kept answer, not a new vector")
        #expect(sequence(replayed) == 2, "the report in force now")
        let plainReplay = try await exchange(plain, hopByHop: 3, retransmitted: true)
        #expect(plainReplay.first(.resultCode)?.unsigned32 == 2001 && plainReplay.first(.ocSupportedFeatures) == nil && plainReplay.first(.ocOLR) == nil)
    }

    @Test("A partial throttle draws once per request, before the AVP scan: about its share of plain requests refused (all before decoding), none with OC-Supported-Features, and one the scan declines (Proxy-Info) refused on the decoded path at the same share, not its square")
    func partialThrottleDrawsOnce() async throws {
        let metrics = RecordingMetrics()
        let (channel, _) = try await Self.overloadConnection(Self.throttling(50), metrics: metrics)
        let plain = Self.plainMAR, doic = Self.doicMAR
        var proxied = SampleMessages.mar  // carries Proxy-Info: the scan declines it
        proxied.envelope.destinationHost = nil
        #expect(!proxied.envelope.proxyInfo.isEmpty)
        var hbh: UInt32 = 0
        /// Result codes of `count` copies of `request`, sent in read bursts of 50.
        func codes(_ request: MultimediaAuthRequest, _ count: Int) async throws -> [UInt32?] {
            var all: [UInt32?] = []
            for _ in 0..<(count / 50) {
                all += try await Self.readBurst(channel, Array(repeating: request, count: 50), hopByHop: &hbh).map { $0.first(.resultCode)?.unsigned32 }
            }
            return all
        }
        let n = 1_000
        let plainCodes = try await codes(plain, n)
        let refused = plainCodes.filter { $0 == 3004 }.count
        #expect(plainCodes.allSatisfy { $0 == 2001 || $0 == 3004 })
        #expect((400...600).contains(refused), "about half: \(refused) of \(n)")
        #expect(metrics.refusedBeforeDecoding.withLockedValue { $0 } == refused, "every plain refusal before decoding")
        #expect(try await codes(doic, n).allSatisfy { $0 == 2001 }, "a reacting node's requests are never throttled")
        let proxiedRefused = try await codes(proxied, n).filter { $0 == 3004 }.count
        #expect((400...600).contains(proxiedRefused), "about half, not a quarter (two draws): \(proxiedRefused) of \(n)")
        #expect(metrics.refusedBeforeDecoding.withLockedValue { $0 } == refused, "the scan declined them: refused after decoding")
    }

    @Test("Stale requests shed: in an overload condition, a read burst right after an event-loop pass longer than shedAfter gets 3004 before decoding, DOIC or not (a DOIC request's with its DOIC AVPs), counted as shed; outside a condition, after a short pass, or after the loop went idle, it is served")
    func staleShed() async throws {
        let gate = OverloadGate(originHost: SampleMessages.hssHost, shedAfter: .milliseconds(6))
        let registry = PeerRegistry(localOriginHost: SampleMessages.hssHost)
        let metrics = RecordingMetrics()
        let channel = try await Self.connection(application: ImmediateApplication(), metrics: metrics, registry: registry) { $0.overload = gate }
        let loop = try #require(channel.eventLoop as? NIOAsyncTestingEventLoop)
        try await channel.writeInbound(DiameterServerTests.cer())
        #expect(try await Self.outbound(channel)?.first(.resultCode)?.unsigned32 == 2001)
        let clock = registry.loopPass(for: loop, shedAfter: .milliseconds(6))
        await loop.advanceTime(by: .seconds(1))  // virtual time starts at 0: room for a pass before now
        /// The loop's last pass took 10 ms and ended `ago` before now (virtual time).
        func longPass(endedAgo ago: TimeAmount = .zero) async throws {
            try await loop.submit {
                _ = clock.pass.read(at: loop.now - ago - .milliseconds(10))
                clock.pass.ended(at: loop.now - ago)
            }.get()
        }
        let plain = Self.plainMAR, doic = Self.doicMAR
        var hbh: UInt32 = 100
        /// One read burst of these requests; their answers' result codes, and the answers.
        func burst(_ requests: [MultimediaAuthRequest]) async throws -> [DiameterMessage] {
            let answers = try await Self.readBurst(channel, requests, hopByHop: &hbh)
            await loop.run()  // the pass's end
            return answers
        }
        func codes(_ answers: [DiameterMessage]) -> [UInt32?] { answers.map { $0.first(.resultCode)?.unsigned32 } }

        // No overload condition: served, however long the last pass.
        try await longPass()
        #expect(codes(try await burst([plain, doic])) == [2001, 2001])
        // A condition (1% asked of DOIC peers): right after a long pass, both are shed.
        gate.publish(OverloadStatus(report: OverloadReport(sequenceNumber: 4, reductionPercentage: 1, validityDuration: 30), throttlePercentage: 1))
        try await longPass()
        let shed = try await burst([plain, doic])
        #expect(codes(shed) == [3004, 3004])
        #expect(shed.allSatisfy { $0.header.flags.contains(.error) })
        #expect(shed[1].first(.ocSupportedFeatures) != nil && shed[1].first(.ocOLR) != nil, "a DOIC request's answer carries the report (RFC 7683 §5.2)")
        #expect(gate.counts.shed == 2 && gate.counts.refused == 0, "counted as shed, not throttled")
        #expect(metrics.refusedBeforeDecoding.withLockedValue { $0 } == 2, "the DOIC request too, from the template (a quarter of the decoded path's cost)")
        // That shed pass was short (no virtual time passed): the next burst is served.
        #expect(codes(try await burst([doic])) == [2001])
        // A long pass, then the loop idle for more than the idle gap: what it reads now came meanwhile.
        try await longPass(endedAgo: LoopPass.idleGap)
        #expect(codes(try await burst([doic])) == [2001])
        #expect(gate.counts.shed == 2)
    }
}

/// Answers a MAR at once, on the connection's event loop (as the HSS does from its cache).
struct ImmediateApplication: DiameterRequestHandler {
    func answer(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity) async -> ByteBuffer {
        Self.maa(request)
    }

    func handle(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        Self.maa(request)
    }

    static func maa(_ request: DiameterMessage) -> ByteBuffer {
        let envelope = (try? MultimediaAuthRequest(decoding: request))?.envelope ?? SampleMessages.mar.envelope
        return MultimediaAuthAnswer(
            envelope: envelope.answer(originHost: SampleMessages.hssHost, originRealm: SampleMessages.realm, result: .success), sipNumberAuthItems: 0
        ).encode(hopByHopID: request.header.hopByHopID, endToEndID: request.header.endToEndID)
    }
}
