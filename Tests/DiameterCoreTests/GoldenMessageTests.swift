import DiameterCore
import DiameterTestKit
import NIOCore
import Testing

/// Every message of shared/spec/golden-messages.md (copied into DiameterTestKit) decodes to the values of
/// the reference listing and re-encodes byte-identically.
@Suite("Golden messages")
struct GoldenMessageTests {
    @Test("decodes to the reference values", arguments: GoldenMessages.messages)
    func decodesToReferenceValues(_ golden: GoldenMessage) throws {
        let message = try DiameterDecoder().decode(golden.bytes)
        let h = try #require(golden.header)
        #expect(message.header.version == h.version)
        #expect(message.header.messageLength == h.length)
        #expect(message.header.flags.rawValue == h.flags)
        #expect(message.header.commandCode == h.commandCode)
        #expect(message.header.applicationID == h.applicationID)
        #expect(message.header.hopByHopID == h.hopByHop)
        #expect(message.header.endToEndID == h.endToEnd)

        // Walk the AVP tree depth-first, as the reference listing does.
        var flat: [(depth: Int, avp: AVPView)] = []
        func walk(_ list: AVPList, depth: Int) {
            for a in list {
                flat.append((depth, a))
                walk(a.members, depth: depth + 1)
            }
        }
        walk(message.avps, depth: 1)
        try #require(flat.count == golden.lines.count, "AVP count")
        for (line, (depth, avp)) in zip(golden.lines, flat) {
            #expect(depth == line.depth, "\(line.name) depth")
            #expect(avp.code == line.code, "\(line.name) code")
            #expect(avp.vendorID == line.vendorID, "\(line.name) vendor")
            #expect(avp.flags.rawValue == line.flags, "\(line.name) flags")
            #expect(avp.length == line.length, "\(line.name) length")
            #expect(avp.definition?.name == line.name || line.name.hasSuffix(avp.definition?.name ?? "?"), "\(line.name) name")
            switch line.value {
            case .group: #expect(avp.isGrouped, "\(line.name) is grouped")
            case .string(let s): #expect(avp.string == s, "\(line.name) value")
            case .hex(let x): #expect(hex(avp.bytes) == x, "\(line.name) value")
            case .unsigned(let n): #expect(avp.unsigned32.map(UInt64.init) == n, "\(line.name) value")
            case .address(let a): #expect(avp.address?.description == a, "\(line.name) value")
            }
        }
    }

    @Test("re-encodes byte-identically", arguments: GoldenMessages.messages)
    func reencodesByteIdentically(_ golden: GoldenMessage) throws {
        let message = try DiameterDecoder().decode(golden.bytes)
        #expect(Array(buffer: message.reencoded()) == golden.bytes)
    }

    @Test("passes its command's grammar", arguments: GoldenMessages.messages)
    func passesGrammar(_ golden: GoldenMessage) throws {
        let message = try DiameterDecoder().decode(golden.bytes)
        let command = try message.validate()
        #expect(command != nil, "command is in the dictionary")
    }

    @Test("the captured MAR in either AVP order carries the same AVPs")
    func avpOrderIsFree() throws {
        let original = try DiameterDecoder().decode(GoldenMessages.named("1.1").bytes)
        let reordered = try DiameterDecoder().decode(GoldenMessages.named("1.2").bytes)
        let a = original.avpTree().sorted { $0.code < $1.code }
        let b = reordered.avpTree().sorted { $0.code < $1.code }
        #expect(a == b)
        #expect(original.first(.userName)?.string == "240010000000012@ims.mnc001.mcc240.3gppnetwork.org")
        #expect(original.first(.sipAuthDataItem)?.first(.sipAuthenticationScheme)?.string == "Digest-AKAv1-MD5")
    }
}

