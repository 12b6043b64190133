public import Atomics
public import HSSCore

/// Which subscription an identity belongs to, and which shard holds it. Immutable: provisioning builds a
/// new index and swaps it in atomically, so the request path reads it without a lock.
public final class IdentityIndex: AtomicReference, Sendable {
    let privateIdentities: [String: String]
    let publicIdentities: [String: String]
    /// Wildcarded PSI/IMPU patterns, tried after an exact miss.
    let wildcards: [(WildcardPattern, String)]

    init(_ subscriptions: some Sequence<IMSSubscription>) {
        var impis: [String: String] = [:]
        var impus: [String: String] = [:]
        var wildcards: [(WildcardPattern, String)] = []
        for s in subscriptions {
            for p in s.privateIdentities { impis[p.identity] = s.id }
            for p in s.publicIdentities {
                impus[p.identity] = s.id
                if let w = p.wildcard { wildcards.append((w, s.id)) }
            }
        }
        privateIdentities = impis
        publicIdentities = impus
        self.wildcards = wildcards
    }

    public func subscription(forPrivate impi: String) -> String? { privateIdentities[impi] }

    public func subscription(forPublic impu: String) -> String? {
        publicIdentities[impu] ?? wildcards.first { $0.0.matches(impu) }?.1
    }

    /// Whether the identity (private or public) exists in any subscription.
    public func contains(_ identity: String) -> Bool {
        privateIdentities[identity] != nil || subscription(forPublic: identity) != nil
    }
}

/// The subscriptions, spread over N shard actors by a stable hash of the subscription id (design card:
/// "sharded subscriber actors").
public final class SubscriberDirectory: Sendable {
    public let shards: [SubscriberShard]
    let current: ManagedAtomic<IdentityIndex>

    /// Loads `subscriptions` into `shardCount` shards.
    public init(subscriptions: [IMSSubscription], shardCount: Int, context: CxContext, storage: any SubscriberStorage) throws {
        precondition(shardCount > 0, "at least one shard")
        var parts = Array(repeating: [IMSSubscription](), count: shardCount)
        for s in subscriptions { parts[Self.shardIndex(of: s.id, count: shardCount)].append(s) }
        shards = try parts.enumerated().map { i, subs in try SubscriberShard(index: i, subscriptions: subs, context: context, storage: storage) }
        current = ManagedAtomic(IdentityIndex(subscriptions))
    }

    public var index: IdentityIndex { current.load(ordering: .acquiring) }

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

    /// Rebuilds the identity index from every shard (after provisioning changed identities).
    func reindex() async {
        var all: [IMSSubscription] = []
        for s in shards { all += await s.all() }
        current.store(IdentityIndex(all), ordering: .releasing)
    }
}

/// The storage seam (TS 29.228 leaves storage to the implementation): where subscriptions come from
/// and where every change a Cx procedure makes goes. The shard actors hold the working set in memory;
/// a durable implementation (LMDB) persists each change before the answer leaves.
public protocol SubscriberStorage: Sendable {
    func loadAll() throws -> [IMSSubscription]
    /// Called by a shard with the subscription after a change.
    func persist(_ subscription: IMSSubscription, shard: Int) throws
    func remove(subscriptionID: String, shard: Int) throws
}

/// Volatile storage: the subscriptions of a subscriber file, changes kept only in the shards' memory.
public struct InMemorySubscriberStorage: SubscriberStorage {
    let initial: [IMSSubscription]
    public init(_ subscriptions: [IMSSubscription]) { initial = subscriptions }
    public func loadAll() throws -> [IMSSubscription] { initial }
    public func persist(_ subscription: IMSSubscription, shard: Int) {}
    public func remove(subscriptionID: String, shard: Int) {}
}
