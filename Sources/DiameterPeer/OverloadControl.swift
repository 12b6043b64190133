public import DiameterCore
public import NIOCore
import Synchronization

// Overload control as a DOIC reporting node (RFC 7683) with load reports (RFC 8583). Three parts:
// - `OverloadController`: a value. Each sample of the node's queues and CPU goes in; the reduction to ask
//   for, the overload report (OC-OLR) and the load come out. No clock, no I/O: tests drive it row by row.
// - `OverloadGate`: what the controller decided, published for every connection (an atomic generation;
//   the connection copies the state, under the gate's lock, only when it changed: at most once per sample,
//   not per request), plus the per-peer
//   request rate limit's configuration.
// - `RequestRateLimiter`: one connection's token bucket.
// The connection (PeerConnection) applies them: DOIC AVPs on answers to requests that carried
// OC-Supported-Features, local throttling of requests that did not, 3004 over a peer's rate.

/// One measured quantity against the level where the node counts as overloaded.
public struct OverloadSignal: Sendable, Hashable {
    /// What it measures (logged when it causes a report): "cpu", "writer queue", "replication", "shards".
    public var name: String
    public var value: Double
    /// The value at which the node asks for less traffic.
    public var threshold: Double
    /// False: it counts for the reported load only, never asks for a reduction (CPU: a busy node that
    /// answers at once is loaded, not overloaded).
    public var triggers: Bool

    public init(_ name: String, value: Double, threshold: Double, triggers: Bool = true) {
        self.name = name
        self.value = value
        self.threshold = threshold
        self.triggers = triggers
    }

    /// 1 at the threshold.
    public var occupancy: Double { threshold > 0 ? value / threshold : 0 }

    /// The least the process must be busy, as a share of one CPU (or of its quota when that is less), for
    /// the event loops' lag to ask for a reduction.
    public static let lagNeedsBusy = 0.75

    /// The event loops' lag (milliseconds) against its threshold. It asks for a reduction only while the
    /// process is busy (`busyCPUs`, CPU-seconds per second over the sample, at least `lagNeedsBusy` of one
    /// CPU or of `usableCPUs` when that is less); otherwise it counts for the load only. A loop that lags
    /// while the process is mostly idle is not behind the requests it is given: it waits for something
    /// else (the machine's scheduler, a single long task such as a burst of connections being accepted
    /// and closed), and admitting fewer requests would not shorten that wait. Measured: under the network
    /// fuzzer (docs/fuzzing.md) a debug build's loop lagged 1.0-2.1 ms at about half a CPU, and the
    /// controller, counting only the 55 valid requests per second it let through, asked for 6% less and
    /// refused a control client's MAR with 3004 (docs/benchmarks.md "A lag without load"). The cost: a node
    /// starved of CPU by other processes on its host (not by its own quota, which `usableCPUs` counts)
    /// reads as idle here, and its lag does not ask for less (the kernels measured here report no run-queue
    /// wait, which would tell the two apart).
    public static func eventLoops(lagMilliseconds: Double, thresholdMilliseconds: Double, busyCPUs: Double, usableCPUs: Double) -> OverloadSignal {
        OverloadSignal("event loops", value: lagMilliseconds, threshold: thresholdMilliseconds, triggers: busyCPUs >= lagNeedsBusy * min(1, usableCPUs))
    }
}

/// The OC-OLR a reporting node sends (RFC 7683 §7.3): always a host report (§7.6 HOST_REPORT; an HSS is
/// a host that realm-routed clients can go around, a realm report would stop the realm's other HSSes'
/// traffic too), loss algorithm (§6).
public struct OverloadReport: Sendable, Hashable {
    /// RFC 7683 §7.4: grows with every change of the report, and over a restart (§5.2.1.4).
    public var sequenceNumber: UInt64
    /// RFC 7683 §7.7: 0-100.
    public var reductionPercentage: UInt32
    /// RFC 7683 §7.5 (seconds): 0 ends the overload condition (§5.2.3).
    public var validityDuration: UInt32

    public init(sequenceNumber: UInt64, reductionPercentage: UInt32, validityDuration: UInt32) {
        self.sequenceNumber = sequenceNumber
        self.reductionPercentage = reductionPercentage
        self.validityDuration = validityDuration
    }
}

