public import DiameterCore
public import HSSCore

/// One shard of subscriptions: an actor that owns them, its own Milenage context and RAND source, and
/// applies the pure Cx procedures to them one request at a time (no lock: the actor serialises).
public actor SubscriberShard {
    public let index: Int
    let context: CxContext
    let storage: any SubscriberStorage
    var subscriptions: [String: IMSSubscription]
    var milenage: Milenage
    var random = RANDSource()

    init(index: Int, subscriptions: [IMSSubscription], context: CxContext, storage: any SubscriberStorage) throws {
        self.index = index
        self.context = context
        self.storage = storage
        self.subscriptions = Dictionary(subscriptions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.milenage = try Milenage()
    }

    public func subscription(_ id: String) -> IMSSubscription? { subscriptions[id] }
    func all() -> [IMSSubscription] { Array(subscriptions.values) }

    /// Stores a procedure's new subscription value (memory, then storage).
    func commit(_ updated: IMSSubscription?) throws {
        guard let updated else { return }
        subscriptions[updated.id] = updated
        try storage.persist(updated, shard: index)
    }

    public func userAuthorization(_ r: UserAuthorizationRequest, id: String, index: IdentityIndex) throws -> CxOutcome<UserAuthorizationAnswer> {
        let o = CxProcedures.userAuthorization(r, subscription: subscriptions[id], context: context, isKnownIdentity: index.contains)
        try commit(o.updated)
        return o
    }

    public func serverAssignment(_ r: ServerAssignmentRequest, id: String, index: IdentityIndex) throws -> CxOutcome<ServerAssignmentAnswer> {
        let o = CxProcedures.serverAssignment(r, subscription: subscriptions[id], context: context, isKnownIdentity: index.contains)
        try commit(o.updated)
        return o
    }

    public func locationInfo(_ r: LocationInfoRequest, id: String) -> CxOutcome<LocationInfoAnswer> {
        CxProcedures.locationInfo(r, subscription: subscriptions[id], context: context)
    }

    public func multimediaAuth(_ r: MultimediaAuthRequest, id: String, index: IdentityIndex) throws -> CxOutcome<MultimediaAuthAnswer> {
        let o = CxProcedures.multimediaAuth(
            r, subscription: subscriptions[id], context: context, isKnownIdentity: index.contains, milenage: &milenage, random: &random)
        try commit(o.updated)
        return o
    }

    // MARK: Administration

    /// Replaces the provisioned data of a subscription, keeping its Cx state; returns the PPRs the change
    /// calls for (TS 29.228 §6.2.2).
    func replace(_ new: IMSSubscription) throws -> [PushProfile] {
        var next = new
        let old = subscriptions[new.id]
        if let old { next.state = old.state }
        try commit(next)
        guard let old else { return [] }
        return CxProcedures.pushProfile(old: old, new: next)
    }

    func remove(_ id: String) throws {
        subscriptions[id] = nil
        try storage.remove(subscriptionID: id, shard: index)
    }

    func registrationTerminations(_ id: String, reason: ReasonCode, reasonInfo: String?, privateIdentities: [String], publicIdentities: [String]) -> [RegistrationTermination] {
        guard let s = subscriptions[id] else { return [] }
        return CxProcedures.registrationTermination(
            s, reason: reason, reasonInfo: reasonInfo, privateIdentities: privateIdentities, publicIdentities: publicIdentities)
    }

    func registrationTerminated(_ rtr: RegistrationTermination, emergency: [IdentityWithEmergencyRegistration]) throws {
        guard let s = subscriptions[rtr.subscriptionID] else { return }
        try commit(CxProcedures.applyRegistrationTermination(rtr, to: s, emergency: emergency))
    }
}
