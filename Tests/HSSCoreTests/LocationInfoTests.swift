import DiameterCore
import HSSCore
import Testing

/// LIR → LIA, one test per rule of procedures.md §3 (TS 29.228 §6.1.4.1).
@Suite("LIR (TS 29.228 §6.1.4.1)")
struct LocationInfoTests {
    let impi = "alice@ims.example.net"
    let impu = "sip:alice@ims.example.net"

    @Test("Unknown identity → Exp 5001")
    func unknown() {
        #expect(Fx.run(Fx.lir("sip:nobody@ims.example.net"), nil).resultCode == .errorUserUnknown)
    }

    @Test("REGISTERED or UNREGISTERED → the stored Server-Name, RC 2001", arguments: [RegistrationState.registered, .unregistered])
    func served(_ state: RegistrationState) {
        let o = Fx.run(Fx.lir(impu), Fx.with(Fx.alice, impu, state, impi: impi))
        #expect(o.resultCode == .success)
        #expect(o.answer.serverName == Fx.scscf1)
    }

    @Test("REGISTERED but no S-CSCF name stored → RC 5012")
    func registeredWithoutName() {
        var s = Fx.with(Fx.alice, impu, .registered, impi: impi)
        s.state.scscf = nil
        #expect(Fx.run(Fx.lir(impu), s).resultCode == .unableToComply)
    }

    @Test("NOT_REGISTERED with Originating-Request, no S-CSCF → Exp 2003 UNREGISTERED_SERVICE with Server-Capabilities")
    func originating() {
        let o = Fx.run(Fx.lir(impu, originating: true), Fx.alice)
        #expect(o.resultCode == .unregisteredService)
        #expect(o.answer.serverCapabilities != nil)
        #expect(o.answer.serverName == nil)
    }

    @Test("NOT_REGISTERED with services for the unregistered state (iFC) → Exp 2003; with a stored S-CSCF → its name")
    func unregisteredServices() {
        var s = Fx.alice
        s.serviceProfiles[0].initialFilterCriteria.append(InitialFilterCriteria(
            priority: 5, applicationServer: ApplicationServer(serverName: "sip:vm.ims.example.net"), profilePartIndicator: .unregistered))
        #expect(Fx.run(Fx.lir(impu), s).resultCode == .unregisteredService)
        let pending = Fx.with(s, impu, .notRegistered, impi: impi, pending: true)
        let o = Fx.run(Fx.lir(impu), pending)
        #expect(o.resultCode == .success)
        #expect(o.answer.serverName == Fx.scscf1)
    }

    @Test("NOT_REGISTERED, terminating, no unregistered services → Exp 5003 IDENTITY_NOT_REGISTERED")
    func notRegistered() {
        #expect(Fx.run(Fx.lir(impu), Fx.alice).resultCode == .errorIdentityNotRegistered)
    }

    @Test("REGISTRATION_AND_CAPABILITIES → Server-Capabilities, RC 2001")
    func capabilities() {
        let o = Fx.run(Fx.lir(impu, type: .registrationAndCapabilities), Fx.with(Fx.alice, impu, .registered, impi: impi))
        #expect(o.resultCode == .success)
        #expect(o.answer.serverCapabilities != nil)
        #expect(o.answer.serverName == nil)
    }

    @Test("An inactive PSI → Exp 5001")
    func inactivePSI() {
        #expect(Fx.run(Fx.lir("sip:inactive-psi@ims.example.net"), Fx.psi).resultCode == .errorUserUnknown)
    }

    @Test("A wildcarded PSI hosted on an AS: PSI direct routing (LIA-Flags bit 0, AS in Server-Name) with Wildcarded-Public-Identity")
    func psiDirectRouting() {
        let o = Fx.run(Fx.lir("sip:conf-2024@ims.example.net"), Fx.psi)
        #expect(o.resultCode == .success)
        #expect(o.answer.serverName == "sip:conf-as.ims.example.net")
        #expect(o.answer.liaFlags == 1)
        #expect(o.answer.wildcardedPublicIdentity == "sip:conf-!.*!@ims.example.net")
        // An originating request is not direct-routed.
        #expect(Fx.run(Fx.lir("sip:conf-2024@ims.example.net", originating: true), Fx.psi).answer.liaFlags == nil)
    }

    @Test("Wildcard patterns", arguments: [
        ("sip:conf-!.*!@x", "sip:conf-@x", true), ("sip:conf-!.+!@x", "sip:conf-@x", false),
        ("sip:conf-![0-9]+!@x", "sip:conf-123@x", true), ("sip:conf-![0-9]+!@x", "sip:conf-12a@x", false),
        ("tel:+1555!.*!", "tel:+15551234", true), ("sip:a!b*!c@x", "sip:ac@x", true), ("sip:a!b*!c@x", "sip:abbbc@x", true),
    ])
    func wildcards(pattern: String, candidate: String, matches: Bool) throws {
        #expect(try #require(WildcardPattern(pattern)).matches(candidate) == matches)
    }

    @Test("A long identity against a pattern of many `.*` is decided quickly (the candidate is wire input)", .timeLimit(.minutes(1)))
    func wildcardIsPolynomial() throws {
        let pattern = try #require(WildcardPattern("sip:!.*.*.*.*.*.*.*.*.*.*x!@example.com"))
        let candidate = "sip:" + String(repeating: "a", count: 3000) + "@example.com"
        #expect(!pattern.matches(candidate))
        #expect(pattern.matches("sip:" + String(repeating: "a", count: 3000) + "x@example.com"))
    }
}
