import DiameterCore
import HSSCore
import Testing

/// RTR and PPR content and their effect on state (procedures.md §5, §6; TS 29.228 §6.1.3, §6.2.2).
@Suite("RTR / PPR (TS 29.228 §6.1.3, §6.2.2)")
struct HSSInitiatedTests {
    let impi = "alice@ims.example.net"
    let impu = "sip:alice@ims.example.net"

    @Test("RTR goes to the stored S-CSCF's Origin-Host and realm, with the reason; nothing without an S-CSCF",
          arguments: [ReasonCode.permanentTermination, .serverChange, .removeSCSCF])
    func rtr(_ reason: ReasonCode) throws {
        #expect(CxProcedures.registrationTermination(Fx.alice, reason: reason).isEmpty)
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let rtr = try #require(CxProcedures.registrationTermination(s, reason: reason, reasonInfo: "operator").first)
        #expect(rtr.destinationHost == Fx.scscf1Host)
        #expect(rtr.destinationRealm == Fx.realm)
        #expect(rtr.userName == impi)
        #expect(rtr.publicIdentities.isEmpty, "absent: every identity of the IMPI")
        #expect(rtr.reason == DeregistrationReason(reasonCode: reason, reasonInfo: "operator"))
        let m = rtr.message(context: Fx.context, sessionID: "hss;1;1")
        #expect(m.envelope.destinationHost == Fx.scscf1Host)
        #expect(m.envelope.originHost == Fx.context.originHost)
        // After the answer the identities are NOT_REGISTERED and the S-CSCF released.
        let after = CxProcedures.applyRegistrationTermination(rtr, to: s)
        #expect(!after.hasActiveRegistration)
        #expect(after.state.scscf == nil)
    }

    @Test("RTA Identity-with-Emergency-Registration: those pairs stay registered")
    func emergency() throws {
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let rtr = try #require(CxProcedures.registrationTermination(s, reason: .permanentTermination).first)
        let after = CxProcedures.applyRegistrationTermination(rtr, to: s, emergency: [IdentityWithEmergencyRegistration(userName: impi, publicIdentity: impu)])
        #expect(after.registrationState(of: impu) == .registered)
        #expect(after.state.scscf != nil)
    }

    @Test("RTR for listed public identities names them; other holders go in Associated-Identities")
    func listed() throws {
        let phone = "carol-phone@ims.example.net", tablet = "carol-tablet@ims.example.net", carol = "sip:carol@ims.example.net"
        var s = Fx.with(Fx.carol, carol, .registered, impi: phone)
        s.setState(.registered, implicitSetOf: s.publicIdentities[0], impi: tablet)
        let rtr = try #require(CxProcedures.registrationTermination(s, reason: .permanentTermination, publicIdentities: [carol]).first)
        #expect(rtr.publicIdentities == [carol])
        #expect([rtr.userName] + rtr.associatedIdentities == [phone, tablet])
        #expect(CxProcedures.applyRegistrationTermination(rtr, to: s).registrationState(of: carol) == .notRegistered)
    }

    @Test("NEW_SERVER_ASSIGNED leaves the new assignment alone")
    func newServerAssigned() throws {
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let rtr = try #require(CxProcedures.registrationTermination(s, reason: .newServerAssigned).first)
        #expect(CxProcedures.applyRegistrationTermination(rtr, to: s) == s)
    }

    @Test("PPR after a profile change of a registered user: complete User-Data for the IMPI")
    func pprProfile() throws {
        let old = Fx.with(Fx.alice, impu, .registered, impi: impi)
        var new = old
        new.serviceProfiles[0].initialFilterCriteria[0].applicationServer.serverName = "sip:new-as.ims.example.net"
        let ppr = try #require(CxProcedures.pushProfile(old: old, new: new).first)
        #expect(ppr.destinationHost == Fx.scscf1Host)
        #expect(ppr.userName == impi)
        let xml = String(decoding: try #require(ppr.userData), as: UTF8.self)
        #expect(xml.contains("sip:new-as.ims.example.net"))
        #expect(xml.contains("alice-work"), "every identity of the IMPI")
        #expect(ppr.chargingInformation == nil && ppr.sipAuthDataItem == nil)
    }

    @Test("PPR after a charging change carries Charging-Information only")
    func pprCharging() throws {
        let old = Fx.with(Fx.alice, impu, .registered, impi: impi)
        var new = old
        new.chargingInformation = ChargingAddresses(primaryEventChargingFunctionName: "aaa://ocs.ims.example.net")
        let ppr = try #require(CxProcedures.pushProfile(old: old, new: new).first)
        #expect(ppr.userData == nil)
        #expect(ppr.chargingInformation?.primaryEventChargingFunctionName == "aaa://ocs.ims.example.net")
    }

    @Test("PPR after a Digest password change: SIP-Auth-Data-Item with the new HA1")
    func pprDigest() throws {
        let old = Fx.with(Fx.alice, impu, .registered, impi: impi)
        var new = old
        new.privateIdentities[0].digest = DigestCredentials(realm: Fx.realm, ha1: DigestCredentials.ha1(username: impi, realm: Fx.realm, password: "new"))
        let ppr = try #require(CxProcedures.pushProfile(old: old, new: new).first)
        let d = try #require(ppr.sipAuthDataItem?.sipDigestAuthenticate)
        #expect(d.digestHA1 == Array(DigestCredentials.ha1(username: impi, realm: Fx.realm, password: "new").utf8))
    }

    @Test("No PPR for a user that is not registered, only auth-pending, or when nothing changed")
    func noPPR() {
        var changed = Fx.alice
        changed.chargingInformation = nil
        #expect(CxProcedures.pushProfile(old: Fx.alice, new: changed).isEmpty)
        let pending = Fx.with(Fx.alice, impu, .notRegistered, impi: impi, pending: true)
        var pendingChanged = pending
        pendingChanged.chargingInformation = nil
        #expect(CxProcedures.pushProfile(old: pending, new: pendingChanged).isEmpty)
        let registered = Fx.with(Fx.alice, impu, .registered, impi: impi)
        #expect(CxProcedures.pushProfile(old: registered, new: registered).isEmpty)
    }
}
