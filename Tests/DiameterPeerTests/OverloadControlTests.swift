import DiameterCore
import DiameterTestKit
@testable import DiameterPeer
import NIOCore
import Synchronization
import Testing

/// Overload control as values (RFC 7683 DOIC as a reporting node, RFC 8583 load): the controller row by
/// row, the AVPs answers carry, the per-peer token bucket.
@Suite("Overload control (values)")
struct OverloadControlTests {
    static func cpu(_ value: Double) -> [OverloadSignal] { [OverloadSignal("cpu", value: value, threshold: 0.9)] }

    @Test("Below the threshold: no report, no reduction, nothing to say; the load is reported on a 0-65535 scale")
    func quiet() {
        var c = OverloadController()
        let r1 = c.sample(Self.cpu(0.45), now: .seconds(1), wallMilliseconds: 1_000)
        #expect(r1.isEmpty)
        #expect(c.status.report == nil && c.status.throttlePercentage == 0)
        #expect(c.status.load == 32767)
        _ = c.sample(Self.cpu(2), now: .seconds(2), wallMilliseconds: 2_000)
        #expect(c.status.load == 65535, "capped at the threshold")
    }

    @Test("Over the threshold the reduction follows occupancy; in the band it holds; below it relaxes by at most 15% of the admitted share; the end is a report with validity 0, sent for the validity period")
    func condition() {
        var c = OverloadController()
        // Occupancy 2 (CPU 1.8 against 0.9): admit half. A new condition: sequence from the wall clock (§5.2.1.4).
        let r2 = c.sample(Self.cpu(1.8), now: .seconds(1), wallMilliseconds: 5_000)
        #expect(r2 == [.entered(reduction: 50, causes: ["cpu"])])
        #expect(c.status.report == OverloadReport(sequenceNumber: 5_000, reductionPercentage: 50, validityDuration: 30))
        #expect(c.status.throttlePercentage == 50)
        // Still 2: a quarter; the sequence grows with the change (§5.2.1.4).
        let r3 = c.sample(Self.cpu(1.8), now: .seconds(2), wallMilliseconds: 6_000)
        #expect(r3 == [.changed(reduction: 75)])
        #expect(c.status.report?.sequenceNumber == 5_001)
        // Occupancy 0.97: between relaxBelow (0.95) and 1: held, same report.
        let r4 = c.sample(Self.cpu(0.873), now: .seconds(3), wallMilliseconds: 7_000)
        #expect(r4.isEmpty)
        #expect(c.status.report?.sequenceNumber == 5_001)
        // Idle: the admitted share grows by 15% per sample (0.25 → 0.2875), not at once (§5.2.3).
        let r5 = c.sample(Self.cpu(0), now: .seconds(4), wallMilliseconds: 8_000)
        #expect(r5 == [.changed(reduction: 71)])
        var events: [OverloadController.Event] = []
        var t = 5
        while c.status.throttlePercentage > 0 {
            events += c.sample(Self.cpu(0), now: .seconds(t), wallMilliseconds: UInt64(t) * 1_000)
            t += 1
        }
        #expect(events.last == .ended)
        #expect(events.dropLast().allSatisfy { if case .changed = $0 { true } else { false } })
        let ended = try! #require(c.status.report)
        #expect(ended.validityDuration == 0 && ended.reductionPercentage == 0)
        // The ended report stays for 30 s (the validity a reacting node may still hold), then none.
        _ = c.sample(Self.cpu(0), now: .seconds(t + 27), wallMilliseconds: 0)
        #expect(c.status.report == ended)
        _ = c.sample(Self.cpu(0), now: .seconds(t + 29), wallMilliseconds: 0)
        #expect(c.status.report == nil)
        // A new condition gets a sequence above every one sent, even with a clock that went back.
        _ = c.sample(Self.cpu(1.8), now: .seconds(t + 40), wallMilliseconds: 10)
        #expect(c.status.report!.sequenceNumber > ended.sequenceNumber)
    }

