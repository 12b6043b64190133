public import Hummingbird
import HSSCore
public import HSSServer
import DiameterPeer
public import HSSMetrics
import DiameterCore
import Foundation
import Logging
import NIOCore

/// The provisioning REST API (`/api/v1`, JSON; docs/api.md, docs/openapi.json): subscriptions with their
/// identities, authentication data (write-only secrets), profiles, charging and capabilities; read-only
/// registration state; network actions (RTR, and PPR on change). Bearer-token authentication.
public struct ProvisioningAPI: Sendable {
    public let admin: HSSAdmin
    public let storage: any SubscriberStorage
    /// Bearer tokens by value.
    public let tokens: [String: APIToken]
    /// Largest request body accepted (bytes).
    public let maximumBodySize: Int
    /// Requests per second per token; nil: no limit.
    public let rateLimit: Int?
    public let audit: AuditLog
    /// Reloads the key ring and seals the keys at rest anew (POST /api/v1/keys/rekey); nil: no store to do it.
    public let rekey: (@Sendable () async throws -> RekeyResult)?

    /// Served at `/metrics` (Prometheus text format, no token) when set.
    public let metrics: HSSMetrics?
    /// The cluster's members as they answer now (GET /api/v1/cluster); nil on a single node.
    public let cluster: (@Sendable () async -> ClusterView)?

    /// `tokens`: plain tokens have the admin scope (the `api.tokens` of earlier releases); `scoped` name
    /// theirs.
    public init(
        admin: HSSAdmin, storage: any SubscriberStorage, tokens: Set<String>, scoped: [APIToken] = [], maximumBodySize: Int = 1 << 20,
        metrics: HSSMetrics? = nil, rateLimit: Int? = nil, audit: AuditLog? = nil, rekey: (@Sendable () async throws -> RekeyResult)? = nil,
        cluster: (@Sendable () async -> ClusterView)? = nil
    ) {
        self.rekey = rekey
        self.cluster = cluster
        self.metrics = metrics
        self.admin = admin
        self.storage = storage
        var all: [String: APIToken] = [:]
        for (i, t) in tokens.sorted().enumerated() { all[t] = APIToken(name: "token-\(i + 1)", token: t, scope: .admin) }
        for t in scoped { all[t.token] = t }
        self.tokens = all
        self.maximumBodySize = maximumBodySize
        self.rateLimit = rateLimit
        self.audit = audit ?? AuditLog()
    }

