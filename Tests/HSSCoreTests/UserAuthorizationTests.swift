import DiameterCore
import HSSCore
import Testing

/// UAR → UAA, one test per rule of procedures.md §1 (TS 29.228 §6.1.1.1).
@Suite("UAR (TS 29.228 §6.1.1.1)")
struct UserAuthorizationTests {
    let impi = "alice@ims.example.net"
    let impu = "sip:alice@ims.example.net"

    @Test("The UAA echoes Session-Id and carries the Cx envelope (§1.7)")
    func envelope() {
        let a = Fx.run(Fx.uar(impi, impu), Fx.alice).answer
        #expect(a.envelope.sessionID == Fx.envelope().sessionID)
        #expect(a.envelope.originHost == Fx.context.originHost)
        #expect(a.envelope.vendorSpecificApplicationID == .cx)
        #expect(a.envelope.authSessionState == .noStateMaintained)
    }

    @Test("Step 2: unknown identities → Exp 5001 DIAMETER_ERROR_USER_UNKNOWN")
    func unknown() {
        #expect(Fx.run(Fx.uar("nobody@ims.example.net", "sip:nobody@ims.example.net"), nil).resultCode == .errorUserUnknown)
        #expect(Fx.run(Fx.uar(impi, "sip:nobody@ims.example.net"), Fx.alice).resultCode == .errorUserUnknown)
    }

    @Test("Step 3: identities of different subscriptions, or not associated → Exp 5002 IDENTITIES_DONT_MATCH")
    func dontMatch() {
        #expect(Fx.run(Fx.uar(impi, "sip:carol@ims.example.net"), Fx.alice).resultCode == .errorIdentitiesDontMatch)
        // carol-tablet is in carol's subscription but not associated with sip:carol-only-phone.
        #expect(Fx.run(Fx.uar("carol-tablet@ims.example.net", "sip:carol-only-phone@ims.example.net"), Fx.carol).resultCode == .errorIdentitiesDontMatch)
    }

    @Test("Step 4: a barred identity whose whole implicit set is barred → RC 5003; emergency skips barring")
    func barring() {
        #expect(Fx.run(Fx.uar(impi, "sip:alice-work@ims.example.net"), Fx.alice).resultCode == .authorizationRejected)
        #expect(Fx.run(Fx.uar(impi, "sip:alice-work@ims.example.net", flags: 1), Fx.alice).resultCode == .firstRegistration)
        // A barred identity with a non-barred one in its set is not refused.
        var s = Fx.alice
        s.publicIdentities[1].barred = true
        #expect(Fx.run(Fx.uar(impi, "tel:+15550001"), s).resultCode == .firstRegistration)
    }

    @Test("Step 5: roaming not allowed into the visited network → Exp 5004; allowed list, home network, emergency pass")
    func roaming() {
        let phone = "carol-phone@ims.example.net"
        #expect(Fx.run(Fx.uar(phone, "sip:carol@ims.example.net", visited: Array("elsewhere.example.com".utf8)), Fx.carol).resultCode == .errorRoamingNotAllowed)
        #expect(Fx.run(Fx.uar(phone, "sip:carol@ims.example.net", visited: Array("visited.example.org".utf8)), Fx.carol).resultCode == .firstRegistration)
        #expect(Fx.run(Fx.uar(phone, "sip:carol@ims.example.net"), Fx.carol).resultCode == .firstRegistration)
        #expect(Fx.run(Fx.uar(phone, "sip:carol@ims.example.net", flags: 1, visited: Array("elsewhere.example.com".utf8)), Fx.carol).resultCode == .firstRegistration)
        // DE_REGISTRATION is not roaming-checked.
        #expect(Fx.run(Fx.uar(phone, "sip:carol@ims.example.net", type: .deRegistration, visited: Array("elsewhere.example.com".utf8)), Fx.carol).resultCode == .errorIdentityNotRegistered)
    }

    @Test("Step 5: a subscription barred from IMS → RC 5003 AUTHORIZATION_REJECTED")
    func imsBarred() {
        var s = Fx.alice
        s.imsBarred = true
        #expect(Fx.run(Fx.uar(impi, impu), s).resultCode == .authorizationRejected)
    }

