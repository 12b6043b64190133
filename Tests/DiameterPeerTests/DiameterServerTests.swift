import DiameterCore
import DiameterPeer
import DiameterTestKit
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// A stand-in Cx application: answers MAR with a success MAA and counts executions.
final class CountingApplication: DiameterRequestHandler {
    let executions = NIOLockedValueBox(0)
    let delay: Duration

    init(delay: Duration = .zero) { self.delay = delay }

    func answer(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity) async -> ByteBuffer {
        executions.withLockedValue { $0 += 1 }
        if delay > .zero { try? await Task.sleep(for: delay) }
        let mar = try! MultimediaAuthRequest(decoding: request)
        let maa = MultimediaAuthAnswer(
            envelope: mar.envelope.answer(originHost: SampleMessages.hssHost, originRealm: SampleMessages.realm, result: .success),
            userName: mar.userName, publicIdentity: mar.publicIdentity, sipNumberAuthItems: 0)
        return maa.encode(hopByHopID: request.header.hopByHopID, endToEndID: request.header.endToEndID)
    }
}

/// The peer layer over real TCP on 127.0.0.1, with a test client.
@Suite("Diameter server over TCP", .serialized)
struct DiameterServerTests {
    static func local() -> LocalPeer {
        LocalPeer(
            originHost: SampleMessages.hssHost, originRealm: SampleMessages.realm,
            hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 42)
    }

    static func server(
        _ app: CountingApplication = CountingApplication(), configure: (inout DiameterServerConfiguration) -> Void = { _ in }
    ) async throws -> DiameterServer {
        var config = DiameterServerConfiguration(local: local(), listenAddresses: [("127.0.0.1", 0)])
        config.disconnectTimeout = .milliseconds(500)
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try await DiameterServer(configuration: config, application: app, logger: logger)
    }

