public import DiameterCore

// HSS-initiated procedures (TS 29.228 §6.1.3 RTR, §6.2.2 PPR; procedures.md §5, §6): what to send and
// how the subscription changes, as pure functions. The admin interface and the shard actor call them.

extension CxProcedures {
    /// RTR: network-initiated de-registration of `privateIdentities` (all registered ones when empty) or
    /// of `publicIdentities`. Nothing to send when no S-CSCF is assigned.
    public static func registrationTermination(
        _ s: IMSSubscription, reason: ReasonCode, reasonInfo: String? = nil, privateIdentities: [String] = [], publicIdentities: [String] = []
    ) -> [RegistrationTermination] {
        guard let scscf = s.state.scscf else { return [] }
        let impis = privateIdentities.isEmpty ? s.registeredPrivateIdentities : privateIdentities
        let reasonValue = DeregistrationReason(reasonCode: reason, reasonInfo: reasonInfo)
        if !publicIdentities.isEmpty {
            // One RTR naming the identities, with their private identity; other holders are associated.
            let holders = s.registeredPrivateIdentities.filter { impi in
                publicIdentities.contains { s.activeIdentities(of: impi).contains($0) }
            }
            guard let first = holders.first ?? impis.first else { return [] }
            return [RegistrationTermination(
                subscriptionID: s.id, destinationHost: scscf.originHost, destinationRealm: scscf.originRealm, userName: first,
                publicIdentities: publicIdentities, associatedIdentities: Array(holders.dropFirst()), reason: reasonValue)]
        }
        guard let first = impis.first else { return [] }
        // Absent Public-Identity: every identity of the User-Name and of the Associated-Identities.
        return [RegistrationTermination(
            subscriptionID: s.id, destinationHost: scscf.originHost, destinationRealm: scscf.originRealm, userName: first,
            publicIdentities: [], associatedIdentities: Array(impis.dropFirst()), reason: reasonValue)]
    }

    /// The subscription after an RTR was answered (or timed out): the identities it named are
    /// NOT_REGISTERED, except pairs the S-CSCF kept for an emergency registration
    /// (Identity-with-Emergency-Registration, TS 29.229 §6.3.57). NEW_SERVER_ASSIGNED changes nothing:
    /// the new S-CSCF holds the user.
    public static func applyRegistrationTermination(
        _ rtr: RegistrationTermination, to subscription: IMSSubscription, emergency: [IdentityWithEmergencyRegistration] = []
    ) -> IMSSubscription {
        guard rtr.reason.reasonCode != .newServerAssigned else { return subscription }
        var s = subscription
        let impis = [rtr.userName] + rtr.associatedIdentities
        for impi in impis {
            let targets = rtr.publicIdentities.isEmpty ? s.activeIdentities(of: impi) : rtr.publicIdentities
            // The implicit sets of the targets, minus the pairs kept for an emergency registration.
            let kept = Set(emergency.filter { $0.userName == impi }.map(\.publicIdentity))
            let members = targets.compactMap { s.publicIdentity(matching: $0) }.flatMap { s.implicitSet(of: $0) }.map(\.identity)
            for id in Set(members).subtracting(kept) {
                guard var r = s.state.registrations[id] else { continue }
                r.privateIdentities.removeAll { $0 == impi }
                s.state.registrations[id] = r.privateIdentities.isEmpty ? nil : r
            }
        }
        s.releaseAssignmentIfIdle()
        return s
    }

    /// PPR after a change of profile, charging data or Digest data (procedures.md §6): one per private
    /// identity that holds a registration, with the complete User-Data of its identities. Nothing when the
    /// subscription has no S-CSCF or nothing is registered/unregistered (auth-pending is not enough).
    /// The PPR an operator asks for (the console's "push profile"): each registered private identity's
    /// current profile and charging data, changed or not (TS 29.228 §6.2.2). No Digest data.
    public static func pushProfile(_ s: IMSSubscription) -> [PushProfile] {
        var before = s
        before.publicIdentities = []
        before.serviceProfiles = []
        before.chargingInformation = nil
        return pushProfile(old: before, new: s)
    }

    public static func pushProfile(old: IMSSubscription, new: IMSSubscription) -> [PushProfile] {
        guard let scscf = new.state.scscf, !scscf.authenticationPending, new.hasActiveRegistration else { return [] }
        var out: [PushProfile] = []
        for impi in new.registeredPrivateIdentities {
            let mine = new.publicIdentities(of: impi)
            let oldMine = old.publicIdentities(of: impi)
            let profileChanged =
                mine != oldMine || mine.map(\.serviceProfile).contains { id in old.serviceProfile(id) != new.serviceProfile(id) }
            let chargingChanged = old.chargingInformation != new.chargingInformation
            let newDigest = new.privateIdentity(impi)?.digest
            let digestChanged = old.privateIdentity(impi)?.digest != newDigest
            guard profileChanged || chargingChanged || digestChanged else { continue }
            var item: SIPAuthDataItem?
            if digestChanged, let d = newDigest {
                item = SIPAuthDataItem(
                    sipAuthenticationScheme: AuthenticationScheme.sipDigest.rawValue,
                    sipDigestAuthenticate: SIPDigestAuthenticate(digestRealm: d.realm, digestAlgorithm: d.algorithm, digestQoP: d.qop, digestHA1: Array(d.ha1.utf8)))
            }
            out.append(PushProfile(
                subscriptionID: new.id, destinationHost: scscf.originHost, destinationRealm: scscf.originRealm, userName: impi,
                userData: profileChanged ? UserDataDocument.xml(subscription: new, privateIdentity: impi, identities: mine) : nil,
                chargingInformation: chargingChanged ? new.chargingInformation?.avpValue : nil, sipAuthDataItem: item))
        }
        return out
    }
}
