public import DiameterCore
public import NIOCore
public import Logging
public import NIOPosix
import NIOSSL
import NIOConcurrencyHelpers

/// The Diameter server over TCP: accepts connections, frames them, and gives each a ``PeerConnection``.
public final class DiameterServer: Sendable {
    public let configuration: DiameterServerConfiguration
    public let registry: PeerRegistry
    /// The accepted connections, bounded in all and per source.
    public let limiter: ConnectionLimiter
    let application: any DiameterRequestHandler
    let metrics: any PeerMetrics
    let logger: Logger
    let group: any EventLoopGroup
    let channels: [any Channel]

    /// Binds every listen address. Throws when one cannot be bound.
    public init(
        configuration: DiameterServerConfiguration, application: any DiameterRequestHandler,
        metrics: any PeerMetrics = NoPeerMetrics(), logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws {
        self.configuration = configuration
        self.application = application
        self.metrics = metrics
        self.logger = logger
        self.group = group
        let registry = PeerRegistry(
            localOriginHost: configuration.local.originHost, duplicateWindow: configuration.duplicateWindow, authorization: configuration.authorization)
        self.registry = registry
        var bound: [any Channel] = []
        let limiter = ConnectionLimiter(
            maximum: configuration.maximumConnections, maximumPerSource: configuration.maximumConnectionsPerSource, logger: logger)
        self.limiter = limiter
        let sslContext = try configuration.tls.map(Self.makeSSLContext)
        let plain = configuration.listenAddresses.map { ($0.host, $0.port, nil as NIOSSLContext?) }
        let secure = (configuration.tls?.listenAddresses ?? []).map { ($0.host, $0.port, sslContext) }
        for (host, port, tls) in plain + secure {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
                .childChannelInitializer { channel in
                    limiter.admit(channel).flatMapThrowing {
                        if let tls {
                            // RFC 6733 §13: TLS first, then the capabilities exchange inside it.
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                        }
                        try PeerConnection.configurePipeline(
                            channel, configuration: configuration, application: application, registry: registry,
                            metrics: metrics, logger: logger, isTLS: tls != nil)
                    }
                }
            bound.append(try await bootstrap.bind(host: host, port: port).get())
        }
        for listener in configuration.sctpListeners {
            let addresses = try listener.addresses.map { try SocketAddress(ipAddress: $0, port: listener.port) }
            let fd = try SCTPSocket.listen(addresses: addresses)
            // NIO's bootstraps set TCP_NODELAY by default, which SCTP refuses (errno 92); toggling MPTCP
            // removes that default (NIO 2.101). SCTP_NODELAY is set on the socket itself.
            let bootstrap = ServerBootstrap(group: group)
                .enableMPTCP(true).enableMPTCP(false)
                .childChannelInitializer { channel in
                    // An accepted SCTP socket gets PPID 46 and SCTP_NODELAY too (RFC 6733 §2.1).
                    let provider = channel as? any SocketOptionProvider
                    return limiter.admit(channel).flatMap {
                        provider?.setDiameterSCTPOptions() ?? channel.eventLoop.makeSucceededVoidFuture()
                    }.flatMapThrowing {
                        try PeerConnection.configurePipeline(
                            channel, configuration: configuration, application: application, registry: registry,
                            metrics: metrics, logger: logger, transport: .sctp)
                    }
                }
            bound.append(try await bootstrap.withBoundSocket(fd).get())
        }
        self.channels = bound
        for c in bound { logger.info("Diameter listening", metadata: ["address": "\(c.localAddress?.description ?? "?")"]) }
        self.connectors = NIOLockedValueBox([])
        for peer in configuration.connectPeers { startConnector(peer) }
    }

    let connectors: NIOLockedValueBox<[Task<Void, Never>]>

    /// Starts keeping a connection to `peer` (as if it were in ``DiameterServerConfiguration/connectPeers``).
    public func connect(to peer: ConfiguredPeer) { startConnector(peer) }

    /// Keeps a connection to `peer` (RFC 6733 §2.1): connect, and after every close or failure wait Tc
    /// and connect again, unless a connection with that peer exists (for example one it opened to us).
    func startConnector(_ peer: ConfiguredPeer) {
        let configuration = self.configuration
        let registry = self.registry
        let application = self.application
        let metrics = self.metrics
        let logger = self.logger
        let group = self.group
        let task = Task {
            while !Task.isCancelled {
                if !registry.hasConnection(peer.originHost) {
                    do {
                        let channel = try await ClientBootstrap(group: group)
                            .channelOption(.socketOption(.tcp_nodelay), value: 1)
                            .connectTimeout(.seconds(5))
                            .channelInitializer { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try PeerConnection.configurePipeline(
                                        channel, configuration: configuration, application: application,
                                        registry: registry, metrics: metrics, logger: logger,
                                        role: .initiator(originHost: peer.originHost))
                                }
                            }
                            .connect(host: peer.host, port: peer.port).get()
                        try await channel.closeFuture.get()
                    } catch {
                        logger.debug("connection to peer failed", metadata: ["peer": "\(peer.originHost)", "error": "\(error)"])
                    }
                }
                try? await Task.sleep(nanoseconds: UInt64(configuration.reconnectInterval.nanoseconds))
            }
        }
        connectors.withLockedValue { $0.append(task) }
    }

