import DiameterCore
import DiameterTestKit
import Foundation
import HSSCore
import Testing

/// The User-Data XML (TS 29.228 Annex D/E) against the Rel-7 schema in ../shared/spec/user-profile.md,
/// validated by xmllint (libxml2-utils).
@Suite("User-Data XML (TS 29.228 Annex E)")
struct UserDataTests {
    static let specPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/spec/user-profile.md").standardized.path

    /// The XSD from the spec pack (§5 appendix), or nil when the pack or xmllint is absent.
    static func schema() throws -> URL? {
        guard FileManager.default.fileExists(atPath: specPath), Tshark.which("xmllint") != nil else { return nil }
        let text = try String(contentsOfFile: specPath, encoding: .utf8)
        guard let start = text.range(of: "<xs:schema"), let end = text.range(of: "</xs:schema>") else { return nil }
        let xsd = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + String(text[start.lowerBound..<end.upperBound])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("CxDataType-\(getpid()).xsd")
        try xsd.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func validate(_ xml: [UInt8]) throws -> (ok: Bool, output: String)? {
        guard let xsd = try schema() else { return nil }
        return try XMLLint.validate(xml, schema: xsd.path)
    }

    /// A profile that exercises every element we emit: barring, display name, PSI types, media profile,
    /// every SPT kind, registration types, default handling, service info, include-register, profile part,
    /// shared iFC sets.
    static var rich: IMSSubscription {
        var s = Fx.alice
        s.publicIdentities[0].displayName = "Alice <A&B>"
        s.publicIdentities.append(PublicIdentity(identity: "sip:svc-!.*!@ims.example.net", type: .wildcardedPSI, serviceProfile: "p1", privateIdentities: ["alice@ims.example.net"]))
        s.publicIdentities.append(PublicIdentity(identity: "sip:psi@ims.example.net", type: .distinctPSI, serviceProfile: "p1", privateIdentities: ["alice@ims.example.net"]))
        s.serviceProfiles[0].subscribedMediaProfileId = 3
        s.serviceProfiles[0].sharedIFCSetIDs = [7, 8]
        s.serviceProfiles[0].initialFilterCriteria.append(InitialFilterCriteria(
            priority: 2,
            triggerPoint: TriggerPoint(conditionTypeCNF: true, spts: [
                ServicePointTrigger(conditionNegated: true, groups: [0, 1], condition: .requestURI("sip:voicemail")),
                ServicePointTrigger(groups: [1], condition: .sipHeader(header: "Accept-Contact", content: ".*mmtel.*")),
                ServicePointTrigger(groups: [2], condition: .sessionCase(.terminatingUnregistered)),
                ServicePointTrigger(groups: [2], condition: .sessionDescription(line: "m", content: "audio")),
                ServicePointTrigger(groups: [3], condition: .method("REGISTER"), registrationTypes: [0, 2]),
            ]),
            applicationServer: ApplicationServer(serverName: "sip:tas.ims.example.net", defaultHandling: .sessionTerminated, serviceInfo: "x<y", includeRegisterRequest: true, includeRegisterResponse: true),
            profilePartIndicator: .unregistered))
        return s
    }

    @Test("The SAA User-Data validates against CxDataType_Rel7.xsd (skipped without ../shared or xmllint)")
    func schemaValid() throws {
        let s = Self.rich
        let xml = UserDataDocument.xml(subscription: s, privateIdentity: "alice@ims.example.net", identities: s.publicIdentities)
        guard let result = try Self.validate(xml) else {
            print("skipped: ../shared/spec/user-profile.md or xmllint not available")
            return
        }
        #expect(result.ok, "\(result.output)")
    }

    @Test("xmllint rejects a document with BarringIndication after Identity (the check can fail)")
    func schemaCanFail() throws {
        let bad = Array("<?xml version=\"1.0\"?><IMSSubscription><PrivateID>a@b</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:a@b</Identity><BarringIndication>1</BarringIndication></PublicIdentity></ServiceProfile></IMSSubscription>".utf8)
        guard let result = try Self.validate(bad) else { return }
        #expect(!result.ok)
    }

    @Test("Structure: PrivateID, one ServiceProfile per profile, iFCs by priority, escaped text")
    func structure() {
        let s = Self.rich
        let xml = String(decoding: UserDataDocument.xml(subscription: s, privateIdentity: "alice@ims.example.net", identities: s.publicIdentities), as: UTF8.self)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?><IMSSubscription><PrivateID>alice@ims.example.net</PrivateID><ServiceProfile>"))
        #expect(xml.components(separatedBy: "<ServiceProfile>").count == 3)
        #expect(xml.contains("<BarringIndication>1</BarringIndication><Identity>sip:alice-work@ims.example.net</Identity>"))
        #expect(xml.contains("<DisplayName>Alice &lt;A&amp;B&gt;</DisplayName>"))
        #expect(xml.contains("<IdentityType>2</IdentityType><WildcardedPSI>sip:svc-!.*!@ims.example.net</WildcardedPSI>"))
        let p0 = xml.range(of: "<Priority>0</Priority>")!, p2 = xml.range(of: "<Priority>2</Priority>")!
        #expect(p0.lowerBound < p2.lowerBound)
    }
}
