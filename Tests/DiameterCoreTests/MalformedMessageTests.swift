import DiameterCore
import DiameterTestKit
import NIOCore
import Testing

/// One test per malformed case: each gives the Result-Code an HSS must answer with (RFC 6733 §7.1),
/// the offset of the problem and, where RFC 6733 §7.5 asks for it, the Failed-AVP.
@Suite("Malformed messages")
struct MalformedMessageTests {
    let decoder = DiameterDecoder()
    var mar: [UInt8] { GoldenMessages.named("1.1").bytes }

    func decodeError(_ bytes: [UInt8]) throws -> DiameterMessageError {
        do {
            _ = try decoder.decode(bytes)
        } catch {
            return error
        }
        Issue.record("decoded without error")
        throw CancellationError()
    }

    func validationError(_ bytes: [UInt8]) throws -> DiameterMessageError {
        let message = try decoder.decode(bytes)
        do {
            _ = try message.validate()
        } catch {
            return error
        }
        Issue.record("validated without error")
        throw CancellationError()
    }

    // MARK: Header

    @Test("truncated header → 5015, no header to answer with")
    func truncatedHeader() throws {
        let e = try decodeError(Array(mar[0..<13]))
        #expect(e.resultCode == .invalidMessageLength)
        #expect(e.header == nil)
    }

    @Test("Message Length not matching the buffer → 5015")
    func lengthMismatch() throws {
        var bytes = mar
        bytes[3] &+= 4  // declared 512, 508 present
        let e = try decodeError(bytes)
        #expect(e.resultCode == .invalidMessageLength)
        #expect(e.offset == 1)
        #expect(e.header?.hopByHopID == 0x1c90_dc0d, "the header is kept so the answer can echo its ids")
    }

