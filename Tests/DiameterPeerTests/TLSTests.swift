import DiameterCore
import DiameterPeer
import DiameterTestKit
import Logging
import NIOCore
import NIOSSL
import Testing

/// RFC 6733 §13: TLS first on its own port, mutual authentication against the configured CA, and the
/// Origin-Host of the CER checked against the peer's certificate.
@Suite("TLS", .serialized, .enabled(if: Tshark.which("openssl") != nil, "openssl not installed"))
struct TLSTests {
    static let hss = "hss.localdomain"
    static let scscf = "scscf.localdomain"

    static func setUp() async throws -> (DiameterServer, TestPKI) {
        let pki = try TestPKI()
        try pki.issue("hss", host: hss)
        try pki.issue("scscf", host: scscf)
        try pki.issue("stranger", host: scscf, ca: "foreign-ca")
        var config = DiameterServerConfiguration(
            local: LocalPeer(originHost: hss, originRealm: "localdomain", hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 1),
            listenAddresses: [])
        config.tls = DiameterTLSConfiguration(
            certificateChainPath: pki.path("hss.pem"), privateKeyPath: pki.path("hss.key"), trustRootsPath: pki.path("ca.pem"),
            listenAddresses: [("127.0.0.1", 0)])
        var logger = Logger(label: "tls-test")
        logger.logLevel = .critical
        let server = try await DiameterServer(configuration: config, application: CountingApplication(), logger: logger)
        return (server, pki)
    }

    static func clientContext(_ pki: TestPKI, certificate: String?) throws -> NIOSSLContext {
        var config = TLSConfiguration.makeClientConfiguration()
        config.trustRoots = .file(pki.path("ca.pem"))
        if let certificate {
            config.certificateChain = try NIOSSLCertificate.fromPEMFile(pki.path("\(certificate).pem")).map { .certificate($0) }
            config.privateKey = .privateKey(try NIOSSLPrivateKey(file: pki.path("\(certificate).key"), format: .pem))
        }
        return try NIOSSLContext(configuration: config)
    }

    static func cer(_ originHost: String) -> ByteBuffer {
        CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: originHost, originRealm: "localdomain", hostIPAddresses: [DiameterAddress("127.0.0.1")!],
            vendorID: 10415, productName: "tls test", vendorSpecificApplicationIDs: [.cx]))
            .encode(hopByHopID: 1, endToEndID: 1)
    }

    @Test("a client with a certificate from our CA, whose Origin-Host matches it, opens and is served")
    func mutualAuthentication() async throws {
        let (server, pki) = try await Self.setUp()
        defer { pki.remove() }
        let client = try await TestClient.connect(
            to: server.localAddresses[0], tls: Self.clientContext(pki, certificate: "scscf"), serverHostname: Self.hss)
        try await client.send(Self.cer(Self.scscf))
        let cea = try #require(try await client.receive())
        #expect(cea.first(.resultCode)?.unsigned32 == 2001)
        var mar = SampleMessages.mar
        mar.envelope.destinationHost = Self.hss
        mar.envelope.destinationRealm = "localdomain"
        try await client.send(mar.encode(hopByHopID: 2, endToEndID: 2))
        #expect(try await client.receive()?.first(.resultCode)?.unsigned32 == 2001)
        await client.close()
        await server.shutdown()
    }

    @Test("refused during the handshake: no client certificate, or one from another CA", arguments: [nil, "stranger"] as [String?])
    func refusedHandshake(_ certificate: String?) async throws {
        let (server, pki) = try await Self.setUp()
        defer { pki.remove() }
        let client = try await TestClient.connect(
            to: server.localAddresses[0], tls: Self.clientContext(pki, certificate: certificate), serverHostname: Self.hss)
        try? await client.send(Self.cer(Self.scscf))
        #expect(await client.closedByPeer())
        #expect(server.registry.openPeers.isEmpty)
        await server.shutdown()
    }

    @Test("an Origin-Host that is not the certificate's name gets CEA 3010")
    func identityMismatch() async throws {
        let (server, pki) = try await Self.setUp()
        defer { pki.remove() }
        let client = try await TestClient.connect(
            to: server.localAddresses[0], tls: Self.clientContext(pki, certificate: "scscf"), serverHostname: Self.hss)
        try await client.send(Self.cer("icscf.localdomain"))
        let cea = try #require(try await client.receive())
        #expect(cea.first(.resultCode)?.unsigned32 == 3010)
        #expect(await client.closedByPeer())
        await server.shutdown()
    }
}
