import ArgumentParser
import Atomics
import DiameterCore
import Foundation
import Histogram
import NIOCore
import NIOPosix

/// `hss-bench storm`: a registration storm, as after an outage when every UE registers again at once:
/// the first registration (UAR → MAR → SAR REGISTRATION) of N subscribers, spread over the HSS nodes
/// given, as fast as the window allows; reports the time until the last SAA and the latency per step
/// (docs/benchmarks.md, "Registration storm"). The subscribers must not be registered yet (a fresh store).
struct Storm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register N subscribers once each (UAR, MAR, SAR) as fast as the HSS answers; report the drain time and p99 per step.")

    @Option(help: "HSS nodes, host:port, comma-separated: the connections are spread over them.") var nodes = "127.0.0.1:3868"
    @Option(help: "Subscribers to register (bench0 …).") var subscribers = 100_000
    @Option(help: "Connections per node (each with its own Origin-Host: an S-CSCF).") var connections = 4
    @Option(help: "Registrations in flight per connection.") var window = 32
    @Option(help: "Event loop threads for the generator.") var threads = 1
    @Option(help: "Give up after this many seconds.") var timeout = 600.0
    @Option(help: "Milliseconds before a step answered 3004 DIAMETER_TOO_BUSY is sent again (that window place waits).") var busyBackoff = 50

    func run() async throws {
        let addresses = nodes.split(separator: ",").compactMap { Address.hostPort(String($0)) }
        guard !addresses.isEmpty else { throw ValidationError("--nodes: host:port,...") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let total = addresses.count * connections
        let counter = ManagedAtomic(0)
        var handlers: [(LoadHandler, any Channel)] = []
        for c in 0..<total {
            let (host, port) = addresses[c % addresses.count]
            let loop = group.next()
            let ready = loop.makePromise(of: Void.self)
            let mine = Array(stride(from: c, to: subscribers, by: total))
            let origin = "storm\(c).bench.test"
            let handler = LoadHandler(
                planner: RequestPlanner(kind: .storm, vectors: 1, origin: origin, subscribers: mine), window: window, pacing: .closedLoop,
                originHost: origin, checkAnswers: true, progress: counter, ready: ready)
            handler.perCommand = true
            handler.busyBackoff = .milliseconds(Int64(busyBackoff))
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                        try ch.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
            try await ready.futureResult.get()
            handlers.append((handler, channel))
        }
        let started = NIODeadline.now()
        for (h, ch) in handlers {
            try await ch.eventLoop.submit { if let ctx = h.context { h.start(context: ctx) } }.get()
        }
        // Done when every planner has registered all its subscribers.
        let clock = ContinuousClock()
        let begin = clock.now
        var finished = 0
        while clock.now - begin < .seconds(timeout) {
            try await Task.sleep(for: .milliseconds(200))
            var done = 0
            for (h, ch) in handlers { done += try await ch.eventLoop.submit { h.planner.finished }.get() }
            if isatty(2) == 1 { FileHandle.standardError.write(Data("\rregistered \(done) of \(subscribers)   ".utf8)) }
            finished = done
            if done >= subscribers { break }
        }
        var merged = ConnectionResult()
        var lastAnswer = started
        for (h, ch) in handlers {
            let r = try await ch.eventLoop.submit { () -> ConnectionResult in
                h.stop()
                return h.result
            }.get()
            merged.completed += r.completed
            merged.rejected += r.rejected
            for (k, v) in r.errors { merged.errors[k, default: 0] += v }
            for (k, v) in r.byCommand {
                merged.byCommand[k, default: ConnectionResult.histogram()].add(v)
            }
            if let a = r.lastAnswer, a > lastAnswer { lastAnswer = a }
        }
        for (_, ch) in handlers { try? await ch.close() }
        try await group.shutdownGracefully()
        let seconds = Double((lastAnswer - started).nanoseconds) / 1e9
        if isatty(2) == 1 { FileHandle.standardError.write(Data("\r".utf8)) }
        print("storm: \(finished) of \(subscribers) subscribers registered (UAR, MAR, SAR) through \(addresses.count) node(s), \(total) connections × window \(window)")
        print(String(format: "  drained in %.1f s: %.0f registrations/s, %.0f requests/s; answered 3004 (sent again after %d ms): %d", seconds, Double(finished) / seconds, Double(merged.completed) / seconds, busyBackoff, merged.rejected))
        for (code, name) in [(UInt32(300), "UAR"), (303, "MAR"), (301, "SAR")] {
            guard let h = merged.byCommand[code] else { continue }
            func ms(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1e6 }
            print(String(format: "  %@ %7d  latency ms p50 %.1f  p90 %.1f  p99 %.1f  max %.1f", name, Int(h.totalCount), ms(50), ms(90), ms(99), Double(h.max) / 1e6))
        }
        for (k, v) in merged.errors.sorted(by: { $0.value > $1.value }) { print("  error \(k): \(v)") }
        if finished < subscribers || !merged.errors.isEmpty { throw ExitCode(1) }
    }
}
