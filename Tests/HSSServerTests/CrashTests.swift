import DiameterCore
import DiameterTestKit
import Foundation
import HSSCore
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hss serve --data-dir` under continuous SAR and MAR load, killed with SIGKILL at random moments, 20
/// times. After each restart every SAR that was answered 2001 must be visible (LIR gives its S-CSCF), and
/// across all runs no subscriber ever gets the same SQN twice (recovered from AUTN with Milenage).
@Suite("Crash safety (kill -9)", .serialized)
struct CrashTests {
    /// The `hss` binary next to the test bundle (swift build --build-tests builds it).
    static var hssBinary: String? {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("hss").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static let kHex = "30313233343536373839616263646566", opHex = "66656463626139383736353433323130"
    static let registrants = 20_000, authenticated = 16

    /// A subscriber file: `registrants` subscriptions reg-N (SAR targets) and `authenticated` aka-N (MAR targets).
    static func writeSubscribers(to path: String) throws {
        var text = #"{"subscriptions":["#
        for i in 0..<(registrants + authenticated) {
            let name = i < registrants ? "reg-\(i)" : "aka-\(i - registrants)"
            if i > 0 { text += "," }
            text += #"{"id":"\#(name)","privateIdentities":[{"identity":"\#(name)@crash.test","aka":{"k":"\#(kHex)","op":"\#(opHex)"}}],"#
            text += #""publicIdentities":[{"identity":"sip:\#(name)@crash.test","serviceProfile":"p","privateIdentities":["\#(name)@crash.test"]}],"#
            text += #""serviceProfiles":[{"id":"p"}]}"#
        }
        text += "]}"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Each client its own Origin-Host: (Origin-Host, End-to-End) is what duplicate detection keys on
    /// (RFC 6733 §6.2), so two clients sharing one would see each other's answers as duplicates.
    static func envelope(_ n: UInt32, host: String = "scscf-a.crash.test") -> CxEnvelope {
        CxEnvelope(sessionID: "\(host);\(n)", originHost: host, originRealm: "crash.test", destinationRealm: "crash.test")
    }

    /// One Diameter identity per connection: a second connection from the same Origin-Host is refused
    /// (RFC 6733 §5.6.4 election).
    static func connect(port: Int, host: String) async throws -> TestClient {
        for _ in 0..<600 {
            if let c = try? await TestClient.connectPeer(to: try SocketAddress(ipAddress: "127.0.0.1", port: port), originHost: host, originRealm: "crash.test") {
                return c
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    /// Sends and waits for the answer; nil when the connection died.
    static func ask(_ c: TestClient, _ m: some CxMessage, id: UInt32) async -> DiameterMessage? {
        do {
            try await c.send(m.encode(hopByHopID: id, endToEndID: id))
            return try await c.receive(timeout: .seconds(5))
        } catch {
            return nil
        }
    }

    final class Box<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var v: T
        init(_ v: T) { self.v = v }
        func with<R>(_ f: (inout T) -> R) -> R { lock.withLock { f(&v) } }
    }

    @Test("20 × kill -9 under SAR and MAR load: every acknowledged SAR survives, no SQN is issued twice",
          .enabled(if: hssBinary != nil, "needs the hss binary next to the tests (swift build --build-tests)"))
    func killNine() async throws {
        let hss = try #require(Self.hssBinary)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hss-crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let file = work + "/subscribers.json"
        try Self.writeSubscribers(to: file)
        let port = try FreePorts.consecutive()
        let acknowledged = Box<Set<Int>>([])
        let sqns = Box<[Int: [UInt64]]>([:])
        var nextRegistrant = 0
        let k = Block128(hex: Self.kHex)!
        var milenage = try Milenage()
        let opc = milenage.opc(k: k, op: Block128(hex: Self.opHex)!)
        var runs: [(acked: Int, vectors: Int)] = []

        for run in 0..<20 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: hss)
            p.arguments = ["serve", "--data-dir", work + "/db", "--subscribers", file, "--listen", "127.0.0.1:\(port)", "--shards", "4",
                           "--origin-host", "hss.crash.test", "--origin-realm", "crash.test", "--home-network", "crash.test",
                           "--sqn-block", "100", "--log-level", "error"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let sarClient = try await Self.connect(port: port, host: "scscf-a.crash.test")
            let marClient = try await Self.connect(port: port, host: "scscf-b.crash.test")

            // Everything acknowledged so far is there (the previous run was killed).
            for n in acknowledged.with({ Array($0) }).sorted() {
                let lir = LocationInfoRequest(envelope: Self.envelope(UInt32(n)), publicIdentity: "sip:reg-\(n)@crash.test")
                let answer = try #require(await Self.ask(sarClient, lir, id: UInt32(n)))
                guard let lia = try? LocationInfoAnswer(decoding: answer) else {
                    Issue.record("run \(run): the LIR for reg-\(n) was answered Result-Code \(answer.first(.resultCode)?.unsigned32 ?? 0) (\(answer.first(.errorMessage)?.string ?? "no Error-Message"))")
                    continue
                }
                #expect(lia.envelope.result == .success && lia.serverName == "sip:scscf.crash.test", "run \(run): SAR reg-\(n) was acknowledged but is gone")
            }

            let ackedBefore = acknowledged.with { $0.count }
            let vectorsBefore = sqns.with { $0.values.reduce(0) { $0 + $1.count } }
            let first = nextRegistrant
            // Load: SARs on fresh subscribers, MARs on a few; the server dies somewhere in the middle.
            let sarTask = Task {
                var n = first
                while n < Self.registrants, !Task.isCancelled {
                    let sar = ServerAssignmentRequest(
                        envelope: Self.envelope(UInt32(n)), userName: "reg-\(n)@crash.test", publicIdentities: ["sip:reg-\(n)@crash.test"],
                        serverName: "sip:scscf.crash.test", serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataAlreadyAvailable)
                    guard let a = await Self.ask(sarClient, sar, id: UInt32(n)) else { break }
                    if a.first(.resultCode)?.unsigned32 == 2001 { acknowledged.with { _ = $0.insert(n) } }
                    n += 1
                }
                return n
            }
            let marTask = Task {
                var i: UInt32 = 0
                var collected: [(Int, [UInt8])] = []
                while !Task.isCancelled {
                    let who = Int(i) % Self.authenticated
                    let mar = MultimediaAuthRequest(
                        envelope: Self.envelope(i, host: "scscf-b.crash.test"), userName: "aka-\(who)@crash.test", publicIdentity: "sip:aka-\(who)@crash.test",
                        sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 2, serverName: "sip:scscf.crash.test")
                    guard let a = await Self.ask(marClient, mar, id: i), a.commandCode == 303, let maa = try? MultimediaAuthAnswer(decoding: a) else { break }
                    for item in maa.sipAuthDataItems { if let v = item.sipAuthenticate { collected.append((who, v)) } }
                    i &+= 1
                }
                return collected
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600)))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            nextRegistrant = await sarTask.value
            for (who, v) in await marTask.value {
                let rand = Block128(bytes: v[0..<16])!
                let ak = milenage.compute(k: k, opc: opc, rand: rand, sqn: 0, amf: 0).ak
                let sqn = v[16..<22].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } ^ ak
                sqns.with { $0[who, default: []].append(sqn) }
            }
            await sarClient.close()
            await marClient.close()
            runs.append((acknowledged.with { $0.count } - ackedBefore, sqns.with { $0.values.reduce(0) { $0 + $1.count } } - vectorsBefore))
        }
        // Final check after the last kill.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: hss)
        p.arguments = ["db", "verify", "--data-dir", work + "/db"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "hss db verify after 20 kills")

        let all = sqns.with { $0 }
        for (who, list) in all { #expect(Set(list).count == list.count, "aka-\(who): an SQN was issued twice") }
        let totalVectors = all.values.reduce(0) { $0 + $1.count }
        print("crash test: 20 kills; SARs acknowledged per run \(runs.map(\.acked)), total \(acknowledged.with { $0.count }); vectors per run \(runs.map(\.vectors)), total \(totalVectors), distinct per subscriber: all")
        #expect(acknowledged.with { $0.count } > 100, "the load ran")
        #expect(totalVectors > 100)
        try? FileManager.default.removeItem(atPath: work)
    }
}