/// What the connections apply until the next sample.
public struct OverloadStatus: Sendable, Hashable {
    /// The OC-OLR for answers to DOIC requests; nil: none (no overload condition, or its end was reported
    /// for as long as a reacting node could hold it).
    public var report: OverloadReport?
    /// The share (percent) of requests without OC-Supported-Features that the node throttles itself
    /// (RFC 7683 §5.2.3: nobody downstream abated them).
    public var throttlePercentage: UInt32
    /// RFC 8583 Load-Value (0-65535, linear: the most loaded signal, 65535 at its threshold and beyond).
    public var load: UInt16

    public init(report: OverloadReport? = nil, throttlePercentage: UInt32 = 0, load: UInt16 = 0) {
        self.report = report
        self.throttlePercentage = throttlePercentage
        self.load = load
    }

    public static let normal = OverloadStatus()
}

/// The reporting node's overload control state (RFC 7683 §5.2.1.2: one OCS entry, host report, loss
/// algorithm), as a value: `sample` takes the signals and returns what changed.
///
/// The reduction follows the signals by feedback: the share of traffic admitted is multiplied by
/// 1/occupancy of the worst signal while it is over its threshold and not draining (at most halved per
/// sample; a signal that fell by a tenth since the last sample is left to drain), held while it is between
/// `relaxBelow` and the threshold, and raised again below that by at most `maxIncreasePerSample` per sample (§5.2.3: decrease the abatement in a controlled fashion).
/// With rates, the capacity (work per second, refusals charged at `refusalCost`) is learnt while saturated,
/// and the share steered to `targetUtilisation` of it once drained; the capacity is probed upwards while
/// the signals show headroom, and a saturated sample that interrupts the steering (a burst) gets one cut
/// by `burstCut` rather than by its occupancy. Cuts come at most once per `cutSpacing`: a reduction takes
/// that long to reach the traffic (the next answers carry it, the requests already sent drain first). When no
/// reduction is left the condition ends: a report with validity 0 (§5.2.3), sent for `validity` seconds,
/// then none.
public struct OverloadController: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// OC-Validity-Duration of active reports (seconds; RFC 7683 §7.5: default 30, at most 86,400).
        public var validity: UInt32
        /// Occupancy under which the reduction is lowered.
        public var relaxBelow: Double
        /// The admitted share grows by at most this factor per sample.
        public var maxIncreasePerSample: Double
        /// The most the node asks for (percent); the rest lets reacting nodes keep probing (§6.3).
        public var maxReduction: UInt32
        /// The share of the learnt capacity the admitted traffic is steered to once no backlog is left.
        public var targetUtilisation: Double
        /// The learnt capacity grows by this share per sample with the worst signal under half its
        /// threshold, five times that under a quarter, so that a node that got faster (or was learnt low) is found.
        public var probeStep: Double
        /// What refusing a request (the node's own throttling, 3004) costs, as a share of what admitting one
        /// costs. Capacity is counted in admitted-request equivalents, refusals charged at this share: a node
        /// that throttles peers without DOIC spends part of its capacity on refusing them, and a capacity
        /// learnt from its answers alone would shrink with every refusal it adds (a spiral down to the
        /// floor, measured before this was charged: docs/benchmarks.md "Overload").
        public var refusalCost: Double
        /// On a saturated sample that follows a steered, unsaturated one (a burst), the admitted share is
        /// multiplied by at least this, whatever the occupancy; a saturation that persists, or one met before
        /// any capacity is learnt, is cut by 1/occupancy, down to half.
        public var burstCut: Double
        /// The least time between two cuts of the admitted share. A sample that ends early (a probe over
        /// the urgent lag) comes tens of milliseconds after the last; before a cut has reached the traffic,
        /// the backlog already sent keeps the lag up, and each such sample cut again (measured: 16% → 95%
        /// in five samples within one second at the start of a 2× load, then about four seconds to climb back:
        /// docs/benchmarks.md "Cuts spaced"). The sample interval.
        public var cutSpacing: Duration

        public init(
            validity: UInt32 = 30, relaxBelow: Double = 0.95, maxIncreasePerSample: Double = 1.15, maxReduction: UInt32 = 95, targetUtilisation: Double = 0.9,
            probeStep: Double = 0.002, refusalCost: Double = 0.25, burstCut: Double = 0.75, cutSpacing: Duration = .milliseconds(250)
        ) {
            self.cutSpacing = cutSpacing
            self.burstCut = burstCut
            self.targetUtilisation = targetUtilisation
            self.probeStep = probeStep
            self.refusalCost = refusalCost
            self.validity = validity
            self.relaxBelow = relaxBelow
            self.maxIncreasePerSample = maxIncreasePerSample
            self.maxReduction = maxReduction
        }
    }

    public enum Event: Sendable, Hashable {
        /// An overload condition began (a new report), caused by the named signals.
        case entered(reduction: UInt32, causes: [String])
        /// The reduction changed during the condition.
        case changed(reduction: UInt32)
        /// The condition ended: the report with validity 0 goes out.
        case ended
    }

    public let configuration: Configuration
    /// The share of offered traffic to admit, 0-1.
    public private(set) var admitted: Double = 1
    public private(set) var status = OverloadStatus.normal
    /// The sequence number of the last report sent, 0 before any.
    var lastSequence: UInt64 = 0
    /// The worst triggering occupancy of the last sample.
    var lastWorst: Double = 0
    /// When the admitted share was last cut.
    var lastCut: Duration?
    /// Answers per second the node managed while saturated (learnt during the condition).
    public private(set) var capacity: Double?
    /// When the ended report stops being sent.
    var endedUntil: Duration?

    public init(configuration: Configuration = .init()) { self.configuration = configuration }

    /// One sample. `now` is a monotonic time; `wallMilliseconds` (milliseconds since 1970) seeds the
    /// sequence number of a new condition, so that it exceeds any sent before a restart (§5.2.1.4).
    /// `admittedRate`, `answeredRate` and `refusedRate` (requests per second let through the gate, answered,
    /// and refused by the node's own throttling over the sample; 0 when unknown) let the controller learn
    /// the node's capacity while a signal is over its threshold, and steer the admitted traffic to
    /// `targetUtilisation` of it once the backlog is gone. `shedRate`: requests refused as stale
    /// (``LoopPass``): they cost what a refusal costs, and they came through the admitted share (they are
    /// not traffic that no reacting node abated, which `refusedRate` measures).
    /// `cpuUtilisation` (0-1 of the CPUs the node may use, nil when unknown) raises a capacity learnt too
    /// low: a node that did this work unsaturated at that utilisation can do about work / utilisation.
    public mutating func sample(
        _ signals: [OverloadSignal], admittedRate: Double = 0, answeredRate: Double = 0, refusedRate: Double = 0, shedRate: Double = 0,
        cpuUtilisation: Double? = nil, now: Duration, wallMilliseconds: UInt64
    ) -> [Event] {
        let worst = signals.filter(\.triggers).map(\.occupancy).max() ?? 0
        status.load = UInt16(min(1, max(0, signals.map(\.occupancy).max() ?? 0)) * 65535)
        defer { lastWorst = worst }
        let k = configuration.refusalCost
        if worst > 1 {
            // A saturated sample that follows one steered below the learnt capacity is a burst (the loss
            // algorithm's random admissions bunch up, a slow request holds the loop): its backlog is the
            // lag's worth of requests (25 ms of a stall: 2,000 requests at 80,000/s), which a quarter of
            // the capacity left free drains in a tenth of a second, while a deeper cut costs throughput
            // until the share climbs back (run 13 in docs/benchmarks.md "Overload": a burst at 1.8× the
            // threshold took the admitted rate from 76,000 to 43,000/s for about a second). Still saturated
            // in the next sample: the cut by occupancy.
            let burst = capacity != nil && lastWorst <= 1
            // Saturated: what it does now is what it can do (its refusals charged at their cost). A higher
            // rate is taken at once (the first saturated sample may straddle the start of the overload, or a
            // stall); a lower one by a quarter of the gap (one slow sample is not a smaller node). A burst's
            // sample answered about what was admitted: learning it lowers the capacity a little, which
            // balances the probe upwards below (without it the probe raised the capacity past what the node
            // serves, and bursts came every one to two seconds: runs 28-30 in docs/benchmarks.md).
            if answeredRate > 0 {
                let work = answeredRate + k * (refusedRate + shedRate)
                capacity = capacity.map { work > $0 ? work : $0 + 0.25 * (work - $0) } ?? work
            }
            // A signal that already fell by a tenth since the last sample is draining under the reduction
            // in force: wait for it rather than overshoot (a backlog keeps a queue long after the cause went).
            // (The traffic offered is not known here: while saturated the node reads only what it serves,
            // the rest waits in the sockets; so the cut follows the signal, not the model below.)
            if let cut = lastCut, now - cut < configuration.cutSpacing {
                // The last cut has not reached the traffic yet: held.
            } else if burst {
                admitted *= max(configuration.burstCut, 1 / worst)
                lastCut = now
            } else if lastWorst <= 1 || worst > 0.9 * lastWorst {
                admitted *= max(0.5, 1 / worst)
                lastCut = now
            }
        } else if let known = capacity, admittedRate > 0, admitted < 1 {
            // No backlog: aim at the target share of the capacity (up by at most maxIncreasePerSample,
            // §5.2.3; down by at most a fifth). With admitted share s, the traffic reaching the gate is
            // admittedRate / s, of which refusedRate / (1 − s) came without OC-Supported-Features (DOIC
            // peers abated their share before sending); at share s' the work is
            // s' × total + k × (1 − s') × unabated, which the goal sets to the target.
            let total = (admittedRate + shedRate) / admitted
            let unabated = refusedRate > 0 ? refusedRate / (1 - admitted) : 0
            let available = configuration.targetUtilisation * known - k * unabated
            let goal = available > 0 ? available / max(total - k * unabated, 1) : 0
            let rising = admitted * configuration.maxIncreasePerSample
            admitted = min(rising, max(admitted * 0.8, goal))
            // The capacity may have grown (a load that ended elsewhere on the node), or have been learnt low
            // (a sample that straddled the start of the overload, a stall while connections start): probe
            // upwards while the signals show headroom (5 steps per sample under a quarter of their
            // thresholds, one under half, none above: the admitted traffic settles where the worst signal
            // sits at a quarter to a half of its threshold, or at the target), once the admitted share is at
            // its goal (while it still climbs at maxIncreasePerSample, low signals say only that less is
            // admitted); and faster towards what the CPU says the node can do (at most 10% per sample: a
            // node waiting on its disk is not CPU-bound, and the next saturated sample learns it again).
            if worst < configuration.relaxBelow {
                let step = goal > rising ? 0 : worst < 0.25 ? 5 * configuration.probeStep : worst < 0.5 ? configuration.probeStep : 0
                var raised = known * (1 + step)
                if let u = cpuUtilisation, u > 0.2, answeredRate > 0 {
                    raised = max(raised, min(known * 1.1, (answeredRate + k * (refusedRate + shedRate)) / u))
                }
                capacity = raised
            }
        } else if worst < configuration.relaxBelow {
            // Nothing learnt yet (or no rates): relax by at most maxIncreasePerSample per sample.
            admitted *= min(configuration.maxIncreasePerSample, worst > 0 ? configuration.relaxBelow / worst : .infinity)
        }
        let floor = 1 - Double(configuration.maxReduction) / 100
        admitted = min(1, max(floor, admitted))
        let reduction = UInt32((100 * (1 - admitted)).rounded())
        var events: [Event] = []
        let active = status.report.map { $0.validityDuration > 0 } ?? false
        if reduction > 0 {
            if !active {
                lastSequence = max(lastSequence + 1, wallMilliseconds)
                events.append(.entered(reduction: reduction, causes: signals.filter { $0.triggers && $0.occupancy > 1 }.map(\.name)))
                status.report = OverloadReport(sequenceNumber: lastSequence, reductionPercentage: reduction, validityDuration: configuration.validity)
            } else if reduction != status.report?.reductionPercentage {
                lastSequence += 1
                events.append(.changed(reduction: reduction))
                status.report = OverloadReport(sequenceNumber: lastSequence, reductionPercentage: reduction, validityDuration: configuration.validity)
            }
            endedUntil = nil
        } else if active {
            // §5.2.3: the end is a new report with validity 0, kept while a reacting node may hold the last one.
            lastSequence += 1
            events.append(.ended)
            status.report = OverloadReport(sequenceNumber: lastSequence, reductionPercentage: 0, validityDuration: 0)
            endedUntil = now + .seconds(Int(configuration.validity))
            capacity = nil
        } else if let until = endedUntil, now >= until {
            status.report = nil
            endedUntil = nil
        }
        status.throttlePercentage = reduction
        return events
    }
}

