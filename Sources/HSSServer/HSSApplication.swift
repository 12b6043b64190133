public import DiameterCore
public import DiameterPeer
public import HSSCore
public import Logging
public import NIOCore
import Atomics
import HSSStorage
import NIOConcurrencyHelpers

/// The HSS behind the peer layer (Cx, S6a and Sh): decodes each request into its typed message, routes it
/// to the shard of its subscription, encodes the answer, and sends what the procedure asks for (RTR, CLR,
/// PNR).
public final class HSSApplication: DiameterRequestHandler {
    public let directory: SubscriberDirectory
    public let context: HSSContext
    let logger: Logger
    let sender: HSSRequestSender

    /// The Sh permissions in force (replaced through the API; read without a lock).
    public let shPolicy: ShPolicyStore

    public init(directory: SubscriberDirectory, context: HSSContext, logger: Logger, shPolicy: ShPolicy = ShPolicy()) {
        self.directory = directory
        self.context = context
        self.logger = logger
        self.sender = HSSRequestSender(context: context, logger: logger)
        self.shPolicy = ShPolicyStore(shPolicy)
    }

    /// Connects the application to the server that sends its RTR/PPR (the server is built after the
    /// application it serves).
    public func attach(_ server: DiameterServer) { sender.attach(server) }

    public var admin: HSSAdmin { HSSAdmin(directory: directory, sender: sender, shPolicy: shPolicy) }

    /// Calls `f` with the fate of every HSS-initiated request this node sends (RTR, PPR, CLR, IDR, DSR,
    /// PNR), whether it was triggered by a procedure or by the API.
    public func observeDeliveries(_ f: @escaping @Sendable (HSSAdmin.Delivery) -> Void) { sender.observer.withLockedValue { $0 = f } }

    /// The answer, awaited: a retransmission (T flag) whose answer was kept gets it again; anything else
    /// goes through ``handle(_:command:from:responder:)``.
    public func answer(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity) async -> ByteBuffer {
        let header = request.header
        // A retransmission (T flag, RFC 6733 §3) of a request whose answer was kept — possibly by another
        // node before a failover — gets that answer again (docs/replication.md).
        if header.flags.contains(.potentiallyRetransmitted) {
            do {
                if var kept = try await replayedAnswer(Self.replayKey(peer, request.first(.originHost)?.string, header.endToEndID)),
                    kept.readableBytes >= 20
                {
                    kept.setInteger(header.hopByHopID, at: kept.readerIndex + 12)
                    return kept
                }
            } catch {
                return failureAnswer(error, request, command)
            }
        }
        return await withCheckedContinuation { c in
            if let now = handleNew(request, command: command, from: peer, responder: DiameterResponder { c.resume(returning: $0) }) {
                c.resume(returning: now)
            }
        }
    }

    /// Called on the connection's event loop: decodes the request, finds its subscription's shard, and
    /// answers in place when the shard runs on this loop and the procedure has nothing to wait for (no
    /// task, no hop, no lock); otherwise the shard's answer comes back through `responder`. A
    /// retransmission (T flag) goes the awaited way (its kept answer may need an acknowledgement).
    public func handle(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        if request.header.flags.contains(.potentiallyRetransmitted) {
            Task { responder.send(await answer(request, command: command, from: peer)) }
            return nil
        }
        return handleNew(request, command: command, from: peer, responder: responder)
    }

