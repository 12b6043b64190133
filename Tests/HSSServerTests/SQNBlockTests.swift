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
        let subscription: IMSSubscription
        init(_ s: IMSSubscription) { subscription = s }
        func subscriptionID(forPrivate identity: String) -> String? { subscription.privateIdentity(identity) != nil ? subscription.id : nil }
        func subscriptionID(forPublic identity: String) -> String? { subscription.id }
        func contains(_ identity: String) -> Bool { true }
        func load(_ id: String) -> IMSSubscription? { id == subscription.id ? subscription : nil }
        /// The next state write fails as if not acknowledged (its fate unknown to this node).
        let failNext = Atomic<Bool>(false)
        struct NotAcknowledged: Error {}
        func writeState(_ id: String, _ state: SubscriptionState, expected: SubscriptionState, replay: ReplayEntry?) throws {
            if failNext.exchange(false, ordering: .relaxed) { throw NotAcknowledged() }
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
        func subscriptionIDs(after: String?, limit: Int) -> [String] { [subscription.id] }
    }

    /// One shard over alice's subscription in a lagging store.
    static func shard() throws -> (LaggingStorage, SubscriberShard) {
        let alice = try #require(try SubscriberFile.load(path: CxOverTCPTests.demo).subscriptions.first { $0.id == "alice" })
        let storage = LaggingStorage(alice)
        return (storage, try SubscriberDirectory(shardCount: 1, context: CxOverTCPTests.context, storage: storage).shards[0])
    }

    static var mar: MultimediaAuthRequest {
        MultimediaAuthRequest(
            envelope: CxOverTCPTests.envelope(CxOverTCPTests.scscf1), userName: CxOverTCPTests.impi, publicIdentity: CxOverTCPTests.impu,
            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1, serverName: CxOverTCPTests.scscf1Name)
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
