import DiameterPeer
import Foundation
import HSSCluster
import HSSMetrics
import HSSServer
import HSSStorage
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Samples the node's load every interval, runs the overload controller (``OverloadController``: RFC 7683
/// DOIC as a reporting node, RFC 8583 load) and publishes its decision to the Diameter connections
/// (``OverloadGate``). The signals, each against its threshold (docs/hardening.md, "Overload"):
/// - event loops: how long a task waits for each Diameter event loop (sampled every `interval / 10`,
///   the worst loop per probe, averaged; a probe over 4× the threshold ends the sample early): the time
///   the loop spends on the requests it has read before it gets back to its queue,
///   which grows with the backlog in the sockets once the loop cannot keep up; it asks for a reduction only
///   while the process is busy (``OverloadSignal/eventLoops(lagMilliseconds:thresholdMilliseconds:busyCPUs:usableCPUs:)``);
/// - cpu: the process's CPU time over the interval, as a share of the CPUs it may use (affinity and the
///   cgroup quota); it counts for the reported load, and asks for a reduction only when configured;
/// and the requests let through, answered and throttled per second, from which the controller learns the capacity.
/// - writer queue: writes waiting for the LMDB writer's next batch;
/// - replication: writes waiting for their acknowledgement by followers (a leader);
/// - shards: requests waiting behind a subscription whose commit is pending.
struct OverloadService: Service {
    struct Thresholds: Sendable {
        var loopLag: Duration
        /// nil: the CPU counts for the load only.
        var cpu: Double?
        var writerQueue: Int
        var replication: Int
        var shards: Int
        var interval: Duration
    }

