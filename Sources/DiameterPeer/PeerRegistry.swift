import DiameterCore
public import NIOCore
import NIOConcurrencyHelpers
import Synchronization

/// The open peers by Origin-Host (one connection per peer, RFC 6733 §5.6), and the duplicate-detection
/// entries of closed connections: each connection detects duplicates on its own, without a lock; when it
/// closes, its detector is kept here, where a retransmission (T flag) arriving on the peer's next
/// connection finds its entries. Only T-flagged requests look here (and take its lock).
public final class PeerRegistry: Sendable {
    struct Entry {
        var connection: PeerConnection
        var isInitiator: Bool
        var isOpen: Bool
    }

    let peers = NIOLockedValueBox<[String: Entry]>([:])
    let retiredDuplicates = NIOLockedValueBox<[DuplicateDetector]>([])
    let duplicateWindow: TimeAmount
    let localOriginHost: String
    /// The peer authorisation in force, replaced at run time through ``setAuthorization(_:)``.
    let authorizationPolicy: NIOLockedValueBox<PeerAuthorization>
    /// Moves on at each replacement: a connection compares it (one atomic load per request, no lock) with
    /// the generation its peer was admitted under, and admits its peer again when it changed.
    let authorizationGeneration = Atomic<Int>(0)
    /// Each event loop's passes (``LoopPass``), shared by its connections; looked up once per connection.
    let loopPasses = NIOLockedValueBox<[ObjectIdentifier: LoopPassClock]>([:])

    public init(localOriginHost: String, duplicateWindow: TimeAmount = DuplicateDetector.defaultWindow, authorization: PeerAuthorization = .permissive) {
        self.localOriginHost = localOriginHost
        self.duplicateWindow = duplicateWindow
        self.authorizationPolicy = NIOLockedValueBox(authorization)
    }

    /// The passes of `loop`, made by the first connection that asks.
    func loopPass(for loop: any EventLoop, shedAfter: TimeAmount) -> LoopPassClock {
        loopPasses.withLockedValue { clocks in
            if let c = clocks[ObjectIdentifier(loop)], c.shedAfter == shedAfter { return c }
            let c = LoopPassClock(loop: loop, shedAfter: shedAfter)
            clocks[ObjectIdentifier(loop)] = c
            return c
        }
    }

    /// The policy in force and its generation.
    public var authorization: (policy: PeerAuthorization, generation: Int) {
        authorizationPolicy.withLockedValue { ($0, authorizationGeneration.load(ordering: .acquiring)) }
    }

    /// Replaces the policy; every open connection checks its peer against it at its next request (a peer
    /// no longer admitted is disconnected).
    public func setAuthorization(_ policy: PeerAuthorization) {
        authorizationPolicy.withLockedValue { p in
            p = policy
            authorizationGeneration.add(1, ordering: .releasing)
        }
    }

    /// Closed connections' detectors kept at most (the oldest go first), and entries in all of them.
    static let retiredDetectorLimit = 64
    static let retiredEntryLimit = DuplicateDetector.defaultCapacity

    /// Keeps a closed connection's duplicate-detection entries: its detector is kept whole (no copy of
    /// its entries, nothing sorted: a connection closing must not stall its event loop), until its newest
    /// entry is older than the window or the limits push it out.
    func retire(_ detector: DuplicateDetector, now: NIODeadline) {
        guard detector.count > 0 else { return }
        let window = duplicateWindow
        let dropped = retiredDuplicates.withLockedValue { kept -> [DuplicateDetector] in
            var dropped: [DuplicateDetector] = []
            kept.removeAll { d in
                let old = d.newest.map { now - $0 > window } ?? true
                if old { dropped.append(d) }
                return old
            }
            kept.append(detector)
            var total = kept.reduce(0) { $0 + $1.count }
            while kept.count > Self.retiredDetectorLimit || (total > Self.retiredEntryLimit && kept.count > 1) {
                let d = kept.removeFirst()
                total -= d.count
                dropped.append(d)
            }
            return dropped
        }
        // Freeing tens of thousands of kept answers takes milliseconds: not on the event loop.
        if !dropped.isEmpty { Task.detached(priority: .background) { _ = dropped.count } }
    }

