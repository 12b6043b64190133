import DiameterCore
import HSSCore
import Testing

/// SAR → SAA, one test per rule of procedures.md §2 (TS 29.228 §6.1.2.1) and per Server-Assignment-Type.
@Suite("SAR (TS 29.228 §6.1.2.1)")
struct ServerAssignmentTests {
    let impi = "alice@ims.example.net"
    let impu = "sip:alice@ims.example.net"

    @Test("Check 1: neither User-Name nor Public-Identity → RC 5005 with Failed-AVP Public-Identity")
    func missingIdentity() {
        let o = Fx.run(Fx.sar(nil, [], .userDeregistration), Fx.alice)
        #expect(o.resultCode == .missingAVP)
        #expect(o.answer.envelope.failedAVP.first?.code == AVPDefinition.publicIdentity.code)
        // REGISTRATION names the identity being registered.
        #expect(Fx.run(Fx.sar(impi, [], .registration), Fx.alice).resultCode == .missingAVP)
    }

    @Test("Check 2-3: unknown → Exp 5001; identities apart → Exp 5002")
    func identities() {
        #expect(Fx.run(Fx.sar(impi, ["sip:nobody@ims.example.net"], .registration), Fx.alice).resultCode == .errorUserUnknown)
        #expect(Fx.run(Fx.sar(impi, ["sip:nobody@x"], .registration), nil).resultCode == .errorUserUnknown)
        #expect(Fx.run(Fx.sar("carol-phone@ims.example.net", [impu], .registration), Fx.alice).resultCode == .errorIdentitiesDontMatch)
        #expect(Fx.run(Fx.sar("carol-tablet@ims.example.net", ["sip:carol-only-phone@ims.example.net"], .registration), Fx.carol).resultCode == .errorIdentitiesDontMatch)
    }

    @Test("Check 4: several Public-Identity AVPs outside SAT 4,5,6,7,8,11 → RC 5009")
    func tooMany() {
        #expect(Fx.run(Fx.sar(impi, [impu, "tel:+15550001"], .registration), Fx.alice).resultCode == .avpOccursTooManyTimes)
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        #expect(Fx.run(Fx.sar(impi, [impu, "sip:alice-work@ims.example.net"], .userDeregistration), s).resultCode == .success)
    }

    @Test("Check 5: an inactive PSI → Exp 5001; a PSI in REGISTRATION → Exp 5007")
    func psi() {
        #expect(Fx.run(Fx.sar(nil, ["sip:inactive-psi@ims.example.net"], .unregisteredUser), Fx.psi).resultCode == .errorUserUnknown)
        #expect(Fx.run(Fx.sar(nil, ["sip:conf-42@ims.example.net"], .registration), Fx.psi).resultCode == .errorInAssignmentType)
    }

    @Test("SAT 12-14 (SWx only) and unknown values → RC 5004 with Failed-AVP", arguments: [12, 13, 14, 99] as [Int32])
    func swxOnly(_ sat: Int32) {
        let o = Fx.run(Fx.sar(impi, [impu], ServerAssignmentType(rawValue: sat)), Fx.alice)
        #expect(o.resultCode == .invalidAVPValue)
        #expect(o.answer.envelope.failedAVP.first?.code == AVPDefinition.serverAssignmentType.code)
    }

    @Test("NO_ASSIGNMENT: no S-CSCF, or another one → RC 5012; the stored one → 2001 with the profile, no state change")
    func noAssignment() {
        #expect(Fx.run(Fx.sar(impi, [impu], .noAssignment), Fx.alice).resultCode == .unableToComply)
        let s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        #expect(Fx.run(Fx.sar(impi, [impu], .noAssignment, server: Fx.scscf2, host: Fx.scscf2Host), s).resultCode == .unableToComply)
        let o = Fx.run(Fx.sar(impi, [impu], .noAssignment), s)
        #expect(o.resultCode == .success)
        #expect(o.answer.userData != nil)
        #expect(o.updated == nil)
        // With the reassignment-pending flag, another S-CSCF may download.
        var pending = s
        pending.state.scscf?.reassignmentPending = true
        #expect(Fx.run(Fx.sar(impi, [impu], .noAssignment, server: Fx.scscf2, host: Fx.scscf2Host), pending).resultCode == .success)
    }