/// One sample of the event loops' lag, as a value: probes (each the worst loop's wait for a task) go in;
/// the sample is complete after `probes` of them, or at once after one over `urgent`, so that a stall or a
/// burst is answered by a reduction within one probe interval, not at the sample's end (the backlog behind
/// it, and the latency of every request in it, grows until then).
public struct LagSample: Sendable {
    public let probes: Int
    public let urgent: Duration
    public private(set) var count = 0
    var total = Duration.zero

    public init(probes: Int = 10, urgent: Duration) {
        precondition(probes > 0, "a sample needs a probe")
        self.probes = probes
        self.urgent = urgent
    }

    /// Adds a probe; true when the sample is complete.
    public mutating func add(_ probe: Duration) -> Bool {
        total += probe
        count += 1
        return count >= probes || probe > urgent
    }

    /// The mean of the probes so far.
    public var mean: Duration { count > 0 ? total / count : .zero }
}

/// One event loop's passes over its ready connections, as a value: when the requests a pass reads have
/// waited too long to be worth answering. An event loop reads every connection with data, answers what it
/// read, then runs its queued tasks; a request that arrives meanwhile waits in its socket until the next
/// pass. So the requests of a pass that starts right after a long one waited about that long. Behind a
/// burst or a stall the passes grow: each reads a bigger backlog, so each is longer, and the waiting grows
/// until the overload controller's reduction reaches the peers. Those requests are refused (3004) rather
/// than answered late, before decoding (a DOIC request's with the DOIC AVPs appended): a plain request's
/// refusal there was measured at about a tenth of a MAR, so a shed pass is short and the next one reads
/// fresh requests (measured at twice the capacity with DOIC clients: p99 of the admitted 7.1-8.4 ms in
/// nine runs shedding after 8 ms, against 12.7-43.8 ms in seventeen without; docs/benchmarks.md "Stale
/// requests shed").
/// The connection calls `read` at the start of each read burst and, when told to, queues `ended` on its
/// loop behind the pass's I/O (the loop's task phase). Times are the loop's (`EventLoop.now`).
public struct LoopPass: Sendable, Hashable {
    /// A pass longer than this makes the next one stale.
    public let shedAfter: TimeAmount
    /// The first read of the pass in progress (nil: none in progress).
    public private(set) var started: NIODeadline?
    /// The length of the last pass and when it ended.
    public private(set) var lastLength = TimeAmount.zero
    public private(set) var lastEnded = NIODeadline.uptimeNanoseconds(0)

