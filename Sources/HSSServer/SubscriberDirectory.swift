import Atomics
public import HSSCore
public import HSSStorage
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

/// A storage failure worth retrying elsewhere (a cluster node without a leader): answered 3004
/// DIAMETER_TOO_BUSY, so that the client tries another HSS (RFC 6733 §7.1.3).
public protocol TransientStorageFailure: Error {}

/// The storage seam (TS 29.228 leaves storage to the implementation): where subscriptions come from,
/// which subscription an identity belongs to, and where every change a Cx procedure makes goes before the
/// answer leaves. `InMemorySubscriberStorage` serves a subscriber file; `LMDBSubscriberStore` is durable.
public protocol SubscriberStorage: Sendable {
    func subscriptionID(forPrivate identity: String) -> String?
    /// Exact match, then wildcarded PSI/IMPU patterns.
    func subscriptionID(forPublic identity: String) -> String?
    /// The subscription whose EPS data has this IMSI (S6a).
    func subscriptionID(forIMSI imsi: String) -> String?
    func contains(_ identity: String) -> Bool
    /// The subscription with its stored state (for durable storage, `sqn` holds the reserved marks).
    func load(_ id: String) throws -> IMSSubscription?
    /// Persists a subscription's Cx state if the stored state is still `expected` (else
    /// `StorageError.conflict`: reload and run again), with an answer to keep for a retransmission;
    /// returns once it is durable (in a cluster: acknowledged at the cluster's ack level).
    func writeState(_ id: String, _ state: SubscriptionState, expected: SubscriptionState, replay: ReplayEntry?) async throws
    /// Persists provisioned data, state and identity indexes, if the stored state is still `expected`
    /// (`.some(nil)`: the subscription must not exist yet; nil: no check).
    func writeSubscription(_ s: IMSSubscription, expected: SubscriptionState??) async throws
    func delete(_ id: String) async throws
    /// The answer kept for a retransmitted request (docs/replication.md, "Duplicates across nodes").
    func replayedAnswer(_ key: String) -> [UInt8]?
    /// Stores subscriptions that do not exist yet, together (bulk import).
    func writeNewSubscriptions(_ subscriptions: [IMSSubscription]) async throws
    /// SEQ values reserved per SQN write (TS 33.102 Annex C); nil when the storage keeps nothing across a
    /// restart (then nothing is reserved and the shards never evict).
    var sqnBlock: UInt64? { get }
    /// Subscription ids in order, after `after` (exclusive), at most `limit` (the API's pagination).
    func subscriptionIDs(after: String?, limit: Int) throws -> [String]
    /// The store's position (last log sequence) now: an upper bound of every write a load sees.
    func visiblePosition() -> UInt64
    /// Returns once everything up to `position` is acknowledged at the cluster's ack level, so that an
    /// answer based on it cannot be rolled back (a leader waits for its followers; a node whose log may hold
    /// a tail that is going to be truncated refuses). A single node has nothing to wait for.
    func confirm(_ position: UInt64) async throws
    /// Whether ``confirm(_:)`` has anything to do for `position` (checked first, without suspending: the
    /// MAR hot path stays synchronous).
    func needsConfirmation(_ position: UInt64) -> Bool
}

extension SubscriberStorage {
    public func visiblePosition() -> UInt64 { 0 }
    public func confirm(_ position: UInt64) async throws {}
    public func needsConfirmation(_ position: UInt64) -> Bool { false }
}

/// Which subscription an identity belongs to. Immutable; swapped whole on provisioning.
public final class IdentityIndex: Sendable {
    let privateIdentities: [String: String]
    let publicIdentities: [String: String]
    /// Wildcarded PSI/IMPU patterns, tried after an exact miss.
    let wildcards: [(WildcardPattern, String)]
    let imsis: [String: String]

    init(_ subscriptions: some Sequence<IMSSubscription>) {
        var impis: [String: String] = [:]
        var impus: [String: String] = [:]
        var wildcards: [(WildcardPattern, String)] = []
        var imsis: [String: String] = [:]
        for s in subscriptions {
            if let eps = s.eps { imsis[eps.imsi] = s.id }
            for p in s.privateIdentities { impis[p.identity] = s.id }
            for p in s.publicIdentities {
                impus[p.identity] = s.id
                if let w = p.wildcard { wildcards.append((w, s.id)) }
            }
        }
        privateIdentities = impis
        publicIdentities = impus
        self.wildcards = wildcards
        self.imsis = imsis
    }

    public func subscription(forIMSI imsi: String) -> String? { imsis[imsi] }

    public func subscription(forPrivate impi: String) -> String? { privateIdentities[impi] }

    public func subscription(forPublic impu: String) -> String? {
        publicIdentities[impu] ?? wildcards.first { $0.0.matches(impu) }?.1
    }

    public func contains(_ identity: String) -> Bool {
        privateIdentities[identity] != nil || subscription(forPublic: identity) != nil
    }
}

