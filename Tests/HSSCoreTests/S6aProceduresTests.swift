import DiameterCore
import DiameterTestKit
import HSSCore
import NIOCore
import Testing

/// The S6a procedures (TS 29.272 §5.2) rule by rule, as pure functions on Fx's world: alice gains EPS data
/// sharing her IMS AKA identity's K, OPc and SQN.
@Suite("S6a procedures (TS 29.272 §5.2)")
struct S6aProceduresTests {
    static let imsi = "001010000000001"
    static let home = PLMNIdentity(mcc: "001", mnc: "01")!
    static let visited = PLMNIdentity(mcc: "262", mnc: "02")!
    static let mme1 = "mme1.epc.example.net", mme2 = "mme2.epc.example.net", epcRealm = "epc.example.net"

    static let eps = EPSSubscription(
        imsi: imsi, msisdn: "15550001", ambr: SubscribedAMBR(uplink: 50_000_000, downlink: 100_000_000), allowedVisitedPLMNs: ["208-93"],
        allowedRATTypes: [.eutran, .utran], defaultContextIdentifier: 1,
        apns: [
            SubscribedAPN(contextIdentifier: 1, name: "internet", pdnType: .ipv4v6, qci: 9, staticAddresses: ["10.45.0.7"]),
            SubscribedAPN(contextIdentifier: 2, name: "ims", pdnType: .ipv4v6, qci: 5, arp: SubscribedARP(priorityLevel: 1, preemptionCapability: true, preemptionVulnerability: false)),
        ])

    static var alice: IMSSubscription {
        var s = Fx.alice
        s.eps = eps
        return s
    }

    static func envelope(_ host: String = mme1) -> S6aEnvelope {
        S6aEnvelope(sessionID: "\(host);1;2", originHost: host, originRealm: epcRealm, destinationRealm: Fx.realm)
    }

    static func air(_ n: UInt32 = 1, plmn: [UInt8] = home.octets, resync: [UInt8]? = nil, utran: Bool = false, eutran: Bool = true, imsi: String = imsi) -> AuthenticationInformationRequest {
        AuthenticationInformationRequest(
            envelope: envelope(), userName: imsi,
            requestedEUTRANAuthenticationInfo: eutran ? RequestedEUTRANAuthenticationInfo(numberOfRequestedVectors: n, reSynchronizationInfo: resync) : nil,
            requestedUTRANGERANAuthenticationInfo: utran ? RequestedUTRANGERANAuthenticationInfo(numberOfRequestedVectors: n) : nil,
            visitedPLMNID: plmn)
    }

    static func ulr(_ host: String = mme1, rat: RATType = .eutran, flags: UInt32 = S6aProcedures.ULRFlag.s6aIndicator, plmn: [UInt8] = home.octets) -> UpdateLocationRequest {
        UpdateLocationRequest(
            envelope: envelope(host), userName: imsi, terminalInformation: TerminalInformation(imei: "3542980000000", softwareVersion: "01"),
            ratType: rat, ulrFlags: flags, visitedPLMNID: plmn)
    }

    static func run(_ r: AuthenticationInformationRequest, _ s: IMSSubscription?, seed: UInt64 = 11) throws -> ProcedureOutcome<AuthenticationInformationAnswer> {
        var m = try Milenage()
        var rng = SeededRandom(seed: seed)
        return S6aProcedures.authenticationInformation(r, subscription: s, context: Fx.context, milenage: &m, random: &rng)
    }

    static func ulrRun(_ r: UpdateLocationRequest, _ s: IMSSubscription?) -> ProcedureOutcome<UpdateLocationAnswer> {
        S6aProcedures.updateLocation(r, subscription: s, context: Fx.context)
    }

    /// The SQN an AUTN carries: (SQN ⊕ AK) ⊕ AK with AK recomputed from RAND.
    static func sqn(autn: [UInt8], rand: [UInt8]) throws -> UInt64 {
        var m = try Milenage()
        let o = m.compute(k: Fx.k, opc: Fx.opc, rand: Block128(bytes: rand[...])!, sqn: 0, amf: 0)
        var concealed: UInt64 = 0
        for b in autn[0..<6] { concealed = concealed << 8 | UInt64(b) }
        return concealed ^ o.ak
    }

    // MARK: AIR

