import DiameterCore
import NIOCore
import Testing

/// S6a (TS 29.272 §7.2) and Sh (TS 29.329 §6.1) messages against the grammars of dictionaries/s6a.dia and
/// sh.dia: what `hss decode` checks on a capture. Well-formed messages pass with every AVP named; each
/// rule of RFC 6733 §7 (missing, repeated, not allowed, unknown with M) gives its Result-Code and Failed-AVP,
/// also inside the nested Grouped AVPs of Subscription-Data and Authentication-Info.
@Suite("S6a and Sh grammars")
struct S6aShGrammarTests {
    static let s6a: UInt32 = 16_777_251
    static let sh: UInt32 = 16_777_217

    static func message(
        _ code: UInt32, app: UInt32, request: Bool, _ body: (inout DiameterMessageWriter) -> Void
    ) -> ByteBuffer {
        var w = DiameterMessageWriter(
            header: DiameterHeader(
                flags: request ? [.request, .proxiable] : [.proxiable], commandCode: code, applicationID: app,
                hopByHopID: 1, endToEndID: 2))
        body(&w)
        return w.finish()
    }

    /// The envelope an S6a or Sh request carries (TS 29.272 §7.2.3; TS 29.329 §6.1.1).
    static func requestHead(_ w: inout DiameterMessageWriter, app: UInt32) {
        w.append(.sessionID, "mme.example.net;1;2")
        w.appendGroup(.vendorSpecificApplicationID) { g in
            g.append(.vendorID, VendorID.tgpp)
            g.append(.authApplicationID, app)
        }
        w.append(.authSessionState, AuthSessionState.noStateMaintained.rawValue)
        w.append(.originHost, "mme.example.net")
        w.append(.originRealm, "example.net")
        w.append(.destinationRealm, "example.net")
    }

    static func answerHead(_ w: inout DiameterMessageWriter, app: UInt32) {
        w.append(.sessionID, "mme.example.net;1;2")
        w.appendGroup(.vendorSpecificApplicationID) { g in
            g.append(.vendorID, VendorID.tgpp)
            g.append(.authApplicationID, app)
        }
        w.append(.resultCode, UInt32(2001))
        w.append(.authSessionState, AuthSessionState.noStateMaintained.rawValue)
        w.append(.originHost, "hss.example.net")
        w.append(.originRealm, "example.net")
    }

    /// AIR (§7.2.5): IMSI, visited PLMN, one E-UTRAN vector asked for with a resynchronisation.
    static func air(omitVisitedPLMN: Bool = false, twice: Bool = false) -> ByteBuffer {
        message(318, app: s6a, request: true) { w in
            requestHead(&w, app: s6a)
            w.append(.userName, "001010123456789")
            if twice { w.append(.userName, "001010123456780") }
            w.appendGroup(.requestedEUTRANAuthenticationInfo) { g in
                g.append(.numberOfRequestedVectors, UInt32(1))
                g.append(.immediateResponsePreferred, UInt32(1))
                g.append(.reSynchronizationInfo, bytes: [UInt8](repeating: 0xA5, count: 30))
            }
            if !omitVisitedPLMN { w.append(.visitedPLMNID, bytes: [0x00, 0xF1, 0x10]) }
        }
    }

    /// AIA (§7.2.6) with one E-UTRAN vector; `omitKASME` drops a required member.
    static func aia(omitKASME: Bool = false) -> ByteBuffer {
        message(318, app: s6a, request: false) { w in
            answerHead(&w, app: s6a)
            w.appendGroup(.authenticationInfo) { g in
                g.appendGroup(.eutranVector) { v in
                    v.append(.itemNumber, UInt32(1))
                    v.append(.rand, bytes: [UInt8](repeating: 1, count: 16))
                    v.append(.xres, bytes: [UInt8](repeating: 2, count: 8))
                    v.append(.autn, bytes: [UInt8](repeating: 3, count: 16))
                    if !omitKASME { v.append(.kasme, bytes: [UInt8](repeating: 4, count: 32)) }
                }
            }
        }
    }

