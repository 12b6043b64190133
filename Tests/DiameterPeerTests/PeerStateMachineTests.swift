import DiameterPeer
import Testing

/// RFC 6733 §5.6: every row of the peer state machine table, and every (state, event) pair that has no
/// row, which must leave the state unchanged.
@Suite("Peer state machine (RFC 6733 §5.6)")
struct PeerStateMachineTests {
    /// The RFC's table, transcribed here independently of the implementation, in the RFC's words:
    /// state | event | actions | next state.
    static let rfcTable: [(String, String, String, String)] = [
        ("Closed", "Start", "I-Snd-Conn-Req", "Wait-Conn-Ack"),
        ("Closed", "R-Conn-CER", "R-Accept, Process-CER, R-Snd-CEA", "R-Open"),
        ("Wait-Conn-Ack", "I-Rcv-Conn-Ack", "I-Snd-CER", "Wait-I-CEA"),
        ("Wait-Conn-Ack", "I-Rcv-Conn-Nack", "Cleanup", "Closed"),
        ("Wait-Conn-Ack", "R-Conn-CER", "R-Accept, Process-CER", "Wait-Conn-Ack/Elect"),
        ("Wait-Conn-Ack", "Timeout", "Error", "Closed"),
        ("Wait-I-CEA", "I-Rcv-CEA", "Process-CEA", "I-Open"),
        ("Wait-I-CEA", "R-Conn-CER", "R-Accept, Process-CER, Elect", "Wait-Returns"),
        ("Wait-I-CEA", "I-Peer-Disc", "I-Disc", "Closed"),
        ("Wait-I-CEA", "I-Rcv-Non-CEA", "Error", "Closed"),
        ("Wait-I-CEA", "Timeout", "Error", "Closed"),
        ("Wait-Conn-Ack/Elect", "I-Rcv-Conn-Ack", "I-Snd-CER, Elect", "Wait-Returns"),
        ("Wait-Conn-Ack/Elect", "I-Rcv-Conn-Nack", "R-Snd-CEA", "R-Open"),
        ("Wait-Conn-Ack/Elect", "R-Peer-Disc", "R-Disc", "Wait-Conn-Ack"),
        ("Wait-Conn-Ack/Elect", "R-Conn-CER", "R-Reject", "Wait-Conn-Ack/Elect"),
        ("Wait-Conn-Ack/Elect", "Timeout", "Error", "Closed"),
        ("Wait-Returns", "Win-Election", "I-Disc, R-Snd-CEA", "R-Open"),
        ("Wait-Returns", "I-Peer-Disc", "I-Disc, R-Snd-CEA", "R-Open"),
        ("Wait-Returns", "I-Rcv-CEA", "R-Disc", "I-Open"),
        ("Wait-Returns", "R-Peer-Disc", "R-Disc", "Wait-I-CEA"),
        ("Wait-Returns", "R-Conn-CER", "R-Reject", "Wait-Returns"),
        ("Wait-Returns", "Timeout", "Error", "Closed"),
        ("R-Open", "Send-Message", "R-Snd-Message", "R-Open"),
        ("R-Open", "R-Rcv-Message", "Process", "R-Open"),
        ("R-Open", "R-Rcv-DWR", "Process-DWR, R-Snd-DWA", "R-Open"),
        ("R-Open", "R-Rcv-DWA", "Process-DWA", "R-Open"),
        ("R-Open", "R-Conn-CER", "R-Reject", "R-Open"),
        ("R-Open", "Stop", "R-Snd-DPR", "Closing"),
        ("R-Open", "R-Rcv-DPR", "R-Snd-DPA", "Closing"),
        ("R-Open", "R-Peer-Disc", "R-Disc", "Closed"),
        ("I-Open", "Send-Message", "I-Snd-Message", "I-Open"),
        ("I-Open", "I-Rcv-Message", "Process", "I-Open"),
        ("I-Open", "I-Rcv-DWR", "Process-DWR, I-Snd-DWA", "I-Open"),
        ("I-Open", "I-Rcv-DWA", "Process-DWA", "I-Open"),
        ("I-Open", "R-Conn-CER", "R-Reject", "I-Open"),
        ("I-Open", "Stop", "I-Snd-DPR", "Closing"),
        ("I-Open", "I-Rcv-DPR", "I-Snd-DPA", "Closing"),
        ("I-Open", "I-Peer-Disc", "I-Disc", "Closed"),
        ("Closing", "I-Rcv-DPA", "I-Disc", "Closed"),
        ("Closing", "R-Rcv-DPA", "R-Disc", "Closed"),
        ("Closing", "Timeout", "Error", "Closed"),
        ("Closing", "I-Peer-Disc", "I-Disc", "Closed"),
        ("Closing", "R-Peer-Disc", "R-Disc", "Closed"),
    ]

    typealias PSM = PeerStateMachine

    static let allPairs: [(PSM.State, PSM.Event)] = PSM.State.allCases.flatMap { s in PSM.Event.allCases.map { (s, $0) } }

    @Test("the RFC table has 43 rows and the implementation has exactly them")
    func rowCount() {
        #expect(Self.rfcTable.count == 43)
        #expect(PSM.table.count == 43)
    }

    @Test("every (state, event) pair", arguments: allPairs.indices)
    func pair(_ i: Int) throws {
        let (state, event) = Self.allPairs[i]
        var psm = PSM(state: state)
        let outcome = psm.handle(event)
        if let row = Self.rfcTable.first(where: { $0.0 == state.rawValue && $0.1 == event.rawValue }) {
            let actions = row.2.split(separator: ",").map { String($0.drop { $0 == " " }) }
            let next = try #require(PSM.State(rawValue: row.3))
            #expect(outcome == .transition(actions: actions.compactMap(PSM.Action.init(rawValue:)), from: state, to: next))
            #expect(actions.allSatisfy { PSM.Action(rawValue: $0) != nil }, "every RFC action name is known")
            #expect(psm.state == next)
        } else {
            #expect(outcome == .ignored(state, event))
            #expect(psm.state == state, "an event without a row changes nothing")
        }
    }

    @Test("a responder's life: CER, messages, watchdogs, DPR from the peer, disconnect")
    func responderLife() {
        var psm = PSM()
        #expect(psm.handle(.rConnCER) == .transition(actions: [.rAccept, .processCER, .rSndCEA], from: .closed, to: .rOpen))
        for _ in 0..<3 { _ = psm.handle(.rRcvMessage) }
        _ = psm.handle(.rRcvDWR)
        #expect(psm.handle(.rRcvDPR) == .transition(actions: [.rSndDPA], from: .rOpen, to: .closing))
        _ = psm.handle(.rPeerDisc)
        #expect(psm.state == .closed)
    }

    @Test("election (§5.6.4): the higher Origin-Host wins, ASCII case-insensitively", arguments: [
        ("z.example", "a.example", true), ("a.example", "z.example", false), ("HSS.example", "hss.example", false),
        ("hss.example2", "hss.example", true), ("hss.example", "hss.example2", false), ("B.example", "a.EXAMPLE", true),
    ])
    func election(_ local: String, _ remote: String, _ wins: Bool) {
        #expect(PSM.winsElection(localOriginHost: local, remoteOriginHost: remote) == wins)
    }
}
