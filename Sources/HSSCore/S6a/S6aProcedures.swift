public import DiameterCore

/// The HSS side of S6a (TS 29.272 §5.2) as pure functions, like ``CxProcedures``: (request, subscription)
/// → (answer, new subscription, requests to send). `subscription` is the one the User-Name (the IMSI)
/// resolves to; `nil` when no subscription has that IMSI.
public enum S6aProcedures {
    /// The answer envelope for `request` with `result`.
    static func envelope(_ request: S6aEnvelope, _ context: HSSContext, _ result: ResultCode, failed: [AVP] = []) -> S6aEnvelope {
        request.answer(originHost: context.originHost, originRealm: context.originRealm, result: result, failedAVP: failed)
    }

    /// What AIR and ULR check first.
    enum Resolution {
        case refused(ResultCode, failed: [AVP])
        case found(PLMNIdentity, IMSSubscription, EPSSubscription)
    }

    /// The serving network the Visited-PLMN-Id names, decoded as TS 24.008 §10.5.1.13 requires (else
    /// DIAMETER_INVALID_AVP_VALUE with the AVP as Failed-AVP, RFC 6733 §7.5: a value that is not a PLMN
    /// identity never reaches KASME, TS 33.401 Annex A.2), and the EPS data the IMSI names (else
    /// DIAMETER_ERROR_USER_UNKNOWN, TS 29.272 §5.2.1.1.3, §5.2.3.1.3).
    static func resolve(visitedPLMN octets: [UInt8], imsi: String, in s: IMSSubscription?) -> Resolution {
        guard let plmn = PLMNIdentity(bytes: octets) else { return .refused(.invalidAVPValue, failed: [AVP(.visitedPLMNID, .data(octets))]) }
        guard let s, let eps = s.eps, eps.imsi == imsi else { return .refused(.errorUserUnknown, failed: []) }
        return .found(plmn, s, eps)
    }

    /// The EPS subscription the IMSI names (PUR, NOR).
    static func eps(_ s: IMSSubscription?, imsi: String) -> IMSSubscription? {
        guard let s, s.eps?.imsi == imsi else { return nil }
        return s
    }

    // MARK: AIR (TS 29.272 §5.2.3.1; TS 33.401 §6.1.1; TS 33.102 §6.3)

    public static func authenticationInformation<R: RandomNumberGenerator>(
        _ r: AuthenticationInformationRequest, subscription: IMSSubscription?, context: HSSContext, milenage: inout Milenage, random: inout R
    ) -> ProcedureOutcome<AuthenticationInformationAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<AuthenticationInformationAnswer> {
            ProcedureOutcome(AuthenticationInformationAnswer(envelope: envelope(r.envelope, context, rc, failed: failed)))
        }
        let plmn: PLMNIdentity, eps: EPSSubscription
        var s: IMSSubscription
        switch resolve(visitedPLMN: r.visitedPLMNID, imsi: r.userName, in: subscription) {
        case .refused(let rc, let failed): return answer(rc, failed: failed)
        case .found(let p, let found, let e): (plmn, s, eps) = (p, found, e)
        }
        let eutran = r.requestedEUTRANAuthenticationInfo
        let utran = r.requestedUTRANGERANAuthenticationInfo
        // §5.2.3.1.3: E-UTRAN vectors need an EPS subscription (an APN configuration).
        if eutran != nil && eps.apns.isEmpty { return answer(.errorUnknownEPSSubscription) }
        // Neither requested: nothing to answer with (§7.2.5: one of the two is present in practice).
        guard eutran != nil || utran != nil else { return answer(.errorUnknownEPSSubscription) }
        // The USIM's credentials are those of the IMS AKA identity: one K, one SQN (TS 33.102 Annex C).
        guard let impi = s.epsAKAIdentity, let aka = impi.aka else { return answer(.authenticationDataUnavailable) }

