// Codec benchmarks (foundation issue): decode + validate of the captured 508-octet MAR and encode of its
// MAA, with ordo-one/benchmark's distributions. Workloads in Sources/CodecWorkloads; figures and
// commands in docs/benchmarks.md.
import Benchmark
import CodecWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds, maxDuration: .seconds(3), maxIterations: 10_000_000)
    let work = CodecWorkloads()

    Benchmark("MAR decode+validate (508 octets)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try work.decodeAndValidate()) }
    }
    Benchmark("MAR decode+validate+typed read") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try work.decodeValidateTyped()) }
    }
    Benchmark("MAA encode, typed (1 AKA vector)") { benchmark in
        for i in benchmark.scaledIterations { blackHole(work.encodeTypedMAA(hopByHop: UInt32(truncatingIfNeeded: i))) }
    }
    Benchmark("MAA encode, writer (1 AKA vector)") { benchmark in
        for i in benchmark.scaledIterations { blackHole(work.encodeMAAWithWriter(hopByHop: UInt32(truncatingIfNeeded: i))) }
    }
}