/// Volatile storage: the subscriptions of a subscriber file. Reads take no lock (an immutable snapshot
/// behind an atomic reference); provisioning builds a new snapshot. Cx state lives in the shards only.
public final class InMemorySubscriberStorage: SubscriberStorage {
    final class Snapshot: AtomicReference, Sendable {
        let subscriptions: [String: IMSSubscription]
        let index: IdentityIndex
        init(_ s: [String: IMSSubscription]) {
            subscriptions = s
            index = IdentityIndex(s.values)
        }
    }

    let current: ManagedAtomic<Snapshot>
    let writers = NIOLock()

    public init(_ subscriptions: [IMSSubscription]) {
        current = ManagedAtomic(Snapshot(Dictionary(subscriptions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })))
    }

    var snapshot: Snapshot { current.load(ordering: .acquiring) }
    public func subscriptionID(forPrivate identity: String) -> String? { snapshot.index.subscription(forPrivate: identity) }
    public func subscriptionID(forPublic identity: String) -> String? { snapshot.index.subscription(forPublic: identity) }
    public func subscriptionID(forIMSI imsi: String) -> String? { snapshot.index.subscription(forIMSI: imsi) }
    public func contains(_ identity: String) -> Bool { snapshot.index.contains(identity) }
    public func load(_ id: String) -> IMSSubscription? { snapshot.subscriptions[id] }
    public func subscriptionIDs(after: String?, limit: Int) -> [String] {
        Array(snapshot.subscriptions.keys.filter { after == nil || $0 > after! }.sorted().prefix(limit))
    }
    public func writeState(_ id: String, _ state: SubscriptionState, expected: SubscriptionState, replay: ReplayEntry?) {}
    public var sqnBlock: UInt64? { nil }
    public func replayedAnswer(_ key: String) -> [UInt8]? { nil }

    public func writeSubscription(_ s: IMSSubscription, expected: SubscriptionState??) {
        writers.withLock {
            var all = snapshot.subscriptions
            all[s.id] = s
            current.store(Snapshot(all), ordering: .releasing)
        }
    }

    public func writeNewSubscriptions(_ subscriptions: [IMSSubscription]) {
        writers.withLock {
            var all = snapshot.subscriptions
            for s in subscriptions { all[s.id] = s }
            current.store(Snapshot(all), ordering: .releasing)
        }
    }

    public func delete(_ id: String) {
        writers.withLock {
            var all = snapshot.subscriptions
            all[id] = nil
            current.store(Snapshot(all), ordering: .releasing)
        }
    }
}

/// The subscriptions, spread over N shard actors by a stable hash of the subscription id (design card:
/// "sharded subscriber actors"). Shards load subscriptions from storage on first use. Shard i runs on
/// event loop i mod L of `eventLoops` (the Diameter server's, so that a request reaching a shard on its
/// connection's loop is answered in place).
public final class SubscriberDirectory: Sendable {
    public let shards: [SubscriberShard]
    public let storage: any SubscriberStorage
    /// Requests for shards on other loops, batched per event-loop tick.
    public let mail: LoopMail

    public init(
        shardCount: Int, context: HSSContext, storage: any SubscriberStorage, cacheLimitPerShard: Int = 200_000,
        eventLoops: (any EventLoopGroup)? = nil
    ) throws {
        precondition(shardCount > 0, "at least one shard")
        self.storage = storage
        let loops = Array((eventLoops ?? MultiThreadedEventLoopGroup.singleton).makeIterator())
        shards = try (0..<shardCount).map {
            try SubscriberShard(
                index: $0, context: context, storage: storage, cacheLimit: cacheLimitPerShard, eventLoop: loops[$0 % loops.count],
                loopIndex: $0 % loops.count)
        }
        mail = LoopMail(loops: loops)
    }

    /// FNV-1a (64-bit) of the id: stable across runs and nodes (Swift's `hashValue` is seeded per process).
    public static func shardIndex(of subscriptionID: String, count: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in subscriptionID.utf8 {
            h ^= UInt64(b)
            h &*= 0x100_0000_01b3
        }
        return Int(h % UInt64(count))
    }

    public func shard(for subscriptionID: String) -> SubscriberShard {
        shards[Self.shardIndex(of: subscriptionID, count: shards.count)]
    }
}

extension LMDBSubscriberStore: SubscriberStorage {
    public var sqnBlock: UInt64? { configuration.sqnBlock }
    public func writeState(_ id: String, _ state: SubscriptionState, expected: SubscriptionState, replay: ReplayEntry?) async throws {
        try await commitState(id, state, expected: expected, replay: replay)
    }
    public func writeSubscription(_ s: IMSSubscription, expected: SubscriptionState??) async throws {
        try await commitSubscription(s, expected: expected)
    }
    public func delete(_ id: String) async throws { try await commitDelete(id) }
    public func writeNewSubscriptions(_ subscriptions: [IMSSubscription]) async throws { try await commitNewSubscriptions(subscriptions) }
}