        var sqn = s.lastSQN(of: impi.identity)
        // TS 33.102 §6.3.5: RAND ‖ AUTS (30 octets). A verified AUTS resets SQN_HE to SQN_MS; one whose MAC-S
        // does not verify leaves it and new vectors are sent anyway (step 6 follows step 4 either way).
        if let resync = eutran?.reSynchronizationInfo ?? utran?.reSynchronizationInfo {
            switch milenage.resynchronise(k: aka.k, opc: aka.opc, randAndAUTS: resync) {
            case .malformed:
                let avp = eutran?.reSynchronizationInfo != nil
                    ? AVP(.requestedEUTRANAuthenticationInfo, .grouped([AVP(.reSynchronizationInfo, .data(resync))]))
                    : AVP(.requestedUTRANGERANAuthenticationInfo, .grouped([AVP(.reSynchronizationInfo, .data(resync))]))
                return answer(.invalidAVPValue, failed: [avp])
            case .macFailure: break
            case .sqnMS(let sqnMS): sqn = sqnMS
            }
        }
        func count(_ requested: UInt32?) -> Int { max(1, min(Int(requested ?? 1), context.maximumAuthItems)) }
        var info = AuthenticationInfo()
        if let eutran {
            for i in 1...count(eutran.numberOfRequestedVectors) {
                sqn = context.sequenceNumbers.next(after: sqn)
                let rand = Block128(hi: random.next(), lo: random.next())
                let v = milenage.epsVector(k: aka.k, opc: aka.opc, rand: rand, sqn: sqn, amf: aka.amf, servingNetwork: plmn)
                info.eutranVectors.append(EUTRANVector(itemNumber: UInt32(i), rand: v.rand.bytes, xres: v.xresBytes, autn: v.autn.bytes, kasme: v.kasme))
            }
        }
        if let utran, !eps.accessRestrictions.contains(.utranNotAllowed) {
            // UTRAN quintets (TS 33.102 §6.3.2): the AMF as provisioned, without the E-UTRAN separation bit.
            for i in 1...count(utran.numberOfRequestedVectors) {
                sqn = context.sequenceNumbers.next(after: sqn)
                let rand = Block128(hi: random.next(), lo: random.next())
                let v = milenage.vector(k: aka.k, opc: aka.opc, rand: rand, sqn: sqn, amf: aka.amf & ~EPSAuthenticationVector.amfSeparationBit)
                info.utranVectors.append(UTRANVector(
                    itemNumber: UInt32(i), rand: v.rand.bytes, xres: v.sipAuthorization, autn: v.autn.bytes,
                    confidentialityKey: v.ck.bytes, integrityKey: v.ik.bytes))
            }
        }
        guard !info.eutranVectors.isEmpty || !info.utranVectors.isEmpty else { return answer(.errorUnknownEPSSubscription) }
        s.state.sqn[impi.identity] = sqn
        return ProcedureOutcome(AuthenticationInformationAnswer(envelope: envelope(r.envelope, context, .success), authenticationInfo: info), updated: s)
    }

    // MARK: ULR (TS 29.272 §5.2.1.1)

    /// ULR-Flags bits (TS 29.272 §7.3.7).
    public enum ULRFlag {
        public static let singleRegistrationIndication: UInt32 = 1 << 0
        public static let s6aIndicator: UInt32 = 1 << 1
        public static let skipSubscriberData: UInt32 = 1 << 2
        public static let initialAttachIndicator: UInt32 = 1 << 5
    }

    public static func updateLocation(
        _ r: UpdateLocationRequest, subscription: IMSSubscription?, context: HSSContext
    ) -> ProcedureOutcome<UpdateLocationAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<UpdateLocationAnswer> {
            ProcedureOutcome(UpdateLocationAnswer(envelope: envelope(r.envelope, context, rc, failed: failed)))
        }
        let plmn: PLMNIdentity, eps: EPSSubscription
        var s: IMSSubscription
        switch resolve(visitedPLMN: r.visitedPLMNID, imsi: r.userName, in: subscription) {
        case .refused(let rc, let failed): return answer(rc, failed: failed)
        case .found(let p, let found, let e): (plmn, s, eps) = (p, found, e)
        }
        // §5.2.1.1.3: the RAT the UE uses must be allowed (subscribed RATs, Access-Restriction-Data).
        let ratAllowed = (eps.allowedRATTypes?.contains(r.ratType) ?? true) && !eps.accessRestrictions.contains { $0.forbiddenRAT == r.ratType }
        guard ratAllowed else { return answer(.errorRATNotAllowed) }
        // §5.2.1.1.3: roaming into the visited PLMN (home PLMN always allowed).
        guard eps.mayRoam(in: plmn) else { return answer(.errorRoamingNotAllowed) }
        // §5.2.1.1.3: no APN configuration → no EPS subscription.
        guard !eps.apns.isEmpty else { return answer(.errorUnknownEPSSubscription) }

        let new = MMERegistration(
            originHost: r.envelope.originHost, originRealm: r.envelope.originRealm, mmeNumber: r.mmeNumberForMTSMS, visitedPLMN: r.visitedPLMNID,
            ratType: r.ratType.rawValue, ulrFlags: r.ulrFlags, imei: r.terminalInformation?.imei,
            softwareVersion: r.terminalInformation?.softwareVersion, ueSRVCCCapability: r.ueSRVCCCapability?.rawValue,
            imsVoiceOverPS: r.homogeneousSupportOfIMSVoiceOverPSSessions?.rawValue, purged: false)
        var requests: [HSSInitiatedRequest] = []
        // §5.2.1.1.3: a new MME → Cancel Location to the previous one, INITIAL_ATTACH_PROCEDURE when the
        // ULR says initial attach, else MME_UPDATE_PROCEDURE.
        if let old = s.state.mme, old.originHost != new.originHost {
            let initialAttach = r.ulrFlags & ULRFlag.initialAttachIndicator != 0
            let previous = MMETarget(subscriptionID: s.id, destinationHost: old.originHost, destinationRealm: old.originRealm, imsi: eps.imsi)
            requests.append(.cancelLocation(CancelLocation(previous, type: initialAttach ? .initialAttachProcedure : .mmeUpdateProcedure)))
        }
        s.state.mme = new
        let skip = r.ulrFlags & ULRFlag.skipSubscriberData != 0
        let a = UpdateLocationAnswer(
            envelope: envelope(r.envelope, context, .success), ulaFlags: 0, subscriptionData: skip ? nil : subscriptionData(eps))
        return ProcedureOutcome(a, updated: s, requests: requests)
    }

    // MARK: PUR (TS 29.272 §5.2.1.3)

    /// PUA-Flags bit 0 (TS 29.272 §7.3.48).
    public static let freezeMTMSI: UInt32 = 1 << 0

    public static func purgeUE(_ r: PurgeUERequest, subscription: IMSSubscription?, context: HSSContext) -> ProcedureOutcome<PurgeUEAnswer> {
        guard var s = eps(subscription, imsi: r.userName) else {
            return ProcedureOutcome(PurgeUEAnswer(envelope: envelope(r.envelope, context, .errorUserUnknown)))
        }
        // §5.2.1.3.3: from the registered MME, set "UE purged in MME" and ask it to freeze the M-TMSI;
        // from another node, change nothing and clear the flag.
        guard var mme = s.state.mme, mme.originHost == r.envelope.originHost else {
            return ProcedureOutcome(PurgeUEAnswer(envelope: envelope(r.envelope, context, .success), puaFlags: 0))
        }
        mme.purged = true
        s.state.mme = mme
        return ProcedureOutcome(PurgeUEAnswer(envelope: envelope(r.envelope, context, .success), puaFlags: freezeMTMSI), updated: s)
    }

    // MARK: NOR (TS 29.272 §5.2.5.1)

    public static func notify(_ r: NotifyRequest, subscription: IMSSubscription?, context: HSSContext) -> ProcedureOutcome<NotifyAnswer> {
        func answer(_ rc: ResultCode) -> ProcedureOutcome<NotifyAnswer> { ProcedureOutcome(NotifyAnswer(envelope: envelope(r.envelope, context, rc))) }
        guard var s = eps(subscription, imsi: r.userName) else { return answer(.errorUserUnknown) }
        // §5.2.5.1.3: only the registered serving node may notify (DIAMETER_ERROR_UNKNOWN_SERVING_NODE).
        guard var mme = s.state.mme, mme.originHost == r.envelope.originHost else { return answer(.errorUnknownServingNode) }
        if let t = r.terminalInformation {
            mme.imei = t.imei ?? mme.imei
            mme.softwareVersion = t.softwareVersion ?? mme.softwareVersion
        }
        if let c = r.ueSRVCCCapability { mme.ueSRVCCCapability = c.rawValue }
        if let h = r.homogeneousSupportOfIMSVoiceOverPSSessions { mme.imsVoiceOverPS = h.rawValue }
        guard mme != s.state.mme else { return answer(.success) }
        s.state.mme = mme
        return ProcedureOutcome(NotifyAnswer(envelope: envelope(r.envelope, context, .success)), updated: s)
    }

    // MARK: Subscription-Data (TS 29.272 §7.3.2)

    /// The Subscription-Data of ULA and IDR from the provisioned EPS data.
    public static func subscriptionData(_ eps: EPSSubscription) -> SubscriptionData {
        var d = SubscriptionData()
        d.subscriberStatus = eps.subscriberStatus
        d.msisdn = eps.msisdn.map(tbcd)
        d.networkAccessMode = eps.networkAccessMode
        if eps.subscriberStatus == .operatorDeterminedBarring { d.operatorDeterminedBarring = eps.operatorDeterminedBarring }
        if eps.accessRestrictionData != 0 { d.accessRestrictionData = eps.accessRestrictionData }
        d.ambr = AMBR(maxRequestedBandwidthUL: eps.ambr.uplink, maxRequestedBandwidthDL: eps.ambr.downlink)
        if !eps.apns.isEmpty {
            d.apnConfigurationProfile = APNConfigurationProfile(
                contextIdentifier: eps.defaultContextIdentifier, allAPNConfigurationsIncludedIndicator: .allAPNConfigurationsIncluded,
                apnConfigurations: eps.apns.map(apnConfiguration))
        }
        return d
    }

    static func apnConfiguration(_ a: SubscribedAPN) -> APNConfiguration {
        APNConfiguration(
            contextIdentifier: a.contextIdentifier, servedPartyIPAddresses: a.staticAddresses.compactMap { DiameterAddress($0) }, pdnType: a.pdnType,
            serviceSelection: a.name,
            epsSubscribedQoSProfile: EPSSubscribedQoSProfile(
                qosClassIdentifier: QoSClassIdentifier(rawValue: Int32(a.qci)),
                allocationRetentionPriority: AllocationRetentionPriority(
                    priorityLevel: UInt32(a.arp.priorityLevel), preEmptionCapability: a.arp.preemptionCapability ? .enabled : .disabled,
                    preEmptionVulnerability: a.arp.preemptionVulnerability ? .enabled : .disabled)),
            vplmnDynamicAddressAllowed: a.vplmnDynamicAddressAllowed ? .allowed : .notAllowed,
            ambr: AMBR(maxRequestedBandwidthUL: a.ambr.uplink, maxRequestedBandwidthDL: a.ambr.downlink))
    }

    /// TBCD (TS 29.002 `TBCD-STRING`, the MSISDN AVP of TS 29.329 §6.3.2): two digits per octet, the first
    /// in the low nibble, 0xF filling an odd count.
    public static func tbcd(_ digits: String) -> [UInt8] {
        let d = digits.compactMap { $0.wholeNumberValue }.map(UInt8.init)
        return stride(from: 0, to: d.count, by: 2).map { i in (i + 1 < d.count ? d[i + 1] : 0xF) << 4 | d[i] }
    }
}