    @Test("A signal over its threshold that is falling (by a tenth since the last sample) is left to drain; one that is not falling gets a deeper cut")
    func draining() {
        var c = OverloadController()
        let lag = { (ms: Double) in [OverloadSignal("event loops", value: ms, threshold: 5)] }
        let e1 = c.sample(lag(15), now: .seconds(1), wallMilliseconds: 1)
        #expect(e1 == [.entered(reduction: 50, causes: ["event loops"])])
        let e2 = c.sample(lag(10), now: .seconds(2), wallMilliseconds: 1)
        #expect(e2.isEmpty && c.status.throttlePercentage == 50, "draining: held")
        let e3 = c.sample(lag(10), now: .seconds(3), wallMilliseconds: 1)
        #expect(e3 == [.changed(reduction: 75)], "not draining: halved again")
        // CPU counts for the load only unless it triggers.
        var d = OverloadController()
        let e4 = d.sample([OverloadSignal("cpu", value: 1, threshold: 1, triggers: false)], now: .seconds(1), wallMilliseconds: 1)
        #expect(e4.isEmpty && d.status.load == 65535 && d.status.report == nil)
    }

    @Test("The event loops' lag asks for a reduction only while the process is busy: a lag at half a CPU counts for the load only")
    func lagWithoutLoad() {
        // The sample that refused a control MAR under the network fuzzer: 2.1 ms of lag at 0.52 of a CPU
        // (0.26 of two).
        let fuzz = OverloadSignal.eventLoops(lagMilliseconds: 2.14, thresholdMilliseconds: 2, busyCPUs: 0.52, usableCPUs: 2)
        #expect(!fuzz.triggers && fuzz.occupancy > 1)
        var c = OverloadController()
        let events = c.sample([fuzz], admittedRate: 55, answeredRate: 55, now: .seconds(1), wallMilliseconds: 1)
        #expect(events.isEmpty && c.status.report == nil && c.status.throttlePercentage == 0 && c.status.load == 65535)
        // Busy: a loop behind its requests (one CPU of two, or nearly all of a half-CPU quota) asks.
        #expect(OverloadSignal.eventLoops(lagMilliseconds: 6, thresholdMilliseconds: 2, busyCPUs: 0.98, usableCPUs: 2).triggers)
        #expect(OverloadSignal.eventLoops(lagMilliseconds: 6, thresholdMilliseconds: 2, busyCPUs: 0.45, usableCPUs: 0.5).triggers)
        #expect(!OverloadSignal.eventLoops(lagMilliseconds: 6, thresholdMilliseconds: 2, busyCPUs: 0.3, usableCPUs: 0.5).triggers)
        let busy = OverloadSignal.eventLoops(lagMilliseconds: 6, thresholdMilliseconds: 2, busyCPUs: 1, usableCPUs: 1)
        #expect(c.sample([busy], admittedRate: 30_000, answeredRate: 30_000, now: .seconds(2), wallMilliseconds: 1) == [.entered(reduction: 50, causes: ["event loops"])])
    }

    @Test("With rates: the answers per second while saturated are the capacity; once drained, the admitted share is steered to 90% of it")
    func capacity() {
        var c = OverloadController(configuration: .init(targetUtilisation: 0.9, probeStep: 0.01))
        let lag = { (ms: Double) in [OverloadSignal("event loops", value: ms, threshold: 2)] }
        // 88,000/s offered to a node that answers 40,000/s: saturated.
        let e1 = c.sample(lag(6), admittedRate: 40_000, answeredRate: 40_000, now: .seconds(1), wallMilliseconds: 1)
        #expect(e1 == [.entered(reduction: 50, causes: ["event loops"])] && c.capacity == 40_000)
        _ = c.sample(lag(4), admittedRate: 40_000, answeredRate: 40_000, now: .seconds(2), wallMilliseconds: 1)
        #expect(c.status.throttlePercentage == 50, "draining: held")
        // Drained: half of 88,000 passes, 44,000 > 36,000 wanted: the share goes to 0.5 × 36/44.
        _ = c.sample(lag(0.6), admittedRate: 44_000, answeredRate: 44_000, now: .seconds(3), wallMilliseconds: 1)
        #expect(c.status.throttlePercentage == 59)
        // Steady: 36,000/s pass, about the target; with the lag at 0.3 of its threshold the capacity is
        // probed upwards by one step (1%) per sample.
        _ = c.sample(lag(0.6), admittedRate: 88_000 * c.admitted, answeredRate: 36_000, now: .seconds(4), wallMilliseconds: 1)
        #expect((58...59).contains(c.status.throttlePercentage))
        // Demand falls under the capacity: the condition ends, raised by at most 15% per sample.
        var t = 5
        var last = c.admitted
        while c.status.throttlePercentage > 0 && t < 100 {
            _ = c.sample(lag(0.1), admittedRate: 20_000 * c.admitted, answeredRate: 20_000 * c.admitted, now: .seconds(t), wallMilliseconds: 1)
            #expect(c.admitted <= last * 1.15 + 1e-9)
            last = c.admitted
            t += 1
        }
        #expect(c.status.report?.validityDuration == 0 && c.capacity == nil)
    }