    func handleNew(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        let header = request.header
        if command.applicationID == ApplicationID.s6a { return handleS6a(request, command: command, from: peer, responder: responder) }
        if command.applicationID == ApplicationID.sh { return handleSh(request, command: command, from: peer, responder: responder) }
        do {
            // TS 29.229 §7.2: Supported-Features first; a required feature list we share nothing with
            // ends the request here.
            let requested = try request.all(.supportedFeatures).map { view throws(DiameterMessageError) in
                (features: try SupportedFeatures(view.members), mandatory: view.flags.contains(.mandatory))
            }
            var features: [SupportedFeatures] = []
            switch CxFeatures.negotiate(requested) {
            case .answer(let f): features = f
            case .unsupported:
                return ErrorAnswer(
                    requestHeader: header,
                    error: DiameterMessageError(.errorFeatureUnsupported, offset: 0, reason: "no supported feature in a mandatory Supported-Features", header: header),
                    sessionID: request.first(.sessionID)?.string
                ).encode(originHost: context.originHost, originRealm: context.originRealm)
            }
            let storage = directory.storage
            let call = Call(application: self, request: request, command: command, features: features, responder: responder)
            switch command.code {
            case CommandDefinition.userAuthorization.code:
                let r = try UserAuthorizationRequest(decoding: request)
                guard let id = storage.subscriptionID(forPrivate: r.userName) ?? storage.subscriptionID(forPublic: r.publicIdentity) else {
                    return encode(CxProcedures.userAuthorization(r, subscription: nil, context: context, isKnownIdentity: storage.contains), header, features)
                }
                return call.submit(id, BoundProcedure.userAuthorization(r, context: context, storage: storage))
            case CommandDefinition.serverAssignment.code:
                let r = try ServerAssignmentRequest(decoding: request)
                let id = (r.wildcardedPublicIdentity ?? r.publicIdentities.first).flatMap(storage.subscriptionID(forPublic:))
                    ?? r.userName.flatMap(storage.subscriptionID(forPrivate:))
                guard let id else {
                    return encode(CxProcedures.serverAssignment(r, subscription: nil, context: context, isKnownIdentity: storage.contains), header, features)
                }
                return call.submit(id, BoundProcedure.serverAssignment(r, context: context, storage: storage))
            case CommandDefinition.locationInfo.code:
                let r = try LocationInfoRequest(decoding: request)
                guard let id = storage.subscriptionID(forPublic: r.publicIdentity) else {
                    return encode(CxProcedures.locationInfo(r, subscription: nil, context: context), header, features)
                }
                return call.submit(id, BoundProcedure.locationInfo(r, context: context, storage: storage))
            case CommandDefinition.multimediaAuth.code:
                let r = try MultimediaAuthRequest(decoding: request)
                // An unknown user goes to any shard: the procedure answers 5001 without touching Milenage.
                let id = storage.subscriptionID(forPrivate: r.userName) ?? storage.subscriptionID(forPublic: r.publicIdentity)
                // A MAR that writes keeps its answer for a retransmission on any node (docs/replication.md).
                return call.submit(id ?? "", BoundProcedure.multimediaAuth(r, context: context, storage: storage), shard: id == nil ? directory.shards[0] : nil, keepAnswerFor: peer)
            default:
                // RTR/PPR are HSS → S-CSCF; an HSS does not serve them (RFC 6733 §7.1.3).
                return notServed(request, command)
            }
        } catch {
            return errorAnswer(error, request)
        }
    }

    /// 3001 DIAMETER_COMMAND_UNSUPPORTED with the E-bit (RFC 6733 §7.1.3): a command the HSS sends but does
    /// not serve (RTR, PPR, CLR, IDR, DSR) or does not implement (Reset).
    func notServed(_ request: DiameterMessage, _ command: CommandDefinition) -> ByteBuffer {
        let header = request.header
        return ErrorAnswer(
            requestHeader: header,
            error: DiameterMessageError(.commandUnsupported, offset: 4, reason: "the HSS does not serve \(command.abbreviation(isRequest: true))", header: header),
            sessionID: request.first(.sessionID)?.string
        ).encode(originHost: context.originHost, originRealm: context.originRealm)
    }

    /// The answer to a request whose typed decode failed (the error carries the Result-Code and Failed-AVP).
    func errorAnswer(_ error: DiameterMessageError, _ request: DiameterMessage) -> ByteBuffer {
        ErrorAnswer(requestHeader: request.header, error: error, sessionID: request.first(.sessionID)?.string)
            .encode(originHost: context.originHost, originRealm: context.originRealm)
    }