    /// ULA (§7.2.4) with Subscription-Data five levels deep: Subscription-Data › APN-Configuration-Profile ›
    /// APN-Configuration › EPS-Subscribed-QoS-Profile › Allocation-Retention-Priority.
    static func ula(extraInARP: AVP? = nil) -> ByteBuffer {
        message(316, app: s6a, request: false) { w in
            answerHead(&w, app: s6a)
            w.append(.ulaFlags, UInt32(1))
            w.appendGroup(.subscriptionData) { s in
                s.append(.msisdn, bytes: [0x21, 0x43, 0x65])
                s.append(.subscriberStatus, SubscriberStatus.serviceGranted.rawValue)
                s.append(.networkAccessMode, NetworkAccessMode.onlyPacket.rawValue)
                s.appendGroup(.ambr) { a in
                    a.append(.maxRequestedBandwidthUL, UInt32(50_000_000))
                    a.append(.maxRequestedBandwidthDL, UInt32(100_000_000))
                }
                s.appendGroup(.apnConfigurationProfile) { p in
                    p.append(.contextIdentifier, UInt32(1))
                    p.append(.allAPNConfigurationsIncludedIndicator, AllAPNConfigurationsIncludedIndicator.allAPNConfigurationsIncluded.rawValue)
                    p.appendGroup(.apnConfiguration) { c in
                        c.append(.contextIdentifier, UInt32(1))
                        c.append(.pdnType, PDNType.ipv4v6.rawValue)
                        c.append(.serviceSelection, "internet")
                        c.appendGroup(.epsSubscribedQoSProfile) { q in
                            q.append(.qosClassIdentifier, QoSClassIdentifier.qci9.rawValue)
                            q.appendGroup(.allocationRetentionPriority) { arp in
                                arp.append(.priorityLevel, UInt32(8))
                                arp.append(.preEmptionCapability, PreEmptionCapability.disabled.rawValue)
                                arp.append(.preEmptionVulnerability, PreEmptionVulnerability.enabled.rawValue)
                                if let extraInARP { arp.append(extraInARP) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// UDR (TS 29.329 §6.1.1): the repository data and IMS user state of a public identity.
    static func udr(dataReferences: [DataReference] = [.repositoryData, .imsUserState], identities: Int = 1) -> ByteBuffer {
        message(306, app: sh, request: true) { w in
            requestHead(&w, app: sh)
            for _ in 0..<identities {
                w.appendGroup(.userIdentity) { u in u.append(.publicIdentity, "sip:alice@example.net") }
            }
            w.append(.serviceIndication, bytes: Array("mmtel-settings".utf8))
            for r in dataReferences { w.append(.dataReference, r.rawValue) }
        }
    }

    static func check(_ bytes: ByteBuffer) throws -> (DiameterMessage, CommandDefinition?) {
        let message = try DiameterDecoder().decode(bytes)
        return (message, try message.validate())
    }

    /// Every AVP of the dump has a name: the dictionary knows it.
    static func unnamed(_ avps: [AVPDump]) -> [UInt32] {
        avps.flatMap { a in (a.name == nil ? [a.code] : []) + unnamed(a.members ?? []) }
    }

    @Test("well-formed AIR, AIA, ULA and UDR pass their grammars, every AVP named")
    func wellFormed() throws {
        for (bytes, abbreviation) in [(Self.air(), "AIR"), (Self.aia(), "AIA"), (Self.ula(), "ULA"), (Self.udr(), "UDR")] {
            let (message, command) = try Self.check(bytes)
            let c = try #require(command, "\(abbreviation): command known")
            #expect(c.abbreviation(isRequest: message.isRequest) == abbreviation)
            #expect(Self.unnamed(DiameterTextDump.dump(message).avps) == [], "\(abbreviation): AVPs without a name")
        }
        let text = DiameterTextDump.render(try DiameterDecoder().decode(Self.ula()))
        for name in ["Subscription-Data", "APN-Configuration-Profile", "Allocation-Retention-Priority", "Pre-emption-Capability", "PRE-EMPTION_CAPABILITY_DISABLED", "ONLY_PACKET"] {
            #expect(text.contains(name), "the dump names \(name)")
        }
    }

    @Test("a missing required AVP is 5005 with a zero-filled example as Failed-AVP (RFC 6733 §7.5)")
    func missing() throws {
        let error = try #require(throws: DiameterMessageError.self) { try Self.check(Self.air(omitVisitedPLMN: true)) }
        #expect(error.resultCode == .missingAVP)
        #expect(error.failedAVP == AVP(.visitedPLMNID, .data([0, 0, 0, 0])))
        // Inside a group: an E-UTRAN-Vector without KASME (§7.3.18).
        let inner = try #require(throws: DiameterMessageError.self) { try Self.check(Self.aia(omitKASME: true)) }
        #expect(inner.resultCode == .missingAVP)
        #expect(inner.failedAVP?.key == AVPDefinition.kasme.key)
        // Sh: a UDR without Data-Reference (`1*{ Data-Reference }`).
        let sh = try #require(throws: DiameterMessageError.self) { try Self.check(Self.udr(dataReferences: [])) }
        #expect(sh.resultCode == .missingAVP)
        #expect(sh.failedAVP?.key == AVPDefinition.dataReference.key)
    }

    @Test("a single AVP repeated is 5009 with the second occurrence as Failed-AVP")
    func repeated() throws {
        let error = try #require(throws: DiameterMessageError.self) { try Self.check(Self.air(twice: true)) }
        #expect(error.resultCode == .avpOccursTooManyTimes)
        #expect(error.failedAVP == AVP(.userName, .data(Array("001010123456780".utf8))))
        let sh = try #require(throws: DiameterMessageError.self) { try Self.check(Self.udr(identities: 2)) }
        #expect(sh.resultCode == .avpOccursTooManyTimes)
        #expect(sh.failedAVP?.key == AVPDefinition.userIdentity.key)
    }

    @Test("five levels down: an AVP Allocation-Retention-Priority does not admit is 5008; an unknown one with M is 5001")
    func nested() throws {
        let notAllowed = try #require(throws: DiameterMessageError.self) {
            try Self.check(Self.ula(extraInARP: AVP(.serviceSelection, .data(Array("x".utf8)))))
        }
        #expect(notAllowed.resultCode == .avpNotAllowed)
        #expect(notAllowed.failedAVP?.key == AVPDefinition.serviceSelection.key)
        let unknown = AVP(code: 9999, vendorID: 10415, flags: [.mandatory], payload: .data([1, 2, 3, 4]))
        let unsupported = try #require(throws: DiameterMessageError.self) { try Self.check(Self.ula(extraInARP: unknown)) }
        #expect(unsupported.resultCode == .avpUnsupported)
        #expect(unsupported.failedAVP == unknown)
    }

    @Test("a value of the wrong size in an S6a AVP is 5014 when decoding (Item-Number is Unsigned32)")
    func badValue() throws {
        let bytes = Self.message(318, app: Self.s6a, request: false) { w in
            Self.answerHead(&w, app: Self.s6a)
            w.appendGroup(.authenticationInfo) { g in
                g.appendGroup(.eutranVector) { v in v.append(.itemNumber, bytes: [0, 1]) }
            }
        }
        let error = try #require(throws: DiameterMessageError.self) { try DiameterDecoder().decode(bytes) }
        #expect(error.resultCode == .invalidAVPLength)
        #expect(error.failedAVP?.key == AVPDefinition.itemNumber.key)
    }
}
