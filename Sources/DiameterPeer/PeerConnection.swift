public import DiameterCore
public import NIOCore
public import Logging
import NIOConcurrencyHelpers
import NIOSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One Diameter connection: an actor that owns the peer state machine (RFC 6733 §5.6), the watchdog
/// (RFC 3539), outstanding requests and back-pressure, and routes requests to the application.
///
/// Its executor is the channel's event loop, so the channel handler, which already runs there, enters it
/// synchronously (`assumeIsolated`): no hop per message. Each application request is handed to the
/// application in place; an answer ready at once (the usual case) is written at once and flushed at the
/// end of the read burst; one that was not comes back through a ``DiameterResponder`` (a hop here when it
/// was made on another thread; the HSS batches those per event-loop tick). Duplicate detection is this connection's own (no lock). See
/// docs/architecture.md, "The request path".
public actor PeerConnection: DiameterAnswerSink {
    public nonisolated let channel: any Channel
    nonisolated let configuration: DiameterServerConfiguration
    nonisolated let application: any DiameterRequestHandler
    nonisolated let registry: PeerRegistry
    nonisolated let metrics: any PeerMetrics
    nonisolated let logger: Logger
    nonisolated let router: RequestRouter
    /// The connection runs inside TLS (RFC 6733 §13).
    public nonisolated let isTLS: Bool
    /// Who opened the connection.
    public nonisolated let role: Role
    /// The transport under the connection.
    public nonisolated let transport: Transport

    public enum Transport: Sendable, Hashable {
        case tcp, tls, sctp
    }

    public enum Role: Sendable, Hashable {
        /// The peer connected to us.
        case responder
        /// We connected to the peer we expect to be `originHost`.
        case initiator(originHost: String)
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        channel.eventLoop.executor.asUnownedSerialExecutor()
    }

    var psm = PeerStateMachine()
    /// Jitter comes from a generator seeded once per connection: the system generator is a syscall, and the
    /// watchdog draws a jittered Tw on every received message.
    var watchdog: Watchdog<SplitMix64>
    var watchdogTimer: Scheduled<Void>?
    /// When the watchdog timer is due; traffic moves it without rescheduling the timer task, which fires
    /// at `watchdogFire` and re-arms itself when the deadline moved on. Only a deadline earlier than the
    /// task's fire time reschedules it: with a fresh jitter drawn per message, a new minimum of the draws,
    /// a handful per Tw (rescheduling whenever a draw came out earlier than the last one, half the
    /// messages, took two locks each on the request path).
    var watchdogDeadline: NIODeadline?
    var watchdogFire: NIODeadline?
    var stateTimer: Scheduled<Void>?
    /// The capabilities the peer advertised (after CER).
    public private(set) var peer: PeerCapabilities?
    var inFlight = 0
    var readingPaused = false
    /// An application request between its arrival and its answer.
    struct PendingRequest: Sendable {
        var commandCode: UInt32
        /// Its duplicate-detection key (RFC 6733 §6.1.1), computed once on arrival.
        var key: DuplicateDetector.Key
        var received: ContinuousClock.Instant
        /// It carried OC-Supported-Features (RFC 7683 §5.1.2): its answer carries the DOIC AVPs.
        var doic = false
    }

    /// Requests whose answers were not ready at once, by the token their responder carries.
    var waiting: [UInt64: PendingRequest] = [:]
    var nextToken: UInt64 = 0
    /// The peer as the application sees it (set when the connection opens).
    var identity = PeerIdentity(originHost: "", originRealm: "") { didSet { scanIdentities = nil } }
    /// What the peer may ask (``PeerAuthorization``), and the policy generation it was admitted under.
    var permissions = PeerAuthorization.Permissions.unrestricted { didSet { plainCommand = nil } }
    var permissionsGeneration = 0
    /// The identities the scan before decoding compares with, as octets (``PlainRequestScan``); made when
    /// first needed after the peer's identity is known.
    var scanIdentities: PlainRequestScan.Identities?
    /// The last application and command found to be this node's and allowed to the peer, so that the check
    /// before decoding does not look them up for every request of a burst; forgotten with the permissions.
    var plainCommand: (application: UInt32, command: UInt32)?
    /// This connection's duplicate detection (RFC 6733 §5.5.4); moved to the registry when it closes.
    var duplicates: DuplicateDetector
    var duplicatesRetired = false
    /// Requests waiting for the answer of an identical request still in progress (duplicates).
    var duplicateWaiters: [DuplicateDetector.Key: [UInt32]] = [:]
    /// Inside a read burst (between the first channelRead and channelReadComplete): answers written meanwhile
    /// gather in `outbox`, which goes down the pipeline and is flushed once, at its end.
    var inReadBurst = false
    /// The answers of this read burst, one after the other (TCP and TLS: on SCTP each answer is its own
    /// message). One write through the pipeline per burst instead of one per answer: at 2× load that was
    /// a quarter of the cost of a refusal (docs/benchmarks.md "Cheaper refusals").
    var outbox: ByteBuffer
    /// The capacity the next burst's outbox starts with: the last one's size, at most 64 KiB.
    var outboxCapacity = 1024
    /// The time of this read burst, read once per burst (``burstNow``).
    var burstClock: NIODeadline?
    /// A message other than a DWA arrived in this read burst: the watchdog hears of it once, at the end
    /// (RFC 3539 §3.4.1: traffic resets its timer; one reset per burst does what one per message did).
    var watchdogTrafficInBurst = false
    /// Requests this node sent, by Hop-by-Hop Identifier.
    var outstanding: [UInt32: (promise: EventLoopPromise<DiameterMessage>, timeout: Scheduled<Void>)] = [:]
    var nextHopByHop: UInt32
    var disconnectPromise: EventLoopPromise<Void>?
    /// A flush is scheduled for the end of this event-loop tick (answers written meanwhile share it).
    var flushScheduled = false
    /// The overload state last copied from the gate (``OverloadGate``), by its generation.
    var overloadGeneration = -1
    var overloadStatus = OverloadStatus.normal
    var overloadAVPs: [UInt8] = []
    /// This peer's request rate (``RequestRateLimiter``), made when the first request comes.
    var rateLimiter: RequestRateLimiter?
    /// Draws which requests without OC-Supported-Features are throttled.
    var throttleDraw = SplitMix64(seed: UInt64.random(in: .min ... .max))
    /// The draw for the request being received, made before its AVPs were scanned (``refusedBeforeDecoding(_:gate:)``)
    /// and used by the throttle in its place; nil: not drawn yet.
    var throttleDrawn: Bool?
    /// Refusals for load since the last log line about them, and when that line was written.
    var loadRefusals = 0
    var loadRefusalsLogged: NIODeadline?
    /// Requests let through, answered, and throttled since the counts last went to the gate (at the end of
    /// a read burst).
    var admittedUncounted = 0
    var answeredUncounted = 0
    var throttledUncounted = 0
    var shedUncounted = 0
    /// The request being received already passed the rate limit and the throttle before it was decoded
    /// (``refusedBeforeDecoding(_:)``): `admitUnderLoad` does not draw again.
    var loadDecided = false
    /// This read burst's requests are stale (``LoopPass``): refused while the node is overloaded.
    var shedBurst = false
    /// This loop's passes, when the gate sheds stale requests.
    let loopPass: LoopPassClock?
    /// The refusal answers made ready (``ErrorAnswer/Template``): one per result code and application met.
    var refusalTemplates: [ErrorAnswer.Template] = []
    /// Refusals before decoding not yet in the metrics: counted per read burst, one command and code at a time.
    var refusalsUncounted: (command: UInt32, application: UInt32, code: ResultCode, count: Int)?

    init(
        channel: any Channel, configuration: DiameterServerConfiguration, application: any DiameterRequestHandler,
        registry: PeerRegistry, metrics: any PeerMetrics, logger: Logger, isTLS: Bool = false, role: Role = .responder,
        transport: Transport = .tcp
    ) {
        self.isTLS = isTLS
        self.role = role
        self.transport = isTLS ? .tls : transport
        self.channel = channel
        self.configuration = configuration
        self.application = application
        self.registry = registry
        self.metrics = metrics
        self.logger = logger
        self.router = RequestRouter(local: configuration.local)
        self.watchdog = Watchdog(twInit: configuration.watchdogInterval, rng: SplitMix64(seed: UInt64.random(in: .min ... .max)))
        self.duplicates = DuplicateDetector(window: configuration.duplicateWindow, capacity: configuration.duplicateCapacityPerConnection)
        self.nextHopByHop = UInt32.random(in: 1...UInt32.max / 2)
        self.outbox = channel.allocator.buffer(capacity: 0)
        self.loopPass = configuration.overload?.shedAfter.map { registry.loopPass(for: channel.eventLoop, shedAfter: $0) }
    }

    public var state: PeerStateMachine.State { psm.state }

    /// Adds the framer and a connection to `channel`'s pipeline (call on its event loop). The server's
    /// bootstraps use it, and tests use it on `NIOAsyncTestingChannel` to drive time deterministically.
    @discardableResult
    public static func configurePipeline(
        _ channel: any Channel, configuration: DiameterServerConfiguration, application: any DiameterRequestHandler,
        registry: PeerRegistry, metrics: any PeerMetrics = NoPeerMetrics(), logger: Logger, isTLS: Bool = false,
        role: Role = .responder, transport: Transport = .tcp
    ) throws -> PeerConnection {
        let connection = PeerConnection(
            channel: channel, configuration: configuration, application: application, registry: registry,
            metrics: metrics, logger: logger, isTLS: isTLS, role: role, transport: transport)
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(DiameterFrameHandler(maximumMessageLength: configuration.maximumMessageLength)))
        try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(connection: connection, logger: logger))
        return connection
    }

    // MARK: Events from the channel (called on the event loop)

    var isInitiator: Bool { if case .initiator = role { true } else { false } }

    /// The RFC's event for this connection's side ("I-" events on connections we initiated).
    func event(_ responder: PeerStateMachine.Event, _ initiator: PeerStateMachine.Event) -> PeerStateMachine.Event {
        isInitiator ? initiator : responder
    }

    func channelActive() {
        stateTimer = channel.eventLoop.assumeIsolated().scheduleTask(in: configuration.capabilitiesExchangeTimeout) { [weak self] in
            _ = self?.assumeIsolated { $0.capabilitiesExchangeTimedOut() }
        }
        guard case .initiator(let expected) = role else { return }
        // RFC 6733 §5.6: Start → I-Snd-Conn-Req; the connection is up → I-Rcv-Conn-Ack → I-Snd-CER.
        step(.start)
        step(.iRcvConnAck)
        guard registry.registerInitiator(expected, connection: self) else {
            logger.debug("already connected to the peer; dropping our connection", metadata: ["peer": "\(expected)"])
            close()
            return
        }
        let cer = CapabilitiesExchangeRequest(capabilities: local.capabilities)
        nextHopByHop &+= 1
        write(cer.encode(hopByHopID: nextHopByHop, endToEndID: EndToEndIdentifier.next()))
    }

    func channelInactive() {
        cancelTimers()
        countRefusals()  // a burst the close cut short has no readComplete
        step(event(.rPeerDisc, .iPeerDisc))
        if let host = peer?.originHost { registry.unregister(host, connection: self) }
        if case .initiator(let expected) = role { registry.unregister(expected, connection: self) }
        for (_, o) in outstanding {
            o.timeout.cancel()
            o.promise.fail(PeerError.connectionClosed)
        }
        outstanding = [:]
        // A retransmission may come on the peer's next connection: this connection's entries move to the
        // registry (answers still in progress complete there).
        registry.retire(duplicates, now: channel.eventLoop.now)
        duplicates = DuplicateDetector(window: configuration.duplicateWindow, capacity: 0)
        duplicatesRetired = true
        duplicateWaiters = [:]
        disconnectPromise?.succeed(())
        disconnectPromise = nil
    }

    func writabilityChanged() { updateReading() }

    func received(_ frame: ByteBuffer) {
        let burstStarts = !inReadBurst
        inReadBurst = true
        loadDecided = false
        throttleDrawn = nil
        if let gate = configuration.overload {
            // The published state, copied (under the gate's lock) only when its generation moved: once per
            // request, for both the check before decoding and `admitUnderLoad`.
            let generation = gate.generation.load(ordering: .acquiring)
            if generation != overloadGeneration {
                (overloadGeneration, overloadStatus, overloadAVPs) = gate.snapshot()
            }
            // Passes are followed only during an overload condition (at most one task per pass; none otherwise).
            if burstStarts { shedBurst = overloadStatus.throttlePercentage > 0 && loopPass?.readBurst() == true }
            if psm.state.isOpen && refusedBeforeDecoding(frame, gate: gate) { return }
        }
        let message: DiameterMessage
        do {
            message = try DiameterDecoder().decode(frame)
        } catch {
            malformed(frame, error)
            return
        }
        if psm.state.isOpen { feedWatchdog(message) }
        if message.isRequest {
            receivedRequest(message, frame: frame)
        } else {
            receivedAnswer(message)
        }
    }

    func readComplete() {
        inReadBurst = false
        shedBurst = false
        burstClock = nil
        if watchdogTrafficInBurst {
            watchdogTrafficInBurst = false
            // Not for a connection the burst closed (DPR, a peer no longer authorised).
            if psm.state.isOpen && channel.isActive { watchdogActions(watchdog.handle(.receiveNonDWA)) }
        }
        countRefusals()
        if let gate = configuration.overload, admittedUncounted + answeredUncounted + throttledUncounted + shedUncounted > 0 {
            gate.admittedRequests.add(admittedUncounted, ordering: .relaxed)
            gate.answeredRequests.add(answeredUncounted, ordering: .relaxed)
            gate.refusedRequests.add(throttledUncounted, ordering: .relaxed)
            if shedUncounted > 0 { gate.shedRequests.add(shedUncounted, ordering: .relaxed) }
            shedUncounted = 0
            admittedUncounted = 0
            answeredUncounted = 0
            throttledUncounted = 0
        }
        if outbox.readableBytes > 0 {
            sendOutbox()
            channel.flush()
        }
    }

    /// The time, read once per read burst (a clock read per request and per refusal was 7% of a refusal's
    /// cost); outside a burst, now.
    func burstNow() -> NIODeadline {
        guard inReadBurst else { return channel.eventLoop.now }
        if let t = burstClock { return t }
        let t = channel.eventLoop.now
        burstClock = t
        return t
    }

    // MARK: Requests

    private func receivedRequest(_ message: DiameterMessage, frame: ByteBuffer) {
        let h = message.header
        if isInitiator && !psm.state.isOpen {
            // RFC 6733 §5.6: I-Rcv-Non-CEA in Wait-I-CEA → Error.
            step(.iRcvNonCEA)
            close()
            return
        }
        if psm.state == .closed {
            // RFC 6733 §5.6: only a CER may open a connection; anything else before it closes it.
            guard h.commandCode == CommandDefinition.capabilitiesExchange.code, h.applicationID == ApplicationID.base else {
                logger.debug("message before CER; closing", metadata: ["command": "\(h.commandCode)"])
                close()
                return
            }
            capabilitiesExchange(message)
            return
        }
        metrics.requestReceived(command: h.commandCode, application: h.applicationID)
        switch router.route(message) {
        case .error(let error):
            metrics.protocolError(error.resultCode)
            if let answer = ErrorAnswer(error: error, request: frame) {
                write(answer.encode(originHost: configuration.local.originHost, originRealm: configuration.local.originRealm))
            }
        case .base(let command):
            baseRequest(message, command: command)
        case .application(let command):
            // R-Open (I-Open) + Rcv-Message → Process, staying open (RFC 6733 §5.6); in any other state the
            // table has no such row and the message is ignored.
            guard psm.state.isOpen else { return }
            guard authorize(message, command: command, frame: frame) else { return }
            applicationRequest(message, command: command)
        }
    }

    private func applicationRequest(_ message: DiameterMessage, command: CommandDefinition) {
        // RFC 6733 §6.1.1: a retransmission (T-flag or not) of a request we executed gets the same answer.
        // Named by this connection's peer, so that no other peer can name it (DuplicateDetector).
        let h = message.header
        let key = DuplicateDetector.Key(peer: identity.originHost, originHost: relayedOrigin(message), endToEndID: h.endToEndID)
        let now = burstNow()
        switch duplicates.check(key, now: now) {
        case .new:
            // A retransmission after a failover from the peer's previous connection: its answer is kept in
            // the registry. Only T-flagged requests look there. One still in progress there (its
            // connection gone) is executed again.
            if h.flags.contains(.potentiallyRetransmitted), case .answered(let answer)? = registry.retiredStatus(of: key, now: now) {
                duplicates.complete(key, answer: answer, now: now)
                writeAnswer(DuplicateDetector.replay(answer, hopByHopID: h.hopByHopID), appending: replayedDOIC(message))
                return
            }
            var doic = false
            if let gate = configuration.overload, let refusal = admitUnderLoad(message, gate: gate, doic: &doic, now: now) {
                duplicates.abandon(key)
                refuseForLoad(
                    h, sessionID: message.first(.sessionID)?.string, proxyInfo: message.all(.proxyInfo).compactMap { try? ProxyInfo($0.members) },
                    refusal, doic: doic)
                return
            }
            inFlight += 1
            var pending = PendingRequest(commandCode: h.commandCode, key: key, received: .now)
            pending.doic = doic
            nextToken &+= 1
            let token = nextToken
            if let answer = application.handle(message, command: command, from: identity, responder: DiameterResponder(sink: self, token: token)) {
                deliver(answer, for: pending)
            } else {
                waiting[token] = pending
                updateReading()
            }
        case .inProgress:
            duplicateWaiters[key, default: []].append(h.hopByHopID)
        case .answered(let answer):
            writeAnswer(DuplicateDetector.replay(answer, hopByHopID: h.hopByHopID), appending: replayedDOIC(message))
        }
    }

    /// The DOIC AVPs for a replayed answer (kept without them): the node's state now, when the retransmitted
    /// request carries OC-Supported-Features (RFC 7683 §5.2.2) and the node does overload control.
    private func replayedDOIC(_ request: DiameterMessage) -> [UInt8] {
        configuration.overload != nil && request.first(.ocSupportedFeatures) != nil ? overloadAVPs : []
    }

    /// Whether the peer may send this request (``PeerAuthorization``); when not, the refusal is answered
    /// (3007 / 3001 with the E-bit, or 5003 for an Origin-Host that is not the peer's) and logged. The
    /// policy may have been replaced since the CER: then the peer is admitted again first, and a peer no
    /// longer admitted is disconnected.
    private func authorize(_ message: DiameterMessage, command: CommandDefinition, frame: ByteBuffer) -> Bool {
        let generation = registry.authorizationGeneration.load(ordering: .acquiring)
        if generation != permissionsGeneration {
            switch admission(identity.originHost, identity.originRealm) {
            case .admitted(let p):
                permissions = p
                permissionsGeneration = generation
            case .refused(let reason):
                logger.warning("peer no longer authorised; disconnecting", metadata: ["peer": "\(identity.originHost)", "reason": "\(reason)"])
                close()
                return false
            }
        }
        let h = message.header
        // The reason is written only for a refusal (an interpolated string per request cost 5,000 instructions).
        let refusal: ResultCode, reason: String
        if let r = permissions.refusal(application: h.applicationID, command: h.commandCode) {
            refusal = r
            reason = "peer \(identity.originHost) may not use \(command.abbreviation(isRequest: true)) (application \(h.applicationID))"
        } else if !permissions.relay, let origin = relayedOrigin(message) {
            // RFC 6733 §6.1: only an agent forwards other nodes' requests; from a client this is a spoof.
            refusal = .authorizationRejected
            reason = "Origin-Host \(origin.prefix(255)) is not the connection's peer \(identity.originHost), which is not a relay"
        } else {
            return true
        }
        logger.warning("request refused by peer authorisation", metadata: ["peer": "\(identity.originHost)", "result": "\(refusal.value)", "reason": "\(reason)"])
        metrics.protocolError(refusal)
        if let answer = ErrorAnswer(error: DiameterMessageError(refusal, offset: 0, reason: reason, header: h), request: frame) {
            write(answer.encode(originHost: configuration.local.originHost, originRealm: configuration.local.originRealm))
        }
        return false
    }

    // MARK: Overload (RFC 7683, RFC 8583) and the peer's request rate

    /// Nil when the request may go on (`doic` tells whether it carried OC-Supported-Features), else the
    /// refusal: 3004 over the peer's rate (RFC 7683 §5.2.3: a configured per-client limit), or the node's
    /// own throttling of a request no reacting node abated (it carried no OC-Supported-Features) at the
    /// reduction the node asks of the others.
    private func admitUnderLoad(_ message: DiameterMessage, gate: OverloadGate, doic: inout Bool, now: NIODeadline) -> ResultCode? {
        doic = message.first(.ocSupportedFeatures) != nil
        if loadDecided {
            admittedUncounted += 1
            return nil
        }
        if let refusal = loadRefusal(doic: doic, gate: gate, now: now, destinationIsLocal: {
            message.first(.destinationHost).map { sameIdentity($0.string ?? "", configuration.local.originHost) } ?? false
        }) {
            return refusal
        }
        admittedUncounted += 1
        return nil
    }

    /// The peer's rate first, then the node's own throttling of requests no reacting node abated; nil: admitted.
    private func loadRefusal(doic: Bool, gate: OverloadGate, now: NIODeadline, destinationIsLocal: () -> Bool) -> ResultCode? {
        if let rate = permissions.maxRequestsPerSecond ?? gate.defaultPeerRate {
            let t = Int64(truncatingIfNeeded: now.uptimeNanoseconds)
            if rateLimiter?.rate != rate { rateLimiter = RequestRateLimiter(rate: rate, now: t) }
            if rateLimiter?.admit(now: t) == false { return .tooBusy }
        }
        if shedBurst {
            // Stale (``LoopPass``): it waited in its socket behind a long pass, doic or not.
            shedUncounted += 1
            return destinationIsLocal() ? .unableToComply : .tooBusy
        }
        if !doic && drawThrottle() {
            throttledUncounted += 1
            // RFC 7683 §8: DIAMETER_TOO_BUSY when another node could serve the request,
            // DIAMETER_UNABLE_TO_COMPLY when it names this node in Destination-Host (a retry would come back here).
            return destinationIsLocal() ? .unableToComply : .tooBusy
        }
        return nil
    }

    /// Whether the throttle refuses the request being received if it did not carry OC-Supported-Features: a
    /// draw of `throttlePercentage` in 100, made once per request (the one made before the scan, if any).
    private func drawThrottle() -> Bool {
        if let drawn = throttleDrawn { return drawn }
        let throttle = overloadStatus.throttlePercentage
        let drawn = throttle > 0 && throttleDraw.next() % 100 < UInt64(throttle)
        throttleDrawn = drawn
        return drawn
    }

    /// The rate limit and the throttle decided from the header and the AVP headers alone, before the
    /// request is decoded, validated and checked for duplicates, so that refusing costs a fraction of
    /// admitting (docs/benchmarks.md "Overload": the decoded path's refusal cost 40% of a MAR, and at 2×
    /// load those refusals took the CPU the admitted requests needed). Only a plain request qualifies: of an
    /// application the peer may use, for this node and realm, with a Session-Id, and without the T-flag (a
    /// retransmission may have an answer to replay: RFC 6733 §6.1.1), Proxy-Info (its answer carries it),
    /// or an Origin-Host other than the peer's (refused as a spoof). One with OC-Supported-Features qualifies
    /// too: it is never throttled (its sender abates itself), but over the peer's rate or stale it is
    /// refused here, its answer carrying the DOIC AVPs (a refusal on the decoded path was measured at about
    /// four times the cost of one here: docs/benchmarks.md "DOIC requests shed before decoding").
    /// Everything else, and anything malformed, takes the decoded path, which decides alike.
    /// A request that nothing could refuse (no rate limit, not stale, and the throttle's draw lets it through
    /// whether or not it carries OC-Supported-Features) is admitted without scanning its AVPs: with no rate
    /// limit, the share the throttle does not ask to refuse (about half at 2× load with DOIC clients, where
    /// the scan was about 1% of a MAR's CPU: docs/benchmarks.md "Where the 2x phase's CPU goes").
    /// True when the request was refused and answered here; when it was admitted here, `loadDecided` is set.
    private func refusedBeforeDecoding(_ frame: ByteBuffer, gate: OverloadGate) -> Bool {
        let limited = permissions.maxRequestsPerSecond ?? gate.defaultPeerRate != nil
        guard overloadStatus.throttlePercentage > 0 || limited,
            registry.authorizationGeneration.load(ordering: .acquiring) == permissionsGeneration,
            let h = try? DiameterDecoder.decodeHeader(frame),
            h.flags.contains(.request) && !h.flags.contains(.potentiallyRetransmitted),
            isPlainCommand(h)
        else { return false }
        if !limited && !shedBurst && !drawThrottle() {
            loadDecided = true
            return false
        }
        let identities = scanIdentities ?? PlainRequestScan.Identities(peer: identity.originHost, local: configuration.local)
        scanIdentities = identities
        guard let plain = PlainRequestScan.scan(frame, identities: identities, relay: permissions.relay) else { return false }
        let refusal = loadRefusal(doic: plain.doic, gate: gate, now: burstNow(), destinationIsLocal: { plain.destinationIsLocal })
        loadDecided = true
        guard let refusal else { return false }
        // R-Open (I-Open) + Rcv-Message → Process, staying open (RFC 6733 §5.6): nothing for the state
        // machine to do (received() came here only when open). The watchdog hears of it at the burst's end.
        watchdogTrafficInBurst = true
        // The answer is written from a template straight after the burst's other answers.
        let template = refusalTemplate(refusal, application: h.applicationID)
        frame.withUnsafeReadableBytes { raw in
            let sessionID = UnsafeRawBufferPointer(rebasing: raw[plain.sessionID])
            // A reacting node's request (RFC 7683 §5.2.2): its answer carries OC-Supported-Features and the OC-OLR.
            let extra = plain.doic ? overloadAVPs : []
            if transport == .sctp {
                var answer = channel.allocator.buffer(capacity: 128 + sessionID.count + extra.count)
                template.write(requestHeader: h, sessionID: sessionID, appending: extra, to: &answer)
                write(answer)
            } else {
                reserveOutbox()
                template.write(requestHeader: h, sessionID: sessionID, appending: extra, to: &outbox)
            }
        }
        if let u = refusalsUncounted, u.command != h.commandCode || u.application != h.applicationID || u.code != refusal {
            countRefusals()
        }
        refusalsUncounted = (h.commandCode, h.applicationID, refusal, (refusalsUncounted?.count ?? 0) + 1)
        refusedForLoad()
        return true
    }

    /// Whether a request with header `h` is of an application this node serves (other than the base
    /// protocol) and a command the peer may use (``PeerAuthorization/Permissions/refusal(application:command:)``);
    /// the last such pair is remembered.
    private func isPlainCommand(_ h: DiameterHeader) -> Bool {
        if let last = plainCommand, last.application == h.applicationID, last.command == h.commandCode { return true }
        guard h.applicationID != ApplicationID.base, configuration.local.applicationIDs.contains(h.applicationID),
            permissions.refusal(application: h.applicationID, command: h.commandCode) == nil
        else { return false }
        plainCommand = (h.applicationID, h.commandCode)
        return true
    }

    /// The answer of a refusal for `code` to a request of `application`, made once per connection.
    private func refusalTemplate(_ code: ResultCode, application: UInt32) -> ErrorAnswer.Template {
        // The last one made or used is the usual answer (a burst's refusals share code and application).
        if let t = refusalTemplates.last, t.resultCode == code, t.applicationID == application { return t }
        if let i = refusalTemplates.firstIndex(where: { $0.resultCode == code && $0.applicationID == application }) {
            refusalTemplates.swapAt(i, refusalTemplates.count - 1)
            return refusalTemplates[refusalTemplates.count - 1]
        }
        let t = ErrorAnswer.Template(
            code, reason: Self.loadRefusalReason(code), applicationID: application, originHost: configuration.local.originHost,
            originRealm: configuration.local.originRealm)
        refusalTemplates.append(t)
        return t
    }

    /// The refusals before decoding of this burst, into the metrics (received, and refused with their code).
    private func countRefusals() {
        guard let u = refusalsUncounted else { return }
        refusalsUncounted = nil
        metrics.requestsRefused(command: u.command, application: u.application, code: u.code, count: u.count)
    }

    static func loadRefusalReason(_ code: ResultCode) -> String { code == .tooBusy ? "too busy" : "overloaded" }

    /// Answers a request refused for load (with the E-bit for 3004, RFC 6733 §7.1.3) and logs, at most
    /// once a second, how many were refused.
    private func refuseForLoad(_ h: DiameterHeader, sessionID: String?, proxyInfo: [ProxyInfo] = [], _ code: ResultCode, doic: Bool) {
        metrics.protocolError(code)
        // RFC 6733 §6.2: the answer carries the request's Proxy-Info AVPs, in their order.
        let answer = ErrorAnswer(
            requestHeader: h, error: DiameterMessageError(code, offset: 0, reason: Self.loadRefusalReason(code), header: h), sessionID: sessionID,
            proxyInfo: proxyInfo
        ).encode(originHost: configuration.local.originHost, originRealm: configuration.local.originRealm)
        writeAnswer(answer, appending: doic ? overloadAVPs : [])
        refusedForLoad()
    }

    /// Logs, at most once a second, how many requests were refused for load.
    private func refusedForLoad() {
        loadRefusals += 1
        let now = burstNow()
        if loadRefusalsLogged.map({ now - $0 >= .seconds(1) }) ?? true {
            logger.warning(
                "requests refused for load", metadata: ["peer": "\(identity.originHost)", "refused": "\(loadRefusals)", "throttle": "\(overloadStatus.throttlePercentage)%"])
            loadRefusals = 0
            loadRefusalsLogged = now
        }
    }

    /// The peer against the policy in force: its source address and, over TLS, its certificate.
    private func admission(_ originHost: String, _ originRealm: String) -> PeerAuthorization.Admission {
        let policy = registry.authorization.policy
        return policy.admit(
            originHost: originHost, originRealm: originRealm, sourceAddress: channel.remoteAddress?.ipAddress,
            certificateMatches: { [self] name in isTLS && certificateMatches(name) })
    }

    /// The request's Origin-Host when it is not this connection's peer (a request an agent relayed); nil
    /// for the usual request, found by comparing the AVP's octets in place (ASCII case-insensitively,
    /// RFC 6733 §4.3.1) rather than making a String of them for every request.
    private func relayedOrigin(_ message: DiameterMessage) -> String? {
        guard let avp = message.first(.originHost) else { return nil }
        let data = avp.data
        let peer = identity.originHost.utf8
        if data.readableBytes == peer.count && data.readableBytesView.elementsEqual(peer, by: { asciiLowercased($0) == asciiLowercased($1) }) {
            return nil
        }
        return avp.string
    }

    /// An answer that was not ready at once (``DiameterResponder``): delivered on this connection's event
    /// loop, in place when it comes from there, else one hop.
    nonisolated func receive(_ answer: ByteBuffer, token: UInt64) {
        if channel.eventLoop.inEventLoop {
            onEventLoop { $0.answered(token, answer) }
        } else {
            channel.eventLoop.execute { [self] in onEventLoop { $0.answered(token, answer) } }
        }
    }

    func answered(_ token: UInt64, _ answer: ByteBuffer) {
        guard let pending = waiting.removeValue(forKey: token) else {
            assertionFailure("an answer for no waiting request (a responder called twice, or from inside handle)")
            return
        }
        deliver(answer, for: pending)
    }

    /// Keeps the answer for retransmissions and writes it. A DOIC request's answer gets the DOIC AVPs as it
    /// is written (into the outbox, no copy of its own: appending them to the answer's buffer copied it,
    /// docs/benchmarks.md "Where the 2x phase's CPU goes"); it is kept without them, and a replay carries
    /// the state of its own time.
    func deliver(_ answer: ByteBuffer, for request: PendingRequest) {
        inFlight -= 1
        let doicAVPs = request.doic ? overloadAVPs : []
        if configuration.overload != nil { answeredUncounted += 1 }
        let key = request.key
        let now = burstNow()
        if duplicatesRetired {
            registry.completeRetired(key, answer: answer, now: now)
        } else {
            duplicates.complete(key, answer: answer, now: now)
        }
        if channel.isActive {
            writeAnswer(answer, appending: doicAVPs)
            for hbh in duplicateWaiters.removeValue(forKey: key) ?? [] {
                writeAnswer(DuplicateDetector.replay(answer, hopByHopID: hbh), appending: doicAVPs)
            }
        }
        metrics.answerSent(
            command: request.commandCode, resultCode: metrics.wantsResultCodes ? Self.resultCode(of: answer) : nil,
            latency: ContinuousClock.now - request.received)
        updateReading()
    }

    /// Writes an answer, followed by `extra` AVPs (the DOIC ones) within its length: inside a read burst it
    /// is flushed at the burst's end (answers of one burst leave in one system call); otherwise at the end
    /// of this event-loop tick. On SCTP every Diameter message stays its own SCTP message: flushed each.
    private func writeAnswer(_ bytes: ByteBuffer, appending extra: [UInt8] = []) {
        guard transport != .sctp && inReadBurst else {
            var answer = bytes
            EncodedAVPs.append(extra, to: &answer)
            return transport == .sctp ? write(answer) : writeCoalesced(answer)
        }
        reserveOutbox()
        EncodedAVPs.write(bytes, appending: extra, to: &outbox)
    }

    /// Gives the outbox its starting capacity when the burst's first answer comes (an idle connection holds none).
    private func reserveOutbox() {
        if outbox.capacity == 0 { outbox.reserveCapacity(outboxCapacity) }
    }

    /// Sends what the outbox holds down the pipeline (not flushed).
    private func sendOutbox() {
        guard outbox.readableBytes > 0 else { return }
        outboxCapacity = min(max(outbox.readableBytes, 1024), 65_536)
        channel.write(outbox, promise: nil)
        outbox = channel.allocator.buffer(capacity: 0)
    }

    private func baseRequest(_ message: DiameterMessage, command: CommandDefinition) {
        let local = configuration.local
        switch command.code {
        case CommandDefinition.deviceWatchdog.code:
            _ = psm.handle(event(.rRcvDWR, .iRcvDWR))
            let dwa = DeviceWatchdogAnswer(fields: BaseAnswerFields(
                resultCode: .success, originHost: local.originHost, originRealm: local.originRealm,
                originStateID: local.originStateID))
            write(dwa.encode(hopByHopID: message.header.hopByHopID, endToEndID: message.header.endToEndID))
        case CommandDefinition.disconnectPeer.code:
            step(event(.rRcvDPR, .iRcvDPR))
            let dpa = DisconnectPeerAnswer(fields: BaseAnswerFields(resultCode: .success, originHost: local.originHost, originRealm: local.originRealm))
            write(dpa.encode(hopByHopID: message.header.hopByHopID, endToEndID: message.header.endToEndID))
            // RFC 6733 §5.4: the sender of the DPR closes; we close ourselves if it does not.
            armStateTimer(configuration.disconnectTimeout) { $0.close() }
        default:
            // A second CER on an open connection: RFC 6733 §5.6 has no row for it. Answer it as unable to comply.
            let error = DiameterMessageError(.unableToComply, offset: 0, reason: "capabilities already exchanged", header: message.header)
            write(ErrorAnswer(requestHeader: message.header, error: error).encode(originHost: local.originHost, originRealm: local.originRealm))
        }
    }

    /// Our identity for this connection: when no Host-IP-Address is configured, the address the peer
    /// reached us on (RFC 6733 §5.3: the real local addresses).
    var local: LocalPeer {
        var l = configuration.local
        if l.hostIPAddresses.isEmpty, let ip = channel.localAddress?.ipAddress, let a = DiameterAddress(ip) {
            l.hostIPAddresses = [a]
        }
        return l
    }

    private func capabilitiesExchange(_ message: DiameterMessage) {
        let local = self.local
        var decision = CapabilitiesExchange.evaluate(message, local: local)
        if case .accept(let caps, _) = decision, isTLS, configuration.tls?.requireClientCertificate == true,
            !certificateMatches(caps.originHost)
        {
            // RFC 6733 §13: the identity in the CER must be the one the certificate vouches for.
            decision = .reject(.unknownPeer, reason: "Origin-Host \(caps.originHost) does not match the peer certificate", peer: caps)
        }
        if case .accept(let caps, _) = decision {
            // The peer list (RFC 6733 §5.3: an unknown peer → 3010 when the local policy rejects it).
            let generation = registry.authorizationGeneration.load(ordering: .acquiring)
            switch admission(caps.originHost, caps.originRealm) {
            case .admitted(let p):
                permissions = p
                permissionsGeneration = generation
            case .refused(let reason):
                decision = .reject(.unknownPeer, reason: reason, peer: caps)
            }
        }
        switch decision {
        case .accept(let caps, _):
            // RFC 6733 §5.6: R-Conn-CER while another connection with that peer is open → R-Reject; while
            // our own connection to it waits for its CEA → election (§5.6.4).
            switch registry.registerResponder(caps.originHost, connection: self) {
            case .registered:
                break
            case .rejected:
                logger.info("second connection from the peer; rejected", metadata: ["peer": "\(caps.originHost)"])
                close()
                return
            case .won(let other):
                logger.info("election won; closing our own connection", metadata: ["peer": "\(caps.originHost)"])
                other.channel.close(promise: nil)
            }
            peer = caps
            identity = PeerIdentity(originHost: caps.originHost, originRealm: caps.originRealm)
            cancelStateTimer()
            step(.rConnCER)
            write(CapabilitiesExchange.answer(to: message.header, decision: decision, local: local))
            watchdogActions(watchdog.handle(.connectionUp))
            logger.info("peer open", metadata: ["peer": "\(caps.originHost)", "product": "\(caps.productName)"])
        case .reject(let code, let reason, let caps, _):
            logger.info("CER refused", metadata: ["peer": "\(caps?.originHost ?? "?")", "result": "\(code.value)", "reason": "\(reason)"])
            metrics.protocolError(code)
            rejectCER(message.header, decision)
        }
    }

    /// Sends the CEA that refuses a CER, then closes.
    private func rejectCER(_ header: DiameterHeader, _ decision: CapabilitiesExchange.Decision) {
        cancelStateTimer()
        let cea = CapabilitiesExchange.answer(to: header, decision: decision, local: local)
        channel.writeAndFlush(cea).whenComplete { [channel] _ in channel.close(promise: nil) }
    }

    private func certificateMatches(_ originHost: String) -> Bool {
        guard let ssl = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let der = try? ssl.peerCertificate?.toDERBytes()
        else { return false }
        return TLSPeerIdentity.certificate(der: der, matchesHost: originHost)
    }

    private func capabilitiesExchangeTimedOut() {
        guard !psm.state.isOpen && psm.state != .closing else { return }
        step(.timeout)
        logger.info("no CER in time; closing")
        close()
    }

    // MARK: Answers

    private func receivedAnswer(_ message: DiameterMessage) {
        let h = message.header
        if case .initiator(let expected) = role, psm.state == .waitICEA {
            receivedCEA(message, expected: expected)
            return
        }
        // An answer to a request sent through send(_:timeout:), whatever its command.
        if let o = outstanding.removeValue(forKey: h.hopByHopID) {
            o.timeout.cancel()
            o.promise.succeed(message)
            if h.commandCode == CommandDefinition.deviceWatchdog.code { _ = psm.handle(event(.rRcvDWA, .iRcvDWA)) }
            return
        }
        switch h.commandCode {
        case CommandDefinition.deviceWatchdog.code where h.applicationID == ApplicationID.base:
            _ = psm.handle(event(.rRcvDWA, .iRcvDWA))
        case CommandDefinition.disconnectPeer.code where h.applicationID == ApplicationID.base:
            step(event(.rRcvDPA, .iRcvDPA))
            close()
        default:
            logger.debug("answer to no outstanding request; dropped", metadata: ["hop-by-hop": "\(h.hopByHopID)"])
        }
    }

    /// RFC 6733 §5.3: the CEA to our CER. Open when it says 2001, comes from the peer we expected and
    /// shares an application with us; otherwise close.
    private func receivedCEA(_ message: DiameterMessage, expected: String) {
        guard message.commandCode == CommandDefinition.capabilitiesExchange.code, message.applicationID == ApplicationID.base else {
            step(.iRcvNonCEA)
            close()
            return
        }
        let cea: CapabilitiesExchangeAnswer
        do {
            try message.validate(against: .capabilitiesExchange)
            cea = try CapabilitiesExchangeAnswer(decoding: message)
        } catch {
            logger.info("malformed CEA; closing", metadata: ["reason": "\(error.reason)"])
            close()
            return
        }
        guard cea.resultCode == .success else {
            logger.info("peer refused our CER", metadata: ["peer": "\(expected)", "result": "\(cea.resultCode.value)"])
            close()
            return
        }
        guard cea.capabilities.originHost.lowercased() == expected.lowercased() else {
            logger.info("CEA from an unexpected identity; closing", metadata: ["expected": "\(expected)", "got": "\(cea.capabilities.originHost)"])
            close()
            return
        }
        guard case .accept = CapabilitiesExchange.evaluate(cea.capabilities, local: configuration.local) else {
            logger.info("no application in common with the peer; closing", metadata: ["peer": "\(expected)"])
            close()
            return
        }
        guard registry.markOpen(expected, connection: self) else {
            close()  // lost the election meanwhile
            return
        }
        peer = cea.capabilities
        identity = PeerIdentity(originHost: cea.capabilities.originHost, originRealm: cea.capabilities.originRealm)
        cancelStateTimer()
        step(.iRcvCEA)
        watchdogActions(watchdog.handle(.connectionUp))
        logger.info("peer open", metadata: ["peer": "\(expected)", "role": "initiator"])
    }

    // MARK: Requests this node sends (RTR, PPR)

    /// Sends the request that `build` makes for the Hop-by-Hop and End-to-End Identifiers given, and waits
    /// for its answer (at most `timeout`).
    func send(
        _ build: @Sendable (_ hopByHop: UInt32, _ endToEnd: UInt32) -> ByteBuffer, timeout: TimeAmount
    ) -> EventLoopFuture<DiameterMessage> {
        let promise = channel.eventLoop.makePromise(of: DiameterMessage.self)
        guard psm.state.isOpen else {
            promise.fail(PeerError.peerNotOpen)
            return promise.futureResult
        }
        nextHopByHop &+= 1
        let hbh = nextHopByHop
        let scheduled = channel.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            _ = self?.assumeIsolated { me in
                if let o = me.outstanding.removeValue(forKey: hbh) { o.promise.fail(PeerError.timeout) }
            }
        }
        outstanding[hbh] = (promise, scheduled)
        _ = psm.handle(.sendMessage)
        write(build(hbh, EndToEndIdentifier.next()))
        return promise.futureResult
    }

    /// RFC 6733 §5.4: DPR, then wait (bounded) for DPA or the peer's close, then close.
    func disconnect(cause: DisconnectCause) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        guard channel.isActive else {
            promise.succeed(())
            return promise.futureResult
        }
        guard psm.state.isOpen else {
            close()
            promise.succeed(())
            return promise.futureResult
        }
        disconnectPromise = promise
        step(.stop)
        let local = configuration.local
        nextHopByHop &+= 1
        write(DisconnectPeerRequest(originHost: local.originHost, originRealm: local.originRealm, disconnectCause: cause)
            .encode(hopByHopID: nextHopByHop, endToEndID: EndToEndIdentifier.next()))
        armStateTimer(configuration.disconnectTimeout) { $0.close() }
        return promise.futureResult
    }

    // MARK: Watchdog

    /// A DWA goes to the watchdog at once; other traffic at the end of the read burst (`readComplete`;
    /// `received`, the only caller, is always inside one).
    private func feedWatchdog(_ message: DiameterMessage) {
        if !message.isRequest && message.commandCode == CommandDefinition.deviceWatchdog.code {
            watchdogActions(watchdog.handle(.receiveDWA))
        } else {
            watchdogTrafficInBurst = true
        }
    }

    private func watchdogActions(_ actions: Watchdog<SplitMix64>.Actions) {
        for action in actions {
            switch action {
            case .setWatchdog(let tw):
                let nanos = tw.components.seconds * 1_000_000_000 + tw.components.attoseconds / 1_000_000_000
                let deadline = burstNow() + .nanoseconds(nanos)
                let needsTask = watchdogTimer == nil || (watchdogFire.map { deadline < $0 } ?? true)
                watchdogDeadline = deadline
                if needsTask { armWatchdogTimer(at: deadline) }
            case .sendWatchdog:
                let local = configuration.local
                nextHopByHop &+= 1
                write(DeviceWatchdogRequest(originHost: local.originHost, originRealm: local.originRealm, originStateID: local.originStateID)
                    .encode(hopByHopID: nextHopByHop, endToEndID: EndToEndIdentifier.next()))
            case .failover:
                logger.warning("peer suspect: no watchdog answer", metadata: ["peer": "\(peer?.originHost ?? "?")"])
            case .failback:
                logger.info("peer answering again", metadata: ["peer": "\(peer?.originHost ?? "?")"])
            case .closeConnection:
                logger.warning("peer down: closing", metadata: ["peer": "\(peer?.originHost ?? "?")"])
                close()
            case .attemptOpen, .throwaway:
                break  // responder connections are not reopened by us
            }
        }
    }

    /// Schedules the watchdog task; when it fires before the (moved) deadline it re-arms itself instead of
    /// reporting a timeout.
    private func armWatchdogTimer(at deadline: NIODeadline) {
        watchdogTimer?.cancel()
        watchdogFire = deadline
        watchdogTimer = channel.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            _ = self?.assumeIsolated { me in
                me.watchdogTimer = nil
                if let due = me.watchdogDeadline, due > me.channel.eventLoop.now {
                    me.armWatchdogTimer(at: due)
                } else {
                    me.watchdogActions(me.watchdog.handle(.timerExpired))
                }
            }
        }
    }

    // MARK: Helpers

    private func step(_ event: PeerStateMachine.Event) {
        if case .transition(_, let from, let to) = psm.handle(event), from != to {
            metrics.peerStateChanged(peer: peer?.originHost ?? "", from: from, to: to)
        }
    }

    private func malformed(_ frame: ByteBuffer, _ error: DiameterMessageError) {
        metrics.protocolError(error.resultCode)
        if psm.state == .closed, !isInitiator, let header = error.header, header.isRequest,
            header.commandCode == CommandDefinition.capabilitiesExchange.code, header.applicationID == ApplicationID.base
        {
            // RFC 6733 §5.3, §7.1.5: a CER that does not decode (an Origin-Host that is not an identity, say)
            // still gets its CEA, with the Result-Code and the Failed-AVP; then the connection closes.
            logger.info("CER refused", metadata: ["result": "\(error.resultCode.value)", "reason": "\(error.reason)"])
            rejectCER(header, .invalid(error))
            return
        }
        // Only an open connection gets error answers; before CER, garbage closes it.
        guard psm.state.isOpen, let header = error.header, header.isRequest,
            let answer = ErrorAnswer(error: error, request: frame)
        else {
            logger.debug("undecodable message; closing", metadata: ["reason": "\(error.reason)"])
            if !psm.state.isOpen { close() }
            return
        }
        write(answer.encode(originHost: configuration.local.originHost, originRealm: configuration.local.originRealm))
    }

    /// Writes and flushes, after the answers the outbox holds.
    private func write(_ bytes: ByteBuffer) {
        sendOutbox()
        channel.writeAndFlush(bytes, promise: nil)
    }

    /// Writes now and flushes once at the end of this event-loop tick: answers completing together leave
    /// in one system call.
    private func writeCoalesced(_ bytes: ByteBuffer) {
        channel.write(bytes, promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        channel.eventLoop.assumeIsolated().execute { [weak self] in
            _ = self?.onEventLoop { me in
                me.flushScheduled = false
                me.channel.flush()
            }
        }
    }

    func close() {
        cancelTimers()
        channel.close(promise: nil)
    }

    private func updateReading() {
        let shouldPause = inFlight >= configuration.maximumInFlightPerConnection || !channel.isWritable
        if shouldPause != readingPaused {
            readingPaused = shouldPause
            channel.setOption(ChannelOptions.autoRead, value: !shouldPause).whenFailure { _ in }
        }
    }

    private func armStateTimer(_ after: TimeAmount, _ body: @escaping @Sendable (isolated PeerConnection) -> Void) {
        stateTimer?.cancel()
        stateTimer = channel.eventLoop.assumeIsolated().scheduleTask(in: after) { [weak self] in
            _ = self?.assumeIsolated { body($0) }
        }
    }

    private func cancelStateTimer() {
        stateTimer?.cancel()
        stateTimer = nil
    }

    private func cancelTimers() {
        cancelStateTimer()
        watchdogTimer?.cancel()
        watchdogTimer = nil
        watchdogDeadline = nil
        watchdogFire = nil
    }

    static func resultCode(of answer: ByteBuffer) -> UInt32? { DiameterDecoder.peekResultCode(answer) }
}