    @Test("REGISTRATION: stores the S-CSCF and its Origin-Host, registers the implicit set, downloads User-Data, Charging-Information, User-Name")
    func registration() throws {
        let o = Fx.run(Fx.sar(impi, [impu], .registration), Fx.alice)
        #expect(o.resultCode == .success)
        let s = try #require(o.updated)
        #expect(s.state.scscf == SCSCFAssignment(serverName: Fx.scscf1, originHost: Fx.scscf1Host, originRealm: Fx.realm))
        #expect(s.registrationState(of: impu) == .registered)
        #expect(s.registrationState(of: "tel:+15550001") == .registered, "implicit set")
        #expect(s.registrationState(of: "sip:alice-work@ims.example.net") == .notRegistered, "other set")
        #expect(o.answer.userName == impi)
        let xml = String(decoding: try #require(o.answer.userData), as: UTF8.self)
        #expect(xml.contains("<Identity>tel:+15550001</Identity>"))
        #expect(!xml.contains("alice-work"))
        #expect(o.answer.chargingInformation?.primaryChargingCollectionFunctionName == "aaa://ccf.ims.example.net")
        #expect(o.answer.associatedIdentities == nil, "one private identity")
    }

    @Test("User-Data-Already-Available = 1: no User-Data")
    func userDataAlreadyAvailable() {
        let o = Fx.run(Fx.sar(impi, [impu], .reRegistration, udaa: .userDataAlreadyAvailable), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(o.resultCode == .success)
        #expect(o.answer.userData == nil)
    }

    @Test("REGISTRATION / RE_REGISTRATION / UNREGISTERED_USER from another S-CSCF → Exp 5005 with the stored Server-Name",
          arguments: [ServerAssignmentType.registration, .reRegistration, .unregisteredUser])
    func alreadyRegistered(_ sat: ServerAssignmentType) {
        let o = Fx.run(Fx.sar(impi, [impu], sat, server: Fx.scscf2, host: Fx.scscf2Host), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(o.resultCode == .errorIdentityAlreadyRegistered)
        #expect(o.answer.serverName == Fx.scscf1)
        #expect(o.updated == nil)
    }

    @Test("With the reassignment-pending flag, a REGISTRATION from another S-CSCF takes over and resets the flag")
    func reassignment() throws {
        var s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        s.state.scscf?.reassignmentPending = true
        let o = Fx.run(Fx.sar(impi, [impu], .registration, server: Fx.scscf2, host: Fx.scscf2Host), s)
        #expect(o.resultCode == .success)
        let u = try #require(o.updated)
        #expect(u.state.scscf?.serverName == Fx.scscf2)
        #expect(u.state.scscf?.reassignmentPending == false)
    }

    @Test("IMS restoration: multiple registration of a registered identity with stored restoration info → Exp 5007 and the stored info")
    func restoration() throws {
        let info = SCSCFRestorationInfo(userName: impi, restorationInfo: [RestorationInfo(path: Array("<sip:pcscf>".utf8), contact: Array("<sip:ue>".utf8))])
        let first = Fx.run(Fx.sar(impi, [impu], .registration, restoration: info), Fx.alice)
        let s = try #require(first.updated)
        #expect(s.state.restoration[impi] != nil)
        let again = Fx.run(Fx.sar(impi, [impu], .registration, multiple: .multipleRegistration, restoration: info), s)
        #expect(again.resultCode == .errorInAssignmentType)
        #expect(again.answer.scscfRestorationInfo == [info])
        // NO_ASSIGNMENT returns the stored restoration info.
        #expect(Fx.run(Fx.sar(impi, [impu], .noAssignment), s).answer.scscfRestorationInfo == [info])
    }

    @Test("UNREGISTERED_USER: a not-registered identity becomes UNREGISTERED with the S-CSCF stored; the IMPI is chosen when absent")
    func unregisteredUser() throws {
        let o = Fx.run(Fx.sar(nil, [impu], .unregisteredUser), Fx.alice)
        #expect(o.resultCode == .success)
        let s = try #require(o.updated)
        #expect(s.registrationState(of: impu) == .unregistered)
        #expect(s.registrationState(of: "tel:+15550001") == .unregistered)
        #expect(s.state.scscf?.serverName == Fx.scscf1)
        #expect(o.answer.userName == impi)
        #expect(o.answer.userData != nil)
        // A registered identity stays registered.
        let r = Fx.run(Fx.sar(nil, [impu], .unregisteredUser), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(r.updated?.registrationState(of: impu) == .registered)
    }

    @Test("De-registration (SAT 4, 5, 8, 11): NOT_REGISTERED, S-CSCF cleared when nothing stays registered",
          arguments: [ServerAssignmentType.timeoutDeregistration, .userDeregistration, .administrativeDeregistration, .deregistrationTooMuchData])
    func deregistration(_ sat: ServerAssignmentType) throws {
        let o = Fx.run(Fx.sar(impi, [impu], sat), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(o.resultCode == .success)
        let s = try #require(o.updated)
        #expect(s.registrationState(of: impu) == .notRegistered)
        #expect(s.registrationState(of: "tel:+15550001") == .notRegistered)
        #expect(s.state.scscf == nil)
    }

    @Test("De-registration without Public-Identity: every identity of the User-Name")
    func deregistrationByPrivateIdentity() throws {
        var s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        s.setState(.registered, implicitSetOf: s.publicIdentities[2], impi: impi)
        let o = Fx.run(Fx.sar(impi, [], .userDeregistration), s)
        let u = try #require(o.updated)
        #expect(!u.hasActiveRegistration)
        #expect(u.state.scscf == nil)
    }

    @Test("A shared identity stays registered while another private identity holds it; Associated-Identities lists both IMPIs")
    func sharedIdentity() throws {
        let phone = "carol-phone@ims.example.net", tablet = "carol-tablet@ims.example.net", carol = "sip:carol@ims.example.net"
        var s = try #require(Fx.run(Fx.sar(phone, [carol], .registration), Fx.carol).updated)
        let second = Fx.run(Fx.sar(tablet, [carol], .registration), s)
        #expect(second.answer.associatedIdentities?.userNames == [phone, tablet])
        s = try #require(second.updated)
        s = try #require(Fx.run(Fx.sar(phone, [carol], .userDeregistration), s).updated)
        #expect(s.registrationState(of: carol) == .registered)
        #expect(s.state.scscf != nil)
        s = try #require(Fx.run(Fx.sar(tablet, [carol], .userDeregistration), s).updated)
        #expect(s.registrationState(of: carol) == .notRegistered)
        #expect(s.state.scscf == nil)
    }

    @Test("STORE_SERVER_NAME (SAT 6, 7), HSS keeps the name → 2001 and UNREGISTERED",
          arguments: [ServerAssignmentType.timeoutDeregistrationStoreServerName, .userDeregistrationStoreServerName])
    func storeServerName(_ sat: ServerAssignmentType) throws {
        let o = Fx.run(Fx.sar(impi, [impu], sat), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(o.resultCode == .success)
        let s = try #require(o.updated)
        #expect(s.registrationState(of: impu) == .unregistered)
        #expect(s.state.scscf?.serverName == Fx.scscf1)
    }

    @Test("STORE_SERVER_NAME, HSS does not keep it → Exp 2004 SUCCESS_SERVER_NAME_NOT_STORED, NOT_REGISTERED")
    func serverNameNotStored() throws {
        var c = Fx.context
        c.keepServerNameOnDeregistration = false
        let o = Fx.run(Fx.sar(impi, [impu], .userDeregistrationStoreServerName), Fx.with(Fx.alice, impu, .registered, impi: impi), context: c)
        #expect(o.resultCode == .successServerNameNotStored)
        #expect(o.updated?.registrationState(of: impu) == .notRegistered)
        #expect(o.updated?.state.scscf == nil)
    }

    @Test("AUTHENTICATION_FAILURE / TIMEOUT: a pending assignment is released; a registered identity keeps its state",
          arguments: [ServerAssignmentType.authenticationFailure, .authenticationTimeout])
    func authenticationFailure(_ sat: ServerAssignmentType) throws {
        let pending = Fx.with(Fx.alice, impu, .notRegistered, impi: impi, pending: true)
        let o = Fx.run(Fx.sar(impi, [impu], sat), pending)
        #expect(o.resultCode == .success)
        #expect(o.updated?.state.scscf == nil)
        let registered = Fx.with(Fx.alice, impu, .registered, impi: impi)
        let r = Fx.run(Fx.sar(impi, [impu], sat), registered)
        #expect(r.resultCode == .success)
        #expect(r.updated == nil)
    }

    @Test("A wildcarded PSI matched by an identity: Wildcarded-Public-Identity in the SAA")
    func wildcard() {
        let o = Fx.run(Fx.sar(nil, ["sip:conf-42@ims.example.net"], .unregisteredUser), Fx.psi)
        #expect(o.resultCode == .success)
        #expect(o.answer.wildcardedPublicIdentity == "sip:conf-!.*!@ims.example.net")
    }
}
