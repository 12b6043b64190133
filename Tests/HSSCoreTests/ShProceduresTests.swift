import DiameterCore
import DiameterTestKit
import Foundation
import HSSCore
import NIOCore
import Testing

/// The Sh procedures (TS 29.328 §6.1, TS 29.329 §6) as pure functions, one test per rule; every Sh-Data
/// they emit is validated against docs/schemas/ShDataType.xsd with xmllint.
@Suite("Sh procedures (TS 29.328)")
struct ShProceduresTests {
    static let tas = "tas.ims.example.net", tas2 = "tas2.ims.example.net", stranger = "other-as.ims.example.net"
    static let alice = "sip:alice@ims.example.net"
    static let mmtel = Array("MMTEL-Services".utf8)
    static let policy = ShPolicy(
        applicationServers: [
            ShApplicationServer(
                originHost: tas, read: Set(DataReference.served.map { $0.0.code }), update: DataReference.updatable, subscribe: DataReference.notifiable,
                serviceIndications: ["MMTEL-Services", "Other"], dsaiTags: ["cdiv"]),
            ShApplicationServer(originHost: tas2, read: [DataReference.repositoryData.code, DataReference.imsUserState.code], update: [DataReference.repositoryData.code]),
        ],
        maxRepositoryDataBytes: 64, maxSubscriptionSeconds: 3600)
    static let now: UInt64 = 1_800_000_000
    static func access(_ peer: String = tas) -> ShAccess { ShAccess(policy: policy, peer: peer, now: now) }

    static func envelope(_ host: String = tas) -> ShEnvelope {
        ShEnvelope(sessionID: "\(host);1;1", originHost: host, originRealm: Fx.realm, destinationRealm: Fx.realm)
    }
    static func udr(_ refs: [DataReference], identity: String = alice, si: [[UInt8]] = [], sets: [IdentitySet] = [], server: String? = nil,
                    domain: RequestedDomain? = nil, nodes: UInt32? = nil, tags: [[UInt8]] = [], from host: String = tas) -> UserDataRequest {
        UserDataRequest(
            envelope: envelope(host), userIdentity: UserIdentity(publicIdentity: identity), serverName: server, serviceIndications: si,
            dataReferences: refs, identitySets: sets, requestedDomain: domain, dsaiTags: tags, requestedNodes: nodes)
    }
    static func repository(_ si: String = "MMTEL-Services", seq: Int, data: String? = "<cdiv active=\"true\"/>") -> [UInt8] {
        let body = data.map { "<ServiceData>\($0)</ServiceData>" } ?? ""
        return Array("<?xml version=\"1.0\"?><Sh-Data><RepositoryData><ServiceIndication>\(si)</ServiceIndication><SequenceNumber>\(seq)</SequenceNumber>\(body)</RepositoryData></Sh-Data>".utf8)
    }
    static func pur(_ xml: [UInt8], _ ref: DataReference = .repositoryData, identity: String = alice, from host: String = tas) -> ProfileUpdateRequest {
        ProfileUpdateRequest(envelope: envelope(host), userIdentity: UserIdentity(publicIdentity: identity), dataReference: ref, shUserData: xml)
    }
    static func snr(_ refs: [DataReference], _ type: SubsReqType = .subscribe, si: [[UInt8]] = [], expiry: UInt32? = nil, send: Bool = false, oneTime: Bool = false, from host: String = tas) -> SubscribeNotificationsRequest {
        SubscribeNotificationsRequest(
            envelope: envelope(host), userIdentity: UserIdentity(publicIdentity: alice), serviceIndications: si, sendDataIndication: send ? .userDataRequested : nil,
            subsReqType: type, dataReferences: refs, expiryTime: expiry, oneTimeNotification: oneTime ? .oneTimeNotificationRequested : nil)
    }
    static func run(_ r: UserDataRequest, _ s: IMSSubscription? = Fx.alice, _ a: ShAccess = access()) -> ProcedureOutcome<UserDataAnswer> {
        ShProcedures.userData(r, subscription: s, context: Fx.context, access: a)
    }
    static func run(_ r: ProfileUpdateRequest, _ s: IMSSubscription? = Fx.alice, _ a: ShAccess = access()) -> ProcedureOutcome<ProfileUpdateAnswer> {
        ShProcedures.profileUpdate(r, subscription: s, context: Fx.context, access: a)
    }
    static func run(_ r: SubscribeNotificationsRequest, _ s: IMSSubscription? = Fx.alice, _ a: ShAccess = access()) -> ProcedureOutcome<SubscribeNotificationsAnswer> {
        ShProcedures.subscribeNotifications(r, subscription: s, context: Fx.context, access: a)
    }
    /// Alice with MMTEL-Services stored at sequence number `seq`.
    static func stored(seq: Int = 0) -> IMSSubscription {
        let created = run(pur(repository(seq: 0)))
        var s = created.updated!
        s.state.sh.repository[0].sequenceNumber = UInt32(seq)
        return s
    }