    @Test("AIR: unknown IMSI, or a subscription without EPS data → Experimental-Result 5001")
    func airUnknown() throws {
        #expect(try Self.run(Self.air(), nil).resultCode == .errorUserUnknown)
        #expect(try Self.run(Self.air(), Fx.alice).resultCode == .errorUserUnknown)
        #expect(try Self.run(Self.air(imsi: "001010000000999"), Self.alice).resultCode == .errorUserUnknown)
    }

    @Test("AIR: a Visited-PLMN-Id that is not TS 24.008 BCD → 5004 with Failed-AVP, nothing issued", arguments: [
        [0x00, 0xF1] as [UInt8], [0x00, 0xF1, 0x10, 0x00], [0xA0, 0xF1, 0x10], [0x00, 0x1F, 0x10],
    ])
    func airBadPLMN(_ plmn: [UInt8]) throws {
        let o = try Self.run(Self.air(plmn: plmn), Self.alice)
        #expect(o.resultCode == .invalidAVPValue)
        #expect(o.answer.envelope.failedAVP == [AVP(.visitedPLMNID, .data(plmn))])
        #expect(o.answer.authenticationInfo == nil && o.updated == nil)
    }

    @Test("AIR: n E-UTRAN vectors (capped at the node's maximum), AMF separation bit, KASME bound to the PLMN, SQNs SEQ+1 with our IND")
    func airVectors() throws {
        let o = try Self.run(Self.air(9, plmn: Self.visited.octets), Self.alice)
        #expect(o.resultCode == .success)
        let vectors = try #require(o.answer.authenticationInfo?.eutranVectors)
        #expect(vectors.count == Fx.context.maximumAuthItems)
        #expect(vectors.map(\.itemNumber) == [1, 2, 3, 4])
        var last = Fx.alice.lastSQN(of: "alice@ims.example.net")
        var m = try Milenage()
        for v in vectors {
            #expect(v.autn[6] & 0x80 != 0, "AMF separation bit (TS 33.401 §6.1.1)")
            #expect(Array(v.autn[6...7]) == [0xB9, 0xB9])  // provisioned AMF B9B9 already has bit 0 set
            let sqn = try Self.sqn(autn: v.autn, rand: v.rand)
            #expect(Fx.context.sequenceNumbers.seq(of: sqn) == Fx.context.sequenceNumbers.seq(of: last) + 1)
            #expect(Fx.context.sequenceNumbers.ind(of: sqn) == 3)
            last = sqn
            // KASME recomputed from Milenage's CK, IK and the serving network (TS 33.401 Annex A.2).
            let out = m.compute(k: Fx.k, opc: Fx.opc, rand: Block128(bytes: v.rand[...])!, sqn: sqn, amf: 0xB9B9)
            let expected = EPSAuthenticationVector.kasme(ck: out.ck, ik: out.ik, servingNetwork: Self.visited, sqnXorAK: (sqn ^ out.ak) & 0xFFFF_FFFF_FFFF)
            #expect(v.kasme == expected)
            #expect(v.kasme != EPSAuthenticationVector.kasme(ck: out.ck, ik: out.ik, servingNetwork: Self.home, sqnXorAK: (sqn ^ out.ak) & 0xFFFF_FFFF_FFFF))
            #expect(v.xres.count == 8)
        }
        #expect(o.updated?.state.sqn["alice@ims.example.net"] == last)
    }

    @Test("AIR: an AMF without the separation bit gets it in E-UTRAN vectors, not in UTRAN ones")
    func airSeparationBit() throws {
        var s = Self.alice
        s.privateIdentities[0].aka?.amf = 0x0000
        let o = try Self.run(Self.air(1, utran: true), s)
        let e = try #require(o.answer.authenticationInfo?.eutranVectors.first)
        let u = try #require(o.answer.authenticationInfo?.utranVectors.first)
        #expect(Array(e.autn[6...7]) == [0x80, 0x00])
        #expect(Array(u.autn[6...7]) == [0x00, 0x00])
        #expect(u.confidentialityKey.count == 16 && u.integrityKey.count == 16)
    }

    @Test("AIR: E-UTRAN vectors for an IMSI with no APN configuration → 5420; UTRAN quintets are still served")
    func airNoEPSSubscription() throws {
        var s = Self.alice
        s.eps?.apns = []
        #expect(try Self.run(Self.air(), s).resultCode == .errorUnknownEPSSubscription)
        let u = try Self.run(Self.air(2, utran: true, eutran: false), s)
        #expect(u.resultCode == .success)
        #expect(u.answer.authenticationInfo?.utranVectors.count == 2)
    }