    static func cer(originHost: String = SampleMessages.scscfHost, applications: [VendorSpecificApplicationID] = [.cx]) -> ByteBuffer {
        CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: originHost, originRealm: SampleMessages.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!],
            vendorID: 10415, productName: "test S-CSCF", vendorSpecificApplicationIDs: applications))
            .encode(hopByHopID: 1, endToEndID: 1)
    }

    /// A client that has completed the capabilities exchange.
    static func openClient(_ server: DiameterServer, originHost: String = SampleMessages.scscfHost) async throws -> TestClient {
        let client = try await TestClient.connect(to: server.localAddresses[0])
        try await client.send(cer(originHost: originHost))
        let cea = try #require(try await client.receive())
        #expect(cea.first(.resultCode)?.unsigned32 == 2001)
        return client
    }

    static func mar(hopByHop: UInt32, endToEnd: UInt32, retransmitted: Bool = false) -> ByteBuffer {
        SampleMessages.mar.encode(hopByHopID: hopByHop, endToEndID: endToEnd, retransmitted: retransmitted)
    }

    @Test("CER → CEA 2001 with our capabilities; then a MAR is answered")
    func capabilitiesThenRequest() async throws {
        let server = try await Self.server()
        let client = try await TestClient.connect(to: server.localAddresses[0])
        try await client.send(Self.cer())
        let cea = try #require(try await client.receive())
        let (_, typed) = try CapabilitiesExchangeAnswer.decode(cea.bytes)
        #expect(typed.resultCode == .success)
        #expect(typed.capabilities.originHost == SampleMessages.hssHost)
        #expect(typed.capabilities.vendorSpecificApplicationIDs == [.cx])
        #expect(typed.capabilities.originStateID == 42)
        #expect(server.registry.openPeers == [SampleMessages.scscfHost])

        try await client.send(Self.mar(hopByHop: 10, endToEnd: 20))
        let maa = try #require(try await client.receive())
        #expect(maa.commandCode == 303 && !maa.isRequest)
        #expect(maa.header.hopByHopID == 10 && maa.header.endToEndID == 20)
        #expect(maa.first(.resultCode)?.unsigned32 == 2001)
        await client.close()
        await server.shutdown()
    }

    @Test("a message before CER closes the connection")
    func messageBeforeCER() async throws {
        let server = try await Self.server()
        let client = try await TestClient.connect(to: server.localAddresses[0])
        try await client.send(Self.mar(hopByHop: 1, endToEnd: 1))
        #expect(await client.closedByPeer())
        await server.shutdown()
    }

    @Test("a CER without a common application gets CEA 5010, then the connection closes")
    func noCommonApplication() async throws {
        let server = try await Self.server()
        let client = try await TestClient.connect(to: server.localAddresses[0])
        try await client.send(Self.cer(applications: [VendorSpecificApplicationID(vendorID: 10415, authApplicationID: 16_777_251)]))
        let cea = try #require(try await client.receive())
        #expect(cea.first(.resultCode)?.unsigned32 == 5010)
        #expect(await client.closedByPeer())
        #expect(server.registry.openPeers.isEmpty)
        await server.shutdown()
    }

    @Test("a peer outside the allow-list gets CEA 3010 with the E-bit, then the connection closes")
    func unknownPeer() async throws {
        let server = try await Self.server { $0.local.allowedPeers = ["icscf.example.org"] }
        let client = try await TestClient.connect(to: server.localAddresses[0])
        try await client.send(Self.cer())
        let cea = try #require(try await client.receive())
        #expect(cea.first(.resultCode)?.unsigned32 == 3010)
        #expect(cea.header.isError)
        #expect(await client.closedByPeer())
        await server.shutdown()
    }

    @Test("no CER in time closes the connection")
    func cerTimeout() async throws {
        let server = try await Self.server { $0.capabilitiesExchangeTimeout = .milliseconds(200) }
        let client = try await TestClient.connect(to: server.localAddresses[0])
        #expect(await client.closedByPeer(timeout: .seconds(3)))
        await server.shutdown()
    }

    @Test("DWR → DWA 2001 with our Origin-State-Id")
    func watchdog() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        try await client.send(SampleMessages.dwr.encode(hopByHopID: 5, endToEndID: 6))
        let dwa = try #require(try await client.receive())
        #expect(dwa.commandCode == 280 && !dwa.isRequest)
        #expect(dwa.first(.resultCode)?.unsigned32 == 2001)
        #expect(dwa.first(.originStateID)?.unsigned32 == 42)
        #expect(dwa.header.hopByHopID == 5)
        await client.close()
        await server.shutdown()
    }

    @Test("protocol errors are answered and the connection lives on: 3002, 3001, 5005, 5014")
    func errorsKeepConnection() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        var wrongHost = SampleMessages.mar
        wrongHost.envelope.destinationHost = "other.example.org"
        try await client.send(wrongHost.encode(hopByHopID: 1, endToEndID: 1))
        let e3002 = try #require(try await client.receive())
        #expect(e3002.first(.resultCode)?.unsigned32 == 3002 && e3002.header.isError)

        var w = DiameterMessageWriter(header: DiameterHeader(flags: [.request, .proxiable], commandCode: 399, applicationID: ApplicationID.cx, hopByHopID: 2, endToEndID: 2))
        w.append(.sessionID, "s;1")
        w.append(.originHost, SampleMessages.scscfHost)
        w.append(.originRealm, SampleMessages.realm)
        w.append(.destinationRealm, SampleMessages.realm)
        try await client.send(w.finish())
        let e3001 = try #require(try await client.receive())
        #expect(e3001.first(.resultCode)?.unsigned32 == 3001 && e3001.header.isError)

        let m = try DiameterDecoder().decode(Self.mar(hopByHop: 3, endToEnd: 3))
        var missing = DiameterMessageWriter(header: m.header)
        for a in m.avps where a.code != AVPDefinition.serverName.code { missing.append(a) }
        try await client.send(missing.finish())
        let e5005 = try #require(try await client.receive())
        #expect(e5005.first(.resultCode)?.unsigned32 == 5005 && !e5005.header.isError)
        #expect(e5005.first(.failedAVP)?.first(.serverName) != nil)

        var broken = Array(buffer: Self.mar(hopByHop: 4, endToEnd: 4))
        broken[26] = 0xFF  // the first AVP's length (bytes 25-27): it now overruns the message
        try await client.send(ByteBuffer(bytes: broken))
        let e5014 = try #require(try await client.receive())
        #expect(e5014.header.hopByHopID == 4)
        #expect(e5014.first(.resultCode)?.unsigned32 == 5014)

        try await client.send(Self.mar(hopByHop: 5, endToEnd: 5))
        let ok = try #require(try await client.receive())
        #expect(ok.first(.resultCode)?.unsigned32 == 2001, "the connection still works")
        await client.close()
        await server.shutdown()
    }

    @Test("a retransmitted MAR is answered from the cache, not executed twice")
    func duplicates() async throws {
        let app = CountingApplication()
        let server = try await Self.server(app)
        let client = try await Self.openClient(server)
        try await client.send(Self.mar(hopByHop: 100, endToEnd: 7777))
        let first = try #require(try await client.receive())
        try await client.send(Self.mar(hopByHop: 101, endToEnd: 7777, retransmitted: true))
        let second = try #require(try await client.receive())
        #expect(second.header.hopByHopID == 101)
        #expect(Array(buffer: first.bytes)[20...] == Array(buffer: second.bytes)[20...], "same answer")
        #expect(app.executions.withLockedValue { $0 } == 1)
        await client.close()
        await server.shutdown()
    }

    @Test("another peer that copies a peer's Origin-Host and End-to-End id neither reads its cached answer nor plants one")
    func duplicatesBelongToThePeer() async throws {
        let app = CountingApplication()
        let server = try await Self.server(app)
        let scscf = try await Self.openClient(server)
        let rogue = try await Self.openClient(server, originHost: "rogue.example.org")
        // The S-CSCF's MAR is answered and cached; the rogue peer sends the same request (the S-CSCF's
        // Origin-Host in the MAR, the same End-to-End id, T flag): it is executed as its own request.
        try await scscf.send(Self.mar(hopByHop: 1, endToEnd: 5555))
        _ = try #require(try await scscf.receive())
        try await rogue.send(Self.mar(hopByHop: 2, endToEnd: 5555, retransmitted: true))
        _ = try #require(try await rogue.receive())
        #expect(app.executions.withLockedValue { $0 } == 2, "the rogue peer got the S-CSCF's cached answer")
        // The rogue peer sends first: the S-CSCF's own request is still executed, not answered with the
        // rogue peer's answer.
        try await rogue.send(Self.mar(hopByHop: 3, endToEnd: 6666))
        _ = try #require(try await rogue.receive())
        try await scscf.send(Self.mar(hopByHop: 4, endToEnd: 6666))
        _ = try #require(try await scscf.receive())
        #expect(app.executions.withLockedValue { $0 } == 4, "the S-CSCF got an answer the rogue peer planted")
        // The S-CSCF's own retransmission is still answered from the cache.
        try await scscf.send(Self.mar(hopByHop: 5, endToEnd: 5555, retransmitted: true))
        #expect(try #require(try await scscf.receive()).header.hopByHopID == 5)
        #expect(app.executions.withLockedValue { $0 } == 4)
        await scscf.close()
        await rogue.close()
        await server.shutdown()
    }

    @Test("a T-flagged retransmission on the peer's next connection gets the answer given on the closed one, not executed again")
    func duplicateAcrossConnections() async throws {
        let app = CountingApplication()
        let server = try await Self.server(app)
        let first = try await Self.openClient(server)
        try await first.send(Self.mar(hopByHop: 1, endToEnd: 7070))
        let answer = try #require(try await first.receive())
        await first.close()
        // The registry lets the peer reconnect once the first connection is gone.
        let again = try await Self.openClientWhenFree(server)
        try await again.send(Self.mar(hopByHop: 2, endToEnd: 7070, retransmitted: true))
        let replayed = try #require(try await again.receive())
        #expect(replayed.header.hopByHopID == 2)
        #expect(Array(buffer: answer.bytes)[20...] == Array(buffer: replayed.bytes)[20...], "same answer")
        #expect(app.executions.withLockedValue { $0 } == 1)
        // Another peer naming the same request on its own connection gets no such answer.
        let rogue = try await Self.openClient(server, originHost: "rogue.example.org")
        try await rogue.send(Self.mar(hopByHop: 3, endToEnd: 7070, retransmitted: true))
        _ = try #require(try await rogue.receive())
        #expect(app.executions.withLockedValue { $0 } == 2)
        await again.close()
        await rogue.close()
        await server.shutdown()
    }

    /// Opens a client as the S-CSCF once the server has let go of its previous connection (R-Reject
    /// refuses a second connection from an open peer).
    static func openClientWhenFree(_ server: DiameterServer) async throws -> TestClient {
        let deadline = ContinuousClock.now + .seconds(10)
        while server.registry.openPeers.contains(SampleMessages.scscfHost.lowercased()) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return try await openClient(server)
    }

    /// A CER whose Origin-Host AVP carries `originHost` as given (bytes our writer would not produce).
    static func rawCER(originHost: [UInt8]) -> ByteBuffer {
        let good = try! DiameterDecoder().decode(cer())
        var body: [UInt8] = []
        for a in good.avps {
            if a.code == AVPDefinition.originHost.code {
                body += RawMessage.avp(code: AVPDefinition.originHost.code, data: originHost)
            } else {
                var w = DiameterMessageWriter(header: good.header)
                w.append(a)
                body += Array(buffer: w.finish())[DiameterHeader.size...]
            }
        }
        return ByteBuffer(bytes: RawMessage.message(flags: 0x80, command: 257, application: 0, body: body))
    }

    @Test("a CER with our own Origin-Host gets CEA 3010; a 64 KiB or non-ASCII one gets CEA 5004 with Failed-AVP; each then closes")
    func badOriginHostInCER() async throws {
        let server = try await Self.server()
        let cases: [(ByteBuffer, UInt32, String)] = [
            (Self.cer(originHost: SampleMessages.hssHost.uppercased()), 3010, "own identity"),
            (Self.rawCER(originHost: Array(repeating: UInt8(ascii: "a"), count: 65_536)), 5004, "64 KiB"),
            (Self.rawCER(originHost: Array("scscf.ex\u{e4}mple.org".utf8)), 5004, "non-ASCII"),
            (Self.rawCER(originHost: Array(repeating: UInt8(ascii: "a"), count: 256)), 5004, "256 octets"),
        ]
        for (cer, code, what) in cases {
            let client = try await TestClient.connect(to: server.localAddresses[0])
            try await client.send(cer)
            let cea = try #require(try await client.receive(), "no CEA for the \(what) CER")
            #expect(cea.commandCode == 257 && !cea.isRequest)
            #expect(cea.first(.resultCode)?.unsigned32 == code, "\(what)")
            if code == 5004 {
                let failed = try #require(cea.first(.failedAVP)?.first(.originHost), "Failed-AVP names Origin-Host (\(what))")
                #expect(failed.code == AVPDefinition.originHost.code)
            }
            #expect(await client.closedByPeer(), "\(what)")
        }
        #expect(server.registry.openPeers.isEmpty)
        // An Origin-Host of 255 octets is an identity and is accepted.
        let longest = try await TestClient.connect(to: server.localAddresses[0])
        try await longest.send(Self.rawCER(originHost: Array(repeating: UInt8(ascii: "b"), count: 255)))
        #expect(try #require(try await longest.receive()).first(.resultCode)?.unsigned32 == 2001)
        await longest.close()
        await server.shutdown()
    }

    @Test("a duplicate arriving while the first is still executing waits for its answer")
    func duplicateInProgress() async throws {
        let app = CountingApplication(delay: .milliseconds(300))
        let server = try await Self.server(app)
        let client = try await Self.openClient(server)
        try await client.send([Self.mar(hopByHop: 1, endToEnd: 99), Self.mar(hopByHop: 2, endToEnd: 99, retransmitted: true)])
        let a = try #require(try await client.receive())
        let b = try #require(try await client.receive())
        #expect(Set([a.header.hopByHopID, b.header.hopByHopID]) == [1, 2])
        #expect(app.executions.withLockedValue { $0 } == 1)
        await client.close()
        await server.shutdown()
    }

    @Test("100 pipelined requests in one write are all answered, in any order")
    func pipelining() async throws {
        let app = CountingApplication()
        let server = try await Self.server(app) { $0.maximumInFlightPerConnection = 16 }
        let client = try await Self.openClient(server)
        try await client.send((1...100).map { Self.mar(hopByHop: UInt32($0), endToEnd: UInt32(1000 + $0)) })
        var seen = Set<UInt32>()
        for _ in 1...100 {
            let a = try #require(try await client.receive())
            seen.insert(a.header.hopByHopID)
        }
        #expect(seen == Set(1...100))
        #expect(app.executions.withLockedValue { $0 } == 100)
        await client.close()
        await server.shutdown()
    }

    @Test("the server sends an RTR to a peer by Origin-Host and gets its RTA")
    func serverOriginatedRequest() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        async let answer = server.send(to: SampleMessages.scscfHost) { hbh, e2e in
            SampleMessages.rtr.encode(hopByHopID: hbh, endToEndID: e2e)
        }
        let rtr = try #require(try await client.receive())
        #expect(rtr.commandCode == 304 && rtr.isRequest)
        try await client.send(SampleMessages.rta.encode(hopByHopID: rtr.header.hopByHopID, endToEndID: rtr.header.endToEndID))
        let rta = try await answer
        #expect(rta.commandCode == 304 && !rta.isRequest)
        #expect(rta.first(.resultCode)?.unsigned32 == 2001)
        await client.close()
        await server.shutdown()
    }

    @Test("a request to a peer that does not answer times out; to an unknown peer it fails at once")
    func serverOriginatedTimeout() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        await #expect(throws: PeerError.timeout) {
            _ = try await server.send(to: SampleMessages.scscfHost, timeout: .milliseconds(200)) { hbh, e2e in
                SampleMessages.rtr.encode(hopByHopID: hbh, endToEndID: e2e)
            }
        }
        await #expect(throws: PeerError.noSuchPeer("nobody.example.org")) {
            _ = try await server.send(to: "nobody.example.org") { hbh, e2e in SampleMessages.rtr.encode(hopByHopID: hbh, endToEndID: e2e) }
        }
        await client.close()
        await server.shutdown()
    }

    @Test("shutdown sends DPR to every peer and closes after its DPA")
    func gracefulShutdown() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        let responder = Task {
            let dpr = try #require(try await client.receive())
            #expect(dpr.commandCode == 282 && dpr.isRequest)
            #expect(dpr.first(.disconnectCause)?.enumerated == DisconnectCause.rebooting.rawValue)
            try await client.send(SampleMessages.dpa.encode(hopByHopID: dpr.header.hopByHopID, endToEndID: dpr.header.endToEndID))
        }
        let started = ContinuousClock.now
        await server.shutdown()
        try await responder.value
        #expect(ContinuousClock.now - started < .milliseconds(450), "closed on the DPA, not on the timeout")
        #expect(await client.closedByPeer())
    }

    @Test("a DPR from the peer is answered with DPA 2001")
    func peerDisconnects() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        try await client.send(DisconnectPeerRequest(originHost: SampleMessages.scscfHost, originRealm: SampleMessages.realm, disconnectCause: .busy)
            .encode(hopByHopID: 9, endToEndID: 9))
        let dpa = try #require(try await client.receive())
        #expect(dpa.commandCode == 282 && dpa.first(.resultCode)?.unsigned32 == 2001)
        await client.close()
        #expect(await client.closedByPeer())
        await server.shutdown()
    }

    @Test("a second connection from an open peer is rejected (R-Reject); the first keeps working")
    func secondConnection() async throws {
        let server = try await Self.server()
        let first = try await Self.openClient(server)
        let second = try await TestClient.connect(to: server.localAddresses[0])
        try await second.send(Self.cer())
        #expect(await second.closedByPeer())
        try await first.send(Self.mar(hopByHop: 1, endToEnd: 1))
        #expect(try await first.receive()?.first(.resultCode)?.unsigned32 == 2001)
        await first.close()
        await server.shutdown()
    }

    @Test("without configured Host-IP-Address, the CEA carries the address the peer reached")
    func hostIPFromConnection() async throws {
        let server = try await Self.server { $0.local.hostIPAddresses = [] }
        let client = try await TestClient.connect(to: server.localAddresses[0])
        try await client.send(Self.cer())
        let cea = try #require(try await client.receive())
        #expect(cea.all(.hostIPAddress).map { $0.address?.description } == ["127.0.0.1"])
        await client.close()
        await server.shutdown()
    }

    @Test("a peer that stops reading cannot make the server buffer without bound")
    func backPressure() async throws {
        let app = CountingApplication()
        let server = try await Self.server(app) { $0.maximumInFlightPerConnection = 64 }
        let client = try await Self.openClient(server)
        try await client.channel.setOption(ChannelOptions.autoRead, value: false).get()  // never read the answers
        let total = 40_000  // about 20 MB of MARs, 22 MB of answers
        let channel = client.channel
        for chunk in stride(from: 0, to: total, by: 1000) {
            var all = ByteBuffer()
            for i in chunk..<chunk + 1000 {
                var m = Self.mar(hopByHop: UInt32(i), endToEnd: UInt32(i))
                all.writeBuffer(&m)
            }
            channel.writeAndFlush(all, promise: nil)  // queued in the client; not awaited
        }
        // Until the count stops moving (on a loaded CI machine that takes longer than the 3 s it takes
        // here), then it must stay put for a second: the server stopped reading.
        var first = -1
        for _ in 0..<40 {
            try await Task.sleep(for: .milliseconds(500))
            let now = app.executions.withLockedValue { $0 }
            if now == first { break }
            first = now
        }
        try await Task.sleep(for: .seconds(1))
        let second = app.executions.withLockedValue { $0 }
        #expect(first == second, "the server stopped executing: it stopped reading")
        // What it executed is bounded by our 1 MiB write buffer plus the kernel's socket buffers (several MB
        // each way on loopback), not by the 40,000 requests waiting.
        #expect(second < total / 2, "executed \(second) of \(total)")
        await client.close()
        await server.shutdown()
    }

    @Test("listens on IPv6 too: a CER over [::1] opens")
    func ipv6() async throws {
        let server = try await Self.server { $0.listenAddresses = [("127.0.0.1", 0), ("::1", 0)] }
        let v6 = try #require(server.localAddresses.first { $0.protocol == .inet6 })
        let client = try await TestClient.connect(to: v6)
        try await client.send(Self.cer())
        #expect(try await client.receive()?.first(.resultCode)?.unsigned32 == 2001)
        await client.close()
        await server.shutdown()
    }

    @Test("a request to a peer that disconnects before answering fails at once, not at the timeout")
    func peerGoneWhileWaiting() async throws {
        let server = try await Self.server()
        let client = try await Self.openClient(server)
        let started = ContinuousClock.now
        let answer = Task {
            try await server.send(to: SampleMessages.scscfHost, timeout: .seconds(10)) { hbh, e2e in
                SampleMessages.ppr.encode(hopByHopID: hbh, endToEndID: e2e)
            }
        }
        let ppr = try #require(try await client.receive())
        #expect(ppr.commandCode == 305 && ppr.isRequest)
        await client.close()
        await #expect(throws: PeerError.connectionClosed) { _ = try await answer.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        await server.shutdown()
    }

    @Test("a declared length above the maximum closes the connection")
    func oversized() async throws {
        let server = try await Self.server { $0.maximumMessageLength = 4096 }
        let client = try await Self.openClient(server)
        var big = Array(buffer: Self.mar(hopByHop: 1, endToEnd: 1))
        big[1] = 0x10
        try await client.send(ByteBuffer(bytes: big))
        #expect(await client.closedByPeer())
        await server.shutdown()
    }
}

