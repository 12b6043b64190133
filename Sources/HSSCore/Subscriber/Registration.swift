// State changes of the Cx procedures on a subscription (TS 29.228 §6.1.2.1: the registration state
// applies to the whole implicit registration set).

extension IMSSubscription {
    /// Sets `state` for every identity of `impu`'s implicit set, recording `impi` as registered with it.
    public mutating func setState(_ state: RegistrationState, implicitSetOf impu: PublicIdentity, impi: String) {
        for member in implicitSet(of: impu) {
            var r = self.state.registrations[member.identity] ?? IdentityRegistration(state: state)
            r.state = state
            if !r.privateIdentities.contains(impi) { r.privateIdentities.append(impi) }
            self.state.registrations[member.identity] = r
        }
    }

    /// Removes `impi`'s registration of `impu`'s implicit set; an identity no private identity holds any
    /// more becomes NOT_REGISTERED.
    public mutating func deregister(implicitSetOf impu: PublicIdentity, impi: String) {
        for member in implicitSet(of: impu) {
            guard var r = state.registrations[member.identity] else { continue }
            r.privateIdentities.removeAll { $0 == impi }
            state.registrations[member.identity] = r.privateIdentities.isEmpty ? nil : r
        }
    }

    /// Clears the stored S-CSCF (and restoration data) when no identity is registered or unregistered any
    /// more (TS 29.228 §6.1.2.1, de-registration).
    public mutating func releaseAssignmentIfIdle() {
        if !hasActiveRegistration {
            state.scscf = nil
            state.restoration.removeAll()
        }
    }

    /// The public identities associated with `impi` (TS 29.228 §6.1.2.1: "all the Public User Identities
    /// associated to the Private User Identity").
    public func publicIdentities(of impi: String) -> [PublicIdentity] {
        publicIdentities.filter { $0.privateIdentities.contains(impi) }
    }

    /// The identities `impi` currently holds registered or unregistered.
    public func activeIdentities(of impi: String) -> [String] {
        publicIdentities.compactMap { p in
            guard let r = state.registrations[p.identity], r.state != .notRegistered, r.privateIdentities.contains(impi) else { return nil }
            return p.identity
        }
    }

    /// Private identities that hold a registration.
    public var registeredPrivateIdentities: [String] {
        privateIdentities.map(\.identity).filter { !activeIdentities(of: $0).isEmpty }
    }

    /// The SQN last issued to `impi` (state, else the provisioned one).
    public func lastSQN(of impi: String) -> UInt64 {
        state.sqn[impi] ?? privateIdentity(impi)?.aka?.initialSQN ?? 0
    }
}
