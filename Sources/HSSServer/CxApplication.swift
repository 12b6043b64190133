public import DiameterCore
public import DiameterPeer
public import HSSCore
public import Logging
public import NIOCore
public import HSSStorage
import NIOConcurrencyHelpers

/// The Cx application behind the peer layer: decodes each request into its typed message, routes it to
/// the shard of its subscription, encodes the answer, and sends what the procedure asks for (RTR).
public final class CxApplication: DiameterRequestHandler {
    public let directory: SubscriberDirectory
    public let context: CxContext
    let logger: Logger
    let sender: HSSRequestSender

    public init(directory: SubscriberDirectory, context: CxContext, logger: Logger) {
        self.directory = directory
        self.context = context
        self.logger = logger
        self.sender = HSSRequestSender(context: context, logger: logger)
    }

    /// Connects the application to the server that sends its RTR/PPR (the server is built after the
    /// application it serves).
    public func attach(_ server: DiameterServer) { sender.attach(server) }

    public var admin: HSSAdmin { HSSAdmin(directory: directory, sender: sender) }

    public func answer(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity) async -> ByteBuffer {
        let header = request.header
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
            // A retransmission (T flag, RFC 6733 §3) of a request whose answer was kept — possibly by
            // another node before a failover — gets that answer again (docs/replication.md).
            if header.flags.contains(.potentiallyRetransmitted),
                var kept = try await replayedAnswer(Self.replayKey(peer, request.first(.originHost)?.string, header.endToEndID)),
                kept.readableBytes >= 20
            {
                kept.setInteger(header.hopByHopID, at: kept.readerIndex + 12)
                return kept
            }
            switch command.code {
            case CommandDefinition.userAuthorization.code:
                let r = try UserAuthorizationRequest(decoding: request)
                guard let id = storage.subscriptionID(forPrivate: r.userName) ?? storage.subscriptionID(forPublic: r.publicIdentity) else {
                    return encode(CxProcedures.userAuthorization(r, subscription: nil, context: context, isKnownIdentity: storage.contains), header, features)
                }
                return encode(try await directory.shard(for: id).userAuthorization(r, id: id), header, features)
            case CommandDefinition.serverAssignment.code:
                let r = try ServerAssignmentRequest(decoding: request)
                let id = (r.wildcardedPublicIdentity ?? r.publicIdentities.first).flatMap(storage.subscriptionID(forPublic:))
                    ?? r.userName.flatMap(storage.subscriptionID(forPrivate:))
                guard let id else {
                    return encode(CxProcedures.serverAssignment(r, subscription: nil, context: context, isKnownIdentity: storage.contains), header, features)
                }
                return encode(try await directory.shard(for: id).serverAssignment(r, id: id), header, features)
            case CommandDefinition.locationInfo.code:
                let r = try LocationInfoRequest(decoding: request)
                guard let id = storage.subscriptionID(forPublic: r.publicIdentity) else {
                    return encode(CxProcedures.locationInfo(r, subscription: nil, context: context), header, features)
                }
                return encode(try await directory.shard(for: id).locationInfo(r, id: id), header, features)
            case CommandDefinition.multimediaAuth.code:
                let r = try MultimediaAuthRequest(decoding: request)
                // An unknown user goes to any shard: the procedure answers 5001 without touching Milenage.
                let id = storage.subscriptionID(forPrivate: r.userName) ?? storage.subscriptionID(forPublic: r.publicIdentity)
                let shard = id.map(directory.shard(for:)) ?? directory.shards[0]
                // Called only when the MAR writes (rare): the key and the encoding happen then, not per MAR.
                let replay = { @Sendable [features] (a: MultimediaAuthAnswer) -> ReplayEntry? in
                    var a = a
                    a.envelope.supportedFeatures = features
                    return ReplayEntry(
                        key: Self.replayKey(peer, r.envelope.originHost, header.endToEndID),
                        answer: Array(a.encode(hopByHopID: 0, endToEndID: header.endToEndID).readableBytesView))
                }
                return encode(try await shard.multimediaAuth(r, id: id ?? "", replay: replay), header, features)
            default:
                // RTR/PPR are HSS → S-CSCF; an HSS does not serve them (RFC 6733 §7.1.3).
                return ErrorAnswer(
                    requestHeader: header,
                    error: DiameterMessageError(.commandUnsupported, offset: 4, reason: "the HSS does not serve \(command.abbreviation(isRequest: true))", header: header),
                    sessionID: request.first(.sessionID)?.string
                ).encode(originHost: context.originHost, originRealm: context.originRealm)
            }
        } catch let error as DiameterMessageError {
            return ErrorAnswer(requestHeader: header, error: error, sessionID: request.first(.sessionID)?.string)
                .encode(originHost: context.originHost, originRealm: context.originRealm)
        } catch {
            // Storage or crypto failure: nothing was changed or acknowledged. A full writer queue is
            // transient (3004 DIAMETER_TOO_BUSY, RFC 6733 §7.1.3: the client may retry elsewhere); anything
            // else means the HSS cannot complete the procedure (5012 DIAMETER_UNABLE_TO_COMPLY).
            let busy = (error as? StorageError) == .overloaded || error is any TransientStorageFailure
            // Busy (a failover, a full queue) is expected and the client retries: a warning, not an error.
            logger.log(level: busy ? .warning : .error, "Cx procedure failed", metadata: ["command": "\(command.code)", "error": "\(error)"])
            return ErrorAnswer(
                requestHeader: header,
                error: DiameterMessageError(busy ? .tooBusy : .unableToComply, offset: 0, reason: busy ? "storage busy" : "storage failure", header: header),
                sessionID: request.first(.sessionID)?.string
            ).encode(originHost: context.originHost, originRealm: context.originRealm)
        }
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