/// The writer reproduces the reference encodings (golden-messages.md §1.4, §4).
@Suite("Encoder")
struct EncoderTests {
    // TS 35.208 test set 1 values (golden-messages.md §4).
    static let rand = bytes(fromHex: "23553cbe9637a89d218ae64dae47bf35")!
    static let autn = bytes(fromHex: "55f328b43577b9b94a9ffac354dfafb3")!
    static let xres = bytes(fromHex: "a54211d5e3ba50bf")!
    static let ck = bytes(fromHex: "b40ba9a3c58b2a05bbf0d987b21bf8cb")!
    static let ik = bytes(fromHex: "f769bcd751044604127672711c6d3441")!

    static func writeAuthDataItem(_ w: inout DiameterMessageWriter) {
        w.appendGroup(.sipAuthDataItem) { g in
            g.append(.sipItemNumber, UInt32(1))
            g.append(.sipAuthenticationScheme, "Digest-AKAv1-MD5")
            g.append(.sipAuthenticate, bytes: rand + autn)
            g.append(.sipAuthorization, bytes: xres)
            g.append(.confidentialityKey, bytes: ck)
            g.append(.integrityKey, bytes: ik)
        }
    }

    @Test("SIP-Auth-Data-Item of an AKA vector (§4.1)")
    func authDataItem() {
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [], commandCode: 0, applicationID: 0, hopByHopID: 0, endToEndID: 0))
        Self.writeAuthDataItem(&w)
        let all = Array(buffer: w.finish())
        #expect(hex(all[20...]) == GoldenMessages.named("4.1").hex)
    }

    @Test("SIP-Auth-Data-Item of a resynchronisation MAR, padded (§4.2)")
    func resyncItem() {
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [], commandCode: 0, applicationID: 0, hopByHopID: 0, endToEndID: 0))
        w.appendGroup(.sipAuthDataItem) { g in
            g.append(.sipAuthenticationScheme, "Digest-AKAv1-MD5")
            g.append(.sipAuthorization, bytes: Self.rand + bytes(fromHex: "ba853f3c123ccf44e93596e355c6")!)
        }
        #expect(hex(Array(buffer: w.finish())[20...]) == GoldenMessages.named("4.2").hex)
    }

    @Test("complete MAA (§4.3)")
    func completeMAA() {
        var w = DiameterMessageWriter(
            header: DiameterHeader(flags: .proxiable, commandCode: 303, applicationID: ApplicationID.cx, hopByHopID: 1, endToEndID: 1))
        w.append(.sessionID, "scscf.ims.mnc001.mcc001.3gppnetwork.org;1;1")
        w.appendGroup(.vendorSpecificApplicationID) { g in
            g.append(.vendorID, VendorID.tgpp)
            g.append(.authApplicationID, ApplicationID.cx)
        }
        w.append(.resultCode, ResultCode.success.value)
        w.append(.authSessionState, Int32(1))
        w.append(.originHost, "hss.ims.mnc001.mcc001.3gppnetwork.org")
        w.append(.originRealm, "ims.mnc001.mcc001.3gppnetwork.org")
        w.append(.userName, "001010000000001@ims.mnc001.mcc001.3gppnetwork.org")
        w.append(.publicIdentity, "sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org")
        w.append(.sipNumberAuthItems, UInt32(1))
        Self.writeAuthDataItem(&w)
        #expect(hex(Array(buffer: w.finish())) == GoldenMessages.named("4.3").hex)
    }

    @Test("Experimental-Result for every Cx code (§4.4)", arguments: GoldenMessages.experimentalResults.map { $0.code })
    func experimentalResult(_ code: UInt32) throws {
        let expected = try #require(GoldenMessages.experimentalResults.first { $0.code == code })
        var w = DiameterMessageWriter(header: DiameterHeader(flags: [], commandCode: 0, applicationID: 0, hopByHopID: 0, endToEndID: 0))
        w.appendGroup(.experimentalResult) { g in
            g.append(.vendorID, VendorID.tgpp)
            g.append(.experimentalResultCode, code)
        }
        #expect(hex(Array(buffer: w.finish())[20...]) == expected.hex)
        #expect(ResultCode(code, vendorID: VendorID.tgpp).name == expected.name)
    }
}