    @Test("Refusals are charged to the capacity: a node throttling peers without DOIC learns the same capacity whatever it refuses, and admits what the target leaves after its refusals")
    func refusalsCharged() {
        // A node that serves 30,000 requests/s, or refuses 120,000/s (a refusal costs a quarter), offered
        // 60,000/s by peers without DOIC. Simulated: saturated whenever the work asked exceeds the capacity.
        let capacity = 30_000.0, offered = 60_000.0, k = 0.25
        let lag = { (ms: Double) in [OverloadSignal("event loops", value: ms, threshold: 2)] }
        /// 60 samples of the simulated node under `c`; the admitted share after each.
        func run(_ c: inout OverloadController, check: (Int, OverloadController) -> Void = { _, _ in }) -> [Double] {
            var shares: [Double] = []
            for t in 1...60 {
                let share = c.admitted
                let admitted = share * offered, refused = (1 - share) * offered
                let work = admitted + k * refused
                // Over capacity, the node answers what is left after its refusals; the queue grows.
                let answered = work > capacity ? max(0, capacity - k * refused) : admitted
                _ = c.sample(
                    lag(work > capacity ? 4 * work / capacity : 0.2), admittedRate: admitted, answeredRate: answered, refusedRate: refused,
                    now: .seconds(t), wallMilliseconds: 1)
                check(t, c)
                shares.append(c.admitted)
            }
            return shares
        }
        var c = OverloadController(configuration: .init(targetUtilisation: 0.95, refusalCost: k))
        let shares = run(&c) { t, c in
            if let learnt = c.capacity { #expect(learnt > 0.8 * capacity, "sample \(t): capacity \(learnt) shrank with the refusals") }
        }
        // At the target: a × 60,000 + 0.25 × (1 − a) × 60,000 = 0.95 × 30,000 → a = 0.3, 18,000/s admitted
        // (60% of the capacity; the rest goes to refusing). The share probes up to it and is cut when the
        // probe saturates the node (this simulation's lag jumps at once, so the cut is a halving).
        let last = shares.suffix(30)
        #expect((0.28...0.36).contains(last.max() ?? 0) && last.reduce(0, +) / 30 > 0.22, "\(shares) capacity \(c.capacity ?? 0)")
        // Without the charge (cost 0) the same node learns what it answers besides its refusals as its
        // capacity: a fifth short of the node, and of what the charged controller learnt.
        var naive = OverloadController(configuration: .init(targetUtilisation: 0.95, refusalCost: 0))
        _ = run(&naive)
        #expect((naive.capacity ?? 0) < 0.85 * capacity && (naive.capacity ?? 0) < 0.75 * (c.capacity ?? 0), "what this charge prevents: \(naive.capacity ?? 0)")
    }

    @Test("Requests shed as stale cost what refusals cost while saturated, and steering counts them with the traffic the admitted share let through, not as traffic no reacting node abated")
    func shedAccounting() {
        // Saturated: 36,000 answered and 8,000 shed per second are 38,000 of work (a refusal costs a quarter).
        var learning = OverloadController()
        _ = learning.sample(Self.lag(6), admittedRate: 36_000, answeredRate: 36_000, shedRate: 8_000, now: .seconds(1), wallMilliseconds: 1)
        #expect(learning.capacity == 38_000)
        // Steered: one unsaturated sample in which 4,000/s of the share's 40,000/s were shed.
        var shed = Self.steered(), asThrottled = Self.steered(), none = Self.steered()
        let share = shed.admitted, offered = 88_000.0
        _ = shed.sample(Self.lag(1.2), admittedRate: share * offered - 4_000, answeredRate: share * offered - 4_000, shedRate: 4_000, now: .seconds(13), wallMilliseconds: 1)
        _ = none.sample(Self.lag(1.2), admittedRate: share * offered, answeredRate: share * offered, now: .seconds(13), wallMilliseconds: 1)
        // Counted as throttled (as first written), the same refusals were left out of the traffic the share
        // let through and read as traffic no reacting node abated: the share was set for other traffic than came.
        _ = asThrottled.sample(Self.lag(1.2), admittedRate: share * offered - 4_000, answeredRate: share * offered - 4_000, refusedRate: 4_000, now: .seconds(13), wallMilliseconds: 1)
        #expect(abs(shed.admitted - none.admitted) < 1e-9, "the traffic that reached the gate is the same: \(shed.admitted) against \(none.admitted)")
        #expect(abs(asThrottled.admitted - shed.admitted) > 0.01, "\(asThrottled.admitted) against \(shed.admitted)")
    }

    /// A node that answers 40,000/s offered 88,000/s: saturated once, then steered to the target share of
    /// what it learnt.
    static func steered() -> OverloadController {
        var c = OverloadController()
        _ = c.sample(lag(6), admittedRate: 40_000, answeredRate: 40_000, now: .seconds(1), wallMilliseconds: 1)
        for t in 2...12 {
            let admitted = 88_000 * c.admitted
            _ = c.sample(lag(1.2), admittedRate: admitted, answeredRate: admitted, now: .seconds(t), wallMilliseconds: 1)
        }
        return c
    }

    static func lag(_ ms: Double) -> [OverloadSignal] { [OverloadSignal("event loops", value: ms, threshold: 2)] }

    @Test("Steered below the learnt capacity, a saturated sample is a burst: one cut by a quarter at most, whatever its occupancy; a saturation that persists gets the cut by occupancy; both teach the capacity what was answered")
    func burst() {
        let steady = Self.steered()
        let share = steady.admitted
        let target = steady.configuration.targetUtilisation
        #expect(abs(88_000 * share - target * 40_000) < 400, "steered to the target share of the capacity: \(88_000 * share)/s")
        // A burst at 1.5 times the threshold: the occupancy would admit 1/1.5 of the share, the burst cut 3/4.
        // It answered 34,000/s: the capacity moves a quarter of the way down.
        var c = steady
        _ = c.sample(Self.lag(3), admittedRate: 88_000 * share, answeredRate: 34_000, now: .seconds(20), wallMilliseconds: 1)
        #expect(abs(c.admitted - 0.75 * share) < 1e-9, "\(c.admitted / share)")
        #expect(c.capacity == 38_500)
        // Still saturated, not falling by a tenth: the cut by occupancy.
        let burstShare = c.admitted
        _ = c.sample(Self.lag(3), admittedRate: 88_000 * burstShare, answeredRate: 38_500, now: .seconds(21), wallMilliseconds: 1)
        #expect(abs(c.admitted - burstShare / 1.5) < 1e-9)
        // A stall (five times the threshold) after steering: the same quarter, not half.
        var d = steady
        _ = d.sample(Self.lag(10), admittedRate: 88_000 * share, answeredRate: 40_000, now: .seconds(20), wallMilliseconds: 1)
        #expect(abs(d.admitted - 0.75 * share) < 1e-9)
        // Entering the condition (nothing learnt yet) the cut follows the occupancy, down to half.
        var e = OverloadController()
        _ = e.sample(Self.lag(10), admittedRate: 40_000, answeredRate: 40_000, now: .seconds(1), wallMilliseconds: 1)
        #expect(e.admitted == 0.5)
    }

    @Test("Cuts come at most once per cutSpacing: samples ended early by a stall, while the backlog sent before the last cut drains, hold the share; a saturation that outlasts the spacing is cut again")
    func cutSpacing() {
        var c = OverloadController(configuration: .init(cutSpacing: .milliseconds(250)))
        // The start of a 2× load: urgent samples 40 ms apart, the lag still rising (no rates: short samples).
        let e1 = c.sample(Self.lag(8), now: .milliseconds(1_000), wallMilliseconds: 1)
        #expect(e1 == [.entered(reduction: 50, causes: ["event loops"])])
        for (t, lag) in [(1_040, 9.0), (1_080, 14.0), (1_120, 14.0), (1_240, 12.0)] {
            _ = c.sample(Self.lag(lag), now: .milliseconds(t), wallMilliseconds: 1)
            #expect(c.admitted == 0.5, "\(t) ms: within 250 ms of the cut, held")
        }
        // 250 ms after the cut, still saturated and not draining: halved again.
        _ = c.sample(Self.lag(12), now: .milliseconds(1_250), wallMilliseconds: 1)
        #expect(c.admitted == 0.25)
        // Without spacing (zero) the same rows cut at every sample, to the floor.
        var d = OverloadController(configuration: .init(cutSpacing: .zero))
        for (t, lag) in [(1_000, 8.0), (1_040, 9.0), (1_080, 14.0), (1_120, 14.0)] {
            _ = d.sample(Self.lag(lag), now: .milliseconds(t), wallMilliseconds: 1)
        }
        #expect(d.status.throttlePercentage == 94)
    }

    @Test("While saturated, a higher answered rate is the capacity at once; a lower one moves it by a quarter of the gap")
    func capacityLearning() {
        var c = OverloadController()
        // The first saturated sample straddles the start of the overload: 30,000/s, then 40,000/s.
        _ = c.sample(Self.lag(20), admittedRate: 30_000, answeredRate: 30_000, now: .seconds(1), wallMilliseconds: 1)
        _ = c.sample(Self.lag(20), admittedRate: 40_000, answeredRate: 40_000, now: .seconds(2), wallMilliseconds: 1)
        #expect(c.capacity == 40_000)
        // One slow saturated sample: 32,000/s.
        _ = c.sample(Self.lag(20), admittedRate: 32_000, answeredRate: 32_000, now: .seconds(3), wallMilliseconds: 1)
        #expect(c.capacity == 38_000)
    }

    @Test("Steered, the capacity is probed upwards by five steps per sample with the worst signal under a quarter of its threshold, one under half, none above; not while the share climbs back to its goal")
    func probeWithHeadroom() {
        for (lag, growth) in [(0.3, 1.01), (0.8, 1.002), (1.2, 1.0)] {
            var c = Self.steered()
            let before = c.capacity ?? 0
            _ = c.sample(Self.lag(lag), admittedRate: 88_000 * c.admitted, answeredRate: 34_000, now: .seconds(20), wallMilliseconds: 1)
            #expect(abs((c.capacity ?? 0) - before * growth) < 1e-6, "lag \(lag) ms: \(before) → \(c.capacity ?? 0)")
        }
        // After a stall cut the share, it climbs back at 15% per sample: the low lag on the way says only
        // that less is admitted, not that the node got faster.
        var c = Self.steered()
        _ = c.sample(Self.lag(10), admittedRate: 88_000 * c.admitted, answeredRate: 40_000, now: .seconds(20), wallMilliseconds: 1)
        let learnt = c.capacity
        for t in 21...22 {
            let before = c.admitted
            _ = c.sample(Self.lag(0.1), admittedRate: 88_000 * c.admitted, answeredRate: 88_000 * c.admitted, now: .seconds(t), wallMilliseconds: 1)
            #expect(abs(c.admitted - 1.15 * before) < 1e-9 && c.capacity == learnt, "sample \(t)")
        }
    }

    @Test("A lag sample: complete after its probes, or at once after one over the urgent level; the mean of the probes taken")
    func lagSample() {
        var s = LagSample(probes: 10, urgent: .milliseconds(8))
        let ten = (1...10).map { _ in s.add(.milliseconds(1)) }
        #expect(ten == Array(repeating: false, count: 9) + [true] && s.mean == .milliseconds(1))
        var u = LagSample(probes: 10, urgent: .milliseconds(8))
        let three = [1, 8, 9].map { u.add(.milliseconds($0)) }
        #expect(three == [false, false, true] && u.count == 3 && u.mean == .milliseconds(6))
    }

    @Test("A loop pass: what a pass reads right after one longer than shedAfter is stale; after a short pass, or after the loop went idle, it is not; the end is marked once per pass")
    func loopPass() {
        var p = LoopPass(shedAfter: .milliseconds(8))
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        func at(_ ms: Double) -> NIODeadline { t0 + .nanoseconds(Int64(ms * 1_000_000)) }
        // A first pass: two connections read; the end is marked once, by the first.
        #expect(p.read(at: at(0)) == (stale: false, markEnd: true))
        #expect(p.read(at: at(0.5)) == (stale: false, markEnd: false))
        p.ended(at: at(3))
        #expect(p.lastLength == .milliseconds(3))
        // A 3 ms pass: the next one reads fresh requests.
        #expect(p.read(at: at(3.01)) == (stale: false, markEnd: true))
        p.ended(at: at(15))  // 12 ms: a backlog
        // Right after it (the loop found data waiting at once): stale, for every read burst of the pass.
        #expect(p.read(at: at(15.02)) == (stale: true, markEnd: true))
        #expect(p.read(at: at(16)) == (stale: true, markEnd: false))
        p.ended(at: at(17))  // the shed pass was short
        #expect(p.read(at: at(17.01)).stale == false, "the pass after a short one reads fresh requests")
        p.ended(at: at(29))  // 12 ms again
        // The loop went idle after it: what it reads now came meanwhile.
        #expect(p.read(at: at(29) + LoopPass.idleGap) == (stale: false, markEnd: true))
        // An end without a pass in progress changes nothing.
        p.ended(at: at(30))
        let before = p
        p.ended(at: at(40))
        #expect(p == before)
    }

    @Test("A capacity learnt too low (in a stall) is raised towards what the CPU shows, by at most 10% per sample; never lowered while unsaturated")
    func capacityFromCPU() {
        var c = OverloadController()
        let lag = { (ms: Double) in [OverloadSignal("event loops", value: ms, threshold: 2)] }
        // A stall while connections start: 12,000/s answered while saturated is learnt as the capacity.
        _ = c.sample(lag(6), admittedRate: 12_000, answeredRate: 12_000, now: .seconds(1), wallMilliseconds: 1)
        #expect(c.capacity == 12_000)
        // 30,000/s offered to a node whose CPU allows 17,500/s: what passes shows its CPU share, and the
        // loop's lag grows with it (2 ms × utilisation⁴: a quarter of the threshold at 71%, half at 84%).
        var last = c.capacity ?? 0
        for t in 2...20 {
            let admitted = c.admitted * 30_000
            let saturated = admitted > 17_500
            let u = admitted / 17_500
            _ = c.sample(
                lag(saturated ? 3 : 2 * u * u * u * u), admittedRate: admitted, answeredRate: min(admitted, 17_500), cpuUtilisation: min(1, admitted / 17_500),
                now: .seconds(t), wallMilliseconds: 1)
            let learnt = c.capacity ?? 0
            if !saturated { #expect(learnt >= last && learnt <= last * 1.1 + 1, "sample \(t): \(last) → \(learnt)") }
            last = learnt
        }
        #expect((15_000...19_000).contains(last), "\(last)")
        #expect(c.status.throttlePercentage > 0, "still throttling 30,000/s")
    }

    @Test("The AVP-header scan that refuses before decoding: a plain MAR qualifies (its Session-Id found, the peer's identity in any case), and one with OC-Supported-Features (marked DOIC); a spoofed or look-alike Origin-Host, another realm or Proxy-Info do not; 5,000 mutated frames never trap")
    func scanBeforeDecoding() throws {
        let local = DiameterServerTests.local()
        let peer = SampleMessages.scscfHost
        func scan(_ b: ByteBuffer, relay: Bool = false) -> (sessionID: String, destinationIsLocal: Bool, doic: Bool)? {
            PlainRequestScan.scan(b, identities: .init(peer: peer, local: local), relay: relay).map { found in
                (String(decoding: Array(b.readableBytesView)[found.sessionID], as: UTF8.self), found.destinationIsLocal, found.doic)
            }
        }
        // The sample came through a DRA (Proxy-Info); a request straight from the S-CSCF has none.
        var base = SampleMessages.mar
        base.envelope.proxyInfo = []
        var mar = base
        let plain = try #require(scan(mar.encode(hopByHopID: 1, endToEndID: 1)))
        #expect(plain.sessionID == mar.envelope.sessionID && plain.destinationIsLocal == (mar.envelope.destinationHost != nil) && !plain.doic)
        mar.envelope.destinationHost = SampleMessages.hssHost.uppercased()
        #expect(scan(mar.encode(hopByHopID: 1, endToEndID: 1))?.destinationIsLocal == true, "DiameterIdentity compares case-insensitively")
        // The peer's identity compares as octets, lowercased once: its Origin-Host written in upper case, or
        // the CER's in mixed case, still qualifies; one as long but not the same does not.
        var shouting = base
        shouting.envelope.originHost = peer.uppercased()
        #expect(scan(shouting.encode(hopByHopID: 1, endToEndID: 1)) != nil)
        #expect(PlainRequestScan.scan(base.encode(hopByHopID: 1, endToEndID: 1), identities: .init(peer: peer.uppercased(), local: local), relay: false) != nil)
        var lookalike = base
        lookalike.envelope.originHost = String(peer.dropLast()) + (peer.last == "x" ? "y" : "x")
        #expect(scan(lookalike.encode(hopByHopID: 1, endToEndID: 1)) == nil)
        for (octets, identity, same) in [("abc", "abc", true), ("ABC", "abc", true), ("abd", "abc", false), ("ab", "abc", false), ("", "", true), ("[", "{", false)] {
            let found = Array(octets.utf8).withUnsafeBytes { PlainRequestScan.isIdentity($0, Array(identity.utf8)) }
            #expect(found == same, "\(octets) against \(identity)")
        }
        var spoof = base
        spoof.envelope.originHost = "other.example"
        #expect(scan(spoof.encode(hopByHopID: 1, endToEndID: 1)) == nil)
        #expect(scan(spoof.encode(hopByHopID: 1, endToEndID: 1), relay: true) != nil, "a relay forwards others' requests")
        var foreign = base
        foreign.envelope.destinationRealm = "elsewhere.example"
        #expect(scan(foreign.encode(hopByHopID: 1, endToEndID: 1)) == nil)
        var proxied = base
        proxied.envelope.proxyInfo = [ProxyInfo(proxyHost: "dra.example", proxyState: [1])]
        #expect(scan(proxied.encode(hopByHopID: 1, endToEndID: 1)) == nil)
        var doic = base
        doic.envelope.ocSupportedFeatures = OCSupportedFeatures(ocFeatureVector: 1)
        #expect(scan(doic.encode(hopByHopID: 1, endToEndID: 1))?.doic == true)
        // A Session-Id in UTF-8 beyond ASCII qualifies; one that is not UTF-8 goes to the decoder (5004).
        var utf8 = base
        utf8.envelope.sessionID = "scscf.example;ünïcødé;1"
        #expect(scan(utf8.encode(hopByHopID: 1, endToEndID: 1))?.sessionID == "scscf.example;ünïcødé;1")
        var broken = Array(utf8.encode(hopByHopID: 1, endToEndID: 1).readableBytesView)
        let at = try #require(broken.firstIndex(of: 0xC3))
        broken[at] = 0xFF
        #expect(scan(ByteBuffer(bytes: broken)) == nil)
        // Mutations: flipped bytes, AVP lengths anywhere, truncations; the scan answers or declines, never traps.
        let bytes = Array(base.encode(hopByHopID: 1, endToEndID: 1).readableBytesView)
        var rng = SplitMix64(seed: 7)
        for i in 0..<5_000 {
            var m = bytes
            for _ in 0..<(1 + i % 4) { m[20 + Int(rng.next() % UInt64(m.count - 20))] = UInt8(truncatingIfNeeded: rng.next()) }
            if i % 5 == 0 { m.removeLast(Int(rng.next() % 16)) }
            _ = scan(ByteBuffer(bytes: m))
        }
    }

    @Test("The worst signal decides; a queue far over its threshold at most halves the admitted share per sample; never more than maxReduction")
    func worstAndBounds() {
        var c = OverloadController(configuration: .init(maxReduction: 90))
        let signals = [OverloadSignal("cpu", value: 0.2, threshold: 0.9), OverloadSignal("writer queue", value: 50_000, threshold: 1000)]
        let r6 = c.sample(signals, now: .seconds(1), wallMilliseconds: 1)
        #expect(r6 == [.entered(reduction: 50, causes: ["writer queue"])])
        for i in 2...10 { _ = c.sample(signals, now: .seconds(i), wallMilliseconds: 1) }
        #expect(c.status.throttlePercentage == 90)
    }

    @Test("Answer AVPs: OC-Supported-Features selecting loss, OC-OLR (host report) when there is one, Load as host and peer with SourceID; no M-bit")
    func answerAVPs() throws {
        let status = OverloadStatus(report: OverloadReport(sequenceNumber: 77, reductionPercentage: 40, validityDuration: 30), throttlePercentage: 40, load: 1234)
        let bytes = OverloadGate.encode(status, originHost: "hss.example.net")
        // In a message, to decode them with the dictionary.
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [], commandCode: 303, applicationID: ApplicationID.cx, hopByHopID: 1, endToEndID: 1))
        w.append(.sessionID, "s")
        var message = w.finish()
        EncodedAVPs.append(bytes, to: &message)
        let m = try DiameterDecoder().decode(message)
        #expect(m.header.messageLength == UInt32(message.readableBytes))
        let features = try #require(m.first(.ocSupportedFeatures))
        #expect(features.first(.ocFeatureVector)?.unsigned64 == 1)
        let olr = try #require(m.first(.ocOLR))
        #expect(olr.first(.ocSequenceNumber)?.unsigned64 == 77)
        #expect(olr.first(.ocReportType)?.unsigned32 == 0)
        #expect(olr.first(.ocReductionPercentage)?.unsigned32 == 40)
        #expect(olr.first(.ocValidityDuration)?.unsigned32 == 30)
        let loads = m.all(.load)
        #expect(loads.map { $0.first(.loadType)?.unsigned32 } == [0, 1])
        #expect(loads.allSatisfy { $0.first(.loadValue)?.unsigned64 == 1234 && $0.first(.sourceID)?.string == "hss.example.net" })
        #expect(m.avps.allSatisfy { !$0.flags.contains(.mandatory) || $0.code == 263 })
        // No report: OC-Supported-Features and Load only.
        let quiet = try DiameterDecoder().decode(
            { var q = DiameterMessageWriter(header: m.header); q.append(.sessionID, "s"); var b = q.finish(); EncodedAVPs.append(OverloadGate.encode(.normal, originHost: "h"), to: &b); return b }())
        #expect(quiet.first(.ocOLR) == nil && quiet.first(.ocSupportedFeatures) != nil && quiet.all(.load).count == 2)
    }

    @Test("Publishing moves the generation only when the state changes")
    func gate() {
        let g = OverloadGate(originHost: "hss")
        let before = g.generation.load(ordering: .relaxed)
        g.publish(.normal)
        #expect(g.generation.load(ordering: .relaxed) == before)
        g.publish(OverloadStatus(throttlePercentage: 10))
        #expect(g.generation.load(ordering: .relaxed) == before + 1)
        #expect(g.snapshot().status.throttlePercentage == 10)
    }

    @Test("Token bucket: a second's worth at once, then the rate")
    func rateLimiter() {
        var b = RequestRateLimiter(rate: 10, now: 0)
        func admits(_ n: Int, at t: Int64) -> Bool {
            var all = true
            for _ in 0..<n { all = b.admit(now: t) && all }
            return all
        }
        #expect(admits(10, at: 0))
        let r7 = b.admit(now: 1_000_000)
        #expect(!r7)
        let r8 = b.admit(now: 101_000_000)
        #expect(r8)
        let r9 = b.admit(now: 102_000_000)
        #expect(!r9)
        // Idle for a minute: still only a second's worth.
        #expect(admits(10, at: 61_000_000_000))
        let r10 = b.admit(now: 61_000_000_000)
        #expect(!r10)
    }
}
