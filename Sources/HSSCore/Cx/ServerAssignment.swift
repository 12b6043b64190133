public import DiameterCore

// SAR → SAA (TS 29.228 §6.1.2.1; procedures.md §2).

extension CxProcedures {
    public static func serverAssignment(
        _ r: ServerAssignmentRequest, subscription: IMSSubscription?, context: HSSContext, isKnownIdentity: (String) -> Bool
    ) -> ProcedureOutcome<ServerAssignmentAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<ServerAssignmentAnswer> {
            ProcedureOutcome(ServerAssignmentAnswer(envelope: context.answerEnvelope(r.envelope, rc, failed: failed)))
        }
        let sat = r.serverAssignmentType
        let deregistrations: Set<ServerAssignmentType> = [
            .timeoutDeregistration, .userDeregistration, .timeoutDeregistrationStoreServerName,
            .userDeregistrationStoreServerName, .administrativeDeregistration, .deregistrationTooMuchData,
        ]
        // SAT 12-14 are SWx-only; anything above is not a Server-Assignment-Type at all.
        guard (0...11).contains(sat.rawValue) else {
            return answer(.invalidAVPValue, failed: [AVP(.serverAssignmentType, .data(withUnsafeBytes(of: sat.rawValue.bigEndian) { Array($0) }))])
        }
        // Preliminary checks 1 and 4.
        let requested = r.wildcardedPublicIdentity.map { [$0] } ?? r.publicIdentities
        if requested.isEmpty {
            if r.userName == nil || !(deregistrations.contains(sat) || sat == .authenticationFailure || sat == .authenticationTimeout || sat == .noAssignment) {
                return answer(.missingAVP, failed: [AVP.example(of: .publicIdentity)])
            }
        }
        if r.publicIdentities.count > 1, !deregistrations.contains(sat) {
            return answer(.avpOccursTooManyTimes, failed: [AVP(.publicIdentity, .data(Array(r.publicIdentities[1].utf8)))])
        }
        // Checks 2-3: identities.
        guard var s = subscription else { return answer(.errorUserUnknown) }
        if let impi = r.userName, s.privateIdentity(impi) == nil {
            return answer(isKnownIdentity(impi) ? .errorIdentitiesDontMatch : .errorUserUnknown)
        }
        var identities: [PublicIdentity] = []
        for id in requested {
            switch resolve(impu: id, impi: r.userName, in: s, isKnown: isKnownIdentity) {
            case .failed(let rc): return answer(rc)
            case .found(let p): identities.append(p)
            }
        }
        if identities.isEmpty, let impi = r.userName { identities = s.publicIdentities(of: impi) }
        // Check 5: PSIs.
        for p in identities where p.type.isPSI {
            if !s.isActive(psi: p) { return answer(.errorUserUnknown) }
            if sat == .registration || sat == .reRegistration { return answer(.errorInAssignmentType) }
        }
        // The private identity of the answer: the request's, or one associated with the identity
        // ("arbitrarily select one", UNREGISTERED_USER). A PSI without a private identity stands for itself
        // (the PrivateID of its User-Data).
        guard let impi = r.userName ?? identities.first?.privateIdentities.first ?? identities.first(where: \.type.isPSI)?.identity,
            let primary = identities.first ?? s.publicIdentities(of: impi).first
        else { return answer(.errorUserUnknown) }
        let wildcard = r.wildcardedPublicIdentity ?? (primary.identity != requested.first ? primary.identity : nil)

        /// The SAA that downloads the profile (User-Data when the S-CSCF lacks it, Charging-Information,
        /// Associated-Identities when the subscription has several private identities).
        func download(_ rc: ResultCode, _ s: IMSSubscription, restoration: [SCSCFRestorationInfo] = [], updated: IMSSubscription?) -> ProcedureOutcome<ServerAssignmentAnswer> {
            let set = identities.flatMap { s.implicitSet(of: $0) }.reduce(into: [PublicIdentity]()) { acc, p in
                if !acc.contains(where: { $0.identity == p.identity }) { acc.append(p) }
            }
            let userData = r.userDataAlreadyAvailable == .userDataAlreadyAvailable
                ? nil : UserDataDocument.xml(subscription: s, privateIdentity: impi, identities: set)
            let others = s.privateIdentities.map(\.identity)
            var a = ServerAssignmentAnswer(envelope: context.answerEnvelope(r.envelope, rc))
            a.userName = impi
            a.userData = userData
            a.chargingInformation = s.chargingInformation?.avpValue
            a.associatedIdentities = others.count > 1 ? AssociatedIdentities(userNames: others) : nil
            a.scscfRestorationInfo = restoration
            a.wildcardedPublicIdentity = wildcard
            return ProcedureOutcome(a, updated: updated)
        }