    /// What a closed connection knew of `key` (T-flagged requests only), newest connection first.
    func retiredStatus(of key: DuplicateDetector.Key, now: NIODeadline) -> DuplicateDetector.Status? {
        retiredDuplicates.withLockedValue { kept in
            for d in kept.reversed() {
                if let s = d.status(of: key, now: now) { return s }
            }
            return nil
        }
    }

    /// The answer of a request whose connection closed before it was answered.
    func completeRetired(_ key: DuplicateDetector.Key, answer: ByteBuffer, now: NIODeadline) {
        retiredDuplicates.withLockedValue { kept in
            for i in kept.indices.reversed() where kept[i].status(of: key, now: now) == .inProgress {
                kept[i].complete(key, answer: answer, now: now)
                return
            }
        }
    }

    enum Registration {
        /// The connection is the peer's.
        case registered
        /// Another connection has the peer (R-Reject), or we lost the election.
        case rejected
        /// We won the election (RFC 6733 §5.6.4) against our own outbound connection, which must close.
        case won(over: PeerConnection)
    }

    /// A responder connection that received a CER from `originHost`.
    func registerResponder(_ originHost: String, connection: PeerConnection) -> Registration {
        peers.withLockedValue { p in
            let key = originHost.lowercased()
            guard let existing = p[key], existing.connection !== connection else {
                p[key] = Entry(connection: connection, isInitiator: false, isOpen: true)
                return .registered
            }
            // Our own connection to that peer is still waiting for its CEA: elect (RFC 6733 §5.6.4).
            if existing.isInitiator && !existing.isOpen {
                guard PeerStateMachine.winsElection(localOriginHost: localOriginHost, remoteOriginHost: originHost) else {
                    return .rejected
                }
                p[key] = Entry(connection: connection, isInitiator: false, isOpen: true)
                return .won(over: existing.connection)
            }
            return .rejected
        }
    }

    /// An initiator connection about to send its CER to `originHost`; false when the peer already has one.
    func registerInitiator(_ originHost: String, connection: PeerConnection) -> Bool {
        peers.withLockedValue { p in
            let key = originHost.lowercased()
            if let existing = p[key], existing.connection !== connection { return false }
            p[key] = Entry(connection: connection, isInitiator: true, isOpen: false)
            return true
        }
    }

    /// The initiator connection got its CEA; false when it lost its place meanwhile (election).
    func markOpen(_ originHost: String, connection: PeerConnection) -> Bool {
        peers.withLockedValue { p in
            let key = originHost.lowercased()
            guard p[key]?.connection === connection else { return false }
            p[key]?.isOpen = true
            return true
        }
    }

    func unregister(_ originHost: String, connection: PeerConnection) {
        peers.withLockedValue { p in
            let key = originHost.lowercased()
            if p[key]?.connection === connection { p[key] = nil }
        }
    }

    /// Every peer with a connection, by Origin-Host: open or waiting for its CEA (our connection to it),
    /// and who opened the connection.
    public var peerStates: [(originHost: String, open: Bool, initiatedByUs: Bool)] {
        peers.withLockedValue { p in p.map { ($0.key, $0.value.isOpen, $0.value.isInitiator) }.sorted { $0.originHost < $1.originHost } }
    }

    /// The Origin-Hosts of the open peers.
    public var openPeers: [String] { peers.withLockedValue { $0.filter(\.value.isOpen).keys.sorted() } }

    /// The open connection to `originHost`.
    public func connection(for originHost: String) -> PeerConnection? {
        peers.withLockedValue { p in
            guard let e = p[originHost.lowercased()], e.isOpen else { return nil }
            return e.connection
        }
    }

    /// Whether `originHost` has a connection (open or opening).
    func hasConnection(_ originHost: String) -> Bool { peers.withLockedValue { $0[originHost.lowercased()] != nil } }

    var allConnections: [PeerConnection] { peers.withLockedValue { $0.values.map(\.connection) } }
}
