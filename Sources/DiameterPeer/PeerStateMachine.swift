/// The Diameter peer state machine of RFC 6733 §5.6, as a value that returns actions (DEVELOPERS.md
/// rule 6): the shell that owns the connections performs them.
///
/// The transitions are data (``PeerStateMachine/table``), one row per line of the RFC's table, so the
/// test can walk every (state, event) pair of it.
public struct PeerStateMachine: Sendable, Hashable {
    /// RFC 6733 §5.6 states.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case closed = "Closed"
        case waitConnAck = "Wait-Conn-Ack"
        case waitICEA = "Wait-I-CEA"
        case waitConnAckElect = "Wait-Conn-Ack/Elect"
        case waitReturns = "Wait-Returns"
        case rOpen = "R-Open"
        case iOpen = "I-Open"
        case closing = "Closing"

        public var isOpen: Bool { self == .rOpen || self == .iOpen }
    }

    /// RFC 6733 §5.6.1 events ("I-" on the connection we initiated, "R-" on the one we accepted).
    public enum Event: String, Sendable, Hashable, CaseIterable {
        case start = "Start"
        case stop = "Stop"
        case timeout = "Timeout"
        case winElection = "Win-Election"
        case sendMessage = "Send-Message"
        case rConnCER = "R-Conn-CER"
        case iRcvConnAck = "I-Rcv-Conn-Ack"
        case iRcvConnNack = "I-Rcv-Conn-Nack"
        case iRcvCEA = "I-Rcv-CEA"
        case iRcvNonCEA = "I-Rcv-Non-CEA"
        case iPeerDisc = "I-Peer-Disc"
        case rPeerDisc = "R-Peer-Disc"
        case iRcvMessage = "I-Rcv-Message"
        case rRcvMessage = "R-Rcv-Message"
        case iRcvDWR = "I-Rcv-DWR"
        case rRcvDWR = "R-Rcv-DWR"
        case iRcvDWA = "I-Rcv-DWA"
        case rRcvDWA = "R-Rcv-DWA"
        case iRcvDPR = "I-Rcv-DPR"
        case rRcvDPR = "R-Rcv-DPR"
        case iRcvDPA = "I-Rcv-DPA"
        case rRcvDPA = "R-Rcv-DPA"
    }

    /// RFC 6733 §5.6.3 actions.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case iSndConnReq = "I-Snd-Conn-Req"
        case rAccept = "R-Accept"
        case processCER = "Process-CER"
        case rSndCEA = "R-Snd-CEA"
        case iSndCER = "I-Snd-CER"
        case cleanup = "Cleanup"
        case error = "Error"
        case processCEA = "Process-CEA"
        case elect = "Elect"
        case iDisc = "I-Disc"
        case rDisc = "R-Disc"
        case rReject = "R-Reject"
        case iSndMessage = "I-Snd-Message"
        case rSndMessage = "R-Snd-Message"
        case process = "Process"
        case processDWR = "Process-DWR"
        case iSndDWA = "I-Snd-DWA"
        case rSndDWA = "R-Snd-DWA"
        case processDWA = "Process-DWA"
        case iSndDPR = "I-Snd-DPR"
        case rSndDPR = "R-Snd-DPR"
        case iSndDPA = "I-Snd-DPA"
        case rSndDPA = "R-Snd-DPA"
    }

    /// One row of the RFC's table.
    public struct Transition: Sendable, Hashable {
        public var state: State
        public var event: Event
        public var actions: [Action]
        public var next: State
    }

    /// The result of an event.
    public enum Outcome: Sendable, Hashable {
        /// A row of the table applied: perform `actions` in order.
        case transition(actions: [Action], from: State, to: State)
        /// The event has no row in this state (the RFC lists none); nothing changes.
        case ignored(State, Event)
    }

    public private(set) var state: State

    public init(state: State = .closed) {
        self.state = state
    }

    /// Applies `event`.
    public mutating func handle(_ event: Event) -> Outcome {
        guard let row = Self.index[Key(state: state, event: event)] else { return .ignored(state, event) }
        let from = state
        state = row.next
        return .transition(actions: row.actions, from: from, to: row.next)
    }

    struct Key: Hashable {
        var state: State
        var event: Event
    }

    static let index: [Key: Transition] = Dictionary(uniqueKeysWithValues: table.map { (Key(state: $0.state, event: $0.event), $0) })

    /// RFC 6733 §5.6, the peer state machine table: 43 rows.
    public static let table: [Transition] = {
        func row(_ s: State, _ e: Event, _ a: [Action], _ n: State) -> Transition { Transition(state: s, event: e, actions: a, next: n) }
        return [
            row(.closed, .start, [.iSndConnReq], .waitConnAck),
            row(.closed, .rConnCER, [.rAccept, .processCER, .rSndCEA], .rOpen),

            row(.waitConnAck, .iRcvConnAck, [.iSndCER], .waitICEA),
            row(.waitConnAck, .iRcvConnNack, [.cleanup], .closed),
            row(.waitConnAck, .rConnCER, [.rAccept, .processCER], .waitConnAckElect),
            row(.waitConnAck, .timeout, [.error], .closed),

            row(.waitICEA, .iRcvCEA, [.processCEA], .iOpen),
            row(.waitICEA, .rConnCER, [.rAccept, .processCER, .elect], .waitReturns),
            row(.waitICEA, .iPeerDisc, [.iDisc], .closed),
            row(.waitICEA, .iRcvNonCEA, [.error], .closed),
            row(.waitICEA, .timeout, [.error], .closed),

            row(.waitConnAckElect, .iRcvConnAck, [.iSndCER, .elect], .waitReturns),
            row(.waitConnAckElect, .iRcvConnNack, [.rSndCEA], .rOpen),
            row(.waitConnAckElect, .rPeerDisc, [.rDisc], .waitConnAck),
            row(.waitConnAckElect, .rConnCER, [.rReject], .waitConnAckElect),
            row(.waitConnAckElect, .timeout, [.error], .closed),

            row(.waitReturns, .winElection, [.iDisc, .rSndCEA], .rOpen),
            row(.waitReturns, .iPeerDisc, [.iDisc, .rSndCEA], .rOpen),
            row(.waitReturns, .iRcvCEA, [.rDisc], .iOpen),
            row(.waitReturns, .rPeerDisc, [.rDisc], .waitICEA),
            row(.waitReturns, .rConnCER, [.rReject], .waitReturns),
            row(.waitReturns, .timeout, [.error], .closed),

            row(.rOpen, .sendMessage, [.rSndMessage], .rOpen),
            row(.rOpen, .rRcvMessage, [.process], .rOpen),
            row(.rOpen, .rRcvDWR, [.processDWR, .rSndDWA], .rOpen),
            row(.rOpen, .rRcvDWA, [.processDWA], .rOpen),
            row(.rOpen, .rConnCER, [.rReject], .rOpen),
            row(.rOpen, .stop, [.rSndDPR], .closing),
            row(.rOpen, .rRcvDPR, [.rSndDPA], .closing),
            row(.rOpen, .rPeerDisc, [.rDisc], .closed),

            row(.iOpen, .sendMessage, [.iSndMessage], .iOpen),
            row(.iOpen, .iRcvMessage, [.process], .iOpen),
            row(.iOpen, .iRcvDWR, [.processDWR, .iSndDWA], .iOpen),
            row(.iOpen, .iRcvDWA, [.processDWA], .iOpen),
            row(.iOpen, .rConnCER, [.rReject], .iOpen),
            row(.iOpen, .stop, [.iSndDPR], .closing),
            row(.iOpen, .iRcvDPR, [.iSndDPA], .closing),
            row(.iOpen, .iPeerDisc, [.iDisc], .closed),

            row(.closing, .iRcvDPA, [.iDisc], .closed),
            row(.closing, .rRcvDPA, [.rDisc], .closed),
            row(.closing, .timeout, [.error], .closed),
            row(.closing, .iPeerDisc, [.iDisc], .closed),
            row(.closing, .rPeerDisc, [.rDisc], .closed),
        ]
    }()

    /// RFC 6733 §5.6.4 election, performed by the responder: it wins when its own Origin-Host
    /// lexicographically succeeds the one received in the CER, comparing octets with ASCII letters
    /// case-folded (DNS case insensitivity).
    public static func winsElection(localOriginHost: String, remoteOriginHost: String) -> Bool {
        func fold(_ s: String) -> [UInt8] {
            s.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        }
        return fold(localOriginHost).lexicographicallyPrecedes(fold(remoteOriginHost)) == false
            && fold(localOriginHost) != fold(remoteOriginHost)
    }
}
