// The User-Data AVP's XML document (TS 29.228 Annex D/E, `CxDataType.xsd`): `<IMSSubscription>` in no
// namespace, element order as the schema's sequences require.

/// Builds the IMSSubscription XML for a private identity and a set of public identities.
public enum UserDataDocument {
    /// The document for `impi` covering `identities` (grouped into one ServiceProfile per profile, in
    /// the order the identities first name them). TS 29.228 §6.1.2.1 / §6.1.2.1 PPR: the S-CSCF gets
    /// the identities of the implicit registration set(s) with their profiles.
    public static func xml(subscription s: IMSSubscription, privateIdentity impi: String, identities: [PublicIdentity]) -> [UInt8] {
        var x = XMLWriter()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        x.open("IMSSubscription")
        x.element("PrivateID", impi)
        var profileOrder: [String] = []
        for i in identities where !profileOrder.contains(i.serviceProfile) { profileOrder.append(i.serviceProfile) }
        for profileID in profileOrder {
            let profile = s.serviceProfile(profileID) ?? ServiceProfile(id: profileID)
            x.open("ServiceProfile")
            for i in identities where i.serviceProfile == profileID { publicIdentity(i, into: &x) }
            if let media = profile.subscribedMediaProfileId {
                x.open("CoreNetworkServicesAuthorization")
                x.element("SubscribedMediaProfileId", String(media))
                x.close("CoreNetworkServicesAuthorization")
            }
            for ifc in profile.initialFilterCriteria.sorted(by: { $0.priority < $1.priority }) { filterCriteria(ifc, into: &x) }
            if !profile.sharedIFCSetIDs.isEmpty {
                x.open("Extension")
                for id in profile.sharedIFCSetIDs { x.element("SharedIFCSetID", String(id)) }
                x.close("Extension")
            }
            x.close("ServiceProfile")
        }
        x.close("IMSSubscription")
        return x.bytes
    }

    static func publicIdentity(_ i: PublicIdentity, into x: inout XMLWriter) {
        x.open("PublicIdentity")
        // BarringIndication precedes Identity (xs:sequence).
        if i.barred { x.element("BarringIndication", "1") }
        x.element("Identity", i.identity)
        x.open("Extension")
        x.element("IdentityType", String(i.type.xmlValue))
        if i.type == .wildcardedPSI { x.element("WildcardedPSI", i.identity) }
        if let name = i.displayName {
            x.open("Extension")
            x.element("DisplayName", name)
            x.close("Extension")
        }
        x.close("Extension")
        x.close("PublicIdentity")
    }

    static func filterCriteria(_ f: InitialFilterCriteria, into x: inout XMLWriter) {
        x.open("InitialFilterCriteria")
        x.element("Priority", String(f.priority))
        if let tp = f.triggerPoint {
            x.open("TriggerPoint")
            x.element("ConditionTypeCNF", tp.conditionTypeCNF ? "1" : "0")
            for spt in tp.spts {
                x.open("SPT")
                x.element("ConditionNegated", spt.conditionNegated ? "1" : "0")
                for g in spt.groups { x.element("Group", String(g)) }
                switch spt.condition {
                case .requestURI(let v): x.element("RequestURI", v)
                case .method(let v): x.element("Method", v)
                case .sipHeader(let h, let content):
                    x.open("SIPHeader")
                    x.element("Header", h)
                    if let content { x.element("Content", content) }
                    x.close("SIPHeader")
                case .sessionCase(let c): x.element("SessionCase", String(c.xmlValue))
                case .sessionDescription(let line, let content):
                    x.open("SessionDescription")
                    x.element("Line", line)
                    if let content { x.element("Content", content) }
                    x.close("SessionDescription")
                }
                if !spt.registrationTypes.isEmpty {
                    x.open("Extension")
                    for r in spt.registrationTypes { x.element("RegistrationType", String(r)) }
                    x.close("Extension")
                }
                x.close("SPT")
            }
            x.close("TriggerPoint")
        }
        let a = f.applicationServer
        x.open("ApplicationServer")
        x.element("ServerName", a.serverName)
        if let d = a.defaultHandling { x.element("DefaultHandling", String(d.xmlValue)) }
        if let info = a.serviceInfo { x.element("ServiceInfo", info) }
        if a.includeRegisterRequest || a.includeRegisterResponse {
            x.open("Extension")
            if a.includeRegisterRequest { x.raw("<IncludeRegisterRequest/>") }
            if a.includeRegisterResponse { x.raw("<IncludeRegisterResponse/>") }
            x.close("Extension")
        }
        x.close("ApplicationServer")
        if let p = f.profilePartIndicator { x.element("ProfilePartIndicator", String(p.xmlValue)) }
        x.close("InitialFilterCriteria")
    }
}

/// A minimal XML writer: elements and escaped text, no pretty-printing (the S-CSCF does not care and the
/// AVP stays small).
struct XMLWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }
    mutating func open(_ name: String) { raw("<\(name)>") }
    mutating func close(_ name: String) { raw("</\(name)>") }

    mutating func element(_ name: String, _ text: String) {
        open(name)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "&"): raw("&amp;")
            case UInt8(ascii: "<"): raw("&lt;")
            case UInt8(ascii: ">"): raw("&gt;")
            case UInt8(ascii: "\""): raw("&quot;")
            case UInt8(ascii: "'"): raw("&apos;")
            default: bytes.append(b)
            }
        }
        close(name)
    }
}