    func encode<A: CxMessage>(_ outcome: CxOutcome<A>, _ header: DiameterHeader, _ features: [SupportedFeatures]) -> ByteBuffer {
        var answer = outcome.answer
        answer.envelope.supportedFeatures = features
        if !outcome.requests.isEmpty {
            let admin = self.admin
            let requests = outcome.requests
            Task { await admin.send(requests) }
        }
        return answer.encode(hopByHopID: header.hopByHopID, endToEndID: header.endToEndID)
    }
}

/// Sends HSS-initiated requests (RTR, PPR) through the Diameter server to the stored S-CSCF.
final class HSSRequestSender: Sendable {
    let context: CxContext
    let logger: Logger
    let server = NIOLockedValueBox<DiameterServer?>(nil)
    let counter = NIOLockedValueBox<UInt64>(0)
    let sessionPrefix: String

    init(context: CxContext, logger: Logger) {
        self.context = context
        self.logger = logger
        // RFC 6733 §8.8: <DiameterIdentity>;<high 32 bits>;<low 32 bits>, unique across restarts.
        sessionPrefix = "\(context.originHost);\(UInt32(truncatingIfNeeded: UInt64.random(in: 0...UInt64(UInt32.max))))"
    }

    func attach(_ s: DiameterServer) { server.withLockedValue { $0 = s } }

    func nextSessionID() -> String {
        let n = counter.withLockedValue { c -> UInt64 in
            c += 1
            return c
        }
        return "\(sessionPrefix);\(n)"
    }

    /// Sends one request and decodes its answer; `nil` result with a reason on failure.
    func send<Request: CxMessage, Answer: CxMessage>(_ request: Request, to host: String, answer: Answer.Type) async -> Result<Answer, SendFailure> {
        guard let server = server.withLockedValue({ $0 }) else { return .failure(SendFailure(reason: "no Diameter server attached")) }
        do {
            let reply = try await server.send(to: host) { hbh, e2e in request.encode(hopByHopID: hbh, endToEndID: e2e) }
            return .success(try Answer(decoding: reply))
        } catch let e as DiameterMessageError {
            return .failure(SendFailure(reason: "answer does not decode: \(e.reason)"))
        } catch {
            return .failure(SendFailure(reason: "\(error)"))
        }
    }
}

public struct SendFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