    /// An S6a request (TS 29.272 §5.2), routed by its User-Name (the IMSI) to the subscription's shard.
    /// No Supported-Features is negotiated: the answers carry none (TS 29.272 §7.3.10: none supported).
    func handleS6a(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        do {
            let storage = directory.storage
            let call = Call(application: self, request: request, command: command, features: [], responder: responder)
            // By IMSI; an unknown one goes to the first shard: the procedure answers 5001 without touching
            // Milenage.
            func submit<P: ShardProcedure>(_ imsi: String, _ procedure: P, keepAnswer: Bool = false) -> ByteBuffer? {
                let id = storage.subscriptionID(forIMSI: imsi)
                return call.submit(id ?? "", procedure, shard: id == nil ? directory.shards[0] : nil, keepAnswerFor: keepAnswer ? peer : nil)
            }
            switch command.code {
            case CommandDefinition.authenticationInformation.code:
                let r = try AuthenticationInformationRequest(decoding: request)
                // An AIR that writes (an SQN block) keeps its answer for a retransmission, as a MAR does.
                return submit(r.userName, BoundProcedure.authenticationInformation(r, context: context, storage: storage), keepAnswer: true)
            case CommandDefinition.updateLocation.code:
                let r = try UpdateLocationRequest(decoding: request)
                return submit(r.userName, BoundProcedure.updateLocation(r, context: context, storage: storage))
            case CommandDefinition.purgeUE.code:
                let r = try PurgeUERequest(decoding: request)
                return submit(r.userName, BoundProcedure.purgeUE(r, context: context, storage: storage))
            case CommandDefinition.notify.code:
                let r = try NotifyRequest(decoding: request)
                return submit(r.userName, BoundProcedure.notify(r, context: context, storage: storage))
            default:
                // CLR, IDR, DSR are HSS → MME; Reset is not implemented (docs/compliance.md).
                return notServed(request, command)
            }
        } catch {
            return errorAnswer(error, request)
        }
    }

    /// An Sh request (TS 29.328 §6.1), routed by the public identity (or the tel: URI of the MSISDN) its
    /// User-Identity names. Permissions are those of the connection's peer (TS 29.328 §6.2).
    func handleSh(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        do {
            let storage = directory.storage
            let call = Call(application: self, request: request, command: command, features: [], responder: responder)
            let access = ShAccess(policy: shPolicy.current, peer: peer.originHost, now: context.wallClock())
            func route(_ u: UserIdentity, _ wildcarded: String?) -> String? {
                if let w = wildcarded { return storage.subscriptionID(forPublic: w) }
                if let p = u.publicIdentity { return storage.subscriptionID(forPublic: p) }
                return u.msisdn.flatMap(ShProcedures.msisdnDigits).flatMap { storage.subscriptionID(forPublic: "tel:+\($0)") }
            }
            // An unknown user goes to the first shard: the procedure answers 5001 (TS 29.328 §6.1.1).
            func submit<P: ShardProcedure>(_ id: String?, _ procedure: P) -> ByteBuffer? {
                call.submit(id ?? "", procedure, shard: id == nil ? directory.shards[0] : nil)
            }
            switch command.code {
            case CommandDefinition.userData.code:
                let r = try UserDataRequest(decoding: request)
                return submit(route(r.userIdentity, r.wildcardedPublicIdentity ?? r.wildcardedIMPU), BoundProcedure.userData(r, access: access, context: context, storage: storage))
            case CommandDefinition.profileUpdate.code:
                let r = try ProfileUpdateRequest(decoding: request)
                return submit(route(r.userIdentity, r.wildcardedPublicIdentity ?? r.wildcardedIMPU), BoundProcedure.profileUpdate(r, access: access, context: context, storage: storage))
            case CommandDefinition.subscribeNotifications.code:
                let r = try SubscribeNotificationsRequest(decoding: request)
                return submit(
                    route(r.userIdentity, r.wildcardedPublicIdentity ?? r.wildcardedIMPU),
                    BoundProcedure.subscribeNotifications(r, access: access, context: context, storage: storage))
            default:
                // PNR is HSS → AS.
                return notServed(request, command)
            }
        } catch {
            return errorAnswer(error, request)
        }
    }

    /// One request on its way to a shard.
    struct Call: Sendable {
        let application: HSSApplication
        let request: DiameterMessage
        let command: CommandDefinition
        let features: [SupportedFeatures]
        let responder: DiameterResponder

