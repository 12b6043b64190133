public import NIOCore
import DiameterCore

/// Duplicate request detection (RFC 6733 §5.5.4, §6.1.1): a request seen again with the same
/// (Origin-Host, End-to-End Identifier) within the window gets the first answer, and is not executed
/// twice (MAR and SAR change state). Pure; time is passed in.
///
/// Entries are named by the connection's peer (the identity its CER gave, checked against its certificate
/// under TLS), not only by the Origin-Host AVP that the peer writes itself: a peer that copies another
/// peer's Origin-Host and End-to-End Identifier into its own request neither reads that peer's answer
/// (and the AKA vector in it) nor plants one for it.
public struct DuplicateDetector: Sendable {
    /// Default window: 30 s.
    public static let defaultWindow = TimeAmount.seconds(30)

    public struct Key: Hashable, Sendable {
        /// The connection's peer (its CER Origin-Host), lowercased.
        public var peer: String
        /// The request's Origin-Host when it is not the peer's (a request relayed by an agent), lowercased;
        /// empty for the usual request that the peer itself originated.
        public var relayedOrigin: String
        public var endToEndID: UInt32
        public init(peer: String, originHost: String?, endToEndID: UInt32) {
            // DiameterIdentity compares ASCII case-insensitively; lowercase only when needed (the usual
            // identity is already lowercase, and this runs for every request).
            let peer = Self.folded(peer)
            self.peer = peer
            let origin = originHost.map(Self.folded) ?? peer
            self.relayedOrigin = origin == peer ? "" : origin
            self.endToEndID = endToEndID
        }

        static func folded(_ s: String) -> String {
            s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? s.lowercased() : s
        }

        /// The End-to-End id and the identities' lengths: cheap (no string hashing per request) and well
        /// spread, since End-to-End ids are unique per origin (RFC 6733 §3); equal keys still compare the
        /// identities.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(endToEndID)
            hasher.combine(peer.utf8.count)
            hasher.combine(relayedOrigin.utf8.count)
        }

        /// The key as one string, for answers kept beyond this process (the replicated replay table).
        public var name: String {
            relayedOrigin.isEmpty ? "\(peer)|\(endToEndID)" : "\(peer)|\(relayedOrigin)|\(endToEndID)"
        }
    }

    public enum Status: Sendable, Equatable {
        /// Not seen in the window: execute it (the detector now tracks it as in progress).
        case new
        /// Seen and still being executed: answer when the first one completes.
        case inProgress
        /// Seen and answered: send this answer again (with the new Hop-by-Hop Identifier).
        case answered(ByteBuffer)
    }

    /// An entry keeps the time its request arrived: the window counts from there, and expiry walks the
    /// arrival order.
    enum Entry: Sendable {
        case inProgress(since: NIODeadline)
        case answered(ByteBuffer, since: NIODeadline)

        var time: NIODeadline {
            switch self {
            case .inProgress(let t), .answered(_, let t): t
            }
        }
    }

    public let window: TimeAmount
    /// Upper bound on tracked requests (oldest dropped first), so a flood cannot grow memory without bound.
    /// Default 200,000 (each holds its answer: about 110 MB at most for MAAs); at rates above
    /// capacity / window, the effective window shrinks. Each connection has its own detector (with
    /// ``DiameterServerConfiguration/duplicateCapacityPerConnection``); a closed connection's detector is
    /// kept whole in ``PeerRegistry`` for the window.
    public let capacity: Int
    public static let defaultCapacity = 200_000
    private var entries: [Key: Entry] = [:]
    private var order: [(Key, NIODeadline)] = []
    private var orderStart = 0

    public init(window: TimeAmount = Self.defaultWindow, capacity: Int = Self.defaultCapacity) {
        self.window = window
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// Looks `key` up, recording it as in progress when new.
    public mutating func check(_ key: Key, now: NIODeadline) -> Status {
        expire(now: now)
        switch entries[key] {
        case .inProgress?: return .inProgress
        case .answered(let answer, _)?: return .answered(answer)
        case nil:
            entries[key] = .inProgress(since: now)
            order.append((key, now))
            if entries.count > capacity { dropOldest() }
            return .new
        }
    }

    /// What is known of `key`, without recording anything (nil: not seen in the window).
    public func status(of key: Key, now: NIODeadline) -> Status? {
        switch entries[key] {
        case .inProgress(let t)? where now - t <= window: return .inProgress
        case .answered(let answer, let t)? where now - t <= window: return .answered(answer)
        default: return nil
        }
    }

    /// When the newest entry arrived (nil: none).
    public var newest: NIODeadline? { entries.isEmpty ? nil : order.last?.1 }

    /// Records the answer of a request that was `.new`. A 3004 DIAMETER_TOO_BUSY answer is not kept: it
    /// says "not done, try again" (RFC 6733 §7.1.3), so its retransmission must run again rather than get
    /// the same refusal (the request is forgotten, as if abandoned).
    public mutating func complete(_ key: Key, answer: ByteBuffer, now: NIODeadline) {
        guard case .inProgress(let since)? = entries[key] else { return }
        if Self.isTooBusy(answer) {
            entries[key] = nil
            return
        }
        entries[key] = .answered(answer, since: since)
    }

    /// An error answer (E bit) whose Result-Code is 3004.
    static func isTooBusy(_ answer: ByteBuffer) -> Bool {
        guard let flags = answer.getInteger(at: answer.readerIndex + 4, as: UInt8.self), flags & 0x20 != 0 else { return false }
        return DiameterDecoder.peekResultCode(answer) == ResultCode.tooBusy.value
    }

    /// Forgets a request whose processing failed without an answer (so a retransmission runs it).
    public mutating func abandon(_ key: Key) {
        entries[key] = nil
    }

    /// Drops entries older than the window.
    public mutating func expire(now: NIODeadline) {
        while orderStart < order.count {
            let (key, t) = order[orderStart]
            guard now - t > window else { break }
            if entries[key]?.time == t { entries[key] = nil }
            orderStart += 1
        }
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private mutating func dropOldest() {
        while orderStart < order.count, entries.count > capacity {
            let (key, t) = order[orderStart]
            if entries[key]?.time == t { entries[key] = nil }  // not a newer entry for the same key
            orderStart += 1
        }
    }

    /// `answer` with its Hop-by-Hop Identifier replaced (a retransmission may carry a new one).
    public static func replay(_ answer: ByteBuffer, hopByHopID: UInt32) -> ByteBuffer {
        var copy = answer
        copy.setInteger(hopByHopID, at: copy.readerIndex + 12)
        return copy
    }
}
