import ArgumentParser
import Atomics
import DiameterCore
import Foundation
import HSSCore
import HSSStorage
import Histogram
import NIOCore
import NIOPosix
import NIOSSL

@main
struct HSSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hss-bench",
        abstract: "Diameter Cx load generator for the HSS (docs/benchmarks.md).",
        subcommands: [Run.self, CeilingServer.self, Populate.self, Subscribers.self, ClusterLoad.self, ClusterCheck.self, NetFuzz.self, Storm.self],
        defaultSubcommand: Run.self)
}

/// `hss-bench populate`: the benchmark population straight into an LMDB store (bulk).
struct Populate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write N generated subscribers into an LMDB store (for hss serve --data-dir).")
    @Option(help: "The LMDB data directory.") var dataDir: String
    @Option(help: "How many subscribers.") var count = 10_000
    @Option(help: "LMDB map size in MiB.") var mapSize = 16_384

    func run() throws {
        let store = try LMDBSubscriberStore(LMDBConfiguration(path: dataDir, mapSize: mapSize << 20))
        defer { store.close() }
        let start = Date()
        let n = try store.bulkLoad((0..<count).lazy.map(Population.subscription), transactionSize: 20_000)
        let s = Date().timeIntervalSince(start)
        print("populated \(n) subscribers in \(String(format: "%.2f", s)) s (\(Int(Double(n) / s))/s)")
    }
}

/// `hss-bench subscribers`: the population as a JSON subscriber file (for hss serve --subscribers).
struct Subscribers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write N generated subscribers as a JSON subscriber file.")
    @Option(help: "How many subscribers.") var count = 1000
    @Option(help: "Output file.") var output: String

    func run() throws {
        try Data(SubscriberFile(subscriptions: (0..<count).map(Population.subscription)).encoded()).write(to: URL(fileURLWithPath: output))
        print("wrote \(count) subscribers to \(output)")
    }
}

