public import Logging
import NIOConcurrencyHelpers
public import NIOCore

/// Bounds the connections a server holds, in all and per source address, so that a flood of connections
/// (idle, slow, or never finishing their CER) cannot exhaust memory or file descriptors. A connection over
/// a bound is closed at accept, before anything is read from it; the refusals are logged at most once a
/// second, with how many there were.
public final class ConnectionLimiter: Sendable {
    public let maximum: Int
    public let maximumPerSource: Int
    struct State {
        var total = 0
        var perSource: [String: Int] = [:]
        var refusedSinceLog = 0
        var lastLog: NIODeadline = .distantPast
    }
    let state = NIOLockedValueBox(State())
    let logger: Logger

    public init(maximum: Int, maximumPerSource: Int, logger: Logger) {
        self.maximum = maximum
        self.maximumPerSource = maximumPerSource
        self.logger = logger
    }

    /// Counts `channel` in (and out again when it closes), or fails when a bound is reached.
    public func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        let source = channel.remoteAddress?.ipAddress ?? "?"
        switch verdict(source) {
        case .admitted:
            channel.closeFuture.whenComplete { [self] _ in release(source) }
            return channel.eventLoop.makeSucceededVoidFuture()
        case .refused(let report):
            if let report { logger.warning("connections refused at accept", metadata: ["reason": "\(report)"]) }
            return channel.eventLoop.makeFailedFuture(Refused())
        }
    }

    enum Verdict {
        case admitted
        /// `report`: what to log (nil: logged less than a second ago).
        case refused(report: String?)
    }

    func verdict(_ source: String, now: NIODeadline = .now()) -> Verdict {
        state.withLockedValue { s in
            let here = s.perSource[source, default: 0]
            let reason: String
            if s.total >= maximum {
                reason = "\(s.total) connections (limit \(maximum))"
            } else if here >= maximumPerSource {
                reason = "\(here) connections from \(source) (limit \(maximumPerSource) per source)"
            } else {
                s.total += 1
                s.perSource[source] = here + 1
                return .admitted
            }
            s.refusedSinceLog += 1
            guard now - s.lastLog >= .seconds(1) else { return .refused(report: nil) }
            defer {
                s.lastLog = now
                s.refusedSinceLog = 0
            }
            return .refused(report: "\(reason); \(s.refusedSinceLog) refused since the last report")
        }
    }

    struct Refused: Error {}

    func release(_ source: String) {
        state.withLockedValue { s in
            s.total -= 1
            let n = s.perSource[source, default: 1] - 1
            s.perSource[source] = n > 0 ? n : nil
        }
    }

    /// Connections held now, in all and from `source`.
    public func count(from source: String? = nil) -> Int {
        state.withLockedValue { s in source.map { s.perSource[$0] ?? 0 } ?? s.total }
    }
}