        /// An SAA with only User-Name (de-registrations, authentication failure).
        func userNameOnly(_ rc: ResultCode, updated: IMSSubscription?) -> ProcedureOutcome<ServerAssignmentAnswer> {
            ProcedureOutcome(ServerAssignmentAnswer(envelope: context.answerEnvelope(r.envelope, rc), userName: impi), updated: updated)
        }
        /// Another S-CSCF holds the user and no reassignment is pending: Exp 5005 with its name.
        func alreadyRegistered(_ stored: SCSCFAssignment) -> ProcedureOutcome<ServerAssignmentAnswer> {
            ProcedureOutcome(ServerAssignmentAnswer(envelope: context.answerEnvelope(r.envelope, .errorIdentityAlreadyRegistered), serverName: stored.serverName))
        }

        let stored = s.state.scscf
        let sameServer = stored?.serverName == r.serverName
        let newAssignment = SCSCFAssignment(serverName: r.serverName, originHost: r.envelope.originHost, originRealm: r.envelope.originRealm)

        switch sat {
        case .noAssignment:
            // "If the requesting S-CSCF is not the same as the assigned S-CSCF and the S-CSCF reassignment
            // pending flag is not set → DIAMETER_UNABLE_TO_COMPLY"; state unchanged.
            guard let stored, sameServer || stored.reassignmentPending else { return answer(.unableToComply) }
            let restoration = s.state.restoration.values.sorted { $0.userName < $1.userName }.map(\.avpValue)
            return download(.success, s, restoration: restoration, updated: nil)

        case .registration, .reRegistration:
            if let stored, !sameServer, !stored.reassignmentPending { return alreadyRegistered(stored) }
            // IMS restoration: a multiple registration of a registered identity keeps the stored restoration
            // information and returns it (DIAMETER_ERROR_IN_ASSIGNMENT_TYPE).
            if sat == .registration, r.multipleRegistrationIndication == .multipleRegistration, s.registrationState(of: primary.identity) == .registered,
                let kept = s.state.restoration[impi]
            {
                return download(.errorInAssignmentType, s, restoration: [kept.avpValue], updated: nil)
            }
            if let info = r.scscfRestorationInfo { s.state.restoration[impi] = StoredRestoration(info) }
            s.state.scscf = newAssignment
            for p in identities { s.setState(.registered, implicitSetOf: p, impi: impi) }
            return download(.success, s, updated: s)

        case .unregisteredUser:
            if let stored, !sameServer, !stored.reassignmentPending { return alreadyRegistered(stored) }
            s.state.scscf = newAssignment
            for p in identities where s.registrationState(of: p.identity) == .notRegistered {
                s.setState(.unregistered, implicitSetOf: p, impi: impi)
            }
            return download(.success, s, updated: s)

        case .timeoutDeregistrationStoreServerName, .userDeregistrationStoreServerName:
            if context.keepServerNameOnDeregistration {
                // Keep the S-CSCF for every identity of the private identity: they become UNREGISTERED.
                for p in identities where s.registrationState(of: p.identity) != .notRegistered {
                    s.setState(.unregistered, implicitSetOf: p, impi: impi)
                }
                return download(.success, s, updated: s)
            }
            for p in identities { s.deregister(implicitSetOf: p, impi: impi) }
            s.releaseAssignmentIfIdle()
            return userNameOnly(.successServerNameNotStored, updated: s)

        case .authenticationFailure, .authenticationTimeout:
            // A registered identity keeps its state; an authentication that never completed releases the
            // S-CSCF the MAR stored, when nothing else holds it.
            if stored?.authenticationPending == true, !s.hasActiveRegistration {
                s.state.scscf = nil
                return userNameOnly(.success, updated: s)
            }
            return userNameOnly(.success, updated: nil)

        default:
            // TIMEOUT_, USER_, ADMINISTRATIVE_DEREGISTRATION, DEREGISTRATION_TOO_MUCH_DATA.
            for p in identities { s.deregister(implicitSetOf: p, impi: impi) }
            s.releaseAssignmentIfIdle()
            return userNameOnly(.success, updated: s)
        }
    }
}

extension StoredRestoration {
    init(_ info: SCSCFRestorationInfo) {
        self.init(
            userName: info.userName,
            flows: info.restorationInfo.map {
                Flow(path: $0.path, contact: $0.contact, initialCSeqSequenceNumber: $0.initialCSeqSequenceNumber, callIDSIPHeader: $0.callIDSIPHeader)
            },
            registrationTimeOut: info.registrationTimeOut, sipAuthenticationScheme: info.sipAuthenticationScheme)
    }

    var avpValue: SCSCFRestorationInfo {
        SCSCFRestorationInfo(
            userName: userName,
            restorationInfo: flows.map {
                RestorationInfo(path: $0.path, contact: $0.contact, initialCSeqSequenceNumber: $0.initialCSeqSequenceNumber, callIDSIPHeader: $0.callIDSIPHeader)
            },
            registrationTimeOut: registrationTimeOut, sipAuthenticationScheme: sipAuthenticationScheme)
    }
}
