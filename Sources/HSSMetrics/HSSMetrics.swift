import Atomics
public import DiameterCore
public import DiameterPeer
public import Prometheus

/// Prometheus metrics of the HSS (docs/api.md, `/metrics`). Every series is created up front (commands ×
/// the result codes Cx uses, "other" for the rest), so recording on the request path is relaxed atomic
/// adds: no lock, no lookup in a shared mutable table. The request latency histograms are this file's
/// own (``LatencyHistogram``: swift-prometheus's histogram takes a lock per observation), read when
/// `/metrics` is scraped and written in the same exposition format.
public final class HSSMetrics: PeerMetrics, Sendable {
    public let registry: PrometheusCollectorRegistry
    struct Series: Sendable {
        let answers: [UInt32: Counter]
        let other: Counter
        let latency: LatencyHistogram
        let requests: Counter
    }
    let commands: [UInt32: Series]
    let unknownCommand: Counter
    let protocolErrors: [UInt32: Counter]
    let otherProtocolError: Counter
    let openPeers: Gauge
    let commitBatch: ValueHistogram
    let commitDuration: DurationHistogram

    static let names: [UInt32: String] = [
        257: "CER", 280: "DWR", 282: "DPR", 300: "UAR", 301: "SAR", 302: "LIR", 303: "MAR", 304: "RTR", 305: "PPR",
    ]
    /// Result-Code / Experimental-Result-Code values Cx answers carry.
    static let results: [UInt32] = [2001, 2002, 2003, 2004, 3001, 3002, 3004, 3007, 3010, 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009, 5011, 5012]
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// A descriptor; empty components are dropped when Prometheus joins the name.
    static func d(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: nil, subsystem: nil, metricName: name, unitName: "", helpText: help)
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var commands: [UInt32: Series] = [:]
        for (code, name) in Self.names {
            var answers: [UInt32: Counter] = [:]
            for r in Self.results {
                answers[r] = registry.makeCounter(descriptor: Self.d("hss_diameter_answers_total", "Diameter answers sent, by command and Result-Code or Experimental-Result-Code"), labels: [("command", name), ("result", String(r))])
            }
            commands[code] = Series(
                answers: answers,
                other: registry.makeCounter(descriptor: Self.d("hss_diameter_answers_total", "Diameter answers sent, by command and Result-Code or Experimental-Result-Code"), labels: [("command", name), ("result", "other")]),
                latency: LatencyHistogram(labels: #"command=""# + name + #"""#, buckets: Self.latencyBuckets),
                requests: registry.makeCounter(descriptor: Self.d("hss_diameter_requests_total", "Diameter requests received"), labels: [("command", name)]))
        }
        self.commands = commands
        unknownCommand = registry.makeCounter(descriptor: Self.d("hss_diameter_requests_total", "Diameter requests received"), labels: [("command", "other")])
        var errors: [UInt32: Counter] = [:]
        for r in Self.results where r / 1000 == 3 || r == 5001 || r == 5005 || r == 5008 || r == 5009 {
            errors[r] = registry.makeCounter(descriptor: Self.d("hss_diameter_protocol_errors_total", "Requests refused by the peer layer"), labels: [("result", String(r))])
        }
        protocolErrors = errors
        otherProtocolError = registry.makeCounter(descriptor: Self.d("hss_diameter_protocol_errors_total", "Requests refused by the peer layer"), labels: [("result", "other")])
        openPeers = registry.makeGauge(descriptor: Self.d("hss_diameter_open_peers", "Diameter peers in the Open state"))
        commitBatch = registry.makeValueHistogram(descriptor: Self.d("hss_lmdb_commit_batch_size", "Writes per LMDB transaction (group commit)"), buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
        commitDuration = registry.makeDurationHistogram(descriptor: Self.d("hss_lmdb_commit_duration_seconds", "LMDB transaction time including fsync"), buckets: Self.latencyBuckets)
    }

    // MARK: PeerMetrics

    public func requestReceived(command: UInt32, application: UInt32) {
        (commands[command]?.requests ?? unknownCommand).increment()
    }

    public func answerSent(command: UInt32, resultCode: UInt32?, latency: Duration) {
        guard let s = commands[command] else { return }
        s.latency.record(nanoseconds: latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
        (resultCode.flatMap { s.answers[$0] } ?? s.other).increment()
    }

    public func peerStateChanged(peer: String, from: PeerStateMachine.State, to: PeerStateMachine.State) {
        if to.isOpen && !from.isOpen { openPeers.increment() }
        if from.isOpen && !to.isOpen { openPeers.decrement() }
    }

    public func protocolError(_ code: ResultCode) {
        (protocolErrors[code.value] ?? otherProtocolError).increment()
    }

    public func requestsRefused(command: UInt32, application: UInt32, code: ResultCode, count: Int) {
        (commands[command]?.requests ?? unknownCommand).increment(by: Int64(count))
        (protocolErrors[code.value] ?? otherProtocolError).increment(by: Int64(count))
    }

    /// The LMDB writer's batches (`LMDBSubscriberStore.onCommit`).
    public func committed(batch: Int, duration: Duration) {
        commitBatch.record(Double(batch))
        commitDuration.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Shard gauges, set at scrape time: requests waiting behind a pending commit, and cached subscriptions.
    public func setShardDepths(_ depths: [(waiting: Int, held: Int, cached: Int)]) {
        for (i, d) in depths.enumerated() {
            registry.makeGauge(descriptor: Self.d("hss_shard_waiting_requests", "Requests waiting for a subscription whose commit is pending"), labels: [("shard", String(i))]).set(to: Double(d.waiting))
            registry.makeGauge(descriptor: Self.d("hss_shard_cached_subscriptions", "Subscriptions held in the shard's cache"), labels: [("shard", String(i))]).set(to: Double(d.cached))
        }
    }

    /// Cluster gauges (docs/replication.md): this node's log position and epoch, its lag behind the
    /// leader (follower), and each follower's lag behind it (leader).
    /// The overload controller's state (RFC 7683 reduction asked for, RFC 8583 load) and its signals'
    /// occupancy (1 at the threshold).
    public func setOverload(reduction: UInt32, load: UInt16, occupancy: [String: Double], requestsShed: Int = 0) {
        registry.makeGauge(descriptor: Self.d("hss_overload_reduction_percent", "The traffic reduction this node asks for (DOIC OC-Reduction-Percentage)")).set(to: Double(reduction))
        registry.makeGauge(
            descriptor: Self.d("hss_overload_requests_shed", "Requests refused as stale since the start (3004: read right after a long event-loop pass in an overload condition)")
        ).set(to: Double(requestsShed))
        registry.makeGauge(descriptor: Self.d("hss_load", "This node's load as reported (RFC 8583 Load-Value, 0-65535)")).set(to: Double(load))
        for (signal, value) in occupancy {
            registry.makeGauge(descriptor: Self.d("hss_overload_signal_occupancy", "A load signal against its overload threshold (1 at the threshold)"), labels: [("signal", signal)])
                .set(to: value)
        }
    }

    public func setReplication(role: String, epoch: UInt64, last: UInt64, lag: UInt64, followers: [String: UInt64]) {
        for r in ["leader", "follower", "candidate", "fenced"] {
            registry.makeGauge(descriptor: Self.d("hss_cluster_role", "1 for this node's current role"), labels: [("role", r)]).set(to: r == role ? 1 : 0)
        }
        registry.makeGauge(descriptor: Self.d("hss_cluster_epoch", "The epoch this node is in")).set(to: Double(epoch))
        registry.makeGauge(descriptor: Self.d("hss_replication_last_sequence", "The last change-log sequence in this node's store")).set(to: Double(last))
        registry.makeGauge(descriptor: Self.d("hss_replication_lag_records", "Records this follower is behind the leader")).set(to: Double(lag))
        for (node, durable) in followers {
            registry.makeGauge(descriptor: Self.d("hss_replication_follower_lag_records", "Records a follower is behind this leader (durable)"), labels: [("node", node)])
                .set(to: Double(last > durable ? last - durable : 0))
        }
    }

    /// The text exposition format for `/metrics`.
    public func exposition() -> String {
        var text = registry.emitToString()
        let name = "hss_diameter_request_duration_seconds"
        text += "# HELP \(name) Time from a request's arrival to its answer\n# TYPE \(name) histogram\n"
        for (_, series) in commands.sorted(by: { $0.key < $1.key }) { series.latency.emit(name: name, into: &text) }
        return text
    }
}

/// A latency histogram recorded without a lock: one relaxed atomic add for the bucket a value falls in
/// and one for the sum; made cumulative, in swift-prometheus's text form, when `/metrics` is scraped. A
/// scrape running beside recordings may see a count and a sum one observation apart (as any lock-free
/// exposition may); each figure itself only grows.
final class LatencyHistogram: Sendable {
    /// Upper bounds, nanoseconds.
    let bounds: [Int64]
    /// The bounds as swift-prometheus prints them (`le` labels).
    let boundLabels: [String]
    /// Observations per bucket (not cumulative); the last is above every bound.
    let counts: [ManagedAtomic<Int>]
    let sumNanoseconds = ManagedAtomic<Int64>(0)
    /// `name="value"` pairs, rendered once.
    let labels: String

    init(labels: String, buckets: [Duration]) {
        self.labels = labels
        bounds = buckets.map { $0.components.seconds * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 }
        boundLabels = buckets.map(\.bucketRepresentation)
        counts = (0...buckets.count).map { _ in ManagedAtomic(0) }
    }

    func record(nanoseconds: Int64) {
        var i = 0
        while i < bounds.count && nanoseconds > bounds[i] { i += 1 }
        counts[i].wrappingIncrement(ordering: .relaxed)
        sumNanoseconds.wrappingIncrement(by: nanoseconds, ordering: .relaxed)
    }

    /// The series of this histogram: cumulative buckets, +Inf, sum (seconds) and count.
    func emit(name: String, into text: inout String) {
        var cumulative = 0
        for (i, le) in boundLabels.enumerated() {
            cumulative += counts[i].load(ordering: .relaxed)
            text += "\(name)_bucket{\(labels),le=\"\(le)\"} \(cumulative)\n"
        }
        cumulative += counts[bounds.count].load(ordering: .relaxed)
        text += "\(name)_bucket{\(labels),le=\"+Inf\"} \(cumulative)\n"
        text += "\(name)_sum{\(labels)} \(Duration.nanoseconds(sumNanoseconds.load(ordering: .relaxed)).bucketRepresentation)\n"
        text += "\(name)_count{\(labels)} \(cumulative)\n"
    }
}