extension PeerConnection {
    /// `assumeIsolated` for code running on the channel's event loop, checked by comparing threads (the
    /// event loop's `inEventLoop`) instead of the runtime's executor check, which costs about 400
    /// instructions per call with an event-loop executor (callgrind, docs/benchmarks.md). The body runs
    /// as the standard library's `assumeIsolated` runs it once its check passed.
    nonisolated func onEventLoop<T>(_ body: (isolated PeerConnection) throws -> T) rethrows -> T {
        precondition(channel.eventLoop.inEventLoop, "PeerConnection used off its event loop")
        return try withoutActuallyEscaping(body) { body in
            try unsafeBitCast(body, to: ((PeerConnection) throws -> T).self)(self)
        }
    }
}

/// Why a request this node sent got no answer.
public enum PeerError: Error, Sendable, Hashable {
    case peerNotOpen
    case noSuchPeer(String)
    case timeout
    case connectionClosed
}

/// RFC 6733 §3: End-to-End Identifiers: the high 12 bits from the low 12 bits of the current time, the low
/// 20 bits a counter starting at a random value.
enum EndToEndIdentifier {
    static let counter = NIOLockedValueBox<UInt32>(UInt32.random(in: 0..<(1 << 20)))
    static let timeBits: UInt32 = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt32(truncatingIfNeeded: ts.tv_sec) & 0xFFF
    }()

    static func next() -> UInt32 {
        let low = counter.withLockedValue { c -> UInt32 in
            c = (c &+ 1) & 0xF_FFFF
            return c
        }
        return timeBits << 20 | low
    }
}
