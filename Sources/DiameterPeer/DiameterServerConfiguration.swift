public import DiameterCore
public import NIOCore

/// Settings of the Diameter server, with their defaults and the clause each comes from.
public struct DiameterServerConfiguration: Sendable {
    /// This node's identity and capabilities (CER/CEA).
    public var local: LocalPeer
    /// Where to listen (TCP). Default 127.0.0.1:3868 (RFC 6733 §2.1: port 3868).
    public var listenAddresses: [(host: String, port: Int)]
    /// Largest message accepted; a larger declared length closes the connection. Default 1 MiB.
    public var maximumMessageLength: Int
    /// Requests processed concurrently per connection; reading pauses above it (back-pressure).
    public var maximumInFlightPerConnection: Int
    /// RFC 3539 TwInit: watchdog interval (±2 s jitter). Default 30 s.
    public var watchdogInterval: Duration
    /// How long a new connection may stay without a CER before it is closed. Default 10 s.
    public var capabilitiesExchangeTimeout: TimeAmount
    /// How long to wait for the peer to close after our DPA, or for its DPA after our DPR. Default 5 s.
    public var disconnectTimeout: TimeAmount
    /// Duplicate detection window (RFC 6733 §5.5.4). Default 30 s.
    public var duplicateWindow: TimeAmount
    /// Answered requests each connection remembers for duplicate detection, with their answers (oldest
    /// forgotten first; a request still executing is among the newest, with at most 256 in flight per
    /// connection). Default 4,096 (about 2 MiB of
    /// MAAs): at 10,000 requests/s on one connection the answered ones are kept 0.4 s, at 1,000/s 4 s. A
    /// peer retransmits on the same connection only an unanswered request; after a connection loss the
    /// closed connection's detector answers the T-flagged retransmission (kept for the window, at most 64
    /// detectors and 200,000 entries in all, ``PeerRegistry``). Larger values keep more answers alive:
    /// with 32,768 per connection, p99 at half load was 45-62 ms right after 8 busy connections closed
    /// and new ones filled, against about 1 ms with 4,096 (docs/benchmarks.md, "Request path").
    public var duplicateCapacityPerConnection: Int = 4_096
    /// Timeout of a request this node sends (RTR, PPR). Default 10 s.
    public var requestTimeout: TimeAmount
    /// TLS-first listeners (RFC 6733 §13), when configured.
    public var tls: DiameterTLSConfiguration?
    /// SCTP listeners (RFC 6733 §2.1): each a set of local addresses sharing one port (multi-homing).
    public var sctpListeners: [SCTPListener] = []
    /// Which peers may connect and what each may ask (``PeerAuthorization``); permissive unless configured.
    /// Replaced at run time through ``PeerRegistry/setAuthorization(_:)``.
    public var authorization: PeerAuthorization = .permissive
    /// Connections held at most, in all and per source address; more are closed at accept (logged at most
    /// once a second).
    /// Overload control (RFC 7683 DOIC as a reporting node, RFC 8583 load) and the per-peer request rate
    /// limit; nil: neither (answers carry no DOIC AVPs, nothing is throttled).
    public var overload: OverloadGate?
    public var maximumConnections: Int = 10_000
    public var maximumConnectionsPerSource: Int = 256
    /// Peers this node connects to itself (e.g. a DRA), reconnecting after ``reconnectInterval``.
    public var connectPeers: [ConfiguredPeer] = []
    /// RFC 6733 §2.1 Tc: the interval between connection attempts. Default 30 s.
    public var reconnectInterval: TimeAmount = .seconds(30)

    public init(
        local: LocalPeer, listenAddresses: [(host: String, port: Int)] = [("127.0.0.1", 3868)],
        maximumMessageLength: Int = DiameterFrameDecoder.defaultMaximumMessageLength,
        maximumInFlightPerConnection: Int = 256, watchdogInterval: Duration = .seconds(30),
        capabilitiesExchangeTimeout: TimeAmount = .seconds(10), disconnectTimeout: TimeAmount = .seconds(5),
        duplicateWindow: TimeAmount = DuplicateDetector.defaultWindow, requestTimeout: TimeAmount = .seconds(10)
    ) {
        self.local = local
        self.listenAddresses = listenAddresses
        self.maximumMessageLength = maximumMessageLength
        self.maximumInFlightPerConnection = maximumInFlightPerConnection
        self.watchdogInterval = watchdogInterval
        self.capabilitiesExchangeTimeout = capabilitiesExchangeTimeout
        self.disconnectTimeout = disconnectTimeout
        self.duplicateWindow = duplicateWindow
        self.requestTimeout = requestTimeout
    }
}

/// TLS settings (RFC 6733 §13): TLS is negotiated first, on its own port (default 5868), before the CER.
public struct DiameterTLSConfiguration: Sendable {
    /// PEM file with our certificate chain (leaf first).
    public var certificateChainPath: String
    /// PEM file with our private key.
    public var privateKeyPath: String
    /// PEM file with the CA certificates peers' certificates must chain to.
    public var trustRootsPath: String
    /// Mutual authentication: a peer must present a certificate signed by the CA, and its Origin-Host
    /// must match it (subjectAltName dNSName, or CN). Default true.
    public var requireClientCertificate: Bool
    /// Where to listen. Default 127.0.0.1:5868.
    public var listenAddresses: [(host: String, port: Int)]