    @Test("AIR: resynchronisation with a valid AUTS → SQN_HE := SQN_MS, vectors after it")
    func airResync() throws {
        let sqnMS: UInt64 = 0x5_0000 | 7
        let rand = Block128(hex: "00112233445566778899aabbccddeeff")!
        let auts = try MultimediaAuthTests().auts(sqnMS: sqnMS, rand: rand)
        let o = try Self.run(Self.air(1, resync: auts), Self.alice)
        let v = try #require(o.answer.authenticationInfo?.eutranVectors.first)
        let sqn = try Self.sqn(autn: v.autn, rand: v.rand)
        #expect(sqn == Fx.context.sequenceNumbers.next(after: sqnMS))
    }

    @Test("AIR: an AUTS whose MAC-S does not verify leaves SQN_HE (TS 33.102 §6.3.5) and new vectors follow it")
    func airResyncBadMAC() throws {
        var auts = try MultimediaAuthTests().auts(sqnMS: 0x5_0000, rand: Block128(hex: "00112233445566778899aabbccddeeff")!)
        auts[29] ^= 0xFF
        let o = try Self.run(Self.air(1, resync: auts), Self.alice)
        let v = try #require(o.answer.authenticationInfo?.eutranVectors.first)
        #expect(try Self.sqn(autn: v.autn, rand: v.rand) == Fx.context.sequenceNumbers.next(after: Fx.alice.lastSQN(of: "alice@ims.example.net")))
    }

    @Test("AIR: Re-Synchronization-Info that is not RAND ‖ AUTS → 5004 with Failed-AVP")
    func airResyncMalformed() throws {
        let o = try Self.run(Self.air(1, resync: [1, 2, 3]), Self.alice)
        #expect(o.resultCode == .invalidAVPValue)
        #expect(o.answer.envelope.failedAVP.count == 1)
        #expect(o.updated == nil)
    }

    @Test("One SQN per USIM: MAR, AIR, MAR for one subscriber give strictly increasing SQNs")
    func sharedSQN() throws {
        var s = Self.alice
        var sqns: [UInt64] = []
        let mar1 = try Fx.run(Fx.mar("alice@ims.example.net", "sip:alice@ims.example.net"), s)
        s = try #require(mar1.updated)
        sqns.append(try Self.sqn(autn: Array(mar1.answer.sipAuthDataItems[0].sipAuthenticate![16...]), rand: Array(mar1.answer.sipAuthDataItems[0].sipAuthenticate![..<16])))
        let air = try Self.run(Self.air(2), s)
        s = try #require(air.updated)
        for v in air.answer.authenticationInfo!.eutranVectors { sqns.append(try Self.sqn(autn: v.autn, rand: v.rand)) }
        let mar2 = try Fx.run(Fx.mar("alice@ims.example.net", "sip:alice@ims.example.net"), s)
        sqns.append(try Self.sqn(autn: Array(mar2.answer.sipAuthDataItems[0].sipAuthenticate![16...]), rand: Array(mar2.answer.sipAuthDataItems[0].sipAuthenticate![..<16])))
        #expect(sqns.count == 4)
        #expect(zip(sqns, sqns.dropFirst()).allSatisfy { $0 < $1 }, "\(sqns.map { String($0, radix: 16) })")
    }

    // MARK: ULR

    @Test("ULR: unknown IMSI → 5001")
    func ulrUnknown() {
        #expect(Self.ulrRun(Self.ulr(), nil).resultCode == .errorUserUnknown)
        #expect(Self.ulrRun(Self.ulr(), Fx.alice).resultCode == .errorUserUnknown)
    }

    @Test("ULR: a RAT not subscribed, or forbidden by Access-Restriction-Data → 5421")
    func ulrRAT() {
        #expect(Self.ulrRun(Self.ulr(rat: .geran), Self.alice).resultCode == .errorRATNotAllowed)
        var s = Self.alice
        s.eps?.allowedRATTypes = nil
        s.eps?.accessRestrictions = [.wbEUTRANNotAllowed]
        #expect(Self.ulrRun(Self.ulr(rat: .eutran), s).resultCode == .errorRATNotAllowed)
        #expect(Self.ulrRun(Self.ulr(rat: .geran), s).resultCode == .success)
    }

