import CSCTP
import DiameterCore
import DiameterPeer
import DiameterTestKit
import Logging
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SCTP (RFC 6733 §2.1) for real: one-to-one sockets through libsctp, PPID 46, one Diameter message per
/// SCTP message, two local and two remote addresses. The kernel of the build machines has no SCTP, so
/// this suite runs inside a Debian kernel under qemu (`scripts/sctp-qemu.sh`); on the host it is skipped.
@Suite(
    "SCTP", .serialized,
    .enabled(if: SCTPSocket.isSupported, "this kernel has no SCTP (socket() gives errno 93); scripts/sctp-qemu.sh runs these tests in a Debian kernel under qemu"))
struct SCTPTests {
    static func server() async throws -> (DiameterServer, Int) {
        let port = Int.random(in: 20000...30000)
        var config = DiameterServerConfiguration(
            local: LocalPeer(originHost: SampleMessages.hssHost, originRealm: SampleMessages.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 5),
            listenAddresses: [])
        config.sctpListeners = [SCTPListener(addresses: ["127.0.0.1", "127.0.0.2"], port: port)]
        // Under qemu's TCG emulation a debug build runs many times slower: keep the watchdog (whose DWRs
        // the raw test client does not answer) and the CER timeout out of the way.
        config.watchdogInterval = .seconds(600)
        config.capabilitiesExchangeTimeout = .seconds(600)
        var logger = Logger(label: "sctp")
        logger.logLevel = .critical
        return (try await DiameterServer(configuration: config, application: CountingApplication(), logger: logger), port)
    }

    static var cer: ByteBuffer {
        CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: SampleMessages.scscfHost, originRealm: SampleMessages.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!],
            vendorID: 10415, productName: "sctp test", vendorSpecificApplicationIDs: [.cx]))
            .encode(hopByHopID: 1, endToEndID: 1)
    }

    /// Sends one message as one SCTP message (the socket's default PPID is 46).
    static func send(_ fd: CInt, _ message: ByteBuffer) {
        let bytes = Array(buffer: message)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Receives one SCTP message on a thread of NIO's blocking pool: a blocking recv on the Swift
    /// concurrency pool (one thread in a one-CPU VM) would starve the server's application tasks.
    static func receive(_ fd: CInt) async throws -> (bytes: [UInt8], ppid: UInt32, complete: Bool)? {
        try await NIOThreadPool.singleton.runIfActive { blockingReceive(fd) }
    }

    static func blockingReceive(_ fd: CInt) -> (bytes: [UInt8], ppid: UInt32, complete: Bool)? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var ppid: UInt32 = 0
        var eor: Int32 = 0
        let n = buffer.withUnsafeMutableBytes { csctp_recv(fd, $0.baseAddress, $0.count, &ppid, &eor) }
        guard n > 0 else { return nil }
        return (Array(buffer[0..<Int(n)]), ppid, eor != 0)
    }

    @Test("CER/CEA and MAR/MAA over a multi-homed association: PPID 46, one Diameter message per SCTP message")
    func rawAssociation() async throws {
        let (server, port) = try await Self.server()
        let fd = try SCTPSocket.connect(to: [
            try SocketAddress(ipAddress: "127.0.0.1", port: port), try SocketAddress(ipAddress: "127.0.0.2", port: port),
        ])
        defer { close(fd) }
        _ = csctp_enable_rcvinfo(fd)
        Self.setReceiveTimeout(fd, seconds: 60)
        let counts = SCTPSocket.addressCounts(fd)
        #expect(counts.peer >= 2, "the association knows both server addresses (multi-homing)")

        Self.send(fd, Self.cer)
        let cea = try #require(try await Self.receive(fd))
        #expect(cea.ppid == 46)
        #expect(cea.complete)
        let decodedCEA = try DiameterDecoder().decode(cea.bytes)
        #expect(decodedCEA.first(.resultCode)?.unsigned32 == 2001)
        #expect(Int(decodedCEA.header.messageLength) == cea.bytes.count, "exactly one Diameter message")

        for i in 1...5 {
            Self.send(fd, SampleMessages.mar.encode(hopByHopID: UInt32(i), endToEndID: UInt32(i)))
            let m = try #require(try await Self.receive(fd))
            #expect(m.ppid == 46)
            #expect(m.complete)
            let decoded = try DiameterDecoder().decode(m.bytes)  // throws unless exactly one whole message
            #expect(decoded.first(.resultCode)?.unsigned32 == 2001)
            #expect(decoded.header.hopByHopID == UInt32(i))
        }
        await server.shutdown()
    }

    @Test("pipelined requests: every answer arrives, each as its own SCTP message")
    func pipelined() async throws {
        let (server, port) = try await Self.server()
        let fd = try SCTPSocket.connect(to: [try SocketAddress(ipAddress: "127.0.0.1", port: port)])
        defer { close(fd) }
        _ = csctp_enable_rcvinfo(fd)
        Self.setReceiveTimeout(fd, seconds: 60)
        Self.send(fd, Self.cer)
        _ = try #require(try await Self.receive(fd))
        for i in 1...10 { Self.send(fd, SampleMessages.mar.encode(hopByHopID: UInt32(i), endToEndID: UInt32(100 + i))) }
        var hops: [UInt32] = []
        var sizes: [Int] = []
        while hops.count < 10, let m = try await Self.receive(fd) {
            sizes.append(m.bytes.count)
            var offset = 0
            while offset + 20 <= m.bytes.count {  // count every Diameter message in the SCTP message
                let length = Int(m.bytes[offset + 1]) << 16 | Int(m.bytes[offset + 2]) << 8 | Int(m.bytes[offset + 3])
                guard length >= 20, offset + length <= m.bytes.count else { break }
                let hbh = UInt32(m.bytes[offset + 12]) << 24 | UInt32(m.bytes[offset + 13]) << 16 | UInt32(m.bytes[offset + 14]) << 8 | UInt32(m.bytes[offset + 15])
                hops.append(hbh)
                offset += length
            }
        }
        #expect(Set(hops) == Set(1...10), "answers received: \(hops.sorted()); SCTP message sizes: \(sizes)")
        #expect(sizes.count == 10, "one SCTP message per Diameter message; sizes \(sizes)")
        await server.shutdown()
    }

    static func setReceiveTimeout(_ fd: CInt, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    @Test("NIO drives a connected SCTP socket like a TCP stream (withConnectedSocket)")
    func nioClient() async throws {
        let (server, port) = try await Self.server()
        let fd = try SCTPSocket.connect(to: [try SocketAddress(ipAddress: "127.0.0.2", port: port)])
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .enableMPTCP(true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                }
            }
            .withConnectedSocket(fd).get()
        try await channel.writeAndFlush(Self.cer)
        #expect(await OutboundPeerTests.waitFor(5) { server.registry.openPeers == [SampleMessages.scscfHost] })
        try await channel.close()
        await server.shutdown()
    }
}
