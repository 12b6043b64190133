import DiameterCore
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import Synchronization
import Testing

/// A node's SQN blocks when its cache is dropped (a cluster role change) while its local store does not
/// show its last reservation yet: the SQNs it issued are never issued again (TS 33.102 Annex C).
@Suite("SQN blocks across cache reloads")
struct SQNBlockTests {
    /// Storage whose reads always return the subscription as first stored: a replica that has not applied
    /// this node's reservations yet. Writes succeed (acknowledged elsewhere).
    final class LaggingStorage: SubscriberStorage, @unchecked Sendable {
        let subscriptions: [String: IMSSubscription]
        init(_ s: IMSSubscription...) { subscriptions = Dictionary(uniqueKeysWithValues: s.map { ($0.id, $0) }) }
        func subscriptionID(forPrivate identity: String) -> String? { subscriptions.values.first { $0.privateIdentity(identity) != nil }?.id }
        func subscriptionID(forPublic identity: String) -> String? { subscriptions.values.first?.id }
        func subscriptionID(forIMSI imsi: String) -> String? { subscriptions.values.first { $0.eps?.imsi == imsi }?.id }
        func contains(_ identity: String) -> Bool { true }
        func load(_ id: String) -> IMSSubscription? { subscriptions[id] }
        /// The next state write fails as if not acknowledged (its fate unknown to this node).
        let failNext = Atomic<Bool>(false)
        /// The next state write waits until `releaseHeld()`, then fails like `failNext` (a forwarded write
        /// whose leader went silent).
        let holdNext = Atomic<Bool>(false)
        let held = Mutex<CheckedContinuation<Void, Never>?>(nil)
        struct NotAcknowledged: Error {}
        func writeState(_ id: String, _ state: SubscriptionState, expected: SubscriptionState, replay: ReplayEntry?) async throws {
            if holdNext.exchange(false, ordering: .relaxed) {
                await withCheckedContinuation { c in held.withLock { $0 = c } }
                throw NotAcknowledged()
            }
            if failNext.exchange(false, ordering: .relaxed) { throw NotAcknowledged() }
        }
        /// Waits until a held write is pending, then lets it fail.
        func releaseHeld() async throws {
            for _ in 0..<500 {
                if let c = held.withLock({ c -> CheckedContinuation<Void, Never>? in defer { c = nil }; return c }) {
                    c.resume()
                    return
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            Issue.record("no write was held")
        }
        func writeSubscription(_ s: IMSSubscription, expected: SubscriptionState??) {}
        func delete(_ id: String) {}
        func replayedAnswer(_ key: String) -> [UInt8]? { nil }
        func writeNewSubscriptions(_ subscriptions: [IMSSubscription]) {}
        var sqnBlock: UInt64? { 10 }
        /// As a cluster leader whose acknowledgements lag: every answer waits a moment for its basis.
        var slowConfirmation = false
        func visiblePosition() -> UInt64 { slowConfirmation ? 5 : 0 }
        func needsConfirmation(_ position: UInt64) -> Bool { slowConfirmation }
        func confirm(_ position: UInt64) async throws { try await Task.sleep(for: .milliseconds(20)) }
        func subscriptionIDs(after: String?, limit: Int) -> [String] { subscriptions.keys.sorted() }
    }

    /// One shard over alice's and bob's subscriptions in a lagging store.
    static func shard(cacheLimit: Int = 200_000) throws -> (LaggingStorage, SubscriberShard) {
        let all = try SubscriberFile.load(path: CxOverTCPTests.demo).subscriptions
        let storage = LaggingStorage(try #require(all.first { $0.id == "alice" }), try #require(all.first { $0.id == "bob" }))
        return (storage, try SubscriberDirectory(shardCount: 1, context: CxOverTCPTests.context, storage: storage, cacheLimitPerShard: cacheLimit).shards[0])
    }

    static var mar: MultimediaAuthRequest { mar(CxOverTCPTests.impi, CxOverTCPTests.impu) }

    static func mar(_ impi: String, _ impu: String, from host: String = CxOverTCPTests.scscf1) -> MultimediaAuthRequest {
        MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(host), userName: impi, publicIdentity: impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1, serverName: CxOverTCPTests.scscf1Name)
    }

    static func sqn(_ outcome: ProcedureOutcome<MultimediaAuthAnswer>) throws -> UInt64 {
        try DurabilityTests.sqn(of: try #require(outcome.answer.sipAuthDataItems.first))
    }

    @Test("A write pending when a role change drops the cache, then failing: its SQN is not issued again (its replay answer may surface)")
    func pendingWriteAcrossClear() async throws {
        let (storage, shard) = try Self.shard()
        var sqns = [try Self.sqn(try await shard.multimediaAuth(Self.mar, id: "alice"))]
        // The same S-CSCF from another Diameter host: the MAR writes (the Origin-Host kept), and the
        // write hangs, as a write forwarded to a leader that stopped.
        storage.holdNext.store(true, ordering: .relaxed)
        let kept = Mutex<UInt64?>(nil)
        let pending = Task {
            try await shard.multimediaAuth(Self.mar(CxOverTCPTests.impi, CxOverTCPTests.impu, from: CxOverTCPTests.scscf2), id: "alice") { a in
                kept.withLock { $0 = try? DurabilityTests.sqn(of: a.sipAuthDataItems[0]) }
                return ReplayEntry(key: "k", answer: [])
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        await shard.clearCache()  // this node becomes leader meanwhile
        try await storage.releaseHeld()
        await #expect(throws: LaggingStorage.NotAcknowledged.self) { _ = try await pending.value }
        sqns.append(try #require(kept.withLock { $0 }))
        for _ in 0..<3 { sqns.append(try Self.sqn(try await shard.multimediaAuth(Self.mar, id: "alice"))) }
        #expect(Set(sqns).count == sqns.count, "no SQN twice: \(sqns)")
        #expect(sqns == sqns.sorted())
    }

    @Test("A write that succeeds after the cache was dropped, then the entry evicted: the next SQNs go on from the last one issued")
    func evictionAfterClearUnderWrite() async throws {
        let (storage, shard) = try Self.shard(cacheLimit: 1)
        var sqns = [try Self.sqn(try await shard.multimediaAuth(Self.mar, id: "alice"))]
        storage.holdNext.store(true, ordering: .relaxed)
        let pending = Task { try await shard.multimediaAuth(Self.mar(CxOverTCPTests.impi, CxOverTCPTests.impu, from: CxOverTCPTests.scscf2), id: "alice") }
        try await Task.sleep(for: .milliseconds(20))
        await shard.clearCache()
        try await storage.releaseHeld()
        _ = try? await pending.value
        for round in 0..<3 {
            for _ in 0..<3 { sqns.append(try Self.sqn(try await shard.multimediaAuth(Self.mar, id: "alice"))) }
            // bob's MAR evicts alice (a cache of one), whose store still shows none of her reservations.
            _ = try await shard.multimediaAuth(Self.mar("bob@localdomain", "sip:bob@localdomain"), id: "bob")
            _ = round
        }
        sqns.append(try Self.sqn(try await shard.multimediaAuth(Self.mar, id: "alice")))
        #expect(Set(sqns).count == sqns.count, "no SQN twice: \(sqns)")
        #expect(sqns == sqns.sorted())
    }

    @Test("A MAR whose write was not acknowledged has used its SQN: the next MAR does not issue it again (the write, and its replay answer, may still surface)")
    func unacknowledgedWriteBurnsSQN() async throws {
        let (storage, shard) = try Self.shard()
        let r = Self.mar
        // The first MAR assigns the S-CSCF (a write) and keeps its answer for replay; the write fails.
        let kept = Mutex<MultimediaAuthAnswer?>(nil)
        storage.failNext.store(true, ordering: .relaxed)
        await #expect(throws: LaggingStorage.NotAcknowledged.self) {
            _ = try await shard.multimediaAuth(r, id: "alice") { a in
                kept.withLock { $0 = a }
                return ReplayEntry(key: "k", answer: [])
            }
        }
        let lost = try DurabilityTests.sqn(of: try #require(kept.withLock { $0 }?.sipAuthDataItems.first))
        let next = try await shard.multimediaAuth(r, id: "alice")
        #expect(try DurabilityTests.sqn(of: try #require(next.answer.sipAuthDataItems.first)) > lost)
    }

    @Test("Concurrent MARs while answers wait for their acknowledgement: each takes its own SQN")
    func concurrentWhileConfirming() async throws {
        let (storage, shard) = try Self.shard()
        storage.slowConfirmation = true
        let r = Self.mar
        _ = try await shard.multimediaAuth(r, id: "alice")  // assigns the S-CSCF
        await shard.clearCache()  // reloaded: loaded at a position not yet acknowledged
        let sqns = try await withThrowingTaskGroup(of: UInt64.self) { g in
            for _ in 0..<8 { g.addTask { try DurabilityTests.sqn(of: try #require(try await shard.multimediaAuth(r, id: "alice").answer.sipAuthDataItems.first)) } }
            return try await g.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(sqns).count == sqns.count, "\(sqns.sorted())")
    }

    @Test("MARs, cache dropped, MARs again from a store that lags: every SQN distinct and increasing")
    func floorsSurviveClear() async throws {
        let (_, shard) = try Self.shard()
        var sqns: [UInt64] = []
        func mar() async throws {
            let outcome = try await shard.multimediaAuth(Self.mar, id: "alice")
            sqns.append(try DurabilityTests.sqn(of: try #require(outcome.answer.sipAuthDataItems.first)))
        }
        for _ in 0..<4 { try await mar() }
        await shard.clearCache()
        for _ in 0..<4 { try await mar() }
        await shard.clearCache()
        for _ in 0..<12 { try await mar() }
        #expect(Set(sqns).count == sqns.count, "no SQN twice: \(sqns)")
        #expect(sqns == sqns.sorted())
    }
}
