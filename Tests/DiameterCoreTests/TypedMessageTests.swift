import DiameterCore
import DiameterTestKit
import NIOCore
import Testing

/// Typed builders and accessors for every base and Cx message.
@Suite("Typed messages")
struct TypedMessageTests {
    static let samples: [any DiameterTypedMessage] = SampleMessages.typed

    @Test("every sample encodes, passes its grammar and decodes back equal", arguments: 0..<SampleMessages.typed.count)
    func roundTrip(_ index: Int) throws {
        let sample = SampleMessages.typed[index]
        try check(sample)
    }

    private func check<M: DiameterTypedMessage>(_ sample: M) throws {
        let bytes = sample.encode(hopByHopID: 42, endToEndID: 43)
        let (header, decoded) = try M.decode(bytes)
        #expect(decoded == sample)
        #expect(header.hopByHopID == 42 && header.endToEndID == 43)
        #expect(header.isRequest == M.isRequest)
        #expect(header.flags.contains(.proxiable) == M.command.proxiable)
        #expect(header.applicationID == M.command.applicationID)
    }

    @Test("decoding a message as the wrong type is refused with 3001")
    func wrongType() {
        let bytes = SampleMessages.mar.encode(hopByHopID: 1, endToEndID: 1)
        #expect(throws: DiameterMessageError.self) { try MultimediaAuthAnswer.decode(bytes) }
        #expect(throws: DiameterMessageError.self) { try ServerAssignmentRequest.decode(bytes) }
    }

    @Test("the captured MAR reads as a typed MAR")
    func capturedMAR() throws {
        let (_, mar) = try MultimediaAuthRequest.decode(ByteBuffer(bytes: GoldenMessages.named("1.1").bytes))
        #expect(mar.userName == "240010000000012@ims.mnc001.mcc240.3gppnetwork.org")
        #expect(mar.publicIdentity == "sip:240010000000012@ims.mnc001.mcc240.3gppnetwork.org")
        #expect(mar.serverName == "sip:scscf-01@mnc001.mcc240.3gppnetwork.org")
        #expect(mar.sipNumberAuthItems == 1)
        #expect(mar.sipAuthDataItem.sipAuthenticationScheme == "Digest-AKAv1-MD5")
        #expect(mar.sipAuthDataItem.sipAuthorization == nil, "not a resynchronisation")
        #expect(mar.envelope.originHost == "scscf-01.ims.mnc001.mcc240.3gppnetwork.org")
        #expect(mar.envelope.destinationRealm == "ims.mnc001.mcc240.3gppnetwork.org")
        #expect(mar.envelope.destinationHost == nil)
        #expect(mar.envelope.vendorSpecificApplicationID == .cx)
        #expect(mar.envelope.additionalAVPs.isEmpty)
    }

    @Test("the captured MAA reads as a typed MAA with Result-Code 2001 and one vector")
    func capturedMAA() throws {
        let (_, maa) = try MultimediaAuthAnswer.decode(ByteBuffer(bytes: GoldenMessages.named("1.3").bytes))
        #expect(maa.envelope.result == .success)
        let item = try #require(maa.sipAuthDataItems.first)
        #expect(item.sipAuthenticate?.count == 32)
        #expect(item.sipAuthorization.map { hex($0) } == "af9f1b8cdab6bf68")
        #expect(item.confidentialityKey.map { hex($0) } == "b9cabdfaceb0b3e27ef53a78857703d6")
        #expect(item.integrityKey.map { hex($0) } == "f65a7b4111ef6c10ecd95685c0507c26")
    }

    @Test("the PyHSS CER advertises Cx (in a Vendor-Specific-Application-Id) and relay")
    func capturedCER() throws {
        let (_, cer) = try CapabilitiesExchangeRequest.decode(ByteBuffer(bytes: GoldenMessages.named("2.4").bytes))
        #expect(cer.capabilities.advertisedApplications.contains(ApplicationID.cx))
        #expect(cer.capabilities.advertisedApplications.contains(ApplicationID.relay))
        #expect(cer.capabilities.hostIPAddresses == [.ipv4(127, 0, 1, 1)])
        #expect(cer.capabilities.supportedVendorIDs == [5535, 10415, 13019])
    }

    @Test("the PyHSS RTR keeps its stray AVPs as additional AVPs")
    func capturedRTR() throws {
        let (_, rtr) = try RegistrationTerminationRequest.decode(ByteBuffer(bytes: GoldenMessages.named("3.4").bytes))
        #expect(rtr.deregistrationReason == DeregistrationReason(reasonCode: .permanentTermination, reasonInfo: "Test Reason"))
        #expect(rtr.envelope.destinationHost == "hss.localdomain")
        #expect(rtr.envelope.proxyInfo == [ProxyInfo(proxyHost: "localdomain", proxyState: [0, 1])])
        #expect(rtr.envelope.routeRecord == ["localdomain"])
        #expect(Set(rtr.envelope.additionalAVPs.map(\.code)) == [258, 602], "Auth-Application-Id and Server-Name")
    }