    // MARK: Schema

    static func expectValid(_ xml: [UInt8]?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let xml = try #require(xml, sourceLocation: sourceLocation)
        guard let v = try ShDataSchema.validate(xml) else {
            print("skipped: xmllint not installed (scripts/setup-debian.sh --test installs libxml2-utils)")
            return
        }
        #expect(v.ok, "\(v.output)\n\(String(decoding: xml, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    @Test("xmllint rejects Sh-IMS-Data elements out of order (the schema check can fail)")
    func schemaCanFail() throws {
        let bad = Array("<Sh-Data><Sh-IMS-Data><IMSUserState>1</IMSUserState><SCSCFName>sip:s</SCSCFName></Sh-IMS-Data></Sh-Data>".utf8)
        guard let v = try ShDataSchema.validate(bad) else { return }
        #expect(!v.ok)
    }

    // MARK: UDR

    @Test("UDR: every data reference read from one subscription, each document schema-valid")
    func readEverything() throws {
        var s = Fx.with(Fx.alice, Self.alice, .registered, impi: "alice@ims.example.net")
        s.eps = EPSSubscription(imsi: "001010000000001", msisdn: "15550001", defaultContextIdentifier: 1, apns: [])
        s.state.mme = MMERegistration(originHost: "mme1.epc.example.net", originRealm: "epc.example.net", visitedPLMN: [0, 0xF1, 0x10], ratType: 1004, ulrFlags: 2)
        s = Self.run(Self.pur(Self.repository(seq: 0)), s).updated!
        let all: [([DataReference], UserDataRequest)] = [
            ([.repositoryData], Self.udr([.repositoryData], si: [Self.mmtel])),
            ([.imsPublicIdentity], Self.udr([.imsPublicIdentity], sets: [.implicitIdentities])),
            ([.imsPublicIdentity], Self.udr([.imsPublicIdentity], sets: [.allIdentities, .registeredIdentities, .aliasIdentities])),
            ([.imsUserState, .scscfName, .initialFilterCriteria, .chargingInformation], Self.udr([.imsUserState, .scscfName, .initialFilterCriteria, .chargingInformation], server: "sip:mmtel.ims.example.net")),
            ([.msisdn, .imsi], Self.udr([.msisdn, .imsi])),
            ([.userState, .locationInformation], Self.udr([.userState, .locationInformation], domain: .psDomain, nodes: 1)),
            ([.dsai], Self.udr([.dsai], tags: [Array("cdiv".utf8)])),
            ([.serviceLevelTraceInfo], Self.udr([.serviceLevelTraceInfo])),
        ]
        for (refs, r) in all {
            let a = Self.run(r, s).answer
            #expect(a.envelope.result == .success, "\(refs.map(\.name))")
            try Self.expectValid(a.shUserData)
        }
        func text(_ r: UserDataRequest) -> String { String(decoding: Self.run(r, s).answer.shUserData ?? [], as: UTF8.self) }
        #expect(text(all[0].1).contains("<RepositoryData><ServiceIndication>MMTEL-Services</ServiceIndication><SequenceNumber>0</SequenceNumber><ServiceData><cdiv active=\"true\"/></ServiceData></RepositoryData>"))
        #expect(text(all[1].1).contains("<PublicIdentifiers><IMSPublicIdentity>sip:alice@ims.example.net</IMSPublicIdentity><IMSPublicIdentity>tel:+15550001</IMSPublicIdentity></PublicIdentifiers>"))
        #expect(text(all[2].1).contains("<Sh-Data-Extension><AllIdentities>"))
        #expect(text(all[2].1).contains("<RegisteredIdentities><IMSPublicIdentity>sip:alice@ims.example.net</IMSPublicIdentity><IMSPublicIdentity>tel:+15550001</IMSPublicIdentity></RegisteredIdentities>"))
        let ims = text(all[3].1)
        #expect(ims.contains("<SCSCFName>\(Fx.scscf1)</SCSCFName><IFCs><InitialFilterCriteria><Priority>0</Priority>"))
        #expect(ims.contains("<IMSUserState>1</IMSUserState><ChargingInformation><PrimaryChargingCollectionFunctionName>aaa://ccf.ims.example.net</PrimaryChargingCollectionFunctionName>"))
        #expect(text(all[4].1).contains("<MSISDN>15550001</MSISDN>") && text(all[4].1).contains("<IMSI>001010000000001</IMSI>"))
        #expect(text(all[5].1).contains("<EPSUserState><MMEUserState>2</MMEUserState></EPSUserState><EPSLocationInformation><MMEName>mme1.epc.example.net</MMEName>"))
        #expect(text(all[6].1).contains("<DSAI><DSAI-Tag>cdiv</DSAI-Tag><DSAI-Value>0</DSAI-Value></DSAI>"))
        // The iFCs of another AS are not handed out.
        #expect(!text(Self.udr([.initialFilterCriteria], server: "sip:other.ims.example.net")).contains("<InitialFilterCriteria>"))
    }

    @Test("UDR refusals: unknown user 5001, data not held 4100, PSI data of a user 5101, missing qualifying AVPs 5005")
    func readRefusals() {
        #expect(Self.run(Self.udr([.imsUserState], identity: "sip:nobody@ims.example.net")).resultCode == .errorUserUnknown)
        #expect(Self.run(Self.udr([.imsUserState]), nil).resultCode == .errorUserUnknown)
        // CS domain, the SGSN, no MME: not held by this HSS.
        #expect(Self.run(Self.udr([.locationInformation], domain: .csDomain)).resultCode == .userDataNotAvailable)
        #expect(Self.run(Self.udr([.userState], domain: .psDomain)).resultCode == .userDataNotAvailable)
        #expect(Self.run(Self.udr([.locationInformation], domain: .psDomain, nodes: 1)).resultCode == .userDataNotAvailable)
        #expect(Self.run(Self.udr([.imsi])).resultCode == .userDataNotAvailable)
        #expect(Self.run(Self.udr([.psiActivation])).resultCode == .errorOperationNotAllowed)
        let noSI = Self.run(Self.udr([.repositoryData]))
        #expect(noSI.resultCode == .missingAVP && noSI.answer.envelope.failedAVP.first?.code == AVPDefinition.serviceIndication.code)
        #expect(Self.run(Self.udr([.locationInformation])).resultCode == .missingAVP)
        #expect(Self.run(Self.udr([])).resultCode == .missingAVP)
    }

    @Test("Permissions (TS 29.328 §6.2): unlisted AS 5102, data not granted 5102, unknown data reference and service indication 5100, DSAI tag not granted 5108")
    func readPermissions() {
        #expect(Self.run(Self.udr([.imsUserState]), Fx.alice, Self.access(Self.stranger)).resultCode == .errorUserDataCannotBeRead)
        #expect(Self.run(Self.udr([.imsUserState], from: Self.tas2), Fx.alice, Self.access(Self.tas2)).resultCode == .success)
        #expect(Self.run(Self.udr([.scscfName]), Fx.alice, Self.access(Self.tas2)).resultCode == .errorUserDataCannotBeRead)
        let unknown = Self.run(Self.udr([DataReference(rawValue: 99)]))
        #expect(unknown.resultCode == .errorUserDataNotRecognized)
        #expect(unknown.answer.envelope.failedAVP == [AVP(.dataReference, .data([0, 0, 0, 99]))])
        #expect(Self.run(Self.udr([.repositoryData], si: [Array("Unknown-Service".utf8)])).resultCode == .errorUserDataNotRecognized)
        #expect(Self.run(Self.udr([.dsai], tags: [Array("cfu".utf8)])).resultCode == .errorDSAINotAvailable)
        // The IMS user state of a user whose MSISDN names them (TBCD 15550001 → tel:+15550001).
        let byMSISDN = UserDataRequest(envelope: Self.envelope(), userIdentity: UserIdentity(msisdn: [0x51, 0x55, 0x00, 0x10]), dataReferences: [.imsUserState])
        #expect(Self.run(byMSISDN).resultCode == .success)
        #expect(ShProcedures.msisdnDigits([0x51, 0x55, 0xF0]) == "15550")
        #expect(ShProcedures.msisdnDigits([0x5A]) == nil)
    }

    @Test("An AS entry names one host, or every host of a domain with *.domain; the exact entry wins")
    func domainEntries() {
        let p = ShPolicy(applicationServers: [
            ShApplicationServer(originHost: "*.bench.test", read: [1]), ShApplicationServer(originHost: "tas.bench.test", read: [2]),
        ])
        #expect(p.server("bench0.hss.bench.test")?.read == [1])
        #expect(p.server("TAS.bench.test")?.read == [2])
        #expect(p.server("bench.test") == nil && p.server("evil-bench.test") == nil && p.server("x.bench.test.evil") == nil)
    }

    // MARK: PUR

    @Test("PUR of RepositoryData: create with 0, update with +1, out of sync 5105, wrap after 65535, delete")
    func repositorySequence() throws {
        let created = Self.run(Self.pur(Self.repository(seq: 0)))
        #expect(created.resultCode == .success)
        let s = try #require(created.updated)
        #expect(s.state.sh.repository == [RepositoryItem(identity: Self.alice, serviceIndication: Self.mmtel, sequenceNumber: 0, serviceData: Array("<cdiv active=\"true\"/>".utf8))])
        #expect(Self.run(Self.pur(Self.repository(seq: 0)), s).resultCode == .errorTransparentDataOutOfSync)
        #expect(Self.run(Self.pur(Self.repository(seq: 2)), s).resultCode == .errorTransparentDataOutOfSync)
        #expect(Self.run(Self.pur(Self.repository(seq: 5)), Fx.alice).resultCode == .errorTransparentDataOutOfSync)
        let updated = Self.run(Self.pur(Self.repository(seq: 1, data: "<x/>")), s)
        #expect(updated.resultCode == .success && updated.updated?.state.sh.repository.first?.serviceData == Array("<x/>".utf8))
        // After 65535 comes 1.
        #expect(Self.run(Self.pur(Self.repository(seq: 1)), Self.stored(seq: 65535)).resultCode == .success)
        #expect(Self.run(Self.pur(Self.repository(seq: 0)), Self.stored(seq: 65535)).resultCode == .errorTransparentDataOutOfSync)
        let deleted = Self.run(Self.pur(Self.repository(seq: 1, data: nil)), s)
        #expect(deleted.resultCode == .success && deleted.updated?.state.sh.repository == [])
        // Nothing stored: nothing to delete.
        #expect(Self.run(Self.pur(Self.repository(seq: 0, data: nil))).resultCode == .errorOperationNotAllowed)
    }

    @Test("PUR refusals store nothing: too much data 5008, malformed XML 5004, not updatable or not granted 5103, unknown service indication 5100")
    func updateRefusals() {
        let big = Self.run(Self.pur(Self.repository(seq: 0, data: String(repeating: "x", count: 65))))
        #expect(big.resultCode == .errorTooMuchData && big.updated == nil)
        for bad in ["<Sh-Data><RepositoryData>", "<!DOCTYPE x [<!ENTITY a \"b\">]><Sh-Data/>", "<Other/>", "<Sh-Data></Sh-Data>",
                    "<Sh-Data><RepositoryData><ServiceIndication>MMTEL-Services</ServiceIndication><SequenceNumber>x</SequenceNumber></RepositoryData></Sh-Data>",
                    "<Sh-Data><RepositoryData><ServiceIndication>MMTEL-Services</ServiceIndication><SequenceNumber>70000</SequenceNumber></RepositoryData></Sh-Data>"] {
            let o = Self.run(Self.pur(Array(bad.utf8)))
            #expect(o.resultCode == .invalidAVPValue && o.updated == nil, "\(bad)")
            #expect(o.answer.envelope.failedAVP.first?.code == AVPDefinition.shUserData.code)
        }
        #expect(Self.run(Self.pur(Self.repository(seq: 0), .imsUserState)).resultCode == .errorUserDataCannotBeModified)
        #expect(Self.run(Self.pur(Self.repository(seq: 0)), Fx.alice, Self.access(Self.stranger)).resultCode == .errorUserDataCannotBeModified)
        #expect(Self.run(Self.pur(Self.repository(seq: 0), .psiActivation), Fx.alice, Self.access(Self.tas2)).resultCode == .errorUserDataCannotBeModified)
        #expect(Self.run(Self.pur(Self.repository("Forbidden", seq: 0))).resultCode == .errorUserDataNotRecognized)
        #expect(Self.run(Self.pur(Self.repository(seq: 0)), nil).resultCode == .errorUserUnknown)
    }

    @Test("PUR of PSIActivation (distinct PSI only, 5101 otherwise) and DSAI; UDR and Cx LIR see them")
    func psiAndDSAI() throws {
        let psi = "sip:inactive-psi@ims.example.net"
        let activate = Array("<Sh-Data><Sh-IMS-Data><Extension><PSIActivation>1</PSIActivation></Extension></Sh-IMS-Data></Sh-Data>".utf8)
        #expect(Self.run(Self.pur(activate, .psiActivation)).resultCode == .errorOperationNotAllowed)
        #expect(Fx.run(Fx.lir(psi), Fx.psi).resultCode == .errorUserUnknown)
        let on = Self.run(Self.pur(activate, .psiActivation, identity: psi), Fx.psi)
        #expect(on.resultCode == .success)
        let s = try #require(on.updated)
        #expect(Fx.run(Fx.lir(psi), s).resultCode != .errorUserUnknown)
        let read = Self.run(Self.udr([.psiActivation], identity: psi), s).answer.shUserData
        #expect(String(decoding: read ?? [], as: UTF8.self).contains("<PSIActivation>1</PSIActivation>"))
        try Self.expectValid(read)

        let off = Array("<Sh-Data><Sh-IMS-Data><Extension><Extension><DSAI><DSAI-Tag>cdiv</DSAI-Tag><DSAI-Value>1</DSAI-Value></DSAI></Extension></Extension></Sh-IMS-Data></Sh-Data>".utf8)
        let d = Self.run(Self.pur(off, .dsai))
        #expect(d.resultCode == .success)
        #expect(String(decoding: Self.run(Self.udr([.dsai], tags: [Array("cdiv".utf8)]), d.updated!).answer.shUserData ?? [], as: UTF8.self).contains("<DSAI-Value>1</DSAI-Value>"))
        let other = Array(String(decoding: off, as: UTF8.self).replacingOccurrences(of: "cdiv", with: "cfu").utf8)
        #expect(Self.run(Self.pur(other, .dsai)).resultCode == .errorDSAINotAvailable)
    }

    // MARK: SNR and PNR

    @Test("SNR: absent repository data 5106, not notifiable 5104, expiry cut to the operator's limit, data sent when asked, unsubscribe 5107 when there is nothing")
    func subscribe() throws {
        #expect(Self.run(Self.snr([.repositoryData], si: [Self.mmtel])).resultCode == .errorSubsDataAbsent)
        #expect(Self.run(Self.snr([.locationInformation])).resultCode == .errorUserDataCannotBeNotified)
        #expect(Self.run(Self.snr([.imsUserState]), Fx.alice, Self.access(Self.tas2)).resultCode == .errorUserDataCannotBeNotified)
        // Asked for a day: granted an hour (NTP seconds in the SNA).
        let ntp: UInt64 = 2_208_988_800
        let o = Self.run(Self.snr([.repositoryData, .imsUserState], si: [Self.mmtel], expiry: UInt32(Self.now + ntp + 86_400), send: true), Self.stored())
        #expect(o.resultCode == .success)
        #expect(o.answer.expiryTime == UInt32(Self.now + ntp + 3600))
        let subs = try #require(o.updated?.state.sh.subscriptions)
        #expect(subs.count == 2 && subs.allSatisfy { $0.expires == Self.now + 3600 && $0.applicationServer == Self.tas })
        try Self.expectValid(o.answer.shUserData)
        #expect(String(decoding: o.answer.shUserData ?? [], as: UTF8.self).contains("<IMSUserState>0</IMSUserState>"))
        // Subscribing again replaces, not duplicates.
        #expect(Self.run(Self.snr([.imsUserState]), o.updated!).updated?.state.sh.subscriptions.count == 2)
        let gone = Self.run(Self.snr([.imsUserState], .unsubscribe), o.updated!)
        #expect(gone.resultCode == .success && gone.updated?.state.sh.subscriptions.count == 1)
        #expect(Self.run(Self.snr([.imsUserState], .unsubscribe), gone.updated!).resultCode == .errorNoSubscriptionToData)
        // An operator limit far beyond the clock's range neither traps nor wraps: the latest Time there is.
        var unbounded = Self.policy
        unbounded.maxSubscriptionSeconds = .max
        let far = Self.run(Self.snr([.imsUserState]), Fx.alice, ShAccess(policy: unbounded, peer: Self.tas, now: Self.now))
        #expect(far.resultCode == .success && far.answer.expiryTime == UInt32.max)
    }

    @Test("PNR: a SAR's state change reaches the subscribed AS; a PUR reaches the others, not its sender; deletion ends the subscription; one-time and expired subscriptions go")
    func notifications() throws {
        var s = Self.run(Self.snr([.imsUserState, .scscfName]), Self.stored()).updated!
        s = Self.run(Self.snr([.repositoryData], si: [Self.mmtel], oneTime: false), s).updated!
        // Cx registration: the IMS user state and the S-CSCF name change.
        let registered = Fx.with(s, Self.alice, .registered, impi: "alice@ims.example.net")
        let (pnrs, _) = ShNotifications.due(old: s, new: registered, now: Self.now)
        #expect(pnrs.count == 2 && pnrs.allSatisfy { $0.destinationHost == Self.tas && $0.identity == Self.alice })
        #expect(pnrs.contains { String(decoding: $0.userData, as: UTF8.self).contains("<IMSUserState>1</IMSUserState>") })
        for p in pnrs { try Self.expectValid(p.userData) }
        // Only the SQN moved (a MAR within its block): nothing to tell.
        var sqnOnly = s
        sqnOnly.state.sqn["alice@ims.example.net"] = 99
        #expect(ShNotifications.due(old: s, new: sqnOnly, now: Self.now).requests.isEmpty)
        // A SAR through the procedure: the outcome carries the PNRs.
        var sar = Fx.run(Fx.sar("alice@ims.example.net", [Self.alice], .registration), s)
        ShNotifications.attach(&sar, old: s, now: Self.now)
        #expect(sar.requests.filter { if case .pushNotification = $0 { true } else { false } }.count == 2)

        // tas2 updates the repository data: tas (subscribed) hears of it; tas2's own update is not echoed.
        let byOther = Self.run(Self.pur(Self.repository(seq: 1, data: "<y/>"), from: Self.tas2), s, Self.access(Self.tas2))
        #expect(byOther.requests.count == 1)
        guard case .pushNotification(let p) = byOther.requests.first else { Issue.record("no PNR"); return }
        #expect(String(decoding: p.userData, as: UTF8.self).contains("<SequenceNumber>1</SequenceNumber><ServiceData><y/></ServiceData>"))
        #expect(Self.run(Self.pur(Self.repository(seq: 1)), s).requests.isEmpty)
        // Deleted: the PNR says which (no ServiceData) and the subscription to it ends.
        let deleted = Self.run(Self.pur(Self.repository(seq: 1, data: nil), from: Self.tas2), s, Self.access(Self.tas2))
        guard case .pushNotification(let d) = deleted.requests.first else { Issue.record("no PNR"); return }
        #expect(String(decoding: d.userData, as: UTF8.self).hasSuffix("<RepositoryData><ServiceIndication>MMTEL-Services</ServiceIndication><SequenceNumber>0</SequenceNumber></RepositoryData></Sh-Data>"))
        try Self.expectValid(d.userData)
        #expect(deleted.updated?.state.sh.subscriptions.contains { $0.dataReference == DataReference.repositoryData.code } == false)

        // One-time: removed after it fired. Expired: no PNR, removed.
        let once = Self.run(Self.snr([.imsUserState], oneTime: true), Fx.alice).updated!
        let fired = ShNotifications.due(old: once, new: Fx.with(once, Self.alice, .registered, impi: "alice@ims.example.net"), now: Self.now)
        #expect(fired.requests.count == 1 && fired.updated.state.sh.subscriptions.isEmpty)
        let expiring = Self.run(Self.snr([.imsUserState], expiry: UInt32(Self.now + 2_208_988_800 + 10)), Fx.alice).updated!
        let late = ShNotifications.due(old: expiring, new: Fx.with(expiring, Self.alice, .registered, impi: "alice@ims.example.net"), now: Self.now + 11)
        #expect(late.requests.isEmpty && late.updated.state.sh.subscriptions.isEmpty)
    }

    @Test("The Sh state survives the binary codec (and old records without it still decode)")
    func binaryRoundTrip() throws {
        var s = Self.run(Self.snr([.repositoryData], si: [Self.mmtel], expiry: UInt32(Self.now + 2_208_988_800 + 60), oneTime: true), Self.stored(seq: 7)).updated!
        s.state.sh.psiActivation["sip:x@y"] = false
        s.state.sh.dsai = [DSAIValue(identity: Self.alice, tag: Array("cdiv".utf8), active: false)]
        s.state.mme = MMERegistration(originHost: "mme", originRealm: "r", visitedPLMN: [1, 2, 3], ratType: 1004, ulrFlags: 2)
        for state in [s.state, { var o = s.state; o.mme = nil; return o }(), Fx.alice.state] {
            var w = BinaryWriter()
            state.encode(into: &w)
            let decoded = try w.bytes.withUnsafeBytes { raw in
                var r = BinaryReader(raw)
                return try SubscriptionState(binary: &r)
            }
            #expect(decoded == state)
            #expect(w.bytes[0] == (state.sh.isEmpty ? (state.mme == nil ? 1 : 2) : 3))
        }
    }

    @Test("XMLReader: raw content kept, references decoded, DOCTYPE / unbalanced / too deep / bad references refused")
    func xmlReader() throws {
        let doc = try #require(XMLReader.parse(Array("<?xml version=\"1.0\"?>\n<!-- c --><a x='1'><b>t&amp;&#65;<![CDATA[<z>]]></b><c><d/></c></a>".utf8)))
        #expect(doc.name == "a" && doc.child("b")?.text == "t&A<z>")
        #expect(String(decoding: doc.child("c")!.content, as: UTF8.self) == "<d/>")
        #expect(XMLReader.parse(Array("<p:a xmlns:p='u'><p:b>1</p:b></p:a>".utf8))?.value("b") == "1")
        for bad in ["<a>", "<a></b>", "<a><b></a></b>", "<!DOCTYPE a><a/>", "<a>&ent;</a>", "<a/><b/>", "text", "", "<a x=1/>", "<a>&#xFFFFFFFF;</a>",
                    String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)] {
            #expect(XMLReader.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
        // Arbitrary bytes never trap, in the reader or in a PUR carrying them (mutations of a valid document).
        var rng = SeededRandom(seed: 3)
        let alphabet = Array("<>/!?-[]&;#x=\"' abc".utf8)
        for _ in 0..<2000 {
            let n = Int(rng.next() % 64)
            _ = XMLReader.parse((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        let valid = Self.repository(seq: 0)
        for _ in 0..<2000 {
            var doc = valid
            for _ in 0..<(1 + rng.next() % 4) { doc[Int(rng.next() % UInt64(doc.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let o = Self.run(Self.pur(doc))
            // Stored only when accepted; refused, nothing changes.
            #expect((o.resultCode == .success) == (o.updated != nil), "\(String(decoding: doc, as: UTF8.self))")
        }
    }

    @Test("tshark flags nothing in the answers and PNRs the procedures build (skipped without tshark)", .enabled(if: Tshark.isAvailable, "tshark/text2pcap not installed"))
    func wireCheck() throws {
        var s = Self.stored()
        let sna = Self.run(Self.snr([.repositoryData, .imsUserState], si: [Self.mmtel], expiry: UInt32(Self.now + 2_208_988_800 + 60), send: true), s)
        s = sna.updated!
        let pua = Self.run(Self.pur(Self.repository(seq: 1, data: "<z/>"), from: Self.tas2), s, Self.access(Self.tas2))
        guard case .pushNotification(let p) = pua.requests.first else { Issue.record("no PNR"); return }
        let messages: [[UInt8]] = [
            Array(buffer: Self.run(Self.udr([.repositoryData, .imsUserState, .initialFilterCriteria], si: [Self.mmtel]), s).answer.encode(hopByHopID: 1, endToEndID: 1)),
            Array(buffer: Self.run(Self.udr([DataReference(rawValue: 99)]), s).answer.encode(hopByHopID: 2, endToEndID: 2)),
            Array(buffer: sna.answer.encode(hopByHopID: 3, endToEndID: 3)),
            Array(buffer: pua.answer.encode(hopByHopID: 4, endToEndID: 4)),
            Array(buffer: p.message(context: Fx.context, sessionID: "hss;1;1").encode(hopByHopID: 5, endToEndID: 5)),
        ]
        let report = try Tshark.dissect(messages)
        #expect(report.diameterPDUs == messages.count)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}
