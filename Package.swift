// swift-tools-version:6.1
// The IMS HSS package. Module layering (see docs/architecture.md):
//   DiameterCore (pure codec + dictionary, NIOCore only)  <- hss (executable)
//   System libraries from Debian: CLibCrypto (libssl-dev), CLMDB (liblmdb-dev), CSCTP (libsctp-dev).
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Release builds leave out the run-time exclusivity checks (about 100 per MAR, 6% of its instructions
    // by callgrind: docs/benchmarks.md, "Request path"); debug builds, which every test runs, keep them.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "swift-ims-hss",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DiameterCore", targets: ["DiameterCore"]),
        .library(name: "DiameterPeer", targets: ["DiameterPeer"]),
        .library(name: "HSSCore", targets: ["HSSCore"]),
        .library(name: "HSSStorage", targets: ["HSSStorage"]),
        .library(name: "HSSServer", targets: ["HSSServer"]),
        .library(name: "HSSCluster", targets: ["HSSCluster"]),
        .executable(name: "hss", targets: ["hss"]),
        .executable(name: "hss-bench", targets: ["HSSBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: System libraries (Debian packages; see README for the apt-get line)
        .systemLibrary(
            name: "CLibCrypto", path: "Sources/CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(
            name: "CSCTP", path: "Sources/CSCTP", pkgConfig: "libsctp",
            providers: [.apt(["libsctp-dev"])]),

        // MARK: Protocol core (no I/O)
        .target(
            name: "DiameterCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings),

        // MARK: Peer layer
        .target(
            name: "DiameterPeer",
            dependencies: [
                "DiameterCore", "CLibCrypto", "CSCTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        // MARK: HSS core: subscriber model, Milenage, pure Cx procedures (no I/O)
        .target(name: "HSSCore", dependencies: ["DiameterCore", "CLibCrypto"], swiftSettings: strictSettings),

        // MARK: Storage: LMDB with a group-commit writer thread and a change log
        .target(
            name: "HSSStorage",
            dependencies: ["HSSCore", "CLMDB", "CLibCrypto", .product(name: "Atomics", package: "swift-atomics")],
            swiftSettings: strictSettings),

        // MARK: HSS server: shard actors, the Cx application behind the peer layer, admin interface
        .target(
            name: "HSSServer",
            dependencies: [
                "HSSCore", "HSSStorage", "DiameterCore", "DiameterPeer",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        // MARK: Cluster: log shipping, forwarded writes, leader election (etcd or by hand)
        .target(
            name: "HSSCluster",
            dependencies: [
                "HSSCore", "HSSStorage", "HSSServer",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        // MARK: Metrics (Prometheus exposition)
        .target(
            name: "HSSMetrics",
            dependencies: [
                "DiameterCore", "DiameterPeer", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: strictSettings),

        // MARK: Provisioning REST API (Hummingbird)
        .target(
            name: "ProvisioningAPI",
            dependencies: [
                "HSSCore", "HSSServer", "HSSMetrics", "DiameterCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The console's sources: embedded by scripts/console.py as ConsoleAssets.swift.
            exclude: ["Console"],
            swiftSettings: strictSettings),

        // MARK: Executable
        .executableTarget(
            name: "hss",
            dependencies: [
                "DiameterCore", "DiameterPeer", "HSSCore", "HSSServer", "HSSStorage", "HSSCluster", "ProvisioningAPI", "HSSMetrics",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),

        // MARK: Load generator (source in benchmarks/hss-bench; built with the package so CI can smoke-run it)
        .executableTarget(
            name: "HSSBench",
            dependencies: [
                "DiameterCore", "HSSCore", "HSSStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "benchmarks/hss-bench",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),

        // MARK: Dictionary generator: dictionaries/*.dia -> Sources/DiameterCore/Generated (run by hand; CI checks)
        .executableTarget(
            name: "hss-dictgen",
            path: "Sources/DictionaryGenerator",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),

        // MARK: Fuzzing (built only with scripts/fuzz.sh, -sanitize=fuzzer)
        .executableTarget(
            name: "DiameterFuzz",
            dependencies: ["DiameterCore", "HSSCore", .product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/DiameterFuzz",
            swiftSettings: strictSettings + [.unsafeFlags(["-parse-as-library"])]),

        // MARK: Tests
        .target(
            name: "DiameterTestKit",
            dependencies: [
                "DiameterCore", "DiameterPeer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/DiameterTestKit",
            swiftSettings: strictSettings),
        .testTarget(
            name: "DiameterCoreTests",
            dependencies: [
                "DiameterCore", "DiameterTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "DiameterPeerTests",
            dependencies: [
                "DiameterCore", "DiameterPeer", "DiameterTestKit", "CSCTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HSSCoreTests",
            dependencies: ["HSSCore", "DiameterCore", "DiameterTestKit", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HSSStorageTests",
            dependencies: ["HSSStorage", "HSSCore"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HSSServerTests",
            dependencies: [
                "HSSServer", "HSSCore", "HSSStorage", "DiameterCore", "DiameterPeer", "DiameterTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HSSClusterTests",
            dependencies: [
                "HSSCluster", "HSSServer", "HSSStorage", "HSSCore", "DiameterCore", "DiameterPeer", "DiameterTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ProvisioningAPITests",
            dependencies: [
                "ProvisioningAPI", "HSSMetrics", "HSSServer", "HSSCore", "DiameterCore", "DiameterPeer", "DiameterTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "SystemLibrariesTests",
            dependencies: ["CLibCrypto", "CLMDB", "CSCTP"],
            swiftSettings: strictSettings),
    ]
)
