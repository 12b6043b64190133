import Foundation
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import NIOSSL

/// The few calls of etcd's v3 HTTP/JSON gateway the leader election needs (etcd 3.4: `/v3/kv/range`,
/// `/v3/kv/txn`, `/v3/lease/grant`, `/v3/lease/keepalive`, `/v3/lease/revoke`, `/v3/watch`). Keys and values travel
/// base64-encoded; numbers as JSON strings. One short HTTP/1.1 connection per call (a watch keeps its own); over TLS to an
/// `https://` endpoint (etcd's certificate checked against the given CA and the endpoint's name or
/// address; this node's client certificate presented when the context has one).
public struct EtcdClient: Sendable {
    public var endpoints: [(host: String, port: Int, secure: Bool)]
    let group: any EventLoopGroup
    let timeout: TimeAmount
    let tls: NIOSSLContext?

    public init(
        endpoints: [String], group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeout: TimeAmount = .milliseconds(800),
        tls: NIOSSLContext? = nil
    ) {
        self.endpoints = endpoints.compactMap { e in
            var s = Substring(e)
            var secure = false
            if let r = s.range(of: "://") {
                secure = s[..<r.lowerBound].lowercased() == "https"
                s = s[r.upperBound...]
            }
            return ClusterConfiguration.hostPort(String(s)).map { (host: $0.0, port: $0.1, secure: secure) }
        }
        self.group = group
        self.timeout = timeout
        self.tls = tls
    }

