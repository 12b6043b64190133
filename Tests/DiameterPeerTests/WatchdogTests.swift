import DiameterPeer
import DiameterTestKit
import Testing

/// RFC 3539 §3.4: the watchdog state machine, row by row, with deterministic jitter.
@Suite("Watchdog (RFC 3539)")
struct WatchdogTests {
    typealias WD = Watchdog<SplitMix64>

    func make() -> WD { WD(rng: SplitMix64(seed: 7)) }

    /// Drives a fresh watchdog into `state` (and, for REOPEN, with no DWA yet).
    func inState(_ state: WD.State) -> WD {
        var w = make()
        switch state {
        case .initial: break
        case .okay: _ = w.handle(.connectionUp)
        case .suspect: _ = w.handle(.connectionUp); _ = w.handle(.timerExpired); _ = w.handle(.timerExpired)
        case .down: _ = w.handle(.connectionUp); _ = w.handle(.connectionDown)
        case .reopen: _ = w.handle(.connectionUp); _ = w.handle(.connectionDown); _ = w.handle(.connectionUp)
        }
        #expect(w.state == state)
        return w
    }

    func isSet(_ a: WD.Action) -> Bool { if case .setWatchdog = a { true } else { false } }

    @Test("Tw is TwInit ± 2 s")
    func jitter() {
        var w = make()
        for _ in 0..<200 {
            let actions = w.handle(.timerExpired)  // INITIAL: AttemptOpen, SetWatchdog
            guard case .setWatchdog(let tw)? = actions.last else { Issue.record("no timer"); return }
            #expect(tw >= .seconds(28) && tw <= .seconds(32))
        }
    }

    @Test("INITIAL rows")
    func initial() {
        var w = inState(.initial)
        #expect(w.handle(.receiveDWA) == [.throwaway])
        #expect(w.handle(.receiveNonDWA) == [.throwaway])
        #expect(w.handle(.timerExpired).first == .attemptOpen)
        let up = w.handle(.connectionUp)
        #expect(up.count == 1 && isSet(up[0]))
        #expect(w.state == .okay)
    }

    @Test("OKAY: silence sends a DWR; a second silence without DWA fails over to SUSPECT")
    func okayToSuspect() {
        var w = inState(.okay)
        let first = w.handle(.timerExpired)
        #expect(first.first == .sendWatchdog && w.pending && w.state == .okay)
        let second = w.handle(.timerExpired)
        #expect(second.first == .failover)
        #expect(w.state == .suspect)
    }

    @Test("OKAY: a DWA clears Pending; traffic re-arms the timer")
    func okayTraffic() {
        var w = inState(.okay)
        _ = w.handle(.timerExpired)
        #expect(w.pending)
        let a = w.handle(.receiveDWA)
        #expect(!w.pending && a.count == 1 && isSet(a[0]) && w.state == .okay)
        let b = w.handle(.receiveNonDWA)
        #expect(b.count == 1 && isSet(b[0]))
        #expect(w.handle(.connectionDown).first == .failover)
        #expect(w.state == .down)
    }

    @Test("SUSPECT: a DWA or any message fails back; the timer or a disconnect closes and goes DOWN")
    func suspect() {
        var a = inState(.suspect)
        #expect(a.handle(.receiveDWA).first == .failback)
        #expect(a.state == .okay && !a.pending)
        var b = inState(.suspect)
        #expect(b.handle(.receiveNonDWA).first == .failback)
        #expect(b.state == .okay)
        var c = inState(.suspect)
        #expect(c.handle(.timerExpired).first == .closeConnection)
        #expect(c.state == .down)
        var d = inState(.suspect)
        #expect(d.handle(.connectionDown).first == .closeConnection)
        #expect(d.state == .down)
    }

    @Test("DOWN: the timer attempts to reopen; connection up sends a DWR and enters REOPEN")
    func down() {
        var w = inState(.down)
        #expect(w.handle(.receiveDWA) == [.throwaway])
        #expect(w.handle(.receiveNonDWA) == [.throwaway])
        #expect(w.handle(.timerExpired).first == .attemptOpen)
        let up = w.handle(.connectionUp)
        #expect(up.first == .sendWatchdog && w.state == .reopen && w.pending && w.numDWA == 0)
    }

    @Test("REOPEN: three DWAs fail back to OKAY; other messages are thrown away")
    func reopenFailback() {
        var w = inState(.reopen)
        #expect(w.handle(.receiveNonDWA) == [.throwaway])
        #expect(w.handle(.receiveDWA) == [])
        #expect(w.handle(.receiveDWA) == [])
        #expect(w.state == .reopen && w.numDWA == 2)
        #expect(w.handle(.receiveDWA) == [.failback])
        #expect(w.state == .okay)
    }

    @Test("REOPEN: two silent Tw with a DWR pending close the connection again")
    func reopenTimeout() {
        var w = inState(.reopen)
        let first = w.handle(.timerExpired)  // Pending and NumDWA >= 0: NumDWA = -1
        #expect(first.count == 1 && isSet(first[0]) && w.numDWA == -1)
        #expect(w.handle(.timerExpired).first == .closeConnection)
        #expect(w.state == .down)
        var x = inState(.reopen)
        _ = x.handle(.receiveDWA)  // Pending = FALSE
        #expect(x.handle(.timerExpired).first == .sendWatchdog)
        #expect(x.handle(.connectionDown).first == .closeConnection)
    }

    @Test("every (state, event) pair is handled without a trap", arguments: WD.State.allCases)
    func total(_ state: WD.State) {
        for event in WD.Event.allCases {
            var w = inState(state)
            _ = w.handle(event)
        }
    }
}