    @Test("ULR: a visited PLMN not allowed → Experimental-Result 5004; home and listed PLMNs are")
    func ulrRoaming() {
        let refused = Self.ulrRun(Self.ulr(plmn: Self.visited.octets), Self.alice)
        #expect(refused.resultCode == .errorRoamingNotAllowed)
        #expect(refused.answer.envelope.experimentalResult?.experimentalResultCode == 5004)
        #expect(refused.updated == nil)
        #expect(Self.ulrRun(Self.ulr(plmn: PLMNIdentity(mcc: "208", mnc: "93")!.octets), Self.alice).resultCode == .success)
        var anywhere = Self.alice
        anywhere.eps?.allowedVisitedPLMNs = ["*"]
        #expect(Self.ulrRun(Self.ulr(plmn: Self.visited.octets), anywhere).resultCode == .success)
        #expect(Self.ulrRun(Self.ulr(plmn: [0xFF, 0xFF, 0xFF]), Self.alice).resultCode == .invalidAVPValue)
    }

    @Test("ULR: no APN configuration → 5420")
    func ulrNoAPN() {
        var s = Self.alice
        s.eps?.apns = []
        #expect(Self.ulrRun(Self.ulr(), s).resultCode == .errorUnknownEPSSubscription)
    }

    @Test("ULR: stores the MME, ULA-Flags 0, Subscription-Data as provisioned")
    func ulrStores() throws {
        let o = Self.ulrRun(Self.ulr(), Self.alice)
        #expect(o.resultCode == .success)
        #expect(o.answer.ulaFlags == 0)
        let mme = try #require(o.updated?.state.mme)
        #expect(mme.originHost == Self.mme1 && mme.originRealm == Self.epcRealm && mme.imei == "3542980000000" && !mme.purged)
        #expect(mme.visitedPLMN == Self.home.octets && mme.ratType == RATType.eutran.rawValue)
        #expect(o.requests.isEmpty)
        let d = try #require(o.answer.subscriptionData)
        #expect(d.msisdn == [0x51, 0x55, 0x00, 0x10])  // TBCD of 15550001
        #expect(d.subscriberStatus == .serviceGranted && d.networkAccessMode == .onlyPacket)
        #expect(d.ambr?.maxRequestedBandwidthUL == 50_000_000 && d.ambr?.maxRequestedBandwidthDL == 100_000_000)
        let p = try #require(d.apnConfigurationProfile)
        #expect(p.contextIdentifier == 1 && p.allAPNConfigurationsIncludedIndicator == .allAPNConfigurationsIncluded)
        #expect(p.apnConfigurations.map(\.serviceSelection) == ["internet", "ims"])
        #expect(p.apnConfigurations[0].servedPartyIPAddresses == [DiameterAddress("10.45.0.7")!])
        #expect(p.apnConfigurations[1].epsSubscribedQoSProfile?.qosClassIdentifier == QoSClassIdentifier(rawValue: 5))
        #expect(p.apnConfigurations[1].epsSubscribedQoSProfile?.allocationRetentionPriority.preEmptionCapability == .enabled)
        #expect(d.accessRestrictionData == nil && d.operatorDeterminedBarring == nil)
        // The answer encodes, and decodes back under the ULA grammar.
        let bytes = o.answer.encode(hopByHopID: 1, endToEndID: 2)
        let message = try DiameterDecoder().decode(bytes)
        try message.validate(against: CommandDefinition.updateLocation)
        let back = try UpdateLocationAnswer(decoding: message)
        #expect(back.subscriptionData == d)
    }

    @Test("ULR: Skip-Subscriber-Data → no Subscription-Data")
    func ulrSkip() {
        let o = Self.ulrRun(Self.ulr(flags: S6aProcedures.ULRFlag.s6aIndicator | S6aProcedures.ULRFlag.skipSubscriberData), Self.alice)
        #expect(o.resultCode == .success && o.answer.subscriptionData == nil && o.updated?.state.mme != nil)
    }