    public struct Failure: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "etcd: \(reason)" }
    }

    /// POSTs `body` (JSON) to `path` at the first endpoint that answers; returns the decoded JSON object.
    func call(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body)
        var lastError: any Error = Failure(reason: "no endpoint")
        for (host, port, secure) in endpoints {
            do {
                let reply = try await Self.post(host: host, port: port, path: path, body: Array(data), group: group, timeout: timeout, tls: try tls(secure, host, port))
                guard let object = try JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any] else { throw Failure(reason: "\(path): not a JSON object") }
                if let error = object["error"] as? String { throw Failure(reason: "\(path): \(error)") }
                return object
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The TLS context for an endpoint: none for `http://`, this client's for `https://` (an error without one).
    func tls(_ secure: Bool, _ host: String, _ port: Int) throws -> NIOSSLContext? {
        guard secure else { return nil }
        guard let tls else { throw Failure(reason: "https://\(host):\(port) needs the etcd TLS settings (cluster.etcdCA)") }
        return tls
    }

    static func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
    static func unb64(_ s: Any?) -> String? { (s as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } }
    static func int(_ v: Any?) -> Int64? { (v as? String).flatMap { Int64($0) } ?? (v as? NSNumber)?.int64Value }

    public struct KeyValue: Sendable {
        public var key: String
        public var value: String
        public var modRevision: Int64
        public var lease: Int64
    }

    /// The key's value, or nil.
    public func get(_ key: String) async throws -> KeyValue? {
        let r = try await call("/v3/kv/range", ["key": Self.b64(key)])
        return (r["kvs"] as? [[String: Any]] ?? []).compactMap { kv -> KeyValue? in
            guard let k = Self.unb64(kv["key"]) else { return nil }
            return KeyValue(key: k, value: Self.unb64(kv["value"]) ?? "", modRevision: Self.int(kv["mod_revision"]) ?? 0, lease: Self.int(kv["lease"]) ?? 0)
        }.first
    }

    public func grantLease(ttl: Int) async throws -> Int64 {
        let r = try await call("/v3/lease/grant", ["TTL": "\(ttl)"])
        guard let id = Self.int(r["ID"]) else { throw Failure(reason: "lease grant without ID") }
        return id
    }

    /// Renews a lease; returns its remaining TTL (0: the lease is gone).
    public func keepAlive(_ lease: Int64) async throws -> Int64 {
        let r = try await call("/v3/lease/keepalive", ["ID": "\(lease)"])
        return Self.int((r["result"] as? [String: Any])?["TTL"]) ?? 0
    }

    public func revoke(_ lease: Int64) async throws {
        _ = try await call("/v3/lease/revoke", ["ID": "\(lease)"])
    }

    public func put(_ key: String, _ value: String, lease: Int64 = 0) async throws {
        var body: [String: Any] = ["key": Self.b64(key), "value": Self.b64(value)]
        if lease != 0 { body["lease"] = "\(lease)" }
        _ = try await call("/v3/kv/put", body)
    }

    /// Creates `key` (with `lease`) and sets `counter` to `counterValue`, only if `key` does not exist and
    /// `counter` still has `counterRevision` (0: does not exist): one etcd transaction. True if done.
    public func createIfAbsent(_ key: String, _ value: String, lease: Int64, counter: String, counterRevision: Int64, counterValue: String) async throws -> Bool {
        let body: [String: Any] = [
            "compare": [
                ["key": Self.b64(key), "target": "CREATE", "result": "EQUAL", "create_revision": "0"],
                ["key": Self.b64(counter), "target": "MOD", "result": "EQUAL", "mod_revision": "\(counterRevision)"],
            ],
            "success": [
                ["request_put": ["key": Self.b64(key), "value": Self.b64(value), "lease": "\(lease)"]],
                ["request_put": ["key": Self.b64(counter), "value": Self.b64(counterValue)]],
            ],
        ]
        let r = try await call("/v3/kv/txn", body)
        return (r["succeeded"] as? Bool) ?? false
    }

    /// Deletes `key` if it still has `modRevision` (a leader stepping down removes its own key only);
    /// true if it did.
    @discardableResult
    public func deleteIf(_ key: String, modRevision: Int64) async throws -> Bool {
        let body: [String: Any] = [
            "compare": [["key": Self.b64(key), "target": "MOD", "result": "EQUAL", "mod_revision": "\(modRevision)"]],
            "success": [["request_delete_range": ["key": Self.b64(key)]]],
        ]
        let r = try await call("/v3/kv/txn", body)
        return (r["succeeded"] as? Bool) ?? false
    }

    // MARK: HTTP/1.1

    static func post(
        host: String, port: Int, path: String, body: [UInt8], group: any EventLoopGroup, timeout: TimeAmount, tls: NIOSSLContext? = nil
    ) async throws -> [UInt8] {
        let promise = group.next().makePromise(of: [UInt8].self)
        let channel: any Channel
        do {
            channel = try await connect(host: host, port: port, group: group, timeout: timeout, tls: tls, handler: ResponseCollector(promise: promise))
        } catch {
            // Refused or timed out: the channel never became active, so no handler completes the promise,
            // and a promise left incomplete is a trap in debug builds (found by the partition fault test:
            // a node resumed from SIGSTOP had its etcd connects time out, and crashed).
            promise.fail(error)
            throw error
        }
        channel.eventLoop.scheduleTask(in: timeout) { promise.fail(Failure(reason: "\(path): no answer in time")) }
        send(path: path, body: body, host: host, port: port, on: channel)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    /// An HTTP/1.1 connection (over TLS when `tls` is given) with `handler` after the HTTP client codec.
    static func connect(
        host: String, port: Int, group: any EventLoopGroup, timeout: TimeAmount, tls: NIOSSLContext?, handler: sending any ChannelHandler & Sendable
    ) async throws -> any Channel {
        // SNI and the name check use the host name; for an address, NIOSSL checks the certificate's IP
        // addresses against the connected peer's.
        let serverHostname = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverHostname)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        return try await bootstrap.connect(host: host, port: port).get()
    }

    static func send(path: String, body: [UInt8], host: String, port: Int, on channel: any Channel) {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: "\(body.count)")
        head.headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    // MARK: watch

    /// What a watch reports: that it is in place (every change after `revision` will be reported), and the
    /// key's changes.
    public enum WatchEvent: Sendable, Equatable {
        case created(revision: Int64)
        case put(value: String, modRevision: Int64)
        case delete(modRevision: Int64)
    }

    /// Watches one key (`/v3/watch`: the gateway streams one JSON object per line) at the first endpoint
    /// that answers, calling `onEvent` for each report, until the stream ends (returns), fails (throws) or
    /// the task is cancelled (returns). Nothing bounds how long it runs: a caller that must notice a silent
    /// etcd keeps its own timer (the election loop renews its lease and reads the key on one anyway).
    public func watch(_ key: String, onEvent: @Sendable (WatchEvent) -> Void) async throws {
        let body = Array(try JSONSerialization.data(withJSONObject: ["create_request": ["key": Self.b64(key)]]))
        var lastError: any Error = Failure(reason: "no endpoint")
        for (host, port, secure) in endpoints {
            let (lines, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
            let channel: any Channel
            do {
                channel = try await Self.connect(host: host, port: port, group: group, timeout: timeout, tls: try tls(secure, host, port), handler: LineCollector(lines: continuation))
            } catch {
                lastError = error
                continue
            }
            Self.send(path: "/v3/watch", body: body, host: host, port: port, on: channel)
            try await withTaskCancellationHandler {
                defer { channel.close(promise: nil) }
                for try await line in lines {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { throw Failure(reason: "/v3/watch: not a JSON object") }
                    if let error = object["error"] { throw Failure(reason: "/v3/watch: \(error)") }
                    for event in Self.watchEvents(object) { onEvent(event) }
                }
            } onCancel: {
                channel.close(promise: nil)
            }
            return
        }
        throw lastError
    }

    /// The reports in one line of a watch stream (`{"result": {"header": {...}, "created": true}}`,
    /// `{"result": {"events": [{"type": "DELETE", "kv": {...}}]}}`; PUT is the default type, so absent).
    static func watchEvents(_ object: [String: Any]) -> [WatchEvent] {
        guard let result = object["result"] as? [String: Any] else { return [] }
        var events: [WatchEvent] = []
        if result["created"] as? Bool == true {
            events.append(.created(revision: int((result["header"] as? [String: Any])?["revision"]) ?? 0))
        }
        for e in result["events"] as? [[String: Any]] ?? [] {
            let kv = e["kv"] as? [String: Any] ?? [:]
            let revision = int(kv["mod_revision"]) ?? 0
            if e["type"] as? String == "DELETE" {
                events.append(.delete(modRevision: revision))
            } else {
                events.append(.put(value: unb64(kv["value"]) ?? "", modRevision: revision))
            }
        }
        return events
    }

    /// Splits a streamed response body into lines (at most 1 MiB each) for the watch.
    final class LineCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let lines: AsyncThrowingStream<[UInt8], any Error>.Continuation
        var pending: [UInt8] = []
        init(lines: AsyncThrowingStream<[UInt8], any Error>.Continuation) { self.lines = lines }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                if h.status.code >= 300 { lines.finish(throwing: Failure(reason: "/v3/watch: HTTP \(h.status.code)")) }
            case .body(let b):
                pending += b.readableBytesView
                var start = pending.startIndex
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    lines.yield(Array(pending[start..<newline]))
                    start = newline + 1
                }
                pending.removeSubrange(..<start)
                if pending.count > 1 << 20 {
                    lines.finish(throwing: Failure(reason: "/v3/watch: a line over 1 MiB"))
                    context.close(promise: nil)
                }
            case .end:
                if !pending.isEmpty { lines.yield(pending) }
                lines.finish()
            }
        }
        func channelInactive(context: ChannelHandlerContext) { lines.finish() }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            lines.finish(throwing: error)
            context.close(promise: nil)
        }
    }

    final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<[UInt8]>
        var body: [UInt8] = []
        var status: HTTPResponseStatus = .ok
        init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): status = h.status
            case .body(let b): body += b.readableBytesView
            case .end:
                if status.code >= 200 && status.code < 300 || !body.isEmpty {
                    promise.succeed(body)
                } else {
                    promise.fail(Failure(reason: "HTTP \(status.code)"))
                }
            }
        }
        func channelInactive(context: ChannelHandlerContext) { promise.fail(Failure(reason: "connection closed")) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
