import ArgumentParser
import Atomics
import DiameterCore
import Foundation
import Histogram
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// `hss-bench netfuzz`: a network-level fuzzer for a running HSS (hardening issue; docs/fuzzing.md). While
/// a control client sends one MAR every 10 ms and measures its latency, other connections attack: mutated
/// Cx and S6a requests after a valid CER (bit flips, wrong AVP and message lengths, truncation, garbage
/// appended, answers to requests never sent) dripped in random pieces; raw garbage and oversized length
/// headers; CERs that never finish (one byte every half second); hundreds of idle connections. With
/// `--server-pid` the server's RSS is sampled every second. Exit 1 when the server died, the control
/// client lost an answer, its p99 passed `--control-p99-ms`, or RSS grew more than `--rss-growth-mib`.
struct NetFuzz: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netfuzz", abstract: "Network-level fuzzer: attack a running HSS while a control MAR client measures it (docs/fuzzing.md).")

    @Option(help: "HSS address.") var host = "127.0.0.1"
    @Option(help: "HSS port.") var port = 3868
    @Option(help: "Seconds to run.") var duration = 60.0
    @Option(help: "Random seed (printed; the same seed replays the same mutations per worker).") var seed: UInt64?
    @Option(help: "Connections sending mutated requests.") var mutators = 4
    @Option(help: "Mutated messages per second per mutator connection (0: as fast as the server takes them, an overload test).") var rate = 1000
    @Option(help: "Idle connections held open (never sending a CER).") var idle = 200
    @Option(help: "Connections sending a CER one byte every 500 ms.") var slow = 20
    @Option(help: "The HSS's process id: sample its RSS.") var serverPid: Int32?
    @Option(help: "Fail when the control MAR's p99 exceeds this (ms).") var controlP99Ms = 20.0
    @Option(help: "Fail when the server's RSS grows more than this (MiB).") var rssGrowthMib = 256

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)
        print("netfuzz: seed \(seed), \(duration) s against \(host):\(port)")
        let deadline = ContinuousClock.now + .milliseconds(Int64(duration * 1000))
        let stop: @Sendable () -> Bool = { ContinuousClock.now >= deadline }
        let stats = FuzzStats()
        let rssStart = serverPid.flatMap(Self.rssKiB)
        let (host, port) = (self.host, self.port)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Control(host: host, port: port, stats: stats).run(stop) }
            for w in 0..<mutators {
                group.addTask {
                    var mutator = Mutator(host: host, port: port, stats: stats, random: SplitMix(seed &+ UInt64(w) &* 0x9E37), rate: rate)
                    await mutator.run(stop, worker: w)
                }
            }
            group.addTask { await Self.garbage(host, port, stats, SplitMix(seed ^ 0xFEED), stop) }
            group.addTask { await Self.idle(host, port, count: idle, stats, stop) }
            group.addTask { await Self.slow(host, port, count: slow, stats, stop) }
            if let pid = serverPid {
                group.addTask {
                    while !stop() {
                        if let kib = Self.rssKiB(pid) { stats.rss(kib) } else { stats.serverGone() }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
        }
        let s = stats.summary()
        print("netfuzz: \(s.sent) mutated messages on \(s.connections) connections; control MAR answered \(s.answered), lost \(s.lost); "
            + String(format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms", s.p50, s.p99, s.max))
        var failures: [String] = []
        if let rssStart {
            let growth = (s.maxRSS - rssStart) / 1024
            print("netfuzz: server RSS \(rssStart / 1024) MiB at start, at most \(s.maxRSS / 1024) MiB (+\(growth) MiB)")
            if growth > rssGrowthMib { failures.append("RSS grew \(growth) MiB (limit \(rssGrowthMib))") }
        }
        if s.serverGone { failures.append("the server process is gone") }
        if s.lost > 0 { failures.append("\(s.lost) control MARs unanswered") }
        if s.answered == 0 { failures.append("no control MAR answered") }
        if s.p99 > controlP99Ms { failures.append(String(format: "control p99 %.2f ms over %.0f ms", s.p99, controlP99Ms)) }
        if failures.isEmpty {
            print("netfuzz: PASSED")
        } else {
            print("netfuzz: FAILED: " + failures.joined(separator: "; "))
            throw ExitCode(1)
        }
    }

    /// VmRSS of a process in KiB (proc(5)).
    static func rssKiB(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    static func connect(_ host: String, _ port: Int, _ stats: FuzzStats) async -> (any Channel)? {
        let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(1))
            .channelInitializer { $0.pipeline.addHandler(Sink()) }
            .connect(host: host, port: port).get()
        if channel != nil { stats.connected() }
        return channel
    }

    /// Raw garbage: random bytes, and headers declaring lengths far beyond the server's maximum.
    static func garbage(_ host: String, _ port: Int, _ stats: FuzzStats, _ seed: SplitMix, _ stop: @Sendable () -> Bool) async {
        var random = seed
        while !stop() {
            guard let c = await connect(host, port, stats) else { continue }
            var b = ByteBuffer()
            if random.next() % 2 == 0 {
                for _ in 0..<(Int(random.next() % 2048) + 1) { b.writeInteger(UInt8(truncatingIfNeeded: random.next())) }
            } else {
                b.writeInteger(UInt32(0x01FF_FFFF))  // version 1, length 16 MiB - 1
                b.writeInteger(UInt32(0x8000_0101))
                b.writeBytes([UInt8](repeating: 0, count: 12))
            }
            try? await c.writeAndFlush(b)
            try? await Task.sleep(for: .milliseconds(20))
            try? await c.close()
        }
    }

    /// Idle connections: opened and held; the server closes them when the CER does not come (then they
    /// are opened again).
    static func idle(_ host: String, _ port: Int, count: Int, _ stats: FuzzStats, _ stop: @Sendable () -> Bool) async {
        var held: [any Channel] = []
        while !stop() {
            held.removeAll { !$0.isActive }
            while held.count < count, !stop() {
                guard let c = await connect(host, port, stats) else { break }
                held.append(c)
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        for c in held { try? await c.close() }
    }

    /// Slowloris: a CER one byte every 500 ms, never finished in time.
    static func slow(_ host: String, _ port: Int, count: Int, _ stats: FuzzStats, _ stop: @Sendable () -> Bool) async {
        let cer = Array(buffer: CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: "slow.bench.test", originRealm: Population.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
            productName: "netfuzz", vendorSpecificApplicationIDs: [.cx])).encode(hopByHopID: 1, endToEndID: 1))
        var conns: [(any Channel, Int)] = []
        while !stop() {
            conns.removeAll { !$0.0.isActive }
            while conns.count < count, !stop() {
                guard let c = await connect(host, port, stats) else { break }
                conns.append((c, 0))
            }
            for i in conns.indices where conns[i].1 < cer.count {
                var b = ByteBuffer()
                b.writeInteger(cer[conns[i].1])
                conns[i].0.writeAndFlush(b, promise: nil)
                conns[i].1 += 1
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        for (c, _) in conns { try? await c.close() }
    }
}

/// Drops whatever the server sends.
final class Sink: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// SplitMix64: deterministic per seed.
struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the fuzzer did and what the control client saw.
final class FuzzStats: Sendable {
    struct State {
        var sent = 0
        var connections = 0
        var answered = 0
        var lost = 0
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var maxRSS = 0
        var serverGone = false
    }
    let state = NIOLockedValueBox(State())

    func connected() { state.withLockedValue { $0.connections += 1 } }
    func sent(_ n: Int) { state.withLockedValue { $0.sent += n } }
    func answered(micros: UInt64) {
        state.withLockedValue {
            $0.answered += 1
            _ = $0.latency.record(micros)
        }
    }
    func lost() { state.withLockedValue { $0.lost += 1 } }
    func rss(_ kib: Int) { state.withLockedValue { $0.maxRSS = max($0.maxRSS, kib) } }
    func serverGone() { state.withLockedValue { $0.serverGone = true } }

    func summary() -> (sent: Int, connections: Int, answered: Int, lost: Int, p50: Double, p99: Double, max: Double, maxRSS: Int, serverGone: Bool) {
        state.withLockedValue { s in
            (s.sent, s.connections, s.answered, s.lost, Double(s.latency.valueAtPercentile(50)) / 1000, Double(s.latency.valueAtPercentile(99)) / 1000,
             Double(s.latency.max) / 1000, s.maxRSS, s.serverGone)
        }
    }
}

/// The control client: a CER, then one MAR (subscriber bench0, one vector) every 10 ms, each waited for
/// up to 2 s (lost otherwise; the connection is then opened again).
struct Control {
    let host: String
    let port: Int
    let stats: FuzzStats

    func run(_ stop: @Sendable () -> Bool) async {
        var session: UInt32 = 0
        while !stop() {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: host, port: port) { ch in
                        ch.eventLoop.makeCompletedFuture {
                            try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch)
                        }
                    }
                // The MAR in flight, since when: one not answered within 2 s is lost, and the connection closed.
                let waiting = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
                let raw = channel.channel
                let stats = self.stats
                let watchdog = Task {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(100))
                        if let since = waiting.withLockedValue({ $0 }), ContinuousClock.now - since > .seconds(2) {
                            waiting.withLockedValue { $0 = nil }
                            stats.lost()
                            raw.close(promise: nil)
                        }
                    }
                }
                defer { watchdog.cancel() }
                try await channel.executeThenClose { inbound, outbound in
                    var frames = inbound.makeAsyncIterator()
                    let origin = "control.bench.test"
                    try await outbound.write(CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
                        originHost: origin, originRealm: Population.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
                        productName: "netfuzz control", vendorSpecificApplicationIDs: [.cx])).encode(hopByHopID: 0, endToEndID: 0))
                    _ = try await frames.next()
                    while !stop() {
                        session &+= 1
                        let mar = MultimediaAuthRequest(
                            envelope: CxEnvelope(sessionID: "\(origin);\(session)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm),
                            userName: Population.impi(0), publicIdentity: Population.impu(0),
                            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1, serverName: RequestPlanner.serverName)
                        let started = ContinuousClock.now
                        waiting.withLockedValue { $0 = started }
                        try await outbound.write(mar.encode(hopByHopID: session, endToEndID: session))
                        // The answer, answering the server's DWRs meanwhile.
                        var ok = false
                        while let frame = try await frames.next() {
                            guard let m = try? DiameterDecoder().decode(frame) else { continue }
                            if m.isRequest, m.commandCode == 280 {
                                let dwa = DeviceWatchdogAnswer(fields: BaseAnswerFields(resultCode: .success, originHost: origin, originRealm: Population.realm))
                                try await outbound.write(dwa.encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
                                continue
                            }
                            if m.header.hopByHopID == session {
                                ok = m.first(.resultCode)?.unsigned32 == 2001
                                break
                            }
                        }
                        guard waiting.withLockedValue({ v -> Bool in
                            defer { v = nil }
                            return v != nil
                        }) else { throw CancellationError() }  // the watchdog counted it lost
                        guard ok else {
                            stats.lost()
                            throw CancellationError()
                        }
                        let elapsed = ContinuousClock.now - started
                        stats.answered(micros: UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// A connection that completes a valid CER, then sends mutated requests in random pieces, and is
/// opened again whenever the server closes it.
struct Mutator {
    let host: String
    let port: Int
    let stats: FuzzStats
    var random: SplitMix
    let rate: Int

    mutating func run(_ stop: @Sendable () -> Bool, worker: Int) async {
        let origin = "fuzz\(worker).bench.test"
        while !stop() {
            guard let c = await NetFuzz.connect(host, port, stats) else {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            let cer = CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
                originHost: origin, originRealm: Population.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
                productName: "netfuzz", vendorSpecificApplicationIDs: [.cx, .s6a])).encode(hopByHopID: 1, endToEndID: 1)
            try? await c.writeAndFlush(cer)
            var n = 0
            while c.isActive, !stop(), n < 2000 {
                var bytes = Array(buffer: base(origin, UInt32(truncatingIfNeeded: random.next())))
                mutate(&bytes)
                // Dripped in pieces of 1 byte up to the whole message.
                var offset = 0
                while offset < bytes.count {
                    let piece = min(bytes.count - offset, Int(random.next() % 64) == 0 ? 1 : Int(random.next() % UInt64(bytes.count)) + 1)
                    var b = ByteBuffer()
                    b.writeBytes(bytes[offset..<(offset + piece)])
                    c.writeAndFlush(b, promise: nil)
                    offset += piece
                }
                n += 1
                stats.sent(1)
                // Paced in bursts of 10.
                if n % 10 == 0 { try? await Task.sleep(for: rate > 0 ? .microseconds(10_000_000 / rate) : .milliseconds(1)) }
            }
            try? await c.close()
        }
    }

    /// A valid request (Cx or S6a) or an answer to nothing, to mutate.
    mutating func base(_ origin: String, _ id: UInt32) -> ByteBuffer {
        let i = Int(random.next() % 2000)
        let cx = CxEnvelope(sessionID: "\(origin);\(id)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm)
        let s6a = S6aEnvelope(sessionID: "\(origin);\(id)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm)
        switch random.next() % 7 {
        case 0:
            return MultimediaAuthRequest(
                envelope: cx, userName: Population.impi(i), publicIdentity: Population.impu(i),
                sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1, serverName: RequestPlanner.serverName
            ).encode(hopByHopID: id, endToEndID: id)
        case 1:
            return ServerAssignmentRequest(
                envelope: cx, userName: Population.impi(i), publicIdentities: [Population.impu(i)], serverName: RequestPlanner.serverName,
                serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable).encode(hopByHopID: id, endToEndID: id)
        case 2:
            return UserAuthorizationRequest(envelope: cx, userName: Population.impi(i), publicIdentity: Population.impu(i), visitedNetworkIdentifier: Array(Population.realm.utf8))
                .encode(hopByHopID: id, endToEndID: id)
        case 3:
            return AuthenticationInformationRequest(
                envelope: s6a, userName: Population.imsi(i), requestedEUTRANAuthenticationInfo: RequestedEUTRANAuthenticationInfo(numberOfRequestedVectors: 1),
                visitedPLMNID: Population.homePLMN).encode(hopByHopID: id, endToEndID: id)
        case 4:
            return UpdateLocationRequest(envelope: s6a, userName: Population.imsi(i), ratType: .eutran, ulrFlags: 2, visitedPLMNID: Population.homePLMN)
                .encode(hopByHopID: id, endToEndID: id)
        case 5:
            // An answer to a request never sent.
            return MultimediaAuthAnswer(envelope: cx.answer(originHost: origin, originRealm: Population.realm, result: .success)).encode(hopByHopID: id, endToEndID: id)
        default:
            return LocationInfoRequest(envelope: cx, publicIdentity: Population.impu(i)).encode(hopByHopID: id, endToEndID: id)
        }
    }

    /// One to four mutations: byte flips, a random message or AVP length, truncation, garbage appended.
    mutating func mutate(_ b: inout [UInt8]) {
        for _ in 0..<(Int(random.next() % 4) + 1) where !b.isEmpty {
            switch random.next() % 6 {
            case 0: b[Int(random.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            case 1 where b.count >= 4:
                let n = UInt32(truncatingIfNeeded: random.next()) & 0x00FF_FFFF
                (b[1], b[2], b[3]) = (UInt8(n >> 16), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF))
            case 2 where b.count > 28:
                // An AVP length field somewhere after the header (on a 4-octet boundary).
                let at = 20 + Int(random.next() % UInt64((b.count - 24) / 4)) * 4 + 5
                if at + 2 < b.count { (b[at], b[at + 1], b[at + 2]) = (UInt8(truncatingIfNeeded: random.next()), UInt8(truncatingIfNeeded: random.next()), UInt8(truncatingIfNeeded: random.next())) }
            case 3: b.removeLast(Int(random.next() % UInt64(b.count)))
            case 4: for _ in 0..<Int(random.next() % 64) { b.append(UInt8(truncatingIfNeeded: random.next())) }
            default: if b.count > 4 { b[4] ^= 0x80 }  // the R-bit: a request becomes an answer and the other way round
            }
        }
    }
}