    public init(
        certificateChainPath: String, privateKeyPath: String, trustRootsPath: String,
        requireClientCertificate: Bool = true, listenAddresses: [(host: String, port: Int)] = [("127.0.0.1", 5868)]
    ) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
        self.requireClientCertificate = requireClientCertificate
        self.listenAddresses = listenAddresses
    }
}

/// An SCTP listener: local addresses (IPv4/IPv6 literals) and one port. Default port 3868.
public struct SCTPListener: Sendable, Hashable {
    public var addresses: [String]
    public var port: Int
    public init(addresses: [String], port: Int = 3868) {
        self.addresses = addresses
        self.port = port
    }
}

/// A peer to connect to: its expected Origin-Host and where it listens (TCP).
public struct ConfiguredPeer: Sendable, Hashable {
    public var originHost: String
    public var host: String
    public var port: Int

    public init(originHost: String, host: String, port: Int = 3868) {
        self.originHost = originHost
        self.host = host
        self.port = port
    }
}

/// The peer that sent a request, as the application sees it.
public struct PeerIdentity: Sendable, Hashable {
    public var originHost: String
    public var originRealm: String
    public init(originHost: String, originRealm: String) {
        self.originHost = originHost
        self.originRealm = originRealm
    }
}

/// The seam between the peer layer and an application (Cx): a routed, grammar-checked request in, an
/// answer out. The peer layer never imports the application.
public protocol DiameterRequestHandler: Sendable {
    /// The answer to a request, awaited (tools and tests; the default ``handle(_:command:from:responder:)``
    /// runs it in a task).
    func answer(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity) async -> ByteBuffer

    /// Called on the connection's event loop for each request, in arrival order. Returns the answer when it
    /// is ready at once (the usual case: nothing to wait for); otherwise returns `nil` and later hands the
    /// answer to `responder`, from any thread. Requests are independent: an answer leaves as soon as it
    /// is ready, whatever the requests before it wait for. Never call `responder` from inside this call.
    func handle(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer?
}

extension DiameterRequestHandler {
    public func handle(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        Task { responder.send(await answer(request, command: command, from: peer)) }
        return nil
    }
}

/// Where an answer that was not ready at once goes: the connection that received the request (which
/// delivers it on its own event loop), or a closure.
public struct DiameterResponder: Sendable {
    let sink: any DiameterAnswerSink
    let token: UInt64

    init(sink: any DiameterAnswerSink, token: UInt64) {
        self.sink = sink
        self.token = token
    }

    /// A responder that calls `body` with the answer.
    public init(_ body: @escaping @Sendable (ByteBuffer) -> Void) {
        sink = ClosureSink(body: body)
        token = 0
    }

    public func send(_ answer: ByteBuffer) { sink.receive(answer, token: token) }
}

protocol DiameterAnswerSink: AnyObject, Sendable {
    func receive(_ answer: ByteBuffer, token: UInt64)
}

final class ClosureSink: DiameterAnswerSink {
    let body: @Sendable (ByteBuffer) -> Void
    init(body: @escaping @Sendable (ByteBuffer) -> Void) { self.body = body }
    func receive(_ answer: ByteBuffer, token: UInt64) { body(answer) }
}

/// Observations the peer layer reports (a metrics back end implements it). Default: nothing.
public protocol PeerMetrics: Sendable {
    /// Whether ``answerSent(command:resultCode:latency:)`` needs the result code (reading it costs a
    /// decode of the answer).
    var wantsResultCodes: Bool { get }
    func requestReceived(command: UInt32, application: UInt32)
    func answerSent(command: UInt32, resultCode: UInt32?, latency: Duration)
    func peerStateChanged(peer: String, from: PeerStateMachine.State, to: PeerStateMachine.State)
    func protocolError(_ code: ResultCode)
    func requestsRefused(command: UInt32, application: UInt32, code: ResultCode, count: Int)
}

extension PeerMetrics {
    public var wantsResultCodes: Bool { true }

    /// `count` requests of one command received and refused alike with `code` (the refusals for load
    /// before decoding, counted once per read burst): each as ``requestReceived(command:application:)``
    /// and ``protocolError(_:)``, unless the metrics add them at once.
    public func requestsRefused(command: UInt32, application: UInt32, code: ResultCode, count: Int) {
        for _ in 0..<count {
            requestReceived(command: command, application: application)
            protocolError(code)
        }
    }
}

public struct NoPeerMetrics: PeerMetrics {
    public init() {}
    public var wantsResultCodes: Bool { false }
    public func requestReceived(command: UInt32, application: UInt32) {}
    public func answerSent(command: UInt32, resultCode: UInt32?, latency: Duration) {}
    public func peerStateChanged(peer: String, from: PeerStateMachine.State, to: PeerStateMachine.State) {}
    public func protocolError(_ code: ResultCode) {}
}
