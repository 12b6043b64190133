public import DiameterCore

// MAR → MAA (TS 29.228 §6.3.1, §8.1; TS 33.203; procedures.md §4).

extension CxProcedures {
    /// `milenage` is the caller's (one per shard: re-keyed per subscriber, never shared); `random`
    /// supplies RAND.
    public static func multimediaAuth<R: RandomNumberGenerator>(
        _ r: MultimediaAuthRequest, subscription: IMSSubscription?, context: HSSContext, isKnownIdentity: (String) -> Bool,
        milenage: inout Milenage, random: inout R
    ) -> ProcedureOutcome<MultimediaAuthAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<MultimediaAuthAnswer> {
            ProcedureOutcome(MultimediaAuthAnswer(envelope: context.answerEnvelope(r.envelope, rc, failed: failed)))
        }
        // Step 2: identities.
        let impu: PublicIdentity
        switch resolve(impu: r.publicIdentity, impi: r.userName, in: subscription, isKnown: isKnownIdentity) {
        case .failed(let rc): return answer(rc)
        case .found(let p): impu = p
        }
        guard var s = subscription, let impiIndex = s.privateIndex(r.userName) else { return answer(.errorUserUnknown) }
        let impi = s.privateIdentities[impiIndex]

        // Step 3: the scheme. "Unknown" (or none) → the provisioned one; otherwise it must be allowed.
        let requestedName = r.sipAuthDataItem.sipAuthenticationScheme ?? "Unknown"
        let scheme: AuthenticationScheme
        if requestedName == "Unknown" {
            guard let first = impi.authenticationSchemes.first else { return answer(.errorAuthSchemeNotSupported) }
            scheme = first
        } else {
            guard let named = AuthenticationScheme(requested: requestedName) else { return answer(.errorAuthSchemeNotSupported) }
            // AKAv1 and AKAv2 use the same vector (TS 33.203 §6.1; RFC 4169).
            let allowed = impi.authenticationSchemes.contains(named) || (named.isAKA && impi.authenticationSchemes.contains(where: \.isAKA))
            guard allowed else { return answer(.errorAuthSchemeNotSupported) }
            scheme = named
        }

        let wanted = max(1, min(Int(r.sipNumberAuthItems), context.maximumAuthItems))
        var sqnBase = s.lastSQN(of: impi.identity)