    public init(shedAfter: TimeAmount) {
        precondition(shedAfter > .zero, "a bound on the wait")
        self.shedAfter = shedAfter
    }

    /// A pass that starts this long or more after the last one ended follows an idle loop: what it reads
    /// came meanwhile (had anything waited, the loop would have read it at once).
    public static let idleGap = TimeAmount.milliseconds(1)

    /// A read burst at `now`. `stale`: the requests it reads waited about `shedAfter` or more (the pass
    /// before this one outlasted it and ended less than `idleGap` before this one began).
    /// `markEnd`: the first read of a pass; queue `ended` behind it.
    public mutating func read(at now: NIODeadline) -> (stale: Bool, markEnd: Bool) {
        let start = started ?? now
        let markEnd = started == nil
        started = start
        return (lastLength > shedAfter && start - lastEnded < Self.idleGap, markEnd)
    }

    /// The pass's I/O is done (its queued tasks run).
    public mutating func ended(at now: NIODeadline) {
        guard let s = started else { return }
        lastLength = now - s
        lastEnded = now
        started = nil
    }
}

/// The `LoopPass` of one event loop, shared by its connections (only ever used on that loop).
final class LoopPassClock: @unchecked Sendable {
    let loop: any EventLoop
    /// The pass's bound, readable from any thread (``PeerRegistry/loopPass(for:shedAfter:)``); `pass` only on the loop.
    let shedAfter: TimeAmount
    var pass: LoopPass