    @Test("UAR, SAR and DPR of the reference pack read as typed messages")
    func capturedOthers() throws {
        let (_, uar) = try UserAuthorizationRequest.decode(ByteBuffer(bytes: GoldenMessages.named("3.1").bytes))
        #expect(uar.userAuthorizationType == nil, "absent: REGISTRATION by default")
        #expect(String(decoding: uar.visitedNetworkIdentifier, as: UTF8.self) == "nickvsnetworking.com")
        let (_, sar) = try ServerAssignmentRequest.decode(ByteBuffer(bytes: GoldenMessages.named("3.3").bytes))
        #expect(sar.serverAssignmentType == .registration)
        #expect(sar.userDataAlreadyAvailable == .userDataNotAvailable)
        let (_, dpr) = try DisconnectPeerRequest.decode(ByteBuffer(bytes: GoldenMessages.named("2.6").bytes))
        #expect(dpr.disconnectCause == .rebooting)
    }

    @Test("Cx outcomes go in Experimental-Result, base ones in Result-Code")
    func resultPlacement() throws {
        let uaa = try DiameterDecoder().decode(SampleMessages.uaa.encode(hopByHopID: 1, endToEndID: 1))
        #expect(uaa.first(.resultCode) == nil)
        #expect(uaa.first(.experimentalResult)?.first(.experimentalResultCode)?.unsigned32 == 2001)
        #expect(uaa.first(.experimentalResult)?.first(.vendorID)?.unsigned32 == VendorID.tgpp)
        let lia = try DiameterDecoder().decode(SampleMessages.lia.encode(hopByHopID: 1, endToEndID: 1))
        #expect(lia.first(.resultCode)?.unsigned32 == 2001)
        #expect(lia.first(.experimentalResult) == nil)
    }

    @Test("a protocol-error answer has the E-bit and §7.2's shape; a 5005 answer passes the MAA grammar")
    func errorAnswers() throws {
        let answers = SampleMessages.errorAnswers
        let e = try DiameterDecoder().decode(answers[0])
        #expect(e.header.flags == [.proxiable, .error])
        #expect(e.header.hopByHopID == 5 && e.header.endToEndID == 6)
        #expect(e.first(.resultCode)?.unsigned32 == 3003)
        #expect(e.first(.sessionID)?.string == SampleMessages.mar.envelope.sessionID)
        #expect(e.all(.proxyInfo).count == 1, "Proxy-Info echoed")
        #expect(try e.validate() == .multimediaAuth)

        let (_, maa) = try MultimediaAuthAnswer.decode(answers[1])
        #expect(maa.envelope.result == .missingAVP)
        #expect(maa.envelope.failedAVP == [AVP(.serverName, .data([0, 0, 0, 0]))])
    }

    @Test("an error answer reads Session-Id from a request that failed its grammar")
    func errorAnswerFromBytes() throws {
        let message = try DiameterDecoder().decode(GoldenMessages.named("1.1").bytes)
        var w = DiameterMessageWriter(header: message.header)
        for a in message.avps where a.code != 602 { w.append(a) }
        let bytes = w.finish()
        var caught: DiameterMessageError?
        do { try DiameterDecoder().decode(bytes).validate(against: .multimediaAuth) } catch { caught = error }
        let error = try #require(caught)
        let answer = try #require(ErrorAnswer(error: error, request: bytes))
        #expect(answer.sessionID == "scscf-01.ims.mnc001.mcc240.3gppnetwork.org;387;479254667")
        let (_, maa) = try MultimediaAuthAnswer.decode(answer.encode(originHost: "hss.example", originRealm: "example"))
        #expect(maa.envelope.result == .missingAVP)
    }
}

@Suite("Result-Code peek")
struct ResultCodePeekTests {
    @Test("peekResultCode reads Result-Code and Experimental-Result-Code like a full decode, and nil on bytes that do not walk")
    func peek() throws {
        let rc = SampleMessages.uaa.encode(hopByHopID: 1, endToEndID: 1)
        let full = try DiameterDecoder().decode(rc)
        let expected = full.first(.resultCode)?.unsigned32 ?? full.first(.experimentalResult)?.first(.experimentalResultCode)?.unsigned32
        #expect(expected != nil)
        #expect(DiameterDecoder.peekResultCode(rc) == expected)
        let maa = SampleMessages.maa.encode(hopByHopID: 1, endToEndID: 1)
        #expect(DiameterDecoder.peekResultCode(maa) == 2001)
        var cut = maa
        cut.moveWriterIndex(to: cut.writerIndex - 5)
        #expect(DiameterDecoder.peekResultCode(cut) == nil, "declared length beyond the bytes")
        #expect(DiameterDecoder.peekResultCode(SampleMessages.mar.encode(hopByHopID: 1, endToEndID: 1)) == nil, "a request has none")
    }
}
