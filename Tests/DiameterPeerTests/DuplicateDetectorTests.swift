import DiameterCore
import DiameterPeer
import NIOCore
import Testing

/// RFC 6733 §5.5.4, §6.1.1: duplicate requests are answered from the cache, within the window.
@Suite("Duplicate detection")
struct DuplicateDetectorTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let key = DuplicateDetector.Key(peer: "scscf.example.org", originHost: "scscf.example.org", endToEndID: 42)

    @Test("new, then in progress, then answered with the cached answer")
    func lifecycle() {
        var d = DuplicateDetector()
        #expect(d.check(key, now: t0) == .new)
        #expect(d.check(key, now: t0 + .seconds(1)) == .inProgress)
        let answer = ByteBuffer(bytes: Array(repeating: 7, count: 20))
        d.complete(key, answer: answer, now: t0 + .seconds(1))
        #expect(d.check(key, now: t0 + .seconds(2)) == .answered(answer))
        #expect(d.check(DuplicateDetector.Key(peer: "SCSCF.example.org", originHost: "SCSCF.example.org", endToEndID: 42), now: t0) == .answered(answer),
                "Origin-Host compares case-insensitively")
        #expect(d.check(DuplicateDetector.Key(peer: "scscf.example.org", originHost: "scscf.example.org", endToEndID: 43), now: t0) == .new)
    }

    @Test("a 3004 TOO_BUSY answer is not kept: its retransmission runs again (another node may have a leader by then)")
    func tooBusyNotCached() throws {
        func errorAnswer(_ rc: ResultCode, _ id: UInt32) -> ByteBuffer {
            ErrorAnswer(
                requestHeader: DiameterHeader(flags: [.request], commandCode: 301, applicationID: 16_777_216, hopByHopID: id, endToEndID: id),
                error: DiameterMessageError(rc, offset: 0, reason: "test"), sessionID: "s"
            ).encode(originHost: "hss", originRealm: "realm")
        }
        var d = DuplicateDetector()
        let busy = errorAnswer(.tooBusy, 42)
        #expect(d.check(key, now: t0) == .new)
        d.complete(key, answer: busy, now: t0)
        #expect(d.check(key, now: t0 + .seconds(1)) == .new)
        // Another error answer (5012) is kept like any answer.
        let other = DuplicateDetector.Key(peer: "scscf.example.org", originHost: "scscf.example.org", endToEndID: 43)
        let failed = errorAnswer(.unableToComply, 43)
        #expect(d.check(other, now: t0) == .new)
        d.complete(other, answer: failed, now: t0)
        #expect(d.check(other, now: t0 + .seconds(1)) == .answered(failed))
    }

    @Test("after the window the same key is new again")
    func window() {
        var d = DuplicateDetector(window: .seconds(30))
        #expect(d.check(key, now: t0) == .new)
        d.complete(key, answer: ByteBuffer(), now: t0)
        #expect(d.check(key, now: t0 + .seconds(29)) != .new)
        #expect(d.check(key, now: t0 + .seconds(31)) == .new)
    }

    @Test("answered entries expire one window after the request arrived, not never")
    func answeredEntriesExpire() {
        var d = DuplicateDetector(window: .seconds(30), capacity: 10)
        #expect(d.check(key, now: t0) == .new)
        d.complete(key, answer: ByteBuffer(), now: t0 + .seconds(10))
        _ = d.check(.init(peer: "other", originHost: "other", endToEndID: 1), now: t0 + .seconds(31))
        #expect(d.count == 1, "only the new entry is left")
        // At capacity, new requests still get tracked (answered ones do not pile up).
        for i in 0..<50 {
            let k = DuplicateDetector.Key(peer: "h", originHost: "h", endToEndID: UInt32(i))
            _ = d.check(k, now: t0 + .seconds(100 + Int64(i)))
            d.complete(k, answer: ByteBuffer(), now: t0 + .seconds(101 + Int64(i)))
        }
        #expect(d.check(.init(peer: "h", originHost: "h", endToEndID: 49), now: t0 + .seconds(151)) == .answered(ByteBuffer()))
    }

    @Test("an abandoned request runs again when retransmitted")
    func abandon() {
        var d = DuplicateDetector()
        _ = d.check(key, now: t0)
        d.abandon(key)
        #expect(d.check(key, now: t0) == .new)
    }

    @Test("memory is bounded: the oldest entries go first")
    func capacity() {
        var d = DuplicateDetector(capacity: 100)
        for i in 0..<1000 { _ = d.check(.init(peer: "h", originHost: "h", endToEndID: UInt32(i)), now: t0) }
        #expect(d.count == 100)
        #expect(d.check(.init(peer: "h", originHost: "h", endToEndID: 999), now: t0) == .inProgress)
    }

    @Test("entries belong to the connection's peer: another peer writing the same Origin-Host and End-to-End id is a new request")
    func scopedByPeer() {
        var d = DuplicateDetector()
        let answer = ByteBuffer(bytes: Array(repeating: 7, count: 20))
        #expect(d.check(key, now: t0) == .new)
        d.complete(key, answer: answer, now: t0)
        let spoofed = DuplicateDetector.Key(peer: "rogue.example.org", originHost: "scscf.example.org", endToEndID: 42)
        #expect(d.check(spoofed, now: t0) == .new, "a copied Origin-Host does not read the peer's answer")
        d.complete(spoofed, answer: ByteBuffer(bytes: [1, 2, 3]), now: t0)
        #expect(d.check(key, now: t0) == .answered(answer), "nor plant one for it")
        // A relayed request (Origin-Host not the peer's) keeps its origin in the key.
        let relayed = DuplicateDetector.Key(peer: "dra.example.org", originHost: "scscf.example.org", endToEndID: 42)
        #expect(relayed.name == "dra.example.org|scscf.example.org|42")
        #expect(key.name == "scscf.example.org|42")
        #expect(DuplicateDetector.Key(peer: "DRA.example.org", originHost: "SCSCF.example.org", endToEndID: 42) == relayed)
    }

    @Test("a replayed answer carries the retransmission's Hop-by-Hop Identifier")
    func replay() {
        var answer = ByteBuffer(bytes: Array(repeating: 0, count: 20))
        answer.setInteger(UInt32(1), at: 12)
        let replayed = DuplicateDetector.replay(answer, hopByHopID: 0xABCD)
        #expect(replayed.getInteger(at: 12, as: UInt32.self) == 0xABCD)
        #expect(answer.getInteger(at: 12, as: UInt32.self) == 1, "the cached answer is unchanged")
    }
}