    init(loop: any EventLoop, shedAfter: TimeAmount) {
        self.loop = loop
        self.shedAfter = shedAfter
        pass = LoopPass(shedAfter: shedAfter)
    }

    /// A read burst on this loop now: whether what it reads is stale.
    func readBurst() -> Bool {
        let (stale, markEnd) = pass.read(at: loop.now)
        if markEnd {
            loop.assumeIsolatedUnsafeUnchecked().execute { [self] in pass.ended(at: loop.now) }
        }
        return stale
    }
}

/// The controller's decision, shared by every connection of a server, and the per-peer rate limit.
/// Publishing takes a lock and bumps an atomic generation; a connection reads the generation per request
/// (an atomic load) and copies the state, under the lock, only when it moved (at most once per sample).
public final class OverloadGate: Sendable {
    /// Requests per second one peer may send when its rule names no limit; nil: unlimited.
    public let defaultPeerRate: Double?
    /// During an overload condition, the requests an event-loop pass reads after a pass longer than this
    /// are refused (``LoopPass``); nil: never.
    public let shedAfter: TimeAmount?
    let originHost: String
    let generation = Atomic<Int>(0)
    /// Requests let through and answers sent, added by each connection at the end of its read bursts.
    let admittedRequests = Atomic<Int>(0)
    let answeredRequests = Atomic<Int>(0)
    /// Requests the node throttled itself (no OC-Supported-Features): what its refusals cost.
    let refusedRequests = Atomic<Int>(0)
    /// Requests refused as stale (``LoopPass``), doic or not.
    let shedRequests = Atomic<Int>(0)