    @Test("ULR from a new MME → CLR MME_UPDATE_PROCEDURE (INITIAL_ATTACH_PROCEDURE on initial attach) to the previous one; none from the same MME")
    func ulrCancelsPrevious() throws {
        let first = try #require(Self.ulrRun(Self.ulr(Self.mme1), Self.alice).updated)
        #expect(Self.ulrRun(Self.ulr(Self.mme1), first).requests.isEmpty)
        let moved = Self.ulrRun(Self.ulr(Self.mme2), first)
        #expect(moved.updated?.state.mme?.originHost == Self.mme2)
        let mme1 = MMETarget(subscriptionID: "alice", destinationHost: Self.mme1, destinationRealm: Self.epcRealm, imsi: Self.imsi)
        #expect(moved.requests == [.cancelLocation(CancelLocation(mme1, type: .mmeUpdateProcedure))])
        let attach = Self.ulrRun(Self.ulr(Self.mme2, flags: S6aProcedures.ULRFlag.s6aIndicator | S6aProcedures.ULRFlag.initialAttachIndicator), first)
        guard case .cancelLocation(let clr) = attach.requests.first else {
            Issue.record("no CLR")
            return
        }
        #expect(clr.type == .initialAttachProcedure)
        let message = clr.message(context: Fx.context, sessionID: "s;1")
        #expect(message.clrFlags == CancelLocation.s6aIndicator && message.envelope.destinationHost == Self.mme1)
        #expect(message.envelope.vendorSpecificApplicationID == .s6a)
    }

    // MARK: PUR, NOR

    @Test("PUR from the registered MME → purged, PUA-Flags freeze M-TMSI; from another node → PUA-Flags 0, unchanged; unknown → 5001")
    func purge() throws {
        let attached = try #require(Self.ulrRun(Self.ulr(Self.mme1), Self.alice).updated)
        func pur(_ host: String) -> PurgeUERequest { PurgeUERequest(envelope: Self.envelope(host), userName: Self.imsi) }
        let o = S6aProcedures.purgeUE(pur(Self.mme1), subscription: attached, context: Fx.context)
        #expect(o.resultCode == .success && o.answer.puaFlags == 1 && o.updated?.state.mme?.purged == true)
        let other = S6aProcedures.purgeUE(pur(Self.mme2), subscription: attached, context: Fx.context)
        #expect(other.resultCode == .success && other.answer.puaFlags == 0 && other.updated == nil)
        #expect(S6aProcedures.purgeUE(pur(Self.mme1), subscription: nil, context: Fx.context).resultCode == .errorUserUnknown)
        // The next ULR clears the purged flag.
        #expect(Self.ulrRun(Self.ulr(Self.mme1), try #require(o.updated)).updated?.state.mme?.purged == false)
    }

    @Test("NOR from a node that is not the registered MME → 5423; from it, terminal data is stored")
    func notify() throws {
        let attached = try #require(Self.ulrRun(Self.ulr(Self.mme1), Self.alice).updated)
        func nor(_ host: String) -> NotifyRequest {
            NotifyRequest(envelope: Self.envelope(host), userName: Self.imsi, terminalInformation: TerminalInformation(imei: "3542980000001", softwareVersion: "02"))
        }
        #expect(S6aProcedures.notify(nor(Self.mme2), subscription: attached, context: Fx.context).resultCode == .errorUnknownServingNode)
        #expect(S6aProcedures.notify(nor(Self.mme1), subscription: Self.alice, context: Fx.context).resultCode == .errorUnknownServingNode)
        let o = S6aProcedures.notify(nor(Self.mme1), subscription: attached, context: Fx.context)
        #expect(o.resultCode == .success && o.updated?.state.mme?.imei == "3542980000001")
        #expect(S6aProcedures.notify(nor(Self.mme1), subscription: nil, context: Fx.context).resultCode == .errorUserUnknown)
    }

    // MARK: HSS-initiated

