import DiameterCore
import DiameterPeer
import Testing

/// The peer authorisation as a value: who is admitted at the CER and what each peer may send.
@Suite("Peer authorisation (rules)")
struct PeerAuthorizationTests {
    static let policy = PeerAuthorization(rules: [
        .init(originHost: "scscf.ims.example.net", originRealm: "ims.example.net", applications: [ApplicationID.cx]),
        .init(originHost: "mme1.epc.example.net", applications: [ApplicationID.s6a], commands: [318, 316, 321, 323], addresses: ["10.0.0.7"]),
        .init(originHost: "*", originRealm: "epc.example.net", applications: [ApplicationID.s6a], commands: [318]),
        .init(originHost: "dra.example.net", applications: [ApplicationID.cx, ApplicationID.s6a], certificateName: "dra.example.net", relay: true),
    ])

    static func admit(_ host: String, _ realm: String = "epc.example.net", from address: String? = "10.0.0.7", certificate: String? = nil) -> PeerAuthorization.Admission {
        policy.admit(originHost: host, originRealm: realm, sourceAddress: address, certificateMatches: { $0 == certificate })
    }

    @Test("A peer in no rule is refused (CEA 3010); permissive admits anyone with everything")
    func unknown() {
        guard case .refused(let reason) = Self.admit("rogue.example.org", "example.org") else {
            Issue.record("admitted")
            return
        }
        #expect(reason.contains("rogue.example.org"))
        #expect(PeerAuthorization.permissive.admit(originHost: "x", originRealm: "y", sourceAddress: nil, certificateMatches: { _ in false }) == .admitted(.unrestricted))
    }

    @Test("Origin-Host compares case-insensitively; the realm must match when the rule names one")
    func identity() {
        guard case .admitted = Self.admit("SCSCF.ims.Example.NET", "ims.example.net") else {
            Issue.record("refused")
            return
        }
        guard case .refused = Self.admit("scscf.ims.example.net", "other.example.net") else {
            Issue.record("admitted from another realm")
            return
        }
    }

    @Test("An exact host rule wins over the realm's '*' rule; '*' admits other hosts of the realm")
    func wildcard() {
        #expect(Self.admit("mme1.epc.example.net") == .admitted(.init(applications: [ApplicationID.s6a], commands: [318, 316, 321, 323], relay: false)))
        #expect(Self.admit("mme9.epc.example.net", from: "10.9.9.9") == .admitted(.init(applications: [ApplicationID.s6a], commands: [318], relay: false)))
    }

    @Test("Source address and certificate name are checked when the rule has them")
    func addressAndCertificate() {
        guard case .refused(let r1) = Self.admit("mme1.epc.example.net", from: "10.0.0.8") else {
            Issue.record("admitted from another address")
            return
        }
        #expect(r1.contains("10.0.0.8"))
        guard case .refused = Self.admit("dra.example.net", "example.net", certificate: "evil.example.net") else {
            Issue.record("admitted without its certificate")
            return
        }
        #expect(Self.admit("dra.example.net", "example.net", certificate: "dra.example.net") == .admitted(.init(applications: [ApplicationID.cx, ApplicationID.s6a], commands: nil, relay: true)))
    }

    @Test("Permissions: another application → 3007, another command → 3001, allowed → none")
    func permissions() {
        let p = PeerAuthorization.Permissions(applications: [ApplicationID.s6a], commands: [318], relay: false)
        #expect(p.refusal(application: ApplicationID.cx, command: 303) == .applicationUnsupported)
        #expect(p.refusal(application: ApplicationID.s6a, command: 316) == .commandUnsupported)
        #expect(p.refusal(application: ApplicationID.s6a, command: 318) == nil)
        #expect(PeerAuthorization.Permissions.unrestricted.refusal(application: 1, command: 2) == nil)
    }

    @Test("Rule specs: names and abbreviations resolve per application; errors name the field")
    func specs() throws {
        let mme = try PeerRuleSpec(originHost: "mme", applications: ["s6a"], commands: ["AIR", "ulr", "PUR"]).rule()
        #expect(mme.applications == [ApplicationID.s6a] && mme.commands == [318, 316, 321])
        let cx = try PeerRuleSpec(originHost: "cscf", applications: ["cx", "16777217"]).rule()
        #expect(cx.applications == [ApplicationID.cx, 16_777_217] && cx.commands == nil)
        // Round trip through the spec form.
        #expect(try PeerRuleSpec(mme).rule() == mme)
        #expect(PeerRuleSpec(mme).commands == ["ULR", "AIR", "PUR"])
        for (spec, field) in [
            (PeerRuleSpec(originHost: "x", applications: ["diameter-credit"]), "applications"),
            (PeerRuleSpec(originHost: "x", applications: []), "applications"),
            (PeerRuleSpec(originHost: "x", applications: ["cx"], commands: ["AIR"]), "commands"),
            (PeerRuleSpec(originHost: "*", applications: ["cx"]), "originRealm"),
            (PeerRuleSpec(originHost: "", applications: ["cx"]), "originHost"),
            (PeerRuleSpec(originHost: "x", applications: ["cx"], addresses: ["10.0.0.300"]), "addresses"),
        ] {
            #expect(throws: PeerRuleSpec.Invalid.self) { try spec.rule() }
            do { _ = try spec.rule() } catch { #expect(error.field == field) }
        }
    }
}