    @Test("REGISTRATION_AND_CAPABILITIES → RC 2001 with Server-Capabilities, no Server-Name; sets the reassignment-pending flag")
    func capabilities() {
        let o = Fx.run(Fx.uar(impi, impu, type: .registrationAndCapabilities), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(o.resultCode == .success)
        #expect(o.answer.serverName == nil)
        #expect(o.answer.serverCapabilities == ServerCapabilities(mandatoryCapabilities: [1], optionalCapabilities: [2, 3]))
        #expect(o.updated?.state.scscf?.reassignmentPending == true)
    }

    @Test("Step 6 table, UAT REGISTRATION", arguments: [
        (RegistrationState.registered, true, ResultCode.subsequentRegistration, true),
        (.unregistered, true, .subsequentRegistration, true),
        (.notRegistered, true, .subsequentRegistration, true),
        (.notRegistered, false, .firstRegistration, false),
    ])
    func registrationTable(state: RegistrationState, stored: Bool, expected: ResultCode, hasName: Bool) {
        var s = Fx.with(Fx.alice, impu, state, impi: impi)
        if !stored { s.state.scscf = nil }
        let o = Fx.run(Fx.uar(impi, impu), s)
        #expect(o.resultCode == expected)
        #expect((o.answer.serverName == Fx.scscf1) == hasName)
        // FIRST_REGISTRATION carries Server-Capabilities for the I-CSCF's selection.
        #expect((o.answer.serverCapabilities != nil) == (expected == .firstRegistration))
        #expect(o.updated == nil, "a UAR changes no state")
    }

    @Test("Step 6 table, UAT DE_REGISTRATION", arguments: [
        (RegistrationState.registered, true, ResultCode.success),
        (.unregistered, true, .success),
        (.notRegistered, true, .errorIdentityNotRegistered),
        (.notRegistered, false, .errorIdentityNotRegistered),
    ])
    func deregistrationTable(state: RegistrationState, stored: Bool, expected: ResultCode) {
        var s = Fx.with(Fx.alice, impu, state, impi: impi)
        if !stored { s.state.scscf = nil }
        let o = Fx.run(Fx.uar(impi, impu, type: .deRegistration), s)
        #expect(o.resultCode == expected)
        #expect((o.answer.serverName != nil) == (expected == .success))
    }

    @Test("An unknown User-Authorization-Type → RC 5004 INVALID_AVP_VALUE")
    func badType() {
        #expect(Fx.run(Fx.uar(impi, impu, type: UserAuthorizationType(rawValue: 9)), Fx.alice).resultCode == .invalidAVPValue)
    }

    @Test("Cx outcomes travel in Experimental-Result (vendor 10415), base ones in Result-Code")
    func resultPlacement() throws {
        let first = Fx.run(Fx.uar(impi, impu), Fx.alice).answer.encode(hopByHopID: 1, endToEndID: 2)
        let m = try DiameterDecoder().decode(first)
        #expect(m.first(.resultCode) == nil)
        #expect(m.first(.experimentalResult) != nil)
        let rejected = Fx.run(Fx.uar(impi, "sip:alice-work@ims.example.net"), Fx.alice).answer.encode(hopByHopID: 1, endToEndID: 2)
        let m2 = try DiameterDecoder().decode(rejected)
        #expect(m2.first(.resultCode)?.unsigned32 == 5003)
        #expect(m2.first(.experimentalResult) == nil)
    }
}

@Suite("Server-Capabilities")
struct ServerCapabilitiesTests {
    @Test("No capabilities provisioned: no Server-Capabilities AVP at all (an empty group breaks Kamailio's cdp)")
    func omittedWhenEmpty() throws {
        var c = Fx.context
        c.defaultCapabilities = CapabilitySet()
        let a = CxProcedures.userAuthorization(Fx.uar("alice@ims.example.net", "sip:alice@ims.example.net"), subscription: Fx.alice, context: c, isKnownIdentity: Fx.isKnown).answer
        #expect(a.envelope.result == .firstRegistration)
        #expect(a.serverCapabilities == nil)
        var s = Fx.alice
        s.capabilities = CapabilitySet(serverNames: ["sip:scscf9.ims.example.net"])
        let b = CxProcedures.userAuthorization(Fx.uar("alice@ims.example.net", "sip:alice@ims.example.net"), subscription: s, context: c, isKnownIdentity: Fx.isKnown).answer
        #expect(b.serverCapabilities?.serverNames == ["sip:scscf9.ims.example.net"], "per-subscription set wins")
    }
}
