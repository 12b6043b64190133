public import DiameterCore

/// The HSS side of Cx (TS 29.228 §6.1, §6.3, §8) as pure functions: (request, subscription) →
/// (answer, new subscription, requests to send). Rules and their sources are in
/// `../shared/spec/procedures.md`; the step numbers below refer to it.
///
/// `subscription` is the one the request's identities resolve to (the router looks it up);
/// `isKnownIdentity` tells whether an identity exists in some other subscription (for
/// DIAMETER_ERROR_IDENTITIES_DONT_MATCH rather than DIAMETER_ERROR_USER_UNKNOWN).
public enum CxProcedures {
    typealias Known = (String) -> Bool

    // MARK: Identity resolution (TS 29.228 §6.1.1.1 steps 1-2, §6.1.2.1, §6.3.1)

    enum Resolution {
        case found(PublicIdentity)
        case failed(ResultCode)
    }

    /// The public identity `impu` in `s` (wildcards included), checked against `impi` when given.
    static func resolve(impu: String, impi: String?, in s: IMSSubscription?, isKnown: Known) -> Resolution {
        // The router looks the subscription up by either identity: without one, neither is known.
        guard let s else { return .failed(.errorUserUnknown) }
        guard let p = s.publicIdentity(matching: impu) else {
            return .failed(isKnown(impu) ? .errorIdentitiesDontMatch : .errorUserUnknown)
        }
        if let impi {
            guard s.privateIdentity(impi) != nil else {
                return .failed(isKnown(impi) ? .errorIdentitiesDontMatch : .errorUserUnknown)
            }
            guard s.isAssociated(impi: impi, impu: p) else { return .failed(.errorIdentitiesDontMatch) }
        }
        return .found(p)
    }

    // MARK: UAR (TS 29.228 §6.1.1.1; procedures.md §1)

    public static func userAuthorization(
        _ r: UserAuthorizationRequest, subscription: IMSSubscription?, context: HSSContext, isKnownIdentity: (String) -> Bool
    ) -> ProcedureOutcome<UserAuthorizationAnswer> {
        func answer(_ rc: ResultCode, name: String? = nil, caps: ServerCapabilities? = nil, updated: IMSSubscription? = nil) -> ProcedureOutcome<UserAuthorizationAnswer> {
            ProcedureOutcome(UserAuthorizationAnswer(envelope: context.answerEnvelope(r.envelope, rc), serverName: name, serverCapabilities: caps), updated: updated)
        }
        let impu: PublicIdentity
        switch resolve(impu: r.publicIdentity, impi: r.userName, in: subscription, isKnown: isKnownIdentity) {
        case .failed(let rc): return answer(rc)
        case .found(let p): impu = p
        }
        guard var s = subscription else { return answer(.errorUserUnknown) }
        let emergency = (r.uarFlags ?? 0) & 1 != 0
        let type = r.userAuthorizationType ?? .registration
        // Step 4: barring — refused only when every identity of the implicit set is barred.
        if !emergency, impu.barred, s.implicitSet(of: impu).allSatisfy(\.barred) {
            return answer(.authorizationRejected)
        }
        if type == .registration || type == .registrationAndCapabilities {
            if !emergency {
                // Step 5: roaming into the visited network.
                let visited = String(decoding: r.visitedNetworkIdentifier, as: UTF8.self)
                let allowed =
                    context.homeNetworks.contains(visited) || impu.allowedVisitedNetworks.contains(visited)
                    || impu.allowedVisitedNetworks.contains("*")
                if !allowed { return answer(.errorRoamingNotAllowed) }
                if s.imsBarred { return answer(.authorizationRejected) }
            }
            if type == .registrationAndCapabilities {
                // The I-CSCF could not reach the stored S-CSCF: give capabilities for a new selection and
                // let the next SAR from another S-CSCF take over (S-CSCF reassignment pending flag).
                var updated: IMSSubscription?
                if s.state.scscf != nil {
                    s.state.scscf?.reassignmentPending = true
                    updated = s
                }
                return answer(.success, caps: context.capabilities(s), updated: updated)
            }
        } else if type != .deRegistration {
            return answer(.invalidAVPValue)
        }
        // Step 6: by registration state.
        let state = s.registrationState(of: impu.identity)
        let stored = s.state.scscf?.serverName
        switch (state, type == .deRegistration) {
        case (.registered, false), (.unregistered, false):
            return answer(.subsequentRegistration, name: stored)
        case (.registered, true), (.unregistered, true):
            return answer(.success, name: stored)
        case (.notRegistered, false):
            if let stored { return answer(.subsequentRegistration, name: stored) }
            return answer(.firstRegistration, caps: context.capabilities(s))
        case (.notRegistered, true):
            return answer(.errorIdentityNotRegistered)
        }
    }

    // MARK: LIR (TS 29.228 §6.1.4.1; procedures.md §3)

    public static func locationInfo(
        _ r: LocationInfoRequest, subscription: IMSSubscription?, context: HSSContext
    ) -> ProcedureOutcome<LocationInfoAnswer> {
        func answer(_ rc: ResultCode, name: String? = nil, caps: ServerCapabilities? = nil, wildcard: String? = nil, flags: UInt32? = nil) -> ProcedureOutcome<LocationInfoAnswer> {
            ProcedureOutcome(LocationInfoAnswer(
                envelope: context.answerEnvelope(r.envelope, rc), serverName: name, serverCapabilities: caps,
                wildcardedPublicIdentity: wildcard, liaFlags: flags))
        }
        guard let s = subscription, let impu = s.publicIdentity(matching: r.publicIdentity) else { return answer(.errorUserUnknown) }
        // Step 5: the wildcard the identity matched.
        let wildcard = impu.identity != r.publicIdentity ? impu.identity : nil
        if impu.type.isPSI {
            guard s.isActive(psi: impu) else { return answer(.errorUserUnknown) }
            // PSI direct routing (LIA-Flags bit 0) when an AS hosts the PSI and the request is terminating.
            if let asName = impu.psiApplicationServer, r.originatingRequest == nil {
                return answer(.success, name: asName, wildcard: wildcard, flags: 1)
            }
        }
        if r.userAuthorizationType == .registrationAndCapabilities {
            return answer(.success, caps: context.capabilities(s), wildcard: wildcard)
        }
        let stored = s.state.scscf?.serverName
        switch s.registrationState(of: impu.identity) {
        case .registered, .unregistered:
            guard let stored else { return answer(.unableToComply) }
            return answer(.success, name: stored, wildcard: wildcard)
        case .notRegistered:
            let unregisteredServices = impu.servicesWhenUnregistered || (s.serviceProfile(impu.serviceProfile)?.hasUnregisteredServices ?? false)
            guard r.originatingRequest != nil || unregisteredServices else { return answer(.errorIdentityNotRegistered) }
            if let stored { return answer(.success, name: stored, wildcard: wildcard) }
            return answer(.unregisteredService, caps: context.capabilities(s), wildcard: wildcard)
        }
    }
}