    let gate: OverloadGate
    let thresholds: Thresholds
    let configuration: OverloadController.Configuration
    let loops: [any EventLoop]
    let admin: HSSAdmin
    let store: LMDBSubscriberStore?
    let cluster: ClusterNode?
    let metrics: HSSMetrics
    let logger: Logger

    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The CPUs the process may use: NIO's count (affinity, and the cgroup quota rounded up) bounded by the
    /// cgroup quota itself (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), which may
    /// be a fraction. Read at every sample: a process can be moved into a capped group while it runs.
    static func usableCPUs() -> Double {
        var usable = Double(max(1, System.coreCount))
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        {
            // "0-3,6": the CPUs this process may run on (taskset), which NIO's count does not always apply.
            var allowed = 0
            for range in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
                let ends = range.split(separator: "-").compactMap { Int($0) }
                allowed += ends.count == 2 ? ends[1] - ends[0] + 1 : ends.count
            }
            if allowed > 0 { usable = min(usable, Double(allowed)) }
        }
        guard let groups = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return usable }
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        for line in groups.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ","), path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                // cgroup v2: "QUOTA PERIOD" or "max PERIOD".
                let parts = read("/sys/fs/cgroup\(path)/cpu.max")?.split(separator: " ") ?? []
                if parts.count == 2, let q = Double(parts[0]), let p = Double(parts[1]), q > 0, p > 0 { usable = min(usable, q / p) }
            } else if controllers.contains("cpu") {
                let dir = "/sys/fs/cgroup/\(controllers.joined(separator: ","))\(path)"
                let alt = "/sys/fs/cgroup/cpu\(path)"
                for d in [dir, alt] {
                    if let q = read(d + "/cpu.cfs_quota_us").flatMap(Double.init), let p = read(d + "/cpu.cfs_period_us").flatMap(Double.init), q > 0, p > 0 {
                        usable = min(usable, q / p)
                        break
                    }
                }
            }
        }
        return usable
    }

    /// A probe over this multiple of the loop-lag threshold ends its sample early.
    static let urgentLag = 4

    static func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

    /// The longest any loop took to run a task submitted to it now.
    static func worstLag(_ loops: [any EventLoop]) async -> Duration {
        var worst = Duration.zero
        for loop in loops {
            let submitted = ContinuousClock.now
            let ran = try? await loop.submit { ContinuousClock.now }.get()
            worst = max(worst, (ran ?? submitted) - submitted)
        }
        return worst
    }

    func run() async throws {
        var controller = OverloadController(configuration: configuration)
        let clock = ContinuousClock()
        let start = clock.now
        var lastCPU = Self.processCPUSeconds()
        var lastTime = clock.now
        var last = gate.counts
        var utilisation = 0.0
        // CPU time since the last sample of any length: the loop-lag signal needs it for each sample, and
        // the process's CPU clock is exact over a short window (the request counts are not).
        var (sampleCPU, sampleTime) = (lastCPU, lastTime)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Ten probes per sample; one over 4× the threshold ends it at once (LagSample).
            var sample = LagSample(probes: 10, urgent: thresholds.loopLag * Self.urgentLag)
            var complete = false
            while !complete && !Task.isCancelled {
                try? await Task.sleep(for: thresholds.interval / 10)
                let probe = await Self.worstLag(loops)
                complete = sample.add(probe)
            }
            let lag = sample.mean
            let now = clock.now
            // Rates and CPU are measured over at least half an interval: a sample ended early by a stall may
            // be a few milliseconds long, and counts that connections add per read burst give a rate over
            // such a window that is noise (measured: 149,623 answers/s "learnt" on an 80,000/s node). Such
            // a sample reports no rates, and the next one measures from the last sample that did.
            let measured = now - lastTime >= thresholds.interval / 2
            // A short sample under the threshold (its probes' mean diluted the urgent one) says nothing the
            // next full sample will not: without rates, the controller would take it for a quiet node.
            if !measured && lag <= thresholds.loopLag { continue }
            let wall = measured ? Self.milliseconds(now - lastTime) / 1000 : 0
            let cpu = Self.processCPUSeconds(), usable = Self.usableCPUs()
            let sinceSample = Self.milliseconds(now - sampleTime) / 1000
            let busy = sinceSample > 0 ? (cpu - sampleCPU) / sinceSample : 0
            (sampleCPU, sampleTime) = (cpu, now)
            if measured {
                utilisation = wall > 0 ? (cpu - lastCPU) / wall / usable : 0
                (lastCPU, lastTime) = (cpu, now)
            }
            var signals = [
                OverloadSignal.eventLoops(
                    lagMilliseconds: Self.milliseconds(lag), thresholdMilliseconds: Self.milliseconds(thresholds.loopLag), busyCPUs: busy, usableCPUs: usable),
                OverloadSignal("cpu", value: utilisation, threshold: thresholds.cpu ?? 1, triggers: thresholds.cpu != nil),
            ]
            let waiting = await admin.shardDepths().reduce(0) { $0 + $1.waiting }
            signals.append(OverloadSignal("shards", value: Double(waiting), threshold: Double(thresholds.shards)))
            if let store = cluster?.store ?? store {
                signals.append(OverloadSignal("writer queue", value: Double(store.queuedWrites), threshold: Double(thresholds.writerQueue)))
            }
            if let cluster {
                signals.append(OverloadSignal("replication", value: Double(cluster.writesAwaitingAcknowledgement), threshold: Double(thresholds.replication)))
            }
            let wallMilliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
            let counts = gate.counts
            func rate(_ n: Int, _ before: Int) -> Double { wall > 0 ? Double(n - before) / wall : 0 }
            let rates = (
                admitted: rate(counts.admitted, last.admitted), answered: rate(counts.answered, last.answered), refused: rate(counts.refused, last.refused),
                shed: rate(counts.shed, last.shed)
            )
            if measured { last = counts }
            let events = controller.sample(
                signals, admittedRate: rates.admitted, answeredRate: rates.answered, refusedRate: rates.refused, shedRate: rates.shed, cpuUtilisation: measured ? utilisation : nil,
                now: now - start, wallMilliseconds: wallMilliseconds)
            func summary() -> String {
                signals.map { "\($0.name) \(String(format: "%.2f", $0.occupancy))" }.joined(separator: ", ")
                    + String(
                        format: "; admitted %.0f/s, answered %.0f/s, throttled %.0f/s, shed as stale %.0f/s, capacity %.0f/s", rates.admitted, rates.answered,
                        rates.refused, rates.shed, controller.capacity ?? 0)
            }
            if logger.logLevel <= .trace {
                // Every sample, with CLOCK_MONOTONIC seconds to line it up with `perf record -k CLOCK_MONOTONIC`.
                var mono = timespec()
                clock_gettime(CLOCK_MONOTONIC, &mono)
                logger.trace("overload sample", metadata: [
                    "monotonic": "\(String(format: "%.3f", Double(mono.tv_sec) + Double(mono.tv_nsec) / 1e9))",
                    "signals": "\(summary())", "reduction": "\(controller.status.throttlePercentage)%",
                ])
            }
            for event in events {
                let occupancy = summary()
                switch event {
                case .entered(let reduction, let causes):
                    logger.warning("overload: asking peers for less traffic (DOIC)", metadata: ["reduction": "\(reduction)%", "causes": "\(causes.joined(separator: ", "))", "signals": "\(occupancy)"])
                case .changed(let reduction):
                    logger.info("overload: reduction changed", metadata: ["reduction": "\(reduction)%", "signals": "\(occupancy)"])
                case .ended:
                    logger.notice("overload ended: validity 0 reported", metadata: ["signals": "\(occupancy)"])
                }
            }
            gate.publish(controller.status)
            metrics.setOverload(
                reduction: controller.status.throttlePercentage, load: controller.status.load,
                occupancy: Dictionary(signals.map { ($0.name, $0.occupancy) }, uniquingKeysWith: { a, _ in a }), requestsShed: counts.shed)
        }
    }
}