    /// The router: `/health`, `/ready`, `/api/v1/...`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("health") { _, _ in "ok\n" }
        // The operator console (docs/console.md): static, embedded, no token to fetch it (its API calls
        // carry one); the policy forbids anything not from this origin.
        router.get("console") { _, _ in Self.asset(ConsoleAssets.index, "text/html; charset=utf-8") }
        router.get("console/console.js") { _, _ in Self.asset(ConsoleAssets.js, "text/javascript; charset=utf-8") }
        router.get("console/console.css") { _, _ in Self.asset(ConsoleAssets.css, "text/css; charset=utf-8") }
        router.get("ready") { _, _ in "ready\n" }
        if let metrics {
            router.get("metrics") { _, _ -> Response in
                metrics.setShardDepths(await admin.shardDepths())
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
            }
        }
        let v1 = router.group("api/v1").add(middleware: APIAccessMiddleware(tokens: tokens, limiter: rateLimit.map(RateLimiter.init), audit: audit))
        v1.get("openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        v1.get("subscriptions") { request, _ -> SubscriptionList in
            let limit = min(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1000)
            guard limit > 0 else { throw APIError.invalid(["limit": "must be 1-1000"]) }
            // Filters: by identity (IMPI, IMPU, a URI a wildcard matches, or IMSI) or by id prefix.
            if let identity = request.uri.queryParameters.get("identity") {
                let id = storage.subscriptionID(forPrivate: identity) ?? storage.subscriptionID(forPublic: identity)
                    ?? storage.subscriptionID(forIMSI: identity)
                return SubscriptionList(items: id.map { [$0] } ?? [], next: nil)
            }
            let prefix: String? = request.uri.queryParameters.get("prefix").map { String($0) }
            let after: String? = request.uri.queryParameters.get("after").map { String($0) }
            var ids: [String]
            if let prefix, !prefix.isEmpty, after.map({ $0 < prefix }) ?? true {
                // Ids sort bytewise: start at the prefix itself (it may be an id), then what follows it.
                ids = (try storage.load(prefix) != nil ? [prefix] : []) + (try storage.subscriptionIDs(after: prefix, limit: limit + 1))
            } else {
                ids = try storage.subscriptionIDs(after: after, limit: limit + 1)
            }
            if let prefix { ids = Array(ids.prefix { $0.hasPrefix(prefix) }) }
            return SubscriptionList(items: Array(ids.prefix(limit)), next: ids.count > limit ? ids[limit - 1] : nil)
        }
        v1.get("subscriptions/:id") { _, context -> SubscriptionView in
            let id = try context.parameters.require("id")
            guard let s = await admin.subscription(id) else { throw APIError.notFound("subscription \(id)") }
            return SubscriptionView(s)
        }
        v1.put("subscriptions/:id") { request, context -> PutResult in
            let id = try context.parameters.require("id")
            // keepSecrets=true: a private identity sent without AKA or Digest data keeps the stored one (the
            // console's editor never sees secrets).
            let keep = request.uri.queryParameters.get("keepSecrets") == "true" ? await admin.subscription(id) : nil
            let s = try await decodeSubscription(request, context: context, keeping: keep)
            guard s.id == id else { throw APIError.invalid(["id": "the body's id \(s.id) differs from the path's \(id)"]) }
            try checkConflicts(s)
            let existed = await admin.subscription(id) != nil
            let deliveries = try await admin.put(s)
            return PutResult(
                created: !existed, subscription: SubscriptionView(await admin.subscription(id) ?? s),
                pushProfile: deliveries.filter { $0.command == "PPR" }.map(DeliveryView.init),
                mmeRequests: deliveries.filter { $0.command != "PPR" }.map(DeliveryView.init))
        }
        v1.delete("subscriptions/:id") { _, context -> ActionResult in
            let id = try context.parameters.require("id")
            guard await admin.subscription(id) != nil else { throw APIError.notFound("subscription \(id)") }
            return ActionResult(requests: try await admin.remove(id).map(DeliveryView.init))
        }
        v1.post("import") { request, _ -> ImportResult in
            let strict = request.uri.queryParameters.get("strict") == "true"
            let body = try await request.body.collect(upTo: maximumImportSize)
            if request.headers[.contentType]?.hasPrefix("text/csv") == true {
                return try await importNDJSON(try CSV.toNDJSON(String(decoding: body.readableBytesView, as: UTF8.self)), strict: strict)
            }
            return try await importNDJSON(Array(body.readableBytesView), strict: strict)
        }
        v1.get("export") { request, _ -> Response in
            // NDJSON (or CSV of the common fields) of every subscription, without secrets (they are write-only).
            let csv = request.uri.queryParameters.get("format") == "csv"
            var out = ByteBuffer()
            if csv { out.writeString(CSV.exportHeader) }
            var after: String?
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            while true {
                let ids = try storage.subscriptionIDs(after: after, limit: 1000)
                for id in ids {
                    guard let s = await admin.subscription(id) else { continue }
                    if csv {
                        out.writeString(CSV.exportRow(s))
                    } else {
                        out.writeBytes(try encoder.encode(SubscriptionView(s)))
                        out.writeString("\n")
                    }
                }
                guard ids.count == 1000 else { break }
                after = ids.last
            }
            return Response(status: .ok, headers: [.contentType: csv ? "text/csv" : "application/x-ndjson"], body: .init(byteBuffer: out))
        }
        v1.get("subscriptions/:id/registration") { _, context -> RegistrationView in
            let id = try context.parameters.require("id")
            guard let s = await admin.subscription(id) else { throw APIError.notFound("subscription \(id)") }
            return RegistrationView(s)
        }
        v1.post("subscriptions/:id/deregister") { request, context -> ActionResult in
            let id = try context.parameters.require("id")
            guard await admin.subscription(id) != nil else { throw APIError.notFound("subscription \(id)") }
            let body = try await request.decode(as: DeregisterRequest.self, context: context)
            guard let reason = DeregisterRequest.reasons[body.reason] else {
                throw APIError.invalid(["reason": "one of \(DeregisterRequest.reasons.keys.sorted().joined(separator: ", "))"])
            }
            let deliveries = try await admin.terminate(
                id, reason: reason, reasonInfo: body.reasonInfo, privateIdentities: body.privateIdentities ?? [], publicIdentities: body.publicIdentities ?? [])
            return ActionResult(requests: deliveries.map(DeliveryView.init))
        }
        v1.post("keys/rekey") { _, _ -> RekeyResult in
            // Keys at rest (docs/hardening.md): the key file is read again and every record sealed under
            // another key is sealed anew under its current one (on a cluster's leader; a follower reloads).
            guard let rekey else { throw APIError.notFound("a store with keys at rest (hss serve --data-dir)") }
            do { return try await rekey() } catch let e as APIError { throw e } catch { throw APIError.invalid(["keyFile": "\(error)"]) }
        }
        v1.get("subscriptions/:id/sh") { _, context -> ShView in
            let id = try context.parameters.require("id")
            guard let s = await admin.subscription(id) else { throw APIError.notFound("subscription \(id)") }
            return ShView(s.state.sh)
        }
        v1.get("cluster") { _, _ -> ClusterView in
            guard let cluster else { return ClusterView(node: nil, members: nil) }
            return await cluster()
        }
        v1.post("subscriptions/:id/push-profile") { _, context -> ActionResult in
            let id = try context.parameters.require("id")
            guard await admin.subscription(id) != nil else { throw APIError.notFound("subscription \(id)") }
            return ActionResult(requests: await admin.pushProfile(id).map(DeliveryView.init))
        }
        v1.get("sh/policy") { _, _ -> ShPolicyView in ShPolicyView(admin.shPolicy.current) }
        v1.put("sh/policy") { request, context -> ShPolicyView in
            // Replaced whole, on this node (each node of a cluster has its own, from its configuration file).
            let body = try await request.decode(as: ShPolicyView.self, context: context)
            var servers: [ShApplicationServer] = []
            for (i, spec) in body.applicationServers.enumerated() {
                do { servers.append(try spec.resolved()) } catch let error as ShApplicationServerSpec.Invalid { throw APIError.invalid(["applicationServers[\(i)].\(error.field)": error.reason]) }
            }
            if let m = body.maxRepositoryDataBytes, m < 1 { throw APIError.invalid(["maxRepositoryDataBytes": "must be at least 1"]) }
            if let m = body.maxSubscriptionSeconds, m < 1 { throw APIError.invalid(["maxSubscriptionSeconds": "must be at least 1"]) }
            let policy = ShPolicy(
                applicationServers: servers, maxRepositoryDataBytes: body.maxRepositoryDataBytes ?? ShPolicy.defaultMaxRepositoryDataBytes,
                maxSubscriptionSeconds: body.maxSubscriptionSeconds)
            admin.shPolicy.replace(policy)
            return ShPolicyView(policy)
        }
        v1.get("peers") { _, _ -> PeersView in
            guard let peers = admin.peers else { throw APIError.notFound("the Diameter server") }
            return PeersView(peers.authorization, connected: peers.connected, states: admin.peerStates)
        }
        v1.put("peers") { request, context -> PeersView in
            // The peer authorisation (docs/hardening.md): replaced whole; connected peers are checked
            // against it at their next request and disconnected when no longer listed.
            let body = try await request.decode(as: PeersView.self, context: context)
            let policy: PeerAuthorization
            switch body.mode {
            case "permissive": policy = .permissive
            case "enforcing":
                var rules: [PeerAuthorization.Rule] = []
                for (i, spec) in (body.peers ?? []).enumerated() {
                    do { rules.append(try spec.rule()) } catch let e as PeerRuleSpec.Invalid { throw APIError.invalid(["peers[\(i)].\(e.field)": e.reason]) }
                }
                policy = PeerAuthorization(rules: rules)
            default: throw APIError.invalid(["mode": "enforcing or permissive"])
            }
            guard admin.setPeerAuthorization(policy), let peers = admin.peers else { throw APIError.notFound("the Diameter server") }
            return PeersView(peers.authorization, connected: peers.connected, states: admin.peerStates)
        }
        return router
    }

    /// A console asset: never cached stale, nothing from another origin (Content-Security-Policy).
    static func asset(_ text: String, _ type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .cacheControl: "no-cache", .init("X-Content-Type-Options")!: "nosniff",
                .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Largest import body (bytes): 256 MiB, about 250,000 subscriptions per request.
    public var maximumImportSize: Int { 256 << 20 }

    /// Imports NDJSON: one subscription per line (the subscriber file's form). Lines are validated and
    /// stored concurrently (so the LMDB writer groups them); a bad line is reported with its number and the
    /// rest go on, unless `strict` (then nothing after the first bad line is stored).
    func importNDJSON(_ bytes: [UInt8], strict: Bool) async throws -> ImportResult {
        var lines: [(Int, ArraySlice<UInt8>)] = []
        var start = 0, number = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            number += 1
            lines.append((number, bytes[start..<i]))
            start = i + 1
        }
        if start < bytes.count { lines.append((number + 1, bytes[start...])) }
        var result = ImportResult(imported: 0, failed: [])
        // JSON decoding is the costly part (~40 µs a line): decode chunks on every core.
        let candidates = lines.filter { !$0.1.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) }
        let chunks = stride(from: 0, to: candidates.count, by: 1000).map { Array(candidates[$0..<min($0 + 1000, candidates.count)]) }
        let api = self
        var decoded = try await withThrowingTaskGroup(of: (Int, [(Int, Result<IMSSubscription, ImportResult.Failure>)]).self) { group in
            for (index, chunk) in chunks.enumerated() {
                group.addTask {
                    let decoder = JSONDecoder()
                    return (index, chunk.map { (n, line) in
                        do {
                            let s = try decoder.decode(IMSSubscription.self, from: Data(line))
                            try SubscriberFile(subscriptions: [s]).check()
                            try api.checkConflicts(s)
                            return (n, .success(s))
                        } catch {
                            return (n, .failure(ImportResult.Failure(line: n, error: Self.describe(error))))
                        }
                    })
                }
            }
            var byChunk: [(Int, [(Int, Result<IMSSubscription, ImportResult.Failure>)])] = []
            for try await c in group { byChunk.append(c) }
            return byChunk.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        var valid: [(Int, IMSSubscription)] = []
        for (n, r) in decoded {
            switch r {
            case .success(let s): valid.append((n, s))
            case .failure(let f):
                result.failed.append(f)
                if strict { return result }
            }
        }
        decoded.removeAll()
        // New subscriptions go to storage together, in chunks of 2,000 per transaction (no shard holds
        // them yet); existing ones through the shards (their Cx state is kept and a PPR goes out when needed).
        var fresh: [(Int, IMSSubscription)] = []
        var existing: [(Int, IMSSubscription)] = []
        var seen: Set<String> = []
        for (n, s) in valid {
            if seen.insert(s.id).inserted, try storage.load(s.id) == nil { fresh.append((n, s)) } else { existing.append((n, s)) }
        }
        for chunk in stride(from: 0, to: fresh.count, by: 2000).map({ Array(fresh[$0..<min($0 + 2000, fresh.count)]) }) {
            do {
                try await storage.writeNewSubscriptions(chunk.map(\.1))
                result.imported += chunk.count
            } catch {
                for (n, _) in chunk { result.failed.append(.init(line: n, error: "\(error)")) }
            }
        }
        valid = existing
        // Concurrent puts (at most 512 in flight): the writer commits them in groups.
        let admin = self.admin
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            var next = 0
            func add() {
                guard next < valid.count else { return }
                let (n, s) = valid[next]
                next += 1
                group.addTask {
                    do {
                        try await admin.put(s)
                        return (n, nil)
                    } catch {
                        return (n, "\(error)")
                    }
                }
            }
            for _ in 0..<min(512, valid.count) { add() }
            while let (n, failure) = try await group.next() {
                if let failure { result.failed.append(.init(line: n, error: failure)) } else { result.imported += 1 }
                add()
            }
        }
        result.failed.sort { $0.line < $1.line }
        return result
    }

    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        let (field, reason) = SubscriberFile.fieldAndReason(e)
        return "\(fieldName(field)): \(reason)"
    }

    func decodeSubscription(_ request: Request, context: BasicRequestContext, keeping stored: IMSSubscription? = nil) async throws -> IMSSubscription {
        let body = try await request.body.collect(upTo: maximumBodySize)
        let file: SubscriberFile
        do {
            // The subscriber file's rules apply: wrap the one subscription.
            var one = try JSONDecoder().decode(IMSSubscription.self, from: Data(body.readableBytesView))
            if let stored {
                for (i, p) in one.privateIdentities.enumerated() {
                    guard let old = stored.privateIdentity(p.identity) else { continue }
                    if p.aka == nil { one.privateIdentities[i].aka = old.aka }
                    if p.digest == nil { one.privateIdentities[i].digest = old.digest }
                }
            }
            file = SubscriberFile(subscriptions: [one])
            try file.check()
        } catch let e as SubscriberFile.InvalidFile {
            throw APIError.invalid(["subscription": e.description])
        } catch let e as DecodingError {
            let (field, reason) = SubscriberFile.fieldAndReason(e)
            throw APIError.invalid([Self.fieldName(field): reason])
        } catch {
            throw APIError.invalid(["body": "not a subscription: \(error)"])
        }
        return file.subscriptions[0]
    }

    /// A field path as the API names it: `privateIdentities[0].aka.k` (no leading dot).
    static func fieldName(_ path: String) -> String { path.hasPrefix(".") ? String(path.dropFirst()) : path }

    /// 409 when an identity of `s` belongs to another subscription.
    func checkConflicts(_ s: IMSSubscription) throws {
        for p in s.privateIdentities {
            if let owner = storage.subscriptionID(forPrivate: p.identity), owner != s.id {
                throw APIError.conflict("private identity \(p.identity) belongs to subscription \(owner)")
            }
        }
        for p in s.publicIdentities {
            if let owner = storage.subscriptionID(forPublic: p.identity), owner != s.id, p.wildcard == nil {
                throw APIError.conflict("public identity \(p.identity) belongs to subscription \(owner)")
            }
        }
        if let imsi = s.eps?.imsi, let owner = storage.subscriptionID(forIMSI: imsi), owner != s.id {
            throw APIError.conflict("IMSI \(imsi) belongs to subscription \(owner)")
        }
    }
}

struct ErrorBody: Codable {
    var error: String
    var fields: [String: String]?
}

/// API errors as JSON bodies: `{"error": "...", "fields": {...}}`.
enum APIError: Error, HTTPResponseError, CustomStringConvertible {
    var description: String {
        switch self {
        case .invalid(let fields): fields.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; ")
        case .notFound(let what): "\(what) not found"
        case .conflict(let what): what
        }
    }

    case invalid([String: String])
    case notFound(String)
    case conflict(String)

    var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: ErrorBody
        switch self {
        case .invalid(let fields): body = ErrorBody(error: "invalid request", fields: fields)
        case .notFound(let what): body = ErrorBody(error: "\(what) not found", fields: nil)
        case .conflict(let what): body = ErrorBody(error: what, fields: nil)
        }
        let data = try JSONEncoder().encode(body)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
