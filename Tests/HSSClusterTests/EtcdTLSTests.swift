import DiameterTestKit
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import HSSCluster

/// The etcd client against a real etcd (Debian's etcd-server) serving TLS with client-certificate
/// authentication (docs/replication.md, "etcd"). Skipped, saying so, where etcd is not installed.
@Suite("etcd over TLS", .serialized)
struct EtcdTLSTests {
    static let etcdPath = ["/usr/bin/etcd", "/usr/local/bin/etcd"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A one-member etcd on loopback with TLS and --client-cert-auth, its certificate from `pki`
    /// (`etcd-server`), stopped and removed when `body` returns or throws.
    static func withEtcd<T>(_ pki: TestPKI, _ body: (Int) async throws -> T) async throws -> T {
        // Ready when a client with a good certificate gets an answer (names not checked here: one test
        // serves a certificate that does not name the address).
        var probe = TLSConfiguration.makeClientConfiguration()
        probe.trustRoots = .file(pki.path("ca.pem"))
        probe.certificateChain = try NIOSSLCertificate.fromPEMFile(pki.path("hss-node.pem")).map { .certificate($0) }
        probe.privateKey = .privateKey(try NIOSSLPrivateKey(file: pki.path("hss-node.key"), format: .pem))
        probe.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: probe)
        return try await withEtcd(
            directory: pki.path("etcd-data"), scheme: "https",
            tls: ["--cert-file", pki.path("etcd-server.pem"), "--key-file", pki.path("etcd-server.key"), "--trusted-ca-file", pki.path("ca.pem"), "--client-cert-auth"],
            probe: { EtcdClient(endpoints: ["https://127.0.0.1:\($0)"], timeout: .seconds(1), tls: context) }, body)
    }

    /// A one-member etcd on loopback, plain HTTP, its data in `directory`, stopped when `body` returns or throws.
    static func withPlainEtcd<T>(directory: String, _ body: (Int) async throws -> T) async throws -> T {
        try await withEtcd(directory: directory, scheme: "http", tls: [], probe: { EtcdClient(endpoints: ["http://127.0.0.1:\($0)"], timeout: .seconds(1)) }, body)
    }

    static func withEtcd<T>(directory: String, scheme: String, tls: [String], probe: (Int) -> EtcdClient, _ body: (Int) async throws -> T) async throws -> T {
        let etcd = try #require(etcdPath)
        let client = try FreePorts.consecutive(2), peer = client + 1
        let p = Process()
        p.executableURL = URL(fileURLWithPath: etcd)
        p.arguments = [
            "--name", "test", "--data-dir", directory,
            "--listen-client-urls", "\(scheme)://127.0.0.1:\(client)", "--advertise-client-urls", "\(scheme)://127.0.0.1:\(client)",
            "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
            "--initial-cluster", "test=http://127.0.0.1:\(peer)",
        ] + tls
        let log = FileHandle(forWritingAtPath: "/dev/null")
        p.standardOutput = log
        p.standardError = log
        try p.run()
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        let ready = probe(client)
        let deadline = ContinuousClock.now + .seconds(20)
        var lastError: (any Error)?
        while true {
            do {
                _ = try await ready.get("/ready")
                break
            } catch {
                lastError = error
            }
            guard ContinuousClock.now < deadline, p.isRunning else {
                Issue.record("etcd did not start serving \(scheme) on 127.0.0.1:\(client): \(lastError.map { "\($0)" } ?? "")")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await body(client)
    }

    static func tls(_ pki: TestPKI, ca: String = "ca", cert: String?) throws -> NIOSSLContext {
        try EtcdTLS(trustRootsPath: pki.path("\(ca).pem"), certificateChainPath: cert.map { pki.path("\($0).pem") }, privateKeyPath: cert.map { pki.path("\($0).key") }).context()
    }

    static func pki(serverIP: Bool = true) throws -> TestPKI {
        let pki = try TestPKI()
        try pki.issue("etcd-server", host: "etcd.cluster.test", ipAddresses: serverIP ? ["127.0.0.1"] : [])
        try pki.issue("hss-node", host: "n1.cluster.test")
        try pki.issue("stranger", host: "n1.cluster.test", ca: "foreign-ca")
        return pki
    }

    @Test(
        "With the cluster CA and a client certificate: lease, compare-and-create, get, keepalive, revoke and watch work over TLS",
        .enabled(if: etcdPath != nil, "etcd is not installed (apt-get install etcd-server)"))
    func election() async throws {
        let pki = try Self.pki()
        defer { pki.remove() }
        try await Self.withEtcd(pki) { port in
            let etcd = EtcdClient(endpoints: ["https://127.0.0.1:\(port)"], tls: try Self.tls(pki, cert: "hss-node"))
            let lease = try await etcd.grantLease(ttl: 5)
            #expect(try await etcd.createIfAbsent("/hss/t/leader", "n1", lease: lease, counter: "/hss/t/epoch", counterRevision: 0, counterValue: "1"))
            #expect(try await !etcd.createIfAbsent("/hss/t/leader", "n2", lease: lease, counter: "/hss/t/epoch", counterRevision: 0, counterValue: "1"))
            #expect(try await etcd.get("/hss/t/leader")?.value == "n1")
            #expect(try await etcd.keepAlive(lease) > 0)
            try await etcd.revoke(lease)
            #expect(try await etcd.get("/hss/t/leader") == nil, "the key went with its lease")
            try await EtcdWatchTests.roundTrip(etcd, key: "/hss/t/leader")
        }
    }

    @Test(
        "Refused: no client certificate, a certificate of a foreign CA, etcd's certificate not trusted or not naming the address, plain HTTP, https without TLS settings",
        .enabled(if: etcdPath != nil, "etcd is not installed (apt-get install etcd-server)"))
    func refused() async throws {
        let pki = try Self.pki()
        defer { pki.remove() }
        try await Self.withEtcd(pki) { port in
            let url = "https://127.0.0.1:\(port)"
            for (what, tls) in [
                ("no client certificate", try Self.tls(pki, cert: nil)),
                ("a client certificate of another CA", try Self.tls(pki, cert: "stranger")),
                ("etcd's certificate checked against another CA", try Self.tls(pki, ca: "foreign-ca", cert: "hss-node")),
            ] {
                let etcd = EtcdClient(endpoints: [url], timeout: .seconds(2), tls: tls)
                await #expect(throws: (any Error).self, "\(what)") { _ = try await etcd.put("/hss/t/x", "1") }
            }
            await #expect(throws: (any Error).self, "plain HTTP to the TLS port") {
                _ = try await EtcdClient(endpoints: ["http://127.0.0.1:\(port)"], timeout: .seconds(2)).put("/hss/t/x", "1")
            }
            let bare = EtcdClient(endpoints: [url], timeout: .seconds(2))
            let error = await #expect(throws: EtcdClient.Failure.self) { _ = try await bare.put("/hss/t/x", "1") }
            #expect(error?.reason.contains("etcdCA") == true)
        }
        // etcd's certificate names only etcd.cluster.test: reaching it as 127.0.0.1 fails the name check.
        let unnamed = try Self.pki(serverIP: false)
        defer { unnamed.remove() }
        try await Self.withEtcd(unnamed) { port in
            let etcd = EtcdClient(endpoints: ["https://127.0.0.1:\(port)"], timeout: .seconds(2), tls: try Self.tls(unnamed, cert: "hss-node"))
            await #expect(throws: (any Error).self) { _ = try await etcd.put("/hss/t/x", "1") }
        }
    }
}