    @Test("Provisioning changes: IDR for changed data, DSR for withdrawn non-default APNs, CLR SUBSCRIPTION_WITHDRAWAL when EPS data goes")
    func subscriberDataChange() throws {
        let attached = try #require(Self.ulrRun(Self.ulr(Self.mme1), Self.alice).updated)
        #expect(S6aProcedures.subscriberDataChange(old: attached, new: attached) == nil)
        #expect(S6aProcedures.subscriberDataChange(old: Self.alice, new: nil) == nil, "no MME registered: nothing to tell")

        var faster = attached
        faster.eps?.ambr = SubscribedAMBR(uplink: 1, downlink: 2)
        guard case .insertSubscriberData(let idr) = S6aProcedures.subscriberDataChange(old: attached, new: faster) else {
            Issue.record("no IDR")
            return
        }
        #expect(idr.target.destinationHost == Self.mme1 && idr.subscriptionData.ambr?.maxRequestedBandwidthDL == 2)

        var fewer = attached
        fewer.eps?.apns.removeAll { $0.name == "ims" }
        let mme1 = MMETarget(subscriptionID: "alice", destinationHost: Self.mme1, destinationRealm: Self.epcRealm, imsi: Self.imsi)
        #expect(S6aProcedures.subscriberDataChange(old: attached, new: fewer) == .deleteSubscriberData(DeleteSubscriberData(mme1, contextIdentifiers: [2])))

        var noDefault = attached
        noDefault.eps?.apns.removeAll { $0.contextIdentifier == 1 }
        noDefault.eps?.defaultContextIdentifier = 2
        guard case .insertSubscriberData = S6aProcedures.subscriberDataChange(old: attached, new: noDefault) else {
            Issue.record("the default APN withdrawn is an IDR of the whole profile")
            return
        }

        var noEPS = attached
        noEPS.eps = nil
        let withdrawal = HSSInitiatedRequest.cancelLocation(CancelLocation(mme1, type: .subscriptionWithdrawal))
        #expect(S6aProcedures.subscriberDataChange(old: attached, new: noEPS) == withdrawal)
        #expect(S6aProcedures.subscriberDataChange(old: attached, new: nil) == withdrawal)

        var purged = attached
        purged.state.mme?.purged = true
        #expect(S6aProcedures.subscriberDataChange(old: purged, new: faster) == nil)
    }

    @Test("TBCD: two digits per octet, low nibble first, F filler")
    func tbcd() {
        #expect(S6aProcedures.tbcd("15550001") == [0x51, 0x55, 0x00, 0x10])
        #expect(S6aProcedures.tbcd("123") == [0x21, 0xF3])
    }
}

/// What the S6a procedures emit passes Wireshark's dissector without a malformed or expert flag.
@Suite("S6a output, tshark wire check", .enabled(if: Tshark.isAvailable, "tshark/text2pcap not installed (apt-get install tshark)"))
struct S6aTsharkTests {
    @Test("AIA (vectors, errors), ULA with Subscription-Data, PUA, NOA, CLR, IDR, DSR: no malformed or expert flag")
    func clean() throws {
        typealias T = S6aProceduresTests
        var out: [[UInt8]] = []
        func add(_ m: some EnvelopedMessage) { out.append(Array(buffer: m.encode(hopByHopID: 7, endToEndID: 8))) }
        add(try T.run(T.air(3, plmn: T.visited.octets, utran: true), T.alice).answer)
        // (An AIA refusing a bad Visited-PLMN-Id is left out: its Failed-AVP echoes the offending value, which
        // tshark rightly flags as a malformed MCC/MNC.)
        add(try T.run(T.air(resync: [1, 2, 3]), T.alice).answer)
        add(try T.run(T.air(), nil).answer)
        let ula = T.ulrRun(T.ulr(), T.alice)
        add(ula.answer)
        add(T.ulrRun(T.ulr(plmn: T.visited.octets), T.alice).answer)
        let attached = try #require(ula.updated)
        add(S6aProcedures.purgeUE(PurgeUERequest(envelope: T.envelope(), userName: T.imsi), subscription: attached, context: Fx.context).answer)
        add(S6aProcedures.notify(NotifyRequest(envelope: T.envelope(), userName: T.imsi), subscription: attached, context: Fx.context).answer)
        var changed = attached
        changed.eps?.ambr = SubscribedAMBR(uplink: 1, downlink: 2)
        var fewer = attached
        fewer.eps?.apns.removeAll { $0.contextIdentifier == 2 }
        for new in [changed, fewer, nil] as [IMSSubscription?] {
            switch S6aProcedures.subscriberDataChange(old: attached, new: new) {
            case .cancelLocation(let c): add(c.message(context: Fx.context, sessionID: "hss;1;1"))
            case .insertSubscriberData(let i): add(i.message(context: Fx.context, sessionID: "hss;1;2"))
            case .deleteSubscriberData(let d): add(d.message(context: Fx.context, sessionID: "hss;1;3"))
            default: Issue.record("no S6a request for a change")
            }
        }
        let report = try Tshark.dissect(out)
        #expect(report.diameterPDUs == out.count)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}