        // Step 4: synchronisation failure (SIP-Authorization = RAND ‖ AUTS).
        if scheme.isAKA, let auts = r.sipAuthDataItem.sipAuthorization, !auts.isEmpty {
            // TS 29.228 §8.1: only the stored S-CSCF may ask for resynchronisation.
            guard let stored = s.state.scscf, stored.serverName == r.serverName else { return answer(.unableToComply) }
            guard let aka = impi.aka else { return answer(.unableToComply) }
            switch milenage.resynchronise(k: aka.k, opc: aka.opc, randAndAUTS: auts) {
            case .malformed:
                return answer(.invalidAVPValue, failed: [AVP(.sipAuthorization, .data(auts))])
            case .macFailure:
                // TS 33.102 §6.3.5: MAC-S does not verify → no new vectors.
                return answer(.unableToComply)
            case .sqnMS(let sqnMS):
                sqnBase = sqnMS
            }
        } else {
            // Step 5: S-CSCF assignment.
            let new = SCSCFAssignment(
                serverName: r.serverName, originHost: r.envelope.originHost, originRealm: r.envelope.originRealm,
                authenticationPending: !s.hasActiveRegistration)
            var requests: [HSSInitiatedRequest] = []
            if let old = s.state.scscf, old.serverName != r.serverName {
                // TS 29.228 §8.1.1: tell the old S-CSCF (NEW_SERVER_ASSIGNED) when it is another Diameter node.
                if s.hasActiveRegistration, old.originHost != r.envelope.originHost {
                    for held in s.registeredPrivateIdentities {
                        requests.append(.registrationTermination(RegistrationTermination(
                            subscriptionID: s.id, destinationHost: old.originHost, destinationRealm: old.originRealm,
                            userName: held, publicIdentities: s.activeIdentities(of: held), associatedIdentities: [],
                            reason: DeregistrationReason(reasonCode: .newServerAssigned, reasonInfo: "new S-CSCF assigned"))))
                    }
                }
                s.state.scscf = new
            } else if s.state.scscf == nil {
                s.state.scscf = new
            } else if var kept = s.state.scscf, kept.originHost != new.originHost {
                kept.originHost = new.originHost
                kept.originRealm = new.originRealm
                s.state.scscf = kept
            }
            var outcome = vectors(r, scheme: scheme, impi: impi, impu: impu, count: wanted, sqnBase: sqnBase, subscription: &s, context: context, milenage: &milenage, random: &random)
            outcome.requests = requests
            return outcome
        }
        return vectors(r, scheme: scheme, impi: impi, impu: impu, count: wanted, sqnBase: sqnBase, subscription: &s, context: context, milenage: &milenage, random: &random)
    }

    /// Step 6: the SIP-Auth-Data-Items of the scheme, numbered from 1.
    static func vectors<R: RandomNumberGenerator>(
        _ r: MultimediaAuthRequest, scheme: AuthenticationScheme, impi: PrivateIdentity, impu: PublicIdentity, count: Int,
        sqnBase: UInt64, subscription s: inout IMSSubscription, context: HSSContext, milenage: inout Milenage, random: inout R
    ) -> ProcedureOutcome<MultimediaAuthAnswer> {
        var items: [SIPAuthDataItem] = []
        switch scheme {
        case .akav1MD5, .akav2SHA256:
            guard let aka = impi.aka else { return failure(r, context) }
            var sqn = sqnBase
            items.reserveCapacity(count)
            for i in 1...count {
                sqn = context.sequenceNumbers.next(after: sqn)
                let rand = Block128(hi: random.next(), lo: random.next())
                let v = milenage.vector(k: aka.k, opc: aka.opc, rand: rand, sqn: sqn, amf: aka.amf)
                items.append(SIPAuthDataItem(
                    sipItemNumber: UInt32(i), sipAuthenticationScheme: scheme.rawValue, sipAuthenticate: v.sipAuthenticate,
                    sipAuthorization: v.sipAuthorization, confidentialityKey: v.ck.bytes, integrityKey: v.ik.bytes))
            }
            s.state.sqn[impi.identity] = sqn
        case .sipDigest:
            // TS 29.229 §6.3.36: SIP-Digest-Authenticate with HA1 — never the password, never K.
            guard let d = impi.digest else { return failure(r, context) }
            items.append(SIPAuthDataItem(
                sipItemNumber: 1, sipAuthenticationScheme: scheme.rawValue,
                sipDigestAuthenticate: SIPDigestAuthenticate(digestRealm: d.realm, digestAlgorithm: d.algorithm, digestQoP: d.qop, digestHA1: Array(d.ha1.utf8))))
        case .nassBundled:
            guard !impi.lineIdentifiers.isEmpty else { return failure(r, context) }
            items.append(SIPAuthDataItem(sipItemNumber: 1, sipAuthenticationScheme: scheme.rawValue, lineIdentifiers: impi.lineIdentifiers.map { Array($0.utf8) }))
        case .earlyIMSSecurity:
            guard let ip = impi.framedIPAddress.flatMap(ipv4Bytes) else { return failure(r, context) }
            items.append(SIPAuthDataItem(sipItemNumber: 1, sipAuthenticationScheme: scheme.rawValue, framedIPAddress: ip))
        }
        let a = MultimediaAuthAnswer(
            envelope: context.answerEnvelope(r.envelope, .success), userName: impi.identity, publicIdentity: r.publicIdentity,
            sipNumberAuthItems: UInt32(items.count), sipAuthDataItems: items)
        return ProcedureOutcome(a, updated: s)
    }

    /// The scheme is allowed but its credentials are missing: the HSS cannot produce vectors (5012).
    static func failure(_ r: MultimediaAuthRequest, _ context: HSSContext) -> ProcedureOutcome<MultimediaAuthAnswer> {
        ProcedureOutcome(MultimediaAuthAnswer(envelope: context.answerEnvelope(r.envelope, .unableToComply)))
    }

    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".")
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }
}
