import DiameterCore
import DiameterTestKit
import Foundation
import NIOCore
import NIOSSL
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The configuration file and the embedded default, through the `hss` binary.
@Suite("Configuration", .serialized)
struct ConfigurationTests {
    static func run(_ args: [String], env: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(CrashTests.hssBinary))
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `hss serve --config FILE`, started, its output going to `stderr` (nowhere by default).
    static func serve(_ config: String, stderr: FileHandle = FileHandle.nullDevice) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(CrashTests.hssBinary))
        p.arguments = ["serve", "--config", config]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = stderr
        try p.run()
        return p
    }

    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hss-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("config check: a valid file passes; unknown keys, wrong types and bad values are named",
          .enabled(if: CrashTests.hssBinary != nil, "needs the hss binary"))
    func check() throws {
        let ok = try Self.run(["config", "check", try Self.file("diameter:\n  originHost: hss.example.net\n  listen: [\"127.0.0.1:3999\"]\ncx:\n  sqnInd: 3\nstorage:\n  mapSizeMiB: 512\napi:\n  tokens: [a]\n")])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("originHost: hss.example.net"))
        let unknown = try Self.run(["config", "check", try Self.file("diameter:\n  listne: [x]\n")])
        #expect(unknown.status != 0 && unknown.output.contains("unknown key diameter.listne"))
        let type = try Self.run(["config", "check", try Self.file("storage:\n  mapSizeMiB: lots\n")])
        #expect(type.status != 0 && type.output.contains("storage.mapSizeMiB"))
        let range = try Self.run(["config", "check", try Self.file("cx:\n  sqnInd: 40\n")])
        #expect(range.status != 0 && range.output.contains("cx.sqnInd: must be 0-31"))
        let overload = try Self.run(["config", "check", try Self.file("diameter:\n  maxRequestsPerSecond: 500\n  overload: { loopLagMs: 3, writerQueue: 500, validitySeconds: 10 }\n")])
        #expect(overload.status == 0, "\(overload.output)")
        let overloadKey = try Self.run(["config", "check", try Self.file("diameter:\n  overload: { lag: 3 }\n")])
        #expect(overloadKey.status != 0 && overloadKey.output.contains("unknown key diameter.overload.lag"))
        let validity = try Self.run(["config", "check", try Self.file("diameter:\n  overload: { validitySeconds: 100000 }\n")])
        #expect(validity.status != 0 && validity.output.contains("diameter.overload.validitySeconds"))
        let rate = try Self.run(["config", "check", try Self.file("diameter:\n  peers: [{ originHost: a.b, applications: [cx], maxRequestsPerSecond: -1 }]\n")])
        #expect(rate.status != 0 && rate.output.contains("diameter.peers[0].maxRequestsPerSecond"), "\(rate.output)")
        let listen = try Self.run(["config", "check", try Self.file("api:\n  listen: nowhere\n")])
        #expect(listen.status != 0 && listen.output.contains("api.listen"))
        let peers = try Self.run(["config", "check", try Self.file("""
            diameter:
              peerAuthorization: enforcing
              peers:
                - { originHost: scscf.ims.example.net, applications: [cx] }
                - { originHost: mme1.epc.example.net, applications: [s6a], commands: [AIR, ULR, PUR, NOR], addresses: [10.0.0.7] }
                - { originHost: "*", originRealm: epc.example.net, applications: [s6a] }
            """)])
        #expect(peers.status == 0, "\(peers.output)")
        let badPeer = try Self.run(["config", "check", try Self.file("diameter:\n  peers:\n    - { originHost: x, applications: [cx], commands: [ULR] }\n")])
        #expect(badPeer.status != 0 && badPeer.output.contains("diameter.peers[0].commands"))
        let noList = try Self.run(["config", "check", try Self.file("diameter:\n  peerAuthorization: enforcing\n")])
        #expect(noList.status != 0 && noList.output.contains("diameter.peers"))
        let cluster = "cluster:\n  node: n1\n  members: [\"n1=127.0.0.1:7101\", \"n2=127.0.0.1:7102\"]\n"
        let httpsNoCA = try Self.run(["config", "check", try Self.file(cluster + "  etcd: [\"https://127.0.0.1:2379\"]\n")])
        #expect(httpsNoCA.status != 0 && httpsNoCA.output.contains("cluster.etcdCA"), "\(httpsNoCA.output)")
        let ca = try Self.file("not read by config check beyond being readable")
        let mixed = try Self.run(["config", "check", try Self.file(cluster + "  etcd: [\"https://a:2379\", \"http://b:2379\"]\n  etcdCA: \(ca)\n")])
        #expect(mixed.status != 0 && mixed.output.contains("cluster.etcd: with cluster.etcdCA every endpoint is https://"), "\(mixed.output)")
        let half = try Self.run(["config", "check", try Self.file(cluster + "  etcd: [\"https://a:2379\"]\n  etcdCA: \(ca)\n  etcdCertificate: \(ca)\n")])
        #expect(half.status != 0 && half.output.contains("cluster.etcdCertificate"), "\(half.output)")
        let tlsOK = try Self.run(["config", "check", try Self.file(cluster + "  etcd: [\"https://a:2379\"]\n  etcdCA: \(ca)\n  etcdCertificate: \(ca)\n  etcdKey: \(ca)\n")])
        #expect(tlsOK.status == 0, "\(tlsOK.output)")
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/examples/hss-sh.yaml").standardized.path
        let sh = try Self.run(["config", "check", example])
        #expect(sh.status == 0, "\(sh.output)")
        let shUpdate = try Self.run(["config", "check", try Self.file("sh:\n  applicationServers: [{ originHost: tas, update: [IMSUserState] }]\n")])
        #expect(shUpdate.status != 0 && shUpdate.output.contains("sh.applicationServers[0].update: IMSUserState cannot be updated"), "\(shUpdate.output)")
        let shName = try Self.run(["config", "check", try Self.file("sh:\n  applicationServers: [{ originHost: tas, read: [Everything] }]\n  limit: 3\n")])
        #expect(shName.status != 0 && shName.output.contains("unknown key sh.limit"), "\(shName.output)")
    }

    @Test("serve --config: Diameter and the API come up as configured; a flag overrides the file; SIGTERM exits 0",
          .enabled(if: CrashTests.hssBinary != nil, "needs the hss binary"))
    func serveWithConfig() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hss-conf-\(UUID().uuidString)").path
        let diameter = try FreePorts.consecutive(2), api = diameter + 1
        let config = try Self.file("""
            diameter:
              originHost: hss.conf.test
              listen: ["127.0.0.1:\(diameter)"]
            storage:
              dataDir: \(dir)
            api:
              listen: 127.0.0.1:1
              tokens: [file-token]
            logLevel: warning
            """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(CrashTests.hssBinary))
        p.arguments = ["serve", "--config", config, "--api", "127.0.0.1:\(api)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var status = 0
        for _ in 0..<100 {
            var req = URLRequest(url: URL(string: "http://127.0.0.1:\(api)/api/v1/subscriptions")!)
            req.setValue("Bearer file-token", forHTTPHeaderField: "Authorization")
            if let (_, response) = try? await URLSession.shared.data(for: req) {
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 200, "the API answered on the port the flag gave, with the file's token")
        #expect(FileManager.default.fileExists(atPath: dir + "/data.mdb"), "LMDB under the file's dataDir")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test("serve --config with diameter.tls and diameter.peers: the listed S-CSCF opens over mutual TLS; an unlisted peer with a valid certificate gets CEA 3010; the start says enforcing",
          .enabled(if: CrashTests.hssBinary != nil && Tshark.which("openssl") != nil, "needs hss and openssl"))
    func diameterTLSAndPeers() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        for name in ["hss", "scscf", "other"] { try pki.issue(name, host: "\(name).localdomain") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hss-peers-\(UUID().uuidString)").path
        let diameter = try FreePorts.consecutive(2), tlsPort = diameter + 1
        let config = try Self.file("""
            diameter:
              originHost: hss.localdomain
              listen: ["127.0.0.1:\(diameter)"]
              tls: { certificate: \(pki.path("hss.pem")), key: \(pki.path("hss.key")), ca: \(pki.path("ca.pem")), listen: ["127.0.0.1:\(tlsPort)"] }
              peers:
                - { originHost: scscf.localdomain, applications: [cx] }
            storage:
              dataDir: \(dir)
            api:
              listen: "off"
            """)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hss-peers-\(UUID().uuidString).log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = try Self.serve(config, stderr: try #require(FileHandle(forWritingAtPath: log)))
        defer {
            p.terminate()
            p.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: log)
        }
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: tlsPort)
        func tlsContext(_ name: String) throws -> NIOSSLContext {
            var c = TLSConfiguration.makeClientConfiguration()
            c.trustRoots = .file(pki.path("ca.pem"))
            c.certificateChain = try NIOSSLCertificate.fromPEMFile(pki.path("\(name).pem")).map { .certificate($0) }
            c.privateKey = .privateKey(try NIOSSLPrivateKey(file: pki.path("\(name).key"), format: .pem))
            return try NIOSSLContext(configuration: c)
        }
        func cer(_ host: String) -> ByteBuffer {
            CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
                originHost: host, originRealm: "localdomain", hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
                productName: "config test", vendorSpecificApplicationIDs: [.cx])).encode(hopByHopID: 1, endToEndID: 1)
        }
        var scscf: TestClient?
        var lastError: (any Error)?
        for _ in 0..<600 where scscf == nil && p.isRunning {
            do { scscf = try await TestClient.connect(to: address, tls: tlsContext("scscf"), serverHostname: "hss.localdomain") } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let listed = try #require(
            scscf,
            "the TLS listener came up (server running: \(p.isRunning), last error: \(String(describing: lastError)), log: \(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000)))")
        try await listed.send(cer("scscf.localdomain"))
        #expect(try await listed.receive()?.first(.resultCode)?.unsigned32 == 2001)
        let other = try await TestClient.connect(to: address, tls: tlsContext("other"), serverHostname: "hss.localdomain")
        try await other.send(cer("other.localdomain"))
        #expect(try await other.receive()?.first(.resultCode)?.unsigned32 == 3010)
        await listed.close()
        await other.close()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("peer authorisation enforcing") && !text.contains("PERMISSIVE"), "\(text.suffix(2000))")
    }

    @Test("Keys at rest end to end: serve with storage.keyFile, rotate online (new key in the file, POST /api/v1/keys/rekey), then the old key can go: db verify opens everything with the new key alone",
          .enabled(if: CrashTests.hssBinary != nil, "needs the hss binary"))
    func keysAtRest() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hss-kek-\(UUID().uuidString)").path
        let keyFile = dir + ".kek"
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: keyFile)
        }
        let key1 = "1 " + String(repeating: "ab", count: 32), key2 = "2 " + String(repeating: "cd", count: 32)
        func writeKeys(_ text: String) throws {
            try? FileManager.default.removeItem(atPath: keyFile)
            FileManager.default.createFile(atPath: keyFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o400])
        }
        try writeKeys(key1 + "\n")
        let diameter = try FreePorts.consecutive(2), api = diameter + 1
        let config = try Self.file("""
            diameter:
              listen: ["127.0.0.1:\(diameter)"]
            storage:
              dataDir: \(dir)
              keyFile: \(keyFile)
            api:
              listen: 127.0.0.1:\(api)
              tokens: [kek-token]
            subscribers: \(CxOverTCPTests.demo)
            logLevel: warning
            """)
        let p = try Self.serve(config)
        func post(_ path: String) async -> (Int, String)? {
            var req = URLRequest(url: URL(string: "http://127.0.0.1:\(api)\(path)")!)
            req.httpMethod = "POST"
            req.setValue("Bearer kek-token", forHTTPHeaderField: "Authorization")
            guard let (data, response) = try? await URLSession.shared.data(for: req) else { return nil }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        var first: (Int, String)?
        for _ in 0..<100 where first == nil {
            first = await post("/api/v1/keys/rekey")
            if first == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(first?.0 == 200 && first?.1.contains("\"resealed\":0") == true, "\(String(describing: first))")  // sealed at import already
        try writeKeys(key1 + "\n" + key2 + "\n")
        let rotated = await post("/api/v1/keys/rekey")
        #expect(rotated?.0 == 200 && rotated?.1.contains("\"keyID\":2") == true && rotated?.1.contains("\"resealed\":3") == true, "\(String(describing: rotated))")
        p.terminate()
        p.waitUntilExit()
        try writeKeys(key2 + "\n")
        let verified = try Self.run(["db", "verify", "--data-dir", dir, "--key-file", keyFile])
        #expect(verified.status == 0 && verified.output.contains("subscriptions 3,") && verified.output.contains("OK"), "\(verified.output)")
        let withoutKey = try Self.run(["db", "verify", "--data-dir", dir], env: ["HSS_KEK_FILE": "/nonexistent"])
        #expect(withoutKey.status != 0)
    }

    @Test("The API over HTTPS (api.tlsCertificate/tlsKey): curl with the CA gets 200; plain HTTP is refused",
          .enabled(if: CrashTests.hssBinary != nil && Tshark.which("curl") != nil && Tshark.which("openssl") != nil, "needs hss, curl and openssl"))
    func apiTLS() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        try pki.issue("api", host: "localhost")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hss-tls-\(UUID().uuidString)").path
        let diameter = try FreePorts.consecutive(2), api = diameter + 1
        let config = try Self.file("""
            diameter:
              listen: ["127.0.0.1:\(diameter)"]
            storage:
              dataDir: \(dir)
            api:
              listen: 127.0.0.1:\(api)
              tokens: [tls-token]
              tlsCertificate: \(pki.path("api.pem"))
              tlsKey: \(pki.path("api.key"))
            logLevel: warning
            """)
        let p = try Self.serve(config)
        defer {
            p.terminate()
            p.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
        func curl(_ url: String) throws -> String {
            let c = Process()
            c.executableURL = URL(fileURLWithPath: Tshark.which("curl")!)
            c.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", pki.path("ca.pem"), "-H", "Authorization: Bearer tls-token", url]
            let pipe = Pipe()
            c.standardOutput = pipe
            try c.run()
            c.waitUntilExit()
            return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        var code = ""
        for _ in 0..<100 {
            code = try curl("https://localhost:\(api)/api/v1/subscriptions")
            if code == "200" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(code == "200")
        #expect(try curl("http://localhost:\(api)/api/v1/subscriptions") != "200", "plain HTTP on the TLS port")
    }
}