    static func makeSSLContext(_ tls: DiameterTLSConfiguration) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainPath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        config.trustRoots = .file(tls.trustRootsPath)
        config.minimumTLSVersion = .tlsv12
        // The peer's certificate must chain to our CA; its name is checked against Origin-Host after CER.
        config.certificateVerification = tls.requireClientCertificate ? .noHostnameVerification : .none
        return try NIOSSLContext(configuration: config)
    }

    /// The bound addresses (the real ports when 0 was configured), plain TCP first, then TLS.
    public var localAddresses: [SocketAddress] { channels.compactMap(\.localAddress) }

    /// Sends a request to the open peer `originHost` (RTR, PPR) and waits for its answer.
    public func send(
        to originHost: String, timeout: TimeAmount? = nil,
        _ build: @escaping @Sendable (_ hopByHop: UInt32, _ endToEnd: UInt32) -> ByteBuffer
    ) async throws -> DiameterMessage {
        guard let connection = registry.connection(for: originHost) else { throw PeerError.noSuchPeer(originHost) }
        let wait = timeout ?? configuration.requestTimeout
        let future = try await connection.channel.eventLoop.submit {
            connection.assumeIsolated { $0.send(build, timeout: wait) }
        }.get()
        return try await future.get()
    }

    /// Graceful shutdown (RFC 6733 §5.4): stop accepting, DPR to every peer, wait (bounded) for the DPAs,
    /// close.
    public func shutdown(cause: DisconnectCause = .rebooting) async {
        for t in connectors.withLockedValue({ $0 }) { t.cancel() }
        for c in channels { try? await c.close() }
        await withTaskGroup(of: Void.self) { group in
            for connection in registry.allConnections {
                group.addTask {
                    let done = try? await connection.channel.eventLoop.submit {
                        connection.assumeIsolated { $0.disconnect(cause: cause) }
                    }.get()
                    try? await done?.get()
                }
            }
        }
    }
}

/// The pipeline's last handler: hands frames and channel events to the connection actor, synchronously
/// (both run on the channel's event loop).
final class PeerChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let connection: PeerConnection
    let logger: Logger

    init(connection: PeerConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.onEventLoop { $0.channelActive() }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.onEventLoop { $0.channelInactive() }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        connection.onEventLoop { $0.received(frame) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.onEventLoop { $0.readComplete() }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection.onEventLoop { $0.writabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Framing errors (declared length out of range) and I/O errors: the stream cannot continue.
        logger.info("connection error; closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
