public import Foundation
public import Hummingbird
public import Logging
import NIOConcurrencyHelpers

/// What a bearer token may do (docs/api.md, "Tokens and scopes"). Each scope includes the ones before it.
public enum APIScope: String, Codable, Sendable, Comparable, CaseIterable {
    /// Read subscriptions, registration state, exports, the peer list.
    case read
    /// Also create, replace, delete and import subscriptions, and de-register users.
    case provision
    /// Also replace the peer authorisation and rotate the keys at rest.
    case admin

    public static func < (a: APIScope, b: APIScope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The scope a request needs: reads need `read`, changes `provision`, the peer list, the keys and the
    /// Sh permissions `admin`.
    static func required(method: HTTPRequest.Method, path: String) -> APIScope {
        if method == .get || method == .head { return .read }
        if path.hasSuffix("/peers") || path.contains("/keys/") || path.hasSuffix("/sh/policy") { return .admin }
        return .provision
    }
}

/// A bearer token with a name (what the audit log records; never the token) and a scope.
public struct APIToken: Codable, Hashable, Sendable {
    public var name: String
    public var token: String
    public var scope: APIScope

    public init(name: String, token: String, scope: APIScope) {
        self.name = name
        self.token = token
        self.scope = scope
    }
}

/// Bearer-token authentication (RFC 6750: 401 without a token, 403 with an unknown one or one whose scope
/// is too small), a per-token request rate limit (429 with Retry-After), and the audit log: every request
/// that changes something, with the token's name, method, path and outcome (never a body: secrets travel
/// in them).
struct APIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [String: APIToken]
    let limiter: RateLimiter?
    let audit: AuditLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "a bearer token is required")
        }
        guard let token = tokens[String(header.dropFirst("Bearer ".count))] else { throw HTTPError(.forbidden, message: "unknown token") }
        let path = request.uri.path
        let needed = APIScope.required(method: request.method, path: path)
        guard token.scope >= needed else {
            audit.record(token.name, request.method, path, status: 403, note: "scope \(token.scope.rawValue), \(needed.rawValue) needed")
            throw HTTPError(.forbidden, message: "token \(token.name) has scope \(token.scope.rawValue); this needs \(needed.rawValue)")
        }
        if let limiter, !limiter.admit(token.name) {
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: "1"], message: "rate limit of \(limiter.perSecond) requests/s for token \(token.name)")
        }
        guard needed > .read else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            audit.record(token.name, request.method, path, status: Int(response.status.code))
            return response
        } catch let e as any HTTPResponseError {
            audit.record(token.name, request.method, path, status: Int(e.status.code))
            throw e
        } catch {
            audit.record(token.name, request.method, path, status: 500)
            throw error
        }
    }
}

/// A token bucket per token name: `perSecond` requests a second, bursts up to one second's worth.
final class RateLimiter: Sendable {
    let perSecond: Int
    let buckets = NIOLockedValueBox<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(perSecond: Int) { self.perSecond = perSecond }

    func admit(_ name: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLockedValue { b in
            var (tokens, at) = b[name] ?? (Double(perSecond), now)
            let elapsed = now - at
            tokens = min(Double(perSecond), tokens + Double(perSecond) * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            guard tokens >= 1 else {
                b[name] = (tokens, now)
                return false
            }
            b[name] = (tokens - 1, now)
            return true
        }
    }
}

/// The audit log of provisioning changes: one JSON line per request that changes something (time, token
/// name, method, path, HTTP status), appended to a file when configured, else logged (label `hss.audit`).
public final class AuditLog: Sendable {
    let logger: Logger
    let file: NIOLockedValueBox<FileHandle?>

    /// Logs each entry (label `hss.audit`).
    public init(logger: Logger = Logger(label: "hss.audit")) {
        self.logger = logger
        file = NIOLockedValueBox(nil)
    }

    /// Appends each entry to `path` (created 0600).
    public init(path: String, logger: Logger = Logger(label: "hss.audit")) throws {
        self.logger = logger
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        h.seekToEndOfFile()
        file = NIOLockedValueBox(h)
    }

    func record(_ token: String, _ method: HTTPRequest.Method, _ path: String, status: Int, note: String? = nil) {
        let entry = AuditEntry(time: Date().timeIntervalSince1970, token: token, method: method.rawValue, path: path, status: status, note: note)
        guard let line = try? JSONEncoder().encode(entry) else { return }
        let written = file.withLockedValue { h -> Bool in
            guard let h else { return false }
            h.write(line + Data("\n".utf8))
            return true
        }
        if !written {
            logger.notice("api change", metadata: ["token": "\(token)", "method": "\(method.rawValue)", "path": "\(path)", "status": "\(status)"])
        }
    }

    struct AuditEntry: Codable {
        var time: Double
        var token: String
        var method: String
        var path: String
        var status: Int
        var note: String?
    }
}