    @Test("Message Length not a multiple of 4 → 5015")
    func lengthNotMultipleOfFour() throws {
        let body = RawMessage.avp(code: 263, data: Array("a;1;2".utf8), pad: false)
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidMessageLength)
    }

    @Test("the header is read from the buffer's reader index")
    func headerAtReaderIndex() throws {
        var b = ByteBuffer(bytes: [0xEE, 0xEE, 0xEE] + mar)
        b.moveReaderIndex(forwardBy: 3)
        #expect(try DiameterDecoder.decodeHeader(b).hopByHopID == 0x1c90_dc0d)
    }

    @Test("version 2 → 5011 DIAMETER_UNSUPPORTED_VERSION")
    func badVersion() throws {
        var bytes = mar
        bytes[0] = 2
        let e = try decodeError(bytes)
        #expect(e.resultCode == .unsupportedVersion)
        #expect(e.offset == 0)
    }

    @Test("reserved command flag bits → 3008 DIAMETER_INVALID_HDR_BITS")
    func reservedHeaderBits() throws {
        var bytes = mar
        bytes[4] |= 0x01
        #expect(try decodeError(bytes).resultCode == .invalidHeaderBits)
    }

    @Test("E-bit in a request → 3008 DIAMETER_INVALID_HDR_BITS")
    func errorBitInRequest() throws {
        var bytes = mar
        bytes[4] |= 0x20
        #expect(try decodeError(bytes).resultCode == .invalidHeaderBits)
    }

    // MARK: AVP framing

    @Test("AVP length below its header → 5014, Failed-AVP with a zero-filled payload")
    func avpLengthBelowHeader() throws {
        let body = RawMessage.avp(code: 268, data: [0, 0, 0, 0], length: 4)
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPLength)
        #expect(e.offset == 20)
        let failed = try #require(e.failedAVP)
        #expect(failed.code == 268)
        #expect(failed.payload == .data([0, 0, 0, 0]), "the size of an Unsigned32, zero-filled")
    }

    @Test("0-length AVP → 5014")
    func zeroLengthAVP() throws {
        let body = RawMessage.avp(code: 1, data: [], length: 0)
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPLength)
        #expect(e.failedAVP?.code == 1)
    }

    @Test("AVP length overrunning the message → 5014")
    func avpOverrunsMessage() throws {
        let body = RawMessage.avp(code: 1, data: Array("user".utf8), length: 200)
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPLength)
    }

    @Test("grouped AVP member overrunning its parent → 5014 at the member")
    func groupOverrun() throws {
        // Vendor-Specific-Application-Id of 20 octets whose Vendor-Id member claims 16 data octets.
        let member = RawMessage.avp(code: 266, data: RawMessage.be32(10415), length: 24)
        let group = RawMessage.avp(code: 260, data: member, length: 8 + member.count)
        let e = try decodeError(RawMessage.message(body: group + RawMessage.avp(code: 1, data: Array("u".utf8))))
        #expect(e.resultCode == .invalidAVPLength)
        #expect(e.offset == 28, "the member's header offset")
        #expect(e.failedAVP?.code == 266)
    }

    @Test("truncated AVP header at the end → 5014 with the header padded with zeros")
    func truncatedAVPHeader() throws {
        let body = RawMessage.avp(code: 1, data: Array("user".utf8)) + [0, 0, 1, 7]
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPLength)
        #expect(e.failedAVP?.code == 263)
    }

    @Test("non-zero padding is accepted and re-encoded as zeros (found by the fuzzer)")
    func nonZeroPadding() throws {
        var body = RawMessage.avp(code: 263, data: Array("a;1;2".utf8))  // 13 octets + 3 of padding
        body[13] = 0xAA; body[14] = 0xBB; body[15] = 0xCC
        let m = try decoder.decode(RawMessage.message(body: body))
        #expect(m.first(.sessionID)?.string == "a;1;2")
        let again = Array(buffer: m.reencoded())
        #expect(again[33..<36] == [0, 0, 0])
        #expect(try decoder.decode(again).avpTree() == m.avpTree())
    }

    @Test("reserved AVP flag bits → 3009 DIAMETER_INVALID_AVP_BITS")
    func reservedAVPBits() throws {
        let body = RawMessage.avp(code: 1, flags: 0x41, data: Array("user".utf8))
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPBits)
        #expect(e.failedAVP?.flags == .mandatory, "reserved bits are not echoed")
    }

    @Test("16 MiB declared length → 5015 from the decoder, refused by the framer before buffering")
    func hugeDeclaredLength() throws {
        var bytes = mar
        bytes[1] = 0xFF; bytes[2] = 0xFF; bytes[3] = 0xFC
        #expect(try decodeError(bytes).resultCode == .invalidMessageLength)
        var stream = ByteBuffer(bytes: bytes)
        #expect(throws: DiameterFrameDecoder.FramingError.self) { try DiameterFrameDecoder().nextFrame(&stream) }
        #expect(stream.readableBytes == bytes.count, "nothing consumed or allocated for the declared size")
    }

    @Test("Grouped AVPs nested too deep → 5004")
    func deepNesting() throws {
        var inner = RawMessage.avp(code: 602, flags: 0xC0, vendor: 10415, data: Array("sip:s".utf8))
        for _ in 0..<40 { inner = RawMessage.avp(code: 603, flags: 0xC0, vendor: 10415, data: inner) }
        let e = try decodeError(RawMessage.message(body: inner))
        #expect(e.resultCode == .invalidAVPValue)
    }

    // MARK: Values

    @Test("invalid UTF-8 in a UTF8String → 5004 with the AVP as Failed-AVP")
    func invalidUTF8() throws {
        let bad: [UInt8] = [0x75, 0xC3, 0x28, 0x72]  // 0xC3 0x28: a lead byte without continuation
        let body = RawMessage.avp(code: 1, data: bad)
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPValue)
        #expect(e.failedAVP == AVP(code: 1, flags: .mandatory, payload: .data(bad)))
    }

    @Test("overlong and surrogate UTF-8 are refused", arguments: [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] as [[UInt8]])
    func utf8EdgeCases(_ bad: [UInt8]) throws {
        let e = try decodeError(RawMessage.message(body: RawMessage.avp(code: 263, data: bad)))
        #expect(e.resultCode == .invalidAVPValue)
    }

    @Test("the answer to a 5004 carries the refused value in Failed-AVP, and still decodes")
    func failedAVPValuesAreNotChecked() throws {
        let bad: [UInt8] = [0x75, 0xC3, 0x28, 0x72]
        let e = try decodeError(RawMessage.message(body: RawMessage.avp(code: 1, data: bad)))
        let header = try #require(e.header)
        let answer = ErrorAnswer(requestHeader: header, error: e, sessionID: "s;1;2")
            .encode(originHost: "hss.example.org", originRealm: "example.org")
        let m = try decoder.decode(answer)
        #expect(m.first(.failedAVP)?.first(.userName)?.bytes == bad)
        #expect(m.first(.resultCode)?.unsigned32 == 5004)
    }

    @Test("the answer to a 5001 carries the unknown M-bit AVP in Failed-AVP, and passes the answer's grammar")
    func failedAVPMembersAreNotPoliced() throws {
        let unknown = AVP(code: 9999, vendorID: 10415, flags: .mandatory, payload: .data([1, 2, 3]))
        let request = try decoder.decode(mar)
        let answer = ErrorAnswer(
            requestHeader: request.header,
            error: DiameterMessageError(.avpUnsupported, offset: 0, reason: "unknown AVP", failedAVP: unknown),
            sessionID: "s;1;2"
        ).encode(originHost: "hss.example.org", originRealm: "example.org")
        let m = try decoder.decode(answer)
        #expect(try m.validate() == .multimediaAuth)
        #expect(m.first(.failedAVP)?.members.first { _ in true }?.tree() == unknown)
    }

    @Test(
        "An error answer template writes, octet for octet, what ErrorAnswer encodes (and EncodedAVPs.append adds, as EncodedAVPs.write does): 3004 and 5012, Cx and S6a, P-bit kept, every Session-Id padding, with and without DOIC AVPs",
        arguments: [(ResultCode.tooBusy, ApplicationID.cx), (.unableToComply, ApplicationID.cx), (.tooBusy, ApplicationID.s6a), (.unableToComply, ApplicationID.s6a)])
    func templateMatchesEncode(_ code: ResultCode, _ application: UInt32) throws {
        let template = ErrorAnswer.Template(code, reason: "too busy", applicationID: application, originHost: "hss.example.org", originRealm: "example.org")
        var out = ByteBuffer(bytes: [0xAA, 0xBB])  // the answers are appended after what the buffer holds
        var expected: [UInt8] = [0xAA, 0xBB]
        // What an answer to a reacting node adds (RFC 7683 §5.2.2): OC-Supported-Features and an OC-OLR.
        let doic = EncodedAVPs.make { w in
            w.appendGroup(.ocSupportedFeatures) { OCSupportedFeatures(ocFeatureVector: 1).writeMembers(into: &$0) }
            w.appendGroup(.ocOLR) {
                OCOLR(ocSequenceNumber: 7, ocReportType: .hostReport, ocReductionPercentage: 40, ocValidityDuration: 30).writeMembers(into: &$0)
            }
        }
        for (i, sessionID) in ["s;1;2", "scscf.example.org;1;23", "a", "scscf;1234567890;12", "ab", "s;1;2;3"].enumerated() {
            let flags: CommandFlags = i % 2 == 0 ? [.request, .proxiable] : [.request, .potentiallyRetransmitted]
            let header = DiameterHeader(flags: flags, commandCode: 303, applicationID: application, hopByHopID: 0x1122_3344 &+ UInt32(i), endToEndID: 0x5566_7788)
            let error = DiameterMessageError(code, offset: 0, reason: "too busy", header: header)
            let extra = i >= 3 ? doic : []
            var answer = ErrorAnswer(requestHeader: header, error: error, sessionID: sessionID).encode(originHost: "hss.example.org", originRealm: "example.org")
            // Written after other bytes, as into an outbox, it is what append makes of it.
            var written = ByteBuffer(bytes: [0xCC])
            EncodedAVPs.write(answer, appending: extra, to: &written)
            EncodedAVPs.append(extra, to: &answer)
            #expect(Array(written.readableBytesView) == [0xCC] + Array(answer.readableBytesView))
            expected += answer.readableBytesView
            Array(sessionID.utf8).withUnsafeBytes { template.write(requestHeader: header, sessionID: $0, appending: extra, to: &out) }
        }
        #expect(Array(out.readableBytesView) == expected)
        // The first answer decodes: E-bit for 3004 only, P-bit kept, Session-Id.
        out.moveReaderIndex(forwardBy: 2)
        let length = Int(try #require(out.getInteger(at: out.readerIndex, as: UInt32.self)) & 0xFF_FFFF)
        let first = try decoder.decode(try #require(out.getSlice(at: out.readerIndex, length: length)))
        #expect(first.header.flags == (code == .tooBusy ? [.proxiable, .error] : [.proxiable]))
        #expect(first.first(.sessionID)?.string == "s;1;2" && first.first(.resultCode)?.unsigned32 == code.value)
        // A DOIC one decodes with its OC-OLR (the length covers the extra AVPs).
        for _ in 0..<3 {
            let n = Int(try #require(out.getInteger(at: out.readerIndex, as: UInt32.self)) & 0xFF_FFFF)
            out.moveReaderIndex(forwardBy: n)
        }
        let n = Int(try #require(out.getInteger(at: out.readerIndex, as: UInt32.self)) & 0xFF_FFFF)
        let withOLR = try decoder.decode(try #require(out.getSlice(at: out.readerIndex, length: n)))
        #expect(withOLR.first(.ocOLR)?.first(.ocReductionPercentage)?.unsigned32 == 40)
    }

    @Test("valid multi-byte UTF-8 is accepted")
    func validUTF8() throws {
        let s = "ünïcødé-✓-𝄞"
        let m = try decoder.decode(RawMessage.message(body: RawMessage.avp(code: 263, data: Array(s.utf8))))
        #expect(m.first(.sessionID)?.string == s)
    }

    @Test("Unsigned32 with 3 or 5 octets → 5014", arguments: [3, 5])
    func wrongUnsigned32Size(_ size: Int) throws {
        let body = RawMessage.avp(code: 607, flags: 0xC0, vendor: 10415, data: [UInt8](repeating: 1, count: size))
        let e = try decodeError(RawMessage.message(body: body))
        #expect(e.resultCode == .invalidAVPLength)
        #expect(e.failedAVP?.key == AVPDefinition.sipNumberAuthItems.key)
    }

    @Test("IPv4 Address with 5 octets → 5004")
    func badAddress() throws {
        let body = RawMessage.avp(code: 257, data: [0, 1, 10, 0, 0, 1, 9])
        #expect(try decodeError(RawMessage.message(flags: 0x80, command: 257, application: 0, body: body)).resultCode == .invalidAVPValue)
    }

    @Test("empty DiameterIdentity → 5004")
    func emptyIdentity() throws {
        let body = RawMessage.avp(code: 264, data: [])
        #expect(try decodeError(RawMessage.message(body: body)).resultCode == .invalidAVPValue)
    }

    // MARK: Grammar

    @Test("missing required AVP → 5005 with a zero-filled example as Failed-AVP")
    func missingAVP() throws {
        // The captured MAR without its Server-Name (602/10415).
        let message = try decoder.decode(mar)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps where a.code != 602 { w.append(a) }
        let e = try validationError(Array(buffer: w.finish()))
        #expect(e.resultCode == .missingAVP)
        #expect(e.failedAVP == AVP(.serverName, .data([0, 0, 0, 0])))
    }

    @Test("missing required Unsigned32 → Failed-AVP example of 4 zero octets")
    func missingUnsigned() throws {
        let message = try decoder.decode(mar)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps where a.code != 607 { w.append(a) }
        let e = try validationError(Array(buffer: w.finish()))
        #expect(e.resultCode == .missingAVP)
        #expect(e.failedAVP == AVP(.sipNumberAuthItems, .data([0, 0, 0, 0])))
    }

    @Test("a {X} AVP twice → 5009 with the second occurrence as Failed-AVP")
    func tooManyOccurrences() throws {
        let message = try decoder.decode(mar)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps { w.append(a) }
        w.append(.userName, "second@example.org")
        let e = try validationError(Array(buffer: w.finish()))
        #expect(e.resultCode == .avpOccursTooManyTimes)
        #expect(e.failedAVP == AVP(.userName, .data(Array("second@example.org".utf8))))
    }

    @Test("unknown AVP with the M-bit → 5001 with Failed-AVP")
    func unknownMandatory() throws {
        let message = try decoder.decode(mar)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps { w.append(a) }
        let unknown = AVP(code: 9999, vendorID: 10415, flags: .mandatory, payload: .data([1, 2, 3]))
        w.append(unknown)
        let e = try validationError(Array(buffer: w.finish()))
        #expect(e.resultCode == .avpUnsupported)
        #expect(e.failedAVP == unknown)
    }

    @Test("unknown AVP with the M-bit inside a group → 5001")
    func unknownMandatoryInGroup() throws {
        var w = DiameterMessageWriter(header: try decoder.decode(mar).header)
        let message = try decoder.decode(mar)
        for a in message.avps where a.code != 612 { w.append(a) }
        w.appendGroup(.sipAuthDataItem) { g in
            g.append(.sipAuthenticationScheme, "Digest-AKAv1-MD5")
            g.append(AVP(code: 4242, vendorID: 10415, flags: .mandatory, payload: .data([])))
        }
        #expect(try validationError(Array(buffer: w.finish())).resultCode == .avpUnsupported)
    }

    @Test("unknown AVP without the M-bit is kept and ignored (Kamailio's 494/50)")
    func unknownOptional() throws {
        let message = try decoder.decode(mar)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps { w.append(a) }
        w.append(AVP(code: 494, vendorID: 50, flags: [], payload: .data([0, 0, 0, 1])))
        let again = try decoder.decode(Array(buffer: w.finish()))
        #expect(try again.validate() == .multimediaAuth)
        #expect(again.avps.contains { $0.code == 494 && $0.vendorID == 50 })
    }

    @Test("AVP in a group without *[AVP] → 5008 DIAMETER_AVP_NOT_ALLOWED")
    func notAllowed() throws {
        let message = try decoder.decode(mar)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps where a.code != 260 { w.append(a) }
        w.appendGroup(.vendorSpecificApplicationID) { g in
            g.append(.vendorID, VendorID.tgpp)
            g.append(.authApplicationID, ApplicationID.cx)
            g.append(.originStateID, UInt32(7))
        }
        let e = try validationError(Array(buffer: w.finish()))
        #expect(e.resultCode == .avpNotAllowed)
        #expect(e.failedAVP?.code == AVPDefinition.originStateID.code)
    }

    @Test("an E-bit answer is checked against the protocol-error grammar (RFC 6733 §7.2)")
    func protocolErrorAnswer() throws {
        var w = DiameterMessageWriter(
            header: DiameterHeader(flags: [.proxiable, .error], commandCode: 303, applicationID: ApplicationID.cx, hopByHopID: 1, endToEndID: 2))
        w.append(.sessionID, "hss;1;2")
        w.append(.originHost, "hss.example.org")
        w.append(.originRealm, "example.org")
        w.append(.resultCode, ResultCode.unableToDeliver.value)
        let m = try decoder.decode(Array(buffer: w.finish()))
        #expect(try m.validate() == .multimediaAuth, "no Auth-Session-State or Vendor-Specific-Application-Id needed")
    }

    @Test("an unknown command is reported as unknown, not as a grammar error")
    func unknownCommand() throws {
        let body = RawMessage.avp(code: 263, data: Array("s;1".utf8))
        let m = try decoder.decode(RawMessage.message(command: 999, body: body))
        #expect(try m.validate() == nil)
    }
}