/// Connection bounds (hardening issue): per source and in all, applied at accept.
@Suite("Connection limits")
struct ConnectionLimitTests {
    @Test("Past maximumConnectionsPerSource, a new connection from that source is closed at accept; a closed one frees its place")
    func perSource() async throws {
        let server = try await DiameterServerTests.server { $0.maximumConnectionsPerSource = 3 }
        var held: [TestClient] = []
        for _ in 0..<3 { held.append(try await TestClient.connect(to: server.localAddresses[0])) }
        #expect(await waitFor { server.limiter.count(from: "127.0.0.1") == 3 })
        let fourth = try await TestClient.connect(to: server.localAddresses[0])
        #expect(await fourth.closedByPeer())
        await held[0].close()
        #expect(await waitFor { server.limiter.count(from: "127.0.0.1") == 2 })
        let again = try await TestClient.connect(to: server.localAddresses[0])
        try await again.send(DiameterServerTests.cer())
        #expect(try await again.receive()?.first(.resultCode)?.unsigned32 == 2001)
        for c in held + [again] { await c.close() }
        await server.shutdown()
    }

    @Test("Past maximumConnections in all, a new connection is closed at accept")
    func total() async throws {
        let server = try await DiameterServerTests.server { $0.maximumConnections = 2 }
        let a = try await TestClient.connect(to: server.localAddresses[0])
        let b = try await TestClient.connect(to: server.localAddresses[0])
        #expect(await waitFor { server.limiter.count() == 2 })
        let c = try await TestClient.connect(to: server.localAddresses[0])
        #expect(await c.closedByPeer())
        await a.close()
        await b.close()
        await server.shutdown()
    }

    func waitFor(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<250 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