    /// Requests let through, answered, throttled by the node, and shed as stale, since the server started
    /// (counted at the end of read bursts).
    public var counts: (admitted: Int, answered: Int, refused: Int, shed: Int) {
        (
            admittedRequests.load(ordering: .relaxed), answeredRequests.load(ordering: .relaxed), refusedRequests.load(ordering: .relaxed),
            shedRequests.load(ordering: .relaxed)
        )
    }
    private let published: Mutex<Published>

    /// The state and the AVPs that answers to DOIC requests carry, encoded once per change.
    struct Published: Sendable {
        var status: OverloadStatus
        var avps: [UInt8]
    }

    public init(originHost: String, defaultPeerRate: Double? = nil, shedAfter: TimeAmount? = nil) {
        precondition(shedAfter.map { $0 > .zero } ?? true, "a bound on the wait")
        self.originHost = originHost
        self.defaultPeerRate = defaultPeerRate
        self.shedAfter = shedAfter
        published = Mutex(Published(status: .normal, avps: Self.encode(.normal, originHost: originHost)))
    }

    public func publish(_ status: OverloadStatus) {
        let changed = published.withLock { p -> Bool in
            guard p.status != status else { return false }
            p = Published(status: status, avps: Self.encode(status, originHost: originHost))
            return true
        }
        if changed { generation.add(1, ordering: .releasing) }
    }

    func snapshot() -> (generation: Int, status: OverloadStatus, avps: [UInt8]) {
        let g = generation.load(ordering: .acquiring)
        let p = published.withLock { $0 }
        return (g, p.status, p.avps)
    }

    /// OC-Supported-Features selecting the loss algorithm (RFC 7683 §5.1.2, §7.2 OLR_DEFAULT_ALGO), the
    /// OC-OLR when there is one, and the node's load as a host and as a peer (RFC 8583: Load-Type HOST 0,
    /// PEER 1, SourceID the node), all without the M-bit.
    static func encode(_ status: OverloadStatus, originHost: String) -> [UInt8] {
        EncodedAVPs.make { w in
            w.appendGroup(.ocSupportedFeatures) { OCSupportedFeatures(ocFeatureVector: 1).writeMembers(into: &$0) }
            if let r = status.report {
                w.appendGroup(.ocOLR) {
                    OCOLR(ocSequenceNumber: r.sequenceNumber, ocReportType: .hostReport, ocReductionPercentage: r.reductionPercentage,
                          ocValidityDuration: r.validityDuration).writeMembers(into: &$0)
                }
            }
            for type in [LoadType.host, .peer] {
                w.appendGroup(.load) { Load(loadType: type, loadValue: UInt64(status.load), sourceID: originHost).writeMembers(into: &$0) }
            }
        }
    }
}

/// A token bucket: `rate` requests per second, bursts up to one second's worth.
public struct RequestRateLimiter: Sendable, Hashable {
    public let rate: Double
    var tokens: Double
    var last: Int64

    /// `now`: nanoseconds of a monotonic clock.
    public init(rate: Double, now: Int64) {
        self.rate = rate
        tokens = max(1, rate)
        last = now
    }

    /// Whether one more request fits now (and takes its token).
    public mutating func admit(now: Int64) -> Bool {
        tokens = min(max(1, rate), tokens + Double(now - last) / 1e9 * rate)
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