/// `hss-bench ceiling-server`: the loopback ceiling (answers every message with a same-sized canned answer).
struct CeilingServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Answer every Diameter message with a same-sized canned answer (the machine's ceiling).")
    @Option(help: "TCP port on 127.0.0.1.") var port = 3869
    @Option(help: "Event loop threads (default: one per core, like the HSS).") var threads = System.coreCount

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                    try ch.pipeline.syncOperations.addHandler(CeilingHandler())
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        print("ceiling server on \(channel.localAddress?.description ?? "?")")
        try await channel.closeFuture.get()
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive the HSS with a Cx scenario and report throughput, latency percentiles and errors.",
        discussion: """
            Start the HSS with the same population first, e.g.
              hss-bench populate --data-dir /tmp/bench --count 10000
              hss serve --data-dir /tmp/bench --origin-realm bench.test --listen 127.0.0.1:3868
              hss-bench run --scenario mar --connections 8 --window 32 --duration 10 --ceiling
            """)

    @Option(help: "HSS address.") var host = "127.0.0.1"
    @Option(help: "HSS port.") var port = 3868
    @Option(help: "Scenario: \(ScenarioKind.allCases.filter { $0 != .storm }.map(\.rawValue).joined(separator: ", ")).") var scenario = "mar"
    @Option(help: "Vectors per MAR (SIP-Number-Auth-Items).") var vectors: UInt32 = 1
    @Option(help: "Connections (each with its own Origin-Host).") var connections = 8
    @Option(help: "Requests in flight per connection.") var window = 32
    @Option(help: "Seconds to measure.") var duration = 10.0
    @Option(help: "Seconds of warm-up before measuring.") var warmup = 1.0
    @Option(help: "Open loop: total requests per second (default: closed loop, as fast as answers come).") var rate: Double?
    @Option(help: "Subscribers of the population to use (bench0 …).") var subscribers = 10_000
    @Option(help: "Event loop threads for the generator.") var threads = 1
    @Flag(help: "Also measure the machine's ceiling: spawn `hss-bench ceiling-server` and run the same load against it.") var ceiling = false
    @Option(help: "Port for the ceiling server.") var ceilingPort = 3869
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Act as a DOIC reacting node (RFC 7683): OC-Supported-Features in every request, and the HSS's overload reports applied with the loss algorithm (open loop: the reported share of new requests is not sent).") var doic = false
    @Flag(help: "Print a progress line every second (default: when stderr is a terminal).") var progress = false
    @Option(help: "TLS: CA file to verify the HSS (enables TLS).") var tlsCA: String?
    @Option(help: "TLS: client certificate chain (PEM).") var tlsCert: String?
    @Option(help: "TLS: client private key (PEM).") var tlsKey: String?
    @Option(help: "The HSS's process id: report its CPU time (user + system, from /proc/PID/stat) per answered request during the measurement.") var serverPid: Int32?
    @Option(help: "With --server-pid: the file where benchmarks/tools/mutex-count.so writes the server's pthread_mutex_lock count on SIGUSR2; report locks per answered request.") var mutexCountFile: String?

    func validate() throws {
        guard let kind = ScenarioKind(rawValue: scenario) else { throw ValidationError("unknown scenario \(scenario)") }
        guard kind != .storm else { throw ValidationError("the storm is its own command: hss-bench storm") }
        guard subscribers > connections * window else {
            throw ValidationError("--subscribers must exceed connections × window (\(connections * window)) so a subscriber's steps never overlap")
        }
    }

    struct Measurement: Codable {
        var target: String
        var completed: Int
        var seconds: Double
        var throughput: Double
        var latencyMicros: [String: Double]
        var errors: [String: Int]
        /// Server CPU time (user + system) per answered request, in microseconds (`--server-pid`).
        var serverCPUMicrosPerRequest: Double?
        /// Server pthread_mutex_lock calls per answered request (`--mutex-count-file`).
        var serverLocksPerRequest: Double?
        /// Open loop: requests issued, not sent (abated by the DOIC loss algorithm), refused with 3004.
        var issued: Int = 0
        var abated: Int = 0
        var rejected: Int = 0
        /// The server's resident set before and after the measurement (MiB, `--server-pid`).
        var serverRSSMiB: [Double]?
        /// Open loop: the generator's longest gap between sends (ms) and its gaps over 5 ms, over all
        /// connections (a stall of the generator, not of the server: ConnectionResult.longestTickGap).
        var senderLongestGapMs: Double?
        var senderGapsOver5ms: Int?
    }

    /// VmRSS of a process in MiB (proc(5)).
    static func rssMiB(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kb / 1024
    }

    /// utime + stime of a process in clock ticks (proc(5): fields 14 and 15 of /proc/PID/stat).
    static func cpuTicks(_ pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let u = UInt64(fields[11]), let s = UInt64(fields[12]) else { return nil }
        return u + s
    }

    /// The server's lock count: SIGUSR2 asks the preloaded counter to write it, then the file is read
    /// once it changed (the write is the signal handler's).
    static func lockCount(_ pid: Int32, file: String) async -> UInt64? {
        let before = try? String(contentsOfFile: file, encoding: .utf8)
        let asked = ContinuousClock.now
        kill(pid, SIGUSR2)
        while ContinuousClock.now - asked < .seconds(2) {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text != before || ContinuousClock.now - asked > .milliseconds(200),
                let n = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return n
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    func run() async throws {
        let kind = ScenarioKind(rawValue: scenario)!
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var results: [Measurement] = []
        let hss = try await measure(kind: kind, port: port, label: "hss", check: true, group: group)
        results.append(hss)
        if ceiling {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = ["ceiling-server", "--port", String(ceilingPort)]
            child.standardOutput = FileHandle.nullDevice
            try child.run()
            defer { child.terminate() }
            try await Task.sleep(for: .milliseconds(500))
            results.append(try await measure(kind: kind, port: ceilingPort, label: "ceiling", check: false, group: group))
        }
        try await group.shutdownGracefully()
        report(results, kind: kind)
        if results[0].errors.values.reduce(0, +) > 0 { throw ExitCode(1) }
    }

    func measure(kind: ScenarioKind, port: Int, label: String, check: Bool, group: MultiThreadedEventLoopGroup) async throws -> Measurement {
        let counter = ManagedAtomic(0)
        var handlers: [(LoadHandler, any Channel)] = []
        let tls: NIOSSLContext? = try tlsCA.map { ca in
            var c = TLSConfiguration.makeClientConfiguration()
            c.trustRoots = .file(ca)
            if let tlsCert, let tlsKey {
                c.certificateChain = try NIOSSLCertificate.fromPEMFile(tlsCert).map { .certificate($0) }
                c.privateKey = .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem))
            }
            return try NIOSSLContext(configuration: c)
        }
        let perConnectionRate = rate.map { $0 / Double(connections) }
        for c in 0..<connections {
            let loop = group.next()
            let ready = loop.makePromise(of: Void.self)
            let mine = stride(from: c, to: subscribers, by: connections).map { $0 }
            let origin = "bench\(c).\(label).bench.test"
            let handler = LoadHandler(
                planner: RequestPlanner(kind: kind, vectors: vectors, origin: origin, subscribers: mine), window: window,
                pacing: perConnectionRate.map { .openLoop(perConnection: $0) } ?? .closedLoop, originHost: origin, checkAnswers: check,
                progress: counter, ready: ready)
            handler.doic = doic
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        if let tls { try ch.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                        try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                        try ch.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
            try await ready.futureResult.get()
            handlers.append((handler, channel))
        }
        // Go; warm up; reset; measure.
        for (h, ch) in handlers {
            try await ch.eventLoop.submit { if let ctx = h.context { h.start(context: ctx) } }.get()
        }
        try await Task.sleep(for: .milliseconds(Int(warmup * 1000)))
        for (h, ch) in handlers { try await ch.eventLoop.submit { h.result = ConnectionResult() }.get() }
        let observed = check ? serverPid : nil
        let ticksBefore = observed.flatMap(Self.cpuTicks)
        let rssBefore = observed.flatMap(Self.rssMiB)
        var locksBefore: UInt64?
        if let observed, let mutexCountFile { locksBefore = await Self.lockCount(observed, file: mutexCountFile) }
        let clock = ContinuousClock()
        let start = clock.now
        let showProgress = progress || isatty(2) == 1
        var last = counter.load(ordering: .relaxed)
        while clock.now - start < .milliseconds(Int(duration * 1000)) {
            try await Task.sleep(for: .milliseconds(min(1000, Int(duration * 1000))))
            let now = counter.load(ordering: .relaxed)
            if showProgress {
                FileHandle.standardError.write(Data("\r\(label) \(scenario): \(now - last) req/s   ".utf8))
            }
            last = now
        }
        var merged = ConnectionResult()
        for (h, ch) in handlers {
            let r = try await ch.eventLoop.submit { () -> ConnectionResult in
                h.stop()
                return h.result
            }.get()
            merged.latency.add(r.latency)
            merged.completed += r.completed
            merged.issued += r.issued
            merged.abated += r.abated
            merged.rejected += r.rejected
            merged.longestTickGap = max(merged.longestTickGap, r.longestTickGap)
            merged.tickGapsOver5ms += r.tickGapsOver5ms
            for (k, v) in r.errors { merged.errors[k, default: 0] += v }
        }
        let seconds = Double((clock.now - start).components.seconds) + Double((clock.now - start).components.attoseconds) / 1e18
        var cpuPerRequest: Double?
        if let observed, let before = ticksBefore, let after = Self.cpuTicks(observed), merged.completed > 0 {
            let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
            cpuPerRequest = Double(after - before) / hz * 1e6 / Double(merged.completed)
        }
        var locksPerRequest: Double?
        if let observed, let mutexCountFile, let before = locksBefore, let after = await Self.lockCount(observed, file: mutexCountFile), merged.completed > 0 {
            locksPerRequest = Double(after &- before) / Double(merged.completed)
        }
        if showProgress { FileHandle.standardError.write(Data("\r".utf8)) }
        for (_, ch) in handlers { try? await ch.close() }
        func us(_ p: Double) -> Double { Double(merged.latency.valueAtPercentile(p)) / 1000 }
        return Measurement(
            target: label, completed: merged.completed, seconds: seconds, throughput: Double(merged.completed) / seconds,
            latencyMicros: ["p50": us(50), "p90": us(90), "p99": us(99), "p99.9": us(99.9), "max": Double(merged.latency.max) / 1000],
            errors: merged.errors, serverCPUMicrosPerRequest: cpuPerRequest, serverLocksPerRequest: locksPerRequest,
            issued: merged.issued, abated: merged.abated, rejected: merged.rejected,
            serverRSSMiB: rssBefore.flatMap { b in observed.flatMap(Self.rssMiB).map { [b, $0] } },
            senderLongestGapMs: merged.issued > 0 ? Double(merged.longestTickGap) / 1e6 : nil, senderGapsOver5ms: merged.issued > 0 ? merged.tickGapsOver5ms : nil)
    }

    func report(_ results: [Measurement], kind: ScenarioKind) {
        let hss = results[0]
        let ratio = results.count > 1 ? hss.throughput / results[1].throughput : nil
        if json {
            struct Out: Codable {
                var scenario: String
                var vectors: UInt32
                var connections: Int
                var window: Int
                var rate: Double?
                var subscribers: Int
                var results: [Measurement]
                var ratioToCeiling: Double?
            }
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            let out = Out(scenario: kind.rawValue, vectors: vectors, connections: connections, window: window, rate: rate, subscribers: subscribers, results: results, ratioToCeiling: ratio)
            print(String(decoding: (try? e.encode(out)) ?? Data(), as: UTF8.self))
            return
        }
        print("scenario \(kind.rawValue)\(kind == .mar ? " (\(vectors) vector\(vectors == 1 ? "" : "s"))" : ""), \(connections) connections × window \(window)\(rate.map { ", open loop at \(Int($0))/s" } ?? ", closed loop"), \(subscribers) subscribers")
        for m in results {
            let l = m.latencyMicros
            let name = m.target.padding(toLength: 8, withPad: " ", startingAt: 0)
            print("  \(name)" + String(format: "%10.0f /s  (%d in %.1f s)  latency µs p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f",
                         m.throughput, m.completed, m.seconds, l["p50"]!, l["p90"]!, l["p99"]!, l["p99.9"]!, l["max"]!))
            if let cpu = m.serverCPUMicrosPerRequest { print(String(format: "           server CPU %.2f µs per answer (user + system)", cpu)) }
            if m.issued > 0 {
                print(String(format: "           offered %.0f /s: admitted %.1f%%, abated by DOIC %.1f%%, refused 3004 %.1f%%",
                             Double(m.issued) / m.seconds, 100 * Double(m.completed) / Double(m.issued), 100 * Double(m.abated) / Double(m.issued),
                             100 * Double(m.rejected) / Double(m.issued)))
            }
            if let gap = m.senderLongestGapMs {
                print(String(format: "           generator: longest gap between sends %.1f ms, gaps over 5 ms: %d (requests due in them count as late)", gap, m.senderGapsOver5ms ?? 0))
            }
            if let rss = m.serverRSSMiB { print(String(format: "           server RSS %.1f → %.1f MiB", rss[0], rss[1])) }
            if let locks = m.serverLocksPerRequest { print(String(format: "           server pthread_mutex_lock %.2f per answer", locks)) }
            if !m.errors.isEmpty {
                for (k, v) in m.errors.sorted(by: { $0.value > $1.value }) { print("           error \(k): \(v)") }
            }
        }
        if let ratio { print(String(format: "  HSS / ceiling = %.1f%%", ratio * 100)) }
    }
}