        /// In place when the shard runs on this thread's event loop and can answer at once; otherwise in the
        /// shard (from another loop in that loop's per-tick batch, ``LoopMail``), the answer going to the
        /// responder.
        func submit<P: ShardProcedure>(_ id: String, _ procedure: P, shard: SubscriberShard? = nil, keepAnswerFor peer: PeerIdentity? = nil) -> ByteBuffer? {
            let shard = shard ?? application.directory.shard(for: id)
            let header = request.header
            var prepared: SubscriberShard.PreparedWrite<P.Answer>?
            if shard.eventLoop.inEventLoop {
                do {
                    switch try shard.onEventLoop({ try $0.attempt(id, procedure) }) {
                    case .answered(let outcome): return application.encode(outcome, header, features)
                    case .mustWait: break
                    case .mustWrite(let p): prepared = p
                    }
                } catch {
                    return application.failureAnswer(error, request, command)
                }
            }
            // The answer to keep when the procedure writes: built only then (rare), not per request.
            let replay = peer.map { peer in
                { @Sendable [self, origin = request.first(.originHost)?.string] (a: P.Answer) -> ReplayEntry? in
                    var a = a
                    a.envelope.supportedFeatures = features
                    return ReplayEntry(
                        key: HSSApplication.replayKey(peer, origin, header.endToEndID),
                        answer: Array(a.encode(hopByHopID: 0, endToEndID: header.endToEndID).readableBytesView))
                }
            }
            let (mail, target) = (application.directory.mail, shard.loopIndex)
            let finish = { @Sendable [self] (result: Result<ProcedureOutcome<P.Answer>, any Error>) in
                let answer: ByteBuffer
                switch result {
                case .success(let outcome): answer = application.encode(outcome, header, features)
                case .failure(let error): answer = application.failureAnswer(error, request, command)
                }
                mail.reply(responder, answer, on: target)
            }
            if shard.eventLoop.inEventLoop {
                shard.onEventLoop { [prepared] in $0.start(id, procedure, prepared: prepared, replay: replay, finish: finish) }
            } else if !mail.send(to: target, { shard.performHere(id, procedure, replay: replay, finish: finish) }) {
                // Not on one of the shards' loops (a retransmission answered from a task): one hop.
                shard.perform(id, procedure, replay: replay, finish: finish)
            }
            return nil
        }
    }

    /// The answer to a request whose procedure failed in storage or crypto: nothing was changed or
    /// acknowledged. A full writer queue is transient (3004 DIAMETER_TOO_BUSY, RFC 6733 §7.1.3: the client
    /// may retry elsewhere); anything else means the HSS cannot complete the procedure (5012
    /// DIAMETER_UNABLE_TO_COMPLY).
    func failureAnswer(_ error: any Error, _ request: DiameterMessage, _ command: CommandDefinition) -> ByteBuffer {
        let header = request.header
        let busy = (error as? StorageError) == .overloaded || error is any TransientStorageFailure
        // Busy (a failover, a full queue) is expected and the client retries: a warning, not an error.
        logger.log(level: busy ? .warning : .error, "Cx procedure failed", metadata: ["command": "\(command.code)", "error": "\(error)"])
        return ErrorAnswer(
            requestHeader: header,
            error: DiameterMessageError(busy ? .tooBusy : .unableToComply, offset: 0, reason: busy ? "storage busy" : "storage failure", header: header),
            sessionID: request.first(.sessionID)?.string
        ).encode(originHost: context.originHost, originRealm: context.originRealm)
    }

    /// RFC 6733 §6.2: a retransmission keeps the End-to-End Identifier; with the Origin-Host it names the
    /// request. Named as the duplicate detector names it: by the connection's peer (plus the Origin-Host
    /// of a relayed request), never by the Origin-Host AVP alone, which a peer may copy from another.
    static func replayKey(_ peer: PeerIdentity, _ originHost: String?, _ endToEnd: UInt32) -> String {
        DuplicateDetector.Key(peer: peer.originHost, originHost: originHost, endToEndID: endToEnd).name
    }

    /// The kept answer for `key`, once the store it was found in is confirmed: an answer kept in a deposed
    /// leader's unacknowledged tail is not handed out (the next leader truncates that tail). When the
    /// confirmation had to wait, the store is looked at again (the answer may have been truncated).
    func replayedAnswer(_ key: String) async throws -> ByteBuffer? {
        let storage = directory.storage
        guard var kept = storage.replayedAnswer(key) else { return nil }
        let position = storage.visiblePosition()
        if storage.needsConfirmation(position) {
            do { try await storage.confirm(position) } catch StorageError.conflict {
                // Confirmed only after a wait: read again from the store as it is now.
                guard let again = storage.replayedAnswer(key) else { return nil }
                kept = again
            }
        }
        return ByteBuffer(bytes: kept)
    }

