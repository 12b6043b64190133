import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Records what the peer layer reports, for tests.
final class RecordingMetrics: PeerMetrics {
    let requests = NIOLockedValueBox<[UInt32]>([])
    let errors = NIOLockedValueBox<[UInt32]>([])
    let states = NIOLockedValueBox<[String]>([])

    func requestReceived(command: UInt32, application: UInt32) { requests.withLockedValue { $0.append(command) } }
    func answerSent(command: UInt32, resultCode: UInt32?, latency: Duration) {}
    func peerStateChanged(peer: String, from: PeerStateMachine.State, to: PeerStateMachine.State) {
        states.withLockedValue { $0.append("\(peer):\(from.rawValue)->\(to.rawValue)") }
    }
    func protocolError(_ code: ResultCode) { errors.withLockedValue { $0.append(code.value) } }
    /// Requests refused before decoding (each also recorded as received, with its error).
    let refusedBeforeDecoding = NIOLockedValueBox(0)
    func requestsRefused(command: UInt32, application: UInt32, code: ResultCode, count: Int) {
        refusedBeforeDecoding.withLockedValue { $0 += count }
        requests.withLockedValue { $0 += repeatElement(command, count: count) }
        errors.withLockedValue { $0 += repeatElement(code.value, count: count) }
    }
}

/// The Debian freeDiameter daemon (a clean RFC 6733 peer) as a client of our server.
@Suite(
    "freeDiameter interoperability", .serialized,
    .enabled(if: Tshark.which("freeDiameterd") != nil && Tshark.which("openssl") != nil,
             "freeDiameterd or openssl not installed (apt-get install freediameterd freediameter-extensions openssl)"))
struct FreeDiameterInteropTests {
    static let hssHost = "hss.localdomain"

    struct Daemon {
        let process: Process
        let log: URL
        let dir: URL

        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    /// Writes a freeDiameter configuration that connects to `port` and starts the daemon.
    static func startDaemon(serverPort: Int, noRelay: Bool) throws -> Daemon {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cert = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: Tshark.which("openssl")!)
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=fd.localdomain"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        let ownPort = try FreePorts.consecutive(2)
        let conf = """
            Identity = "fd.localdomain";
            Realm = "localdomain";
            Port = \(ownPort);
            SecPort = \(ownPort + 1);
            No_SCTP;
            No_IPv6;
            ListenOn = "127.0.0.1";
            TLS_Cred = "\(cert)", "\(key)";
            TLS_CA = "\(cert)";
            TwTimer = 6;
            TcTimer = 6;
            \(noRelay ? "NoRelay;" : "")
            ConnectPeer = "\(hssHost)" { ConnectTo = "127.0.0.1"; Port = \(serverPort); No_TLS; };
            """
        let confURL = dir.appendingPathComponent("fd.conf")
        try conf.write(to: confURL, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("fd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Tshark.which("freeDiameterd")!)
        p.arguments = ["-c", confURL.path]
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return Daemon(process: p, log: log, dir: dir)
    }

    static func server(_ metrics: RecordingMetrics) async throws -> DiameterServer {
        var config = DiameterServerConfiguration(
            local: LocalPeer(originHost: hssHost, originRealm: "localdomain", hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 7),
            listenAddresses: [("127.0.0.1", 0)])
        // Longer than freeDiameter's 6 s: any received message resets a watchdog (RFC 3539), so the side
        // with the shorter Tw is the one that sends DWRs.
        config.watchdogInterval = .seconds(30)
        var logger = Logger(label: "fd-test")
        logger.logLevel = .critical
        return try await DiameterServer(configuration: config, application: CountingApplication(), metrics: metrics, logger: logger)
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test("CER/CEA to open, DWR/DWA, then SIGTERM → DPR/DPA and the connection closes")
    func fullCycle() async throws {
        let metrics = RecordingMetrics()
        let server = try await Self.server(metrics)
        let port = try #require(server.localAddresses.first?.port)
        let daemon = try Self.startDaemon(serverPort: port, noRelay: false)
        defer {
            if daemon.process.isRunning { daemon.process.interrupt(); kill(daemon.process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: daemon.dir)
        }
        let opened = await Self.waitFor(15) { server.registry.openPeers == ["fd.localdomain"] }
        #expect(opened, "freeDiameter reached R-Open; its log:\n\(daemon.output())")
        // freeDiameter's TwTimer is 6 s (its minimum): a DWR arrives within about 6-8 s.
        let dwr = await Self.waitFor(15) { metrics.requests.withLockedValue { $0.contains(280) } }
        #expect(dwr, "received a DWR from freeDiameter")
        #expect(daemon.process.isRunning, "freeDiameter is still up after the watchdog exchange")
        daemon.process.terminate()  // SIGTERM: freeDiameter sends DPR and waits for our DPA
        let dpr = await Self.waitFor(10) { metrics.requests.withLockedValue { $0.contains(282) } }
        #expect(dpr, "received a DPR on SIGTERM")
        let closed = await Self.waitFor(10) { server.registry.openPeers.isEmpty }
        #expect(closed, "the connection closed after the DPA")
        #expect(metrics.states.withLockedValue { $0 }.contains("fd.localdomain:R-Open->Closing"))
        daemon.process.waitUntilExit()
        await server.shutdown()
    }

    @Test("freeDiameter with NoRelay (no application in common) is refused with CEA 5010")
    func noRelayRefused() async throws {
        let metrics = RecordingMetrics()
        let server = try await Self.server(metrics)
        let port = try #require(server.localAddresses.first?.port)
        let daemon = try Self.startDaemon(serverPort: port, noRelay: true)
        defer {
            if daemon.process.isRunning { daemon.process.interrupt(); kill(daemon.process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: daemon.dir)
        }
        let refused = await Self.waitFor(15) { metrics.errors.withLockedValue { $0.contains(5010) } }
        #expect(refused, "refused with 5010; freeDiameter's log:\n\(daemon.output())")
        #expect(server.registry.openPeers.isEmpty)
        await server.shutdown()
    }
}
