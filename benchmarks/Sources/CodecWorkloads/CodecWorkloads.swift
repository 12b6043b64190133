// The codec workloads measured by the ordo-one benchmarks and by the uninstrumented probe (one
// definition, so the two sets of figures describe the same work).
public import DiameterCore
public import NIOCore

public struct CodecWorkloads: Sendable {
    /// The MAR captured from a real S-CSCF (shared/spec/golden-messages.md §1.1), 508 octets.
    public let capturedMAR: ByteBuffer
    public let mar: MultimediaAuthRequest
    public let decoder = DiameterDecoder()
    public let allocator = ByteBufferAllocator()

    // One AKA vector: TS 35.208 test set 1 (RAND‖AUTN, XRES, CK, IK).
    static let randAUTN = bytes(fromHex: "23553cbe9637a89d218ae64dae47bf3555f328b43577b9b94a9ffac354dfafb3")!
    static let xres = bytes(fromHex: "a54211d5e3ba50bf")!
    static let ck = bytes(fromHex: "b40ba9a3c58b2a05bbf0d987b21bf8cb")!
    static let ik = bytes(fromHex: "f769bcd751044604127672711c6d3441")!
    static let hssHost = "hss.ims.mnc001.mcc240.3gppnetwork.org"
    static let hssRealm = "ims.mnc001.mcc240.3gppnetwork.org"

    public init() {
        capturedMAR = ByteBuffer(bytes: bytes(fromHex: Self.capturedMARHex)!)
        mar = try! MultimediaAuthRequest.decode(capturedMAR).1
    }

    /// Decode + grammar validation.
    @inline(never)
    public func decodeAndValidate() throws -> DiameterMessage {
        let m = try decoder.decode(capturedMAR)
        try m.validate(against: .multimediaAuth)
        return m
    }

    /// Decode + validation + typed MAR.
    @inline(never)
    public func decodeValidateTyped() throws -> MultimediaAuthRequest {
        try MultimediaAuthRequest(decoding: try decodeAndValidate())
    }

    /// The MAA for the captured MAR with one AKA vector, through the typed message: built, then encoded.
    @inline(never)
    public func encodeTypedMAA(hopByHop: UInt32) -> ByteBuffer {
        builtMAA.encode(hopByHopID: hopByHop, endToEndID: 0, allocator: allocator)
    }

    /// The typed MAA ``encodeTypedMAA(hopByHop:)`` builds each time; ``encodeBuiltMAA(_:hopByHop:)``
    /// encodes one built once (the encode alone).
    public var builtMAA: MultimediaAuthAnswer {
        MultimediaAuthAnswer(
            envelope: mar.envelope.answer(originHost: Self.hssHost, originRealm: Self.hssRealm, result: .success),
            userName: mar.userName, publicIdentity: mar.publicIdentity, sipNumberAuthItems: 1,
            sipAuthDataItems: [
                SIPAuthDataItem(
                    sipItemNumber: 1, sipAuthenticationScheme: "Digest-AKAv1-MD5", sipAuthenticate: Self.randAUTN,
                    sipAuthorization: Self.xres, confidentialityKey: Self.ck, integrityKey: Self.ik)
            ])
    }

    @inline(never)
    public func encodeBuiltMAA(_ maa: MultimediaAuthAnswer, hopByHop: UInt32) -> ByteBuffer {
        maa.encode(hopByHopID: hopByHop, endToEndID: 0, allocator: allocator)
    }

    /// The same MAA written AVP by AVP with the writer (no typed structs).
    @inline(never)
    public func encodeMAAWithWriter(hopByHop: UInt32) -> ByteBuffer {
        var w = DiameterMessageWriter(
            header: DiameterHeader(flags: .proxiable, commandCode: 303, applicationID: ApplicationID.cx, hopByHopID: hopByHop, endToEndID: 0),
            allocator: allocator)
        w.append(.sessionID, mar.envelope.sessionID)
        w.append(VendorSpecificApplicationID.cx)
        w.append(.resultCode, ResultCode.success.value)
        w.append(.authSessionState, Int32(1))
        w.append(.originHost, Self.hssHost)
        w.append(.originRealm, Self.hssRealm)
        w.append(.userName, mar.userName)
        w.append(.publicIdentity, mar.publicIdentity)
        w.append(.sipNumberAuthItems, UInt32(1))
        w.appendGroup(.sipAuthDataItem) { g in
            g.append(.sipItemNumber, UInt32(1))
            g.append(.sipAuthenticationScheme, "Digest-AKAv1-MD5")
            g.append(.sipAuthenticate, bytes: Self.randAUTN)
            g.append(.sipAuthorization, bytes: Self.xres)
            g.append(.confidentialityKey, bytes: Self.ck)
            g.append(.integrityKey, bytes: Self.ik)
        }
        return w.finish()
    }

    static let capturedMARHex = """
        010001fcc000012f010000001c90dc0d00000000000001074000004073637363
        662d30312e696d732e6d6e633030312e6d63633234302e336770706e6574776f
        726b2e6f72673b3338373b34373932353436363700000104400000200000010a
        4000000c000028af000001024000000c01000000000001154000000c00000001
        00000259c0000041000028af7369703a32343030313030303030303030313240
        696d732e6d6e633030312e6d63633234302e336770706e6574776f726b2e6f72
        67000000000000014000003932343030313030303030303030313240696d732e
        6d6e633030312e6d63633234302e336770706e6574776f726b2e6f7267000000
        0000025fc0000010000028af000000010000025ac0000036000028af7369703a
        73637363662d3031406d6e633030312e6d63633234302e336770706e6574776f
        726b2e6f726700000000011b40000029696d732e6d6e633030312e6d63633234
        302e336770706e6574776f726b2e6f726700000000000264c0000028000028af
        00000260c000001c000028af4469676573742d414b4176312d4d443500000108
        4000003273637363662d30312e696d732e6d6e633030312e6d63633234302e33
        6770706e6574776f726b2e6f726700000000012840000029696d732e6d6e6330
        30312e6d63633234302e336770706e6574776f726b2e6f7267000000
        """
}