    func encode<A: EnvelopedMessage>(_ outcome: ProcedureOutcome<A>, _ header: DiameterHeader, _ features: [SupportedFeatures]) -> ByteBuffer {
        var answer = outcome.answer
        answer.envelope.supportedFeatures = features
        if !outcome.requests.isEmpty { sender.enqueue(outcome.requests, admin) }
        return answer.encode(hopByHopID: header.hopByHopID, endToEndID: header.endToEndID)
    }
}

/// The Sh policy in force: an immutable value behind an atomic reference (read per Sh request without a
/// lock), replaced whole.
public final class ShPolicyStore: Sendable {
    final class Box: AtomicReference, Sendable {
        let policy: ShPolicy
        init(_ p: ShPolicy) { policy = p }
    }
    let box: ManagedAtomic<Box>

    init(_ p: ShPolicy) { box = ManagedAtomic(Box(p)) }

    public var current: ShPolicy { box.load(ordering: .acquiring).policy }
    public func replace(_ p: ShPolicy) { box.store(Box(p), ordering: .releasing) }
}

/// Sends HSS-initiated requests (RTR, PPR) through the Diameter server to the stored S-CSCF.
final class HSSRequestSender: Sendable {
    let context: HSSContext
    let logger: Logger
    let server = NIOLockedValueBox<DiameterServer?>(nil)
    let counter = NIOLockedValueBox<UInt64>(0)
    let sessionPrefix: String

    init(context: HSSContext, logger: Logger) {
        self.context = context
        self.logger = logger
        // RFC 6733 §8.8: <DiameterIdentity>;<high 32 bits>;<low 32 bits>, unique across restarts.
        sessionPrefix = "\(context.originHost);\(UInt32(truncatingIfNeeded: UInt64.random(in: 0...UInt64(UInt32.max))))"
    }

    func attach(_ s: DiameterServer) { server.withLockedValue { $0 = s } }

    /// Told of every HSS-initiated request's fate (metrics, tests).
    let observer = NIOLockedValueBox<(@Sendable (HSSAdmin.Delivery) -> Void)?>(nil)

    /// Requests waiting per destination host, and whether a task is sending them.
    let queues = NIOLockedValueBox<[String: (pending: [HSSInitiatedRequest], sending: Bool)]>([:])

    /// Sends `requests` in the order procedures produced them, one at a time per destination: an AS
    /// gets the PNR of a MAR (authentication pending) before that of the SAR that followed it, whatever
    /// the scheduling of tasks.
    func enqueue(_ requests: [HSSInitiatedRequest], _ admin: HSSAdmin) {
        for (host, list) in Dictionary(grouping: requests, by: \.destinationHost) {
            let start = queues.withLockedValue { q -> Bool in
                q[host, default: ([], false)].pending += list
                guard !q[host]!.sending else { return false }
                q[host]!.sending = true
                return true
            }
            guard start else { continue }
            Task {
                while true {
                    let next = queues.withLockedValue { q -> [HSSInitiatedRequest] in
                        let batch = q[host]?.pending ?? []
                        if batch.isEmpty { q[host] = nil } else { q[host]!.pending = [] }
                        return batch
                    }
                    if next.isEmpty { return }
                    _ = await admin.send(next)
                }
            }
        }
    }

    func nextSessionID() -> String {
        let n = counter.withLockedValue { c -> UInt64 in
            c += 1
            return c
        }
        return "\(sessionPrefix);\(n)"
    }

    /// Sends one request and decodes its answer; `nil` result with a reason on failure.
    func send<Request: EnvelopedMessage, Answer: EnvelopedMessage>(_ request: Request, to host: String, answer: Answer.Type) async -> Result<Answer, SendFailure> {
        guard let server = server.withLockedValue({ $0 }) else { return .failure(SendFailure(reason: "no Diameter server attached")) }
        let reply: DiameterMessage
        do {
            reply = try await server.send(to: host) { hbh, e2e in request.encode(hopByHopID: hbh, endToEndID: e2e) }
        } catch {
            return .failure(SendFailure(reason: "\(error)"))
        }
        do {
            return .success(try Answer(decoding: reply))
        } catch {
            // An error answer (E bit) lacks the command's grammar: its Result-Code still says what happened.
            if let rc = reply.first(.resultCode)?.unsigned32 { return .failure(SendFailure(reason: "answered \(ResultCode(rc)) (\(error.reason))")) }
            return .failure(SendFailure(reason: "answer does not decode: \(error.reason)"))
        }
    }
}

public struct SendFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
