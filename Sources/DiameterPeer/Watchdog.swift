/// The transport failure-detection state machine of RFC 3539 §3.4 (Device-Watchdog), as a value that
/// returns actions. Time is injected: the state machine asks for a timer (``Action/setWatchdog(_:)``) and
/// the shell feeds back ``Event/timerExpired`` when it fires.
///
/// Tw is TwInit with ±2 s of jitter (RFC 3539 §3.4.1: TwInit SHOULD be 30 s and MUST NOT be below 6 s);
/// the random source is a parameter, so tests are deterministic.
public struct Watchdog<RNG: RandomNumberGenerator & Sendable>: Sendable {
    /// RFC 3539 §3.4.1 default TwInit.
    public static var defaultTwInit: Duration { .seconds(30) }
    /// RFC 3539 §3.4.1: TwInit MUST NOT be set lower than 6 seconds.
    public static var minimumTwInit: Duration { .seconds(6) }
    /// RFC 3539 §3.4.1: the jitter applied to TwInit.
    public static var jitter: Duration { .seconds(2) }

    public enum State: String, Sendable, Hashable, CaseIterable {
        case initial = "INITIAL", okay = "OKAY", suspect = "SUSPECT", down = "DOWN", reopen = "REOPEN"
    }

    public enum Event: String, Sendable, Hashable, CaseIterable {
        case connectionUp = "Connection up"
        case connectionDown = "Connection down"
        case receiveDWA = "Receive DWA"
        case receiveNonDWA = "Receive non-DWA"
        case timerExpired = "Timer expires"
    }

    public enum Action: Sendable, Hashable {
        /// Arm (or re-arm) the watchdog timer for this interval.
        case setWatchdog(Duration)
        /// Send a DWR.
        case sendWatchdog
        /// Stop using the connection for new requests (route them elsewhere).
        case failover
        /// The connection is usable again.
        case failback
        /// Close the transport connection.
        case closeConnection
        /// (Initiator) try to open the connection again.
        case attemptOpen
        /// Discard the received message (the connection is not yet trusted).
        case throwaway
    }

    /// The actions of one event, in order: at most two in RFC 3539's table, held inline (the request path
    /// gets one per received message; an array would be an allocation each).
    public struct Actions: RandomAccessCollection, Equatable, ExpressibleByArrayLiteral, Sendable {
        var firstAction: Action?
        var secondAction: Action?
        public init() {}
        public init(_ a: Action) { firstAction = a }
        public init(_ a: Action, _ b: Action) { (firstAction, secondAction) = (a, b) }
        public init(arrayLiteral elements: Action...) {
            precondition(elements.count <= 2, "a watchdog event has at most two actions")
            firstAction = elements.first
            secondAction = elements.count > 1 ? elements[1] : nil
        }
        public var startIndex: Int { 0 }
        public var endIndex: Int { firstAction == nil ? 0 : secondAction == nil ? 1 : 2 }
        public subscript(i: Int) -> Action {
            precondition(i >= 0 && i < endIndex, "index out of range")
            return i == 0 ? firstAction! : secondAction!
        }
    }

    public private(set) var state: State = .initial
    /// A DWR is outstanding.
    public private(set) var pending = false
    /// DWAs received in REOPEN (RFC 3539 §3.4.1: three needed to fail back).
    public private(set) var numDWA = 0
    public let twInit: Duration
    var rng: RNG

    public init(twInit: Duration = Self.defaultTwInit, rng: RNG) {
        precondition(twInit >= Self.minimumTwInit, "RFC 3539: TwInit must be at least 6 s")
        self.twInit = twInit
        self.rng = rng
    }

    /// The next Tw: TwInit ± 2 s.
    mutating func nextTw() -> Duration {
        let jitterMs = Int64.random(in: -2000...2000, using: &rng)
        return twInit + .milliseconds(jitterMs)
    }

    /// Applies `event`; returns the actions in the RFC's order.
    public mutating func handle(_ event: Event) -> Actions {
        switch (state, event) {
        // INITIAL
        case (.initial, .connectionUp):
            state = .okay
            return Actions(.setWatchdog(nextTw()))
        case (.initial, .receiveDWA):
            pending = false
            return Actions(.throwaway)
        case (.initial, .receiveNonDWA):
            return Actions(.throwaway)
        case (.initial, .timerExpired):
            return Actions(.attemptOpen, .setWatchdog(nextTw()))
        case (.initial, .connectionDown):
            return Actions()

        // OKAY
        case (.okay, .receiveDWA):
            pending = false
            return Actions(.setWatchdog(nextTw()))
        case (.okay, .receiveNonDWA):
            return Actions(.setWatchdog(nextTw()))
        case (.okay, .timerExpired) where !pending:
            pending = true
            return Actions(.sendWatchdog, .setWatchdog(nextTw()))
        case (.okay, .timerExpired):
            state = .suspect
            return Actions(.failover, .setWatchdog(nextTw()))
        case (.okay, .connectionDown):
            state = .down
            return Actions(.failover, .setWatchdog(nextTw()))
        case (.okay, .connectionUp):
            return Actions()

        // SUSPECT
        case (.suspect, .receiveDWA):
            pending = false
            state = .okay
            return Actions(.failback, .setWatchdog(nextTw()))
        case (.suspect, .receiveNonDWA):
            state = .okay
            return Actions(.failback, .setWatchdog(nextTw()))
        case (.suspect, .timerExpired), (.suspect, .connectionDown):
            state = .down
            return Actions(.closeConnection, .setWatchdog(nextTw()))
        case (.suspect, .connectionUp):
            return Actions()

        // DOWN
        case (.down, .timerExpired):
            return Actions(.attemptOpen, .setWatchdog(nextTw()))
        case (.down, .connectionUp):
            numDWA = 0
            pending = true
            state = .reopen
            return Actions(.sendWatchdog, .setWatchdog(nextTw()))
        case (.down, .receiveDWA):
            pending = false
            return Actions(.throwaway)
        case (.down, .receiveNonDWA):
            return Actions(.throwaway)
        case (.down, .connectionDown):
            return Actions()

        // REOPEN
        case (.reopen, .receiveDWA) where numDWA == 2:
            numDWA += 1
            pending = false
            state = .okay
            return Actions(.failback)
        case (.reopen, .receiveDWA):
            numDWA += 1
            pending = false
            return Actions()
        case (.reopen, .receiveNonDWA):
            return Actions(.throwaway)
        case (.reopen, .timerExpired) where !pending:
            pending = true
            return Actions(.sendWatchdog, .setWatchdog(nextTw()))
        case (.reopen, .timerExpired) where numDWA >= 0:
            numDWA = -1
            return Actions(.setWatchdog(nextTw()))
        case (.reopen, .timerExpired):
            state = .down
            return Actions(.closeConnection, .setWatchdog(nextTw()))
        case (.reopen, .connectionDown):
            state = .down
            return Actions(.closeConnection, .setWatchdog(nextTw()))
        case (.reopen, .connectionUp):
            return Actions()
        }
    }
}
