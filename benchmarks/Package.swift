// swift-tools-version:6.1
// Benchmarks, a package of their own so that the main build and CI do not compile the benchmark
// framework. Run: `swift package --package-path benchmarks benchmark` (see docs/benchmarks.md).
import PackageDescription

import struct Foundation.URL

/// A path dependency is identified by its folder's name, which depends on where the repo was cloned.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "hss-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "CodecWorkloads",
            dependencies: [
                .product(name: "DiameterCore", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "CodecProbe",
            dependencies: ["CodecWorkloads", .product(name: "HSSCore", package: rootPackage)],
            path: "Probes/CodecProbe"),
        .executableTarget(
            name: "MARProbe",
            dependencies: [
                "CodecWorkloads",
                .product(name: "DiameterCore", package: rootPackage),
                .product(name: "DiameterPeer", package: rootPackage),
                .product(name: "HSSCore", package: rootPackage),
                .product(name: "HSSServer", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Probes/MARProbe"),
        .executableTarget(
            name: "StorageProbe",
            dependencies: [
                .product(name: "DiameterCore", package: rootPackage),
                .product(name: "DiameterPeer", package: rootPackage),
                .product(name: "HSSCore", package: rootPackage),
                .product(name: "HSSServer", package: rootPackage),
                .product(name: "HSSStorage", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Probes/StorageProbe"),
        .executableTarget(
            name: "PeerThroughput",
            dependencies: [
                "CodecWorkloads",
                .product(name: "DiameterCore", package: rootPackage),
                .product(name: "DiameterPeer", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Probes/PeerThroughput"),
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "CodecWorkloads",
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
