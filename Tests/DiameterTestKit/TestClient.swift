public import DiameterCore
public import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
public import NIOSSL

/// A minimal Diameter client over TCP for tests: sends raw messages, and collects every message it
/// receives (in order) for the test to read.
public final class TestClient: Sendable {
    public let channel: any Channel
    let inbox: Inbox

    final class Inbox: Sendable {
        let state = NIOLockedValueBox<(messages: [ByteBuffer], waiters: [CheckedContinuation<ByteBuffer?, Never>], closed: Bool)>(([], [], false))

        func push(_ b: ByteBuffer) {
            let waiter: CheckedContinuation<ByteBuffer?, Never>? = state.withLockedValue { s in
                if !s.waiters.isEmpty { return s.waiters.removeFirst() }
                s.messages.append(b)
                return nil
            }
            waiter?.resume(returning: b)
        }

        func close() {
            let waiters = state.withLockedValue { s -> [CheckedContinuation<ByteBuffer?, Never>] in
                s.closed = true
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume(returning: nil) }
        }

        func next() async -> ByteBuffer? {
            await withCheckedContinuation { (c: CheckedContinuation<ByteBuffer?, Never>) in
                let ready: ByteBuffer?? = state.withLockedValue { s in
                    if !s.messages.isEmpty { return .some(s.messages.removeFirst()) }
                    if s.closed { return .some(nil) }
                    s.waiters.append(c)
                    return .none
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let inbox: Inbox
        init(inbox: Inbox) { self.inbox = inbox }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { inbox.push(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { inbox.close() }
    }

    /// Connects over TCP, or over TLS (TLS first, RFC 6733 §13) when `tls` is given.
    public static func connect(to address: SocketAddress, tls: NIOSSLContext? = nil, serverHostname: String? = nil) async throws -> TestClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                    try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox))
                }
            }
            .connect(to: address).get()
        return TestClient(channel: channel, inbox: inbox)
    }

    /// Drives an already connected stream socket (an SCTP association from `SCTPSocket.connect`: NIO reads
    /// it like a TCP stream, one Diameter message per SCTP message on the server's side).
    public static func adopt(connectedSocket fd: CInt) async throws -> TestClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // As in SCTPTests.nioClient: NIO then leaves out its default TCP_NODELAY, which an SCTP socket
            // refuses (ENOPROTOOPT).
            .enableMPTCP(true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                    try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox))
                }
            }
            .withConnectedSocket(fd).get()
        return TestClient(channel: channel, inbox: inbox)
    }

    /// The capabilities exchange as a peer named `originHost` of `applications`; throws unless 2001.
    public func exchangeCapabilities(originHost: String, originRealm: String, applications: [VendorSpecificApplicationID]) async throws {
        try await send(CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: originHost, originRealm: originRealm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
            productName: "test peer", vendorSpecificApplicationIDs: applications)).encode(hopByHopID: 1, endToEndID: 1))
        guard let cea = try await receive(), cea.first(.resultCode)?.unsigned32 == 2001 else { throw CapabilitiesRefused() }
    }

    /// Connects and completes the capabilities exchange as a peer named `originHost` of `applications`
    /// (Cx unless told); nil result code in the CEA, or anything but 2001, throws.
    public static func connectPeer(
        to address: SocketAddress, originHost: String, originRealm: String, applications: [VendorSpecificApplicationID] = [.cx]
    ) async throws -> TestClient {
        let client = try await connect(to: address)
        do {
            try await client.exchangeCapabilities(originHost: originHost, originRealm: originRealm, applications: applications)
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    public struct CapabilitiesRefused: Error {}

    init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    public func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    public func send(_ many: [ByteBuffer]) async throws {
        var all = ByteBuffer()
        for var b in many { all.writeBuffer(&b) }
        try await channel.writeAndFlush(all)
    }

    /// The next message received, or nil when the connection closed (waits at most `timeout`).
    public func receive(timeout: Duration = .seconds(5)) async throws -> DiameterMessage? {
        let inbox = self.inbox
        let bytes: ByteBuffer? = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { await inbox.next() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut()
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let bytes else { return nil }
        return try DiameterDecoder().decode(bytes)
    }

    public struct TimedOut: Error {}

    /// True when the server closed the connection within `timeout`.
    public func closedByPeer(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !channel.isActive { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !channel.isActive
    }

    public func close() async { try? await channel.close() }
}
