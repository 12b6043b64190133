// Golden Diameter messages, copied from shared/spec/golden-messages.md (captured, generated and
// constructed data: facts, not prose). Each fixture keeps the reference decode listing as expected values.
// Regenerate with scripts/golden-fixtures.py when the reference pack changes.

import DiameterCore

public struct GoldenAVPLine: Sendable {
    public enum Value: Sendable, Equatable { case group, string(String), hex(String), unsigned(UInt64), address(String) }
    public var depth: Int, code: UInt32, flags: UInt8, vendorID: UInt32, length: Int, name: String, value: Value
}

public struct GoldenHeader: Sendable {
    public var version: UInt8, length: UInt32, flags: UInt8, commandCode: UInt32, applicationID: UInt32, hopByHop: UInt32, endToEnd: UInt32
}

public struct GoldenMessage: Sendable, CustomStringConvertible {
    /// Section and title in golden-messages.md.
    public var title: String
    /// Where the bytes come from (CAPTURED / GENERATED / CONSTRUCTED, and the file).
    public var source: String
    public var hex: String
    /// `nil` for a bare AVP fixture (no Diameter header).
    public var header: GoldenHeader?
    public var lines: [GoldenAVPLine]
    public var description: String { title }
    public var bytes: [UInt8] { DiameterCore.bytes(fromHex: hex) ?? [] }
}

public enum GoldenMessages {
    public static let all: [GoldenMessage] = [
        GoldenMessage(
            title: "1.1 MAR (original order, as received)",
            source: "corsac-diameter `CxMultiMediaAuthTest.java` field `multimediaAuthRequestMessage` — CAPTURED",
            hex: """
                010001fcc000012f010000001c90dc0d00000000000001074000004073637363\
                662d30312e696d732e6d6e633030312e6d63633234302e336770706e6574776f\
                726b2e6f72673b3338373b34373932353436363700000104400000200000010a\
                4000000c000028af000001024000000c01000000000001154000000c00000001\
                00000259c0000041000028af7369703a32343030313030303030303030313240\
                696d732e6d6e633030312e6d63633234302e336770706e6574776f726b2e6f72\
                67000000000000014000003932343030313030303030303030313240696d732e\
                6d6e633030312e6d63633234302e336770706e6574776f726b2e6f7267000000\
                0000025fc0000010000028af000000010000025ac0000036000028af7369703a\
                73637363662d3031406d6e633030312e6d63633234302e336770706e6574776f\
                726b2e6f726700000000011b40000029696d732e6d6e633030312e6d63633234\
                302e336770706e6574776f726b2e6f726700000000000264c0000028000028af\
                00000260c000001c000028af4469676573742d414b4176312d4d443500000108\
                4000003273637363662d30312e696d732e6d6e633030312e6d63633234302e33\
                6770706e6574776f726b2e6f726700000000012840000029696d732e6d6e6330\
                30312e6d63633234302e336770706e6574776f726b2e6f7267000000
                """,
            header: GoldenHeader(version: 1, length: 508, flags: 0xc0, commandCode: 303, applicationID: 16777216, hopByHop: 0x1c90dc0d, endToEnd: 0x00000000),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 64, name: "Session-Id", value: .string("scscf-01.ims.mnc001.mcc240.3gppnetwork.org;387;479254667")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 65, name: "Public-Identity", value: .string("sip:240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 57, name: "User-Name", value: .string("240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 607, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Number-Auth-Items", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 602, flags: 0xc0, vendorID: 10415, length: 54, name: "Server-Name", value: .string("sip:scscf-01@mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 283, flags: 0x40, vendorID: 0, length: 41, name: "Destination-Realm", value: .string("ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 612, flags: 0xc0, vendorID: 10415, length: 40, name: "SIP-Auth-Data-Item", value: .group),
                GoldenAVPLine(depth: 2, code: 608, flags: 0xc0, vendorID: 10415, length: 28, name: "SIP-Authentication-Scheme", value: .string("Digest-AKAv1-MD5")),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 50, name: "Origin-Host", value: .string("scscf-01.ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("ims.mnc001.mcc240.3gppnetwork.org")),
            ]),
        GoldenMessage(
            title: "1.2 MAR (same content, ABNF order — corsac-diameter's re-encoding)",
            source: "`multimediaAuthRequestMessagePatched`",
            hex: """
                010001fcc000012f010000001c90dc0d00000000000001074000004073637363\
                662d30312e696d732e6d6e633030312e6d63633234302e336770706e6574776f\
                726b2e6f72673b3338373b34373932353436363700000104400000200000010a\
                4000000c000028af000001024000000c01000000000001154000000c00000001\
                000001084000003273637363662d30312e696d732e6d6e633030312e6d636332\
                34302e336770706e6574776f726b2e6f726700000000012840000029696d732e\
                6d6e633030312e6d63633234302e336770706e6574776f726b2e6f7267000000\
                0000011b40000029696d732e6d6e633030312e6d63633234302e336770706e65\
                74776f726b2e6f72670000000000000140000039323430303130303030303030\
                30313240696d732e6d6e633030312e6d63633234302e336770706e6574776f72\
                6b2e6f726700000000000259c0000041000028af7369703a3234303031303030\
                3030303030313240696d732e6d6e633030312e6d63633234302e336770706e65\
                74776f726b2e6f726700000000000264c0000028000028af00000260c000001c\
                000028af4469676573742d414b4176312d4d44350000025fc0000010000028af\
                000000010000025ac0000036000028af7369703a73637363662d3031406d6e63\
                3030312e6d63633234302e336770706e6574776f726b2e6f72670000
                """,
            header: GoldenHeader(version: 1, length: 508, flags: 0xc0, commandCode: 303, applicationID: 16777216, hopByHop: 0x1c90dc0d, endToEnd: 0x00000000),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 64, name: "Session-Id", value: .string("scscf-01.ims.mnc001.mcc240.3gppnetwork.org;387;479254667")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 50, name: "Origin-Host", value: .string("scscf-01.ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 283, flags: 0x40, vendorID: 0, length: 41, name: "Destination-Realm", value: .string("ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 57, name: "User-Name", value: .string("240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 65, name: "Public-Identity", value: .string("sip:240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 612, flags: 0xc0, vendorID: 10415, length: 40, name: "SIP-Auth-Data-Item", value: .group),
                GoldenAVPLine(depth: 2, code: 608, flags: 0xc0, vendorID: 10415, length: 28, name: "SIP-Authentication-Scheme", value: .string("Digest-AKAv1-MD5")),
                GoldenAVPLine(depth: 1, code: 607, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Number-Auth-Items", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 602, flags: 0xc0, vendorID: 10415, length: 54, name: "Server-Name", value: .string("sip:scscf-01@mnc001.mcc240.3gppnetwork.org")),
            ]),
        GoldenMessage(
            title: "1.3 MAA (original order, from a real HSS 'odinhss')",
            source: "`multimediaAuthAnswerMessage` — CAPTURED",
            hex: """
                0100022c4000012f010000001c90dc0d00000000000001074000004073637363\
                662d30312e696d732e6d6e633030312e6d63633234302e336770706e6574776f\
                726b2e6f72673b3338373b34373932353436363700000108400000316f64696e\
                6873732e696d732e6d6e633030312e6d63633234302e336770706e6574776f72\
                6b2e6f72670000000000012840000029696d732e6d6e633030312e6d63633234\
                302e336770706e6574776f726b2e6f7267000000000001154000000c00000001\
                00000104400000200000010a4000000c000028af000001024000000c01000000\
                00000259c0000041000028af7369703a32343030313030303030303030313240\
                696d732e6d6e633030312e6d63633234302e336770706e6574776f726b2e6f72\
                67000000000000014000003932343030313030303030303030313240696d732e\
                6d6e633030312e6d63633234302e336770706e6574776f726b2e6f7267000000\
                0000025fc0000010000028af0000000100000264c00000b0000028af00000265\
                c0000010000028af0000000100000260c000001c000028af4469676573742d41\
                4b4176312d4d443500000261c000002c000028af3f9df1bfbc0f9771309cf101\
                78fe0e00a4cd19feeefcb9b9565f293db7f069f700000262c0000014000028af\
                af9f1b8cdab6bf6800000271c000001c000028afb9cabdfaceb0b3e27ef53a78\
                857703d600000272c000001c000028aff65a7b4111ef6c10ecd95685c0507c26\
                0000010c4000000c000007d1
                """,
            header: GoldenHeader(version: 1, length: 556, flags: 0x40, commandCode: 303, applicationID: 16777216, hopByHop: 0x1c90dc0d, endToEnd: 0x00000000),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 64, name: "Session-Id", value: .string("scscf-01.ims.mnc001.mcc240.3gppnetwork.org;387;479254667")),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 49, name: "Origin-Host", value: .string("odinhss.ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 65, name: "Public-Identity", value: .string("sip:240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 57, name: "User-Name", value: .string("240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 607, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Number-Auth-Items", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 612, flags: 0xc0, vendorID: 10415, length: 176, name: "SIP-Auth-Data-Item", value: .group),
                GoldenAVPLine(depth: 2, code: 613, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Item-Number", value: .unsigned(1)),
                GoldenAVPLine(depth: 2, code: 608, flags: 0xc0, vendorID: 10415, length: 28, name: "SIP-Authentication-Scheme", value: .string("Digest-AKAv1-MD5")),
                GoldenAVPLine(depth: 2, code: 609, flags: 0xc0, vendorID: 10415, length: 44, name: "SIP-Authenticate", value: .hex("3f9df1bfbc0f9771309cf10178fe0e00a4cd19feeefcb9b9565f293db7f069f7")),
                GoldenAVPLine(depth: 2, code: 610, flags: 0xc0, vendorID: 10415, length: 20, name: "SIP-Authorization", value: .hex("af9f1b8cdab6bf68")),
                GoldenAVPLine(depth: 2, code: 625, flags: 0xc0, vendorID: 10415, length: 28, name: "Confidentiality-Key", value: .hex("b9cabdfaceb0b3e27ef53a78857703d6")),
                GoldenAVPLine(depth: 2, code: 626, flags: 0xc0, vendorID: 10415, length: 28, name: "Integrity-Key", value: .hex("f65a7b4111ef6c10ecd95685c0507c26")),
                GoldenAVPLine(depth: 1, code: 268, flags: 0x40, vendorID: 0, length: 12, name: "Result-Code", value: .unsigned(2001)),
            ]),
        GoldenMessage(
            title: "1.4 MAA (ABNF order re-encoding)",
            source: "`multimediaAuthAnswerMessagePatched` — our encoder reproduces this byte-for-byte",
            hex: """
                0100022c4000012f010000001c90dc0d00000000000001074000004073637363\
                662d30312e696d732e6d6e633030312e6d63633234302e336770706e6574776f\
                726b2e6f72673b3338373b34373932353436363700000104400000200000010a\
                4000000c000028af000001024000000c010000000000010c4000000c000007d1\
                000001154000000c0000000100000108400000316f64696e6873732e696d732e\
                6d6e633030312e6d63633234302e336770706e6574776f726b2e6f7267000000\
                0000012840000029696d732e6d6e633030312e6d63633234302e336770706e65\
                74776f726b2e6f72670000000000000140000039323430303130303030303030\
                30313240696d732e6d6e633030312e6d63633234302e336770706e6574776f72\
                6b2e6f726700000000000259c0000041000028af7369703a3234303031303030\
                3030303030313240696d732e6d6e633030312e6d63633234302e336770706e65\
                74776f726b2e6f72670000000000025fc0000010000028af0000000100000264\
                c00000b0000028af00000265c0000010000028af0000000100000260c000001c\
                000028af4469676573742d414b4176312d4d443500000261c000002c000028af\
                3f9df1bfbc0f9771309cf10178fe0e00a4cd19feeefcb9b9565f293db7f069f7\
                00000262c0000014000028afaf9f1b8cdab6bf6800000271c000001c000028af\
                b9cabdfaceb0b3e27ef53a78857703d600000272c000001c000028aff65a7b41\
                11ef6c10ecd95685c0507c26
                """,
            header: GoldenHeader(version: 1, length: 556, flags: 0x40, commandCode: 303, applicationID: 16777216, hopByHop: 0x1c90dc0d, endToEnd: 0x00000000),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 64, name: "Session-Id", value: .string("scscf-01.ims.mnc001.mcc240.3gppnetwork.org;387;479254667")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 268, flags: 0x40, vendorID: 0, length: 12, name: "Result-Code", value: .unsigned(2001)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 49, name: "Origin-Host", value: .string("odinhss.ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 57, name: "User-Name", value: .string("240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 65, name: "Public-Identity", value: .string("sip:240010000000012@ims.mnc001.mcc240.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 607, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Number-Auth-Items", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 612, flags: 0xc0, vendorID: 10415, length: 176, name: "SIP-Auth-Data-Item", value: .group),
                GoldenAVPLine(depth: 2, code: 613, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Item-Number", value: .unsigned(1)),
                GoldenAVPLine(depth: 2, code: 608, flags: 0xc0, vendorID: 10415, length: 28, name: "SIP-Authentication-Scheme", value: .string("Digest-AKAv1-MD5")),
                GoldenAVPLine(depth: 2, code: 609, flags: 0xc0, vendorID: 10415, length: 44, name: "SIP-Authenticate", value: .hex("3f9df1bfbc0f9771309cf10178fe0e00a4cd19feeefcb9b9565f293db7f069f7")),
                GoldenAVPLine(depth: 2, code: 610, flags: 0xc0, vendorID: 10415, length: 20, name: "SIP-Authorization", value: .hex("af9f1b8cdab6bf68")),
                GoldenAVPLine(depth: 2, code: 625, flags: 0xc0, vendorID: 10415, length: 28, name: "Confidentiality-Key", value: .hex("b9cabdfaceb0b3e27ef53a78857703d6")),
                GoldenAVPLine(depth: 2, code: 626, flags: 0xc0, vendorID: 10415, length: 28, name: "Integrity-Key", value: .hex("f65a7b4111ef6c10ecd95685c0507c26")),
            ]),
        GoldenMessage(
            title: "2.1 DWR (captured)",
            source: "corsac-diameter `DeviceWatchdogTest.java` `deviceWatchdogRequestMessage`",
            hex: """
                0100004480000118000000001c7e1e611c7e1e6100000108400000153137322e\
                33302e32372e313736000000000001284000001874616977616e6d6f62696c65\
                2e636f6d
                """,
            header: GoldenHeader(version: 1, length: 68, flags: 0x80, commandCode: 280, applicationID: 0, hopByHop: 0x1c7e1e61, endToEnd: 0x1c7e1e61),
            lines: [
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 21, name: "Origin-Host", value: .string("172.30.27.176")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 24, name: "Origin-Realm", value: .string("taiwanmobile.com")),
            ]),
        GoldenMessage(
            title: "2.2 DWA (captured)",
            source: "`deviceWatchdogAnswerMessage`",
            hex: """
                0100006800000118000000001c7e1e611c7e1e610000010c4000000c000007d1\
                0000010840000028534954435341504330312e736170632e74616977616e6d6f\
                62696c652e636f6d000001284000001d736170632e74616977616e6d6f62696c\
                652e636f6d000000
                """,
            header: GoldenHeader(version: 1, length: 104, flags: 0x00, commandCode: 280, applicationID: 0, hopByHop: 0x1c7e1e61, endToEnd: 0x1c7e1e61),
            lines: [
                GoldenAVPLine(depth: 1, code: 268, flags: 0x40, vendorID: 0, length: 12, name: "Result-Code", value: .unsigned(2001)),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 40, name: "Origin-Host", value: .string("SITCSAPC01.sapc.taiwanmobile.com")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 29, name: "Origin-Realm", value: .string("sapc.taiwanmobile.com")),
            ]),
        GoldenMessage(
            title: "2.3 CER (go-diameter test vector)",
            source: "fiorix/go-diameter `diam/message_test.go` `testMessage` — GENERATED (field list documented in the source comment)",
            hex: """
                010000cc8000010100000000a8cc407da8c1b2b4000001084000000c74657374\
                00000128400000116c6f63616c686f7374000000000001014000000e00010a01\
                000100000000010a4000000c0000000d0000010d00000013676f2d6469616d65\
                74657200000001164000000c5350228a000001094000000c000028af00000109\
                4000000c0000000d000001024000000c000000040000012b4000000c00000000\
                0000010440000020000001024000000c000000040000010a4000000c000028af\
                0000010b0000000c00000001
                """,
            header: GoldenHeader(version: 1, length: 204, flags: 0x80, commandCode: 257, applicationID: 0, hopByHop: 0xa8cc407d, endToEnd: 0xa8c1b2b4),
            lines: [
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 12, name: "Origin-Host", value: .string("test")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 17, name: "Origin-Realm", value: .string("localhost")),
                GoldenAVPLine(depth: 1, code: 257, flags: 0x40, vendorID: 0, length: 14, name: "Host-IP-Address", value: .address("10.1.0.1")),
                GoldenAVPLine(depth: 1, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(13)),
                GoldenAVPLine(depth: 1, code: 269, flags: 0x00, vendorID: 0, length: 19, name: "Product-Name", value: .string("go-diameter")),
                GoldenAVPLine(depth: 1, code: 278, flags: 0x40, vendorID: 0, length: 12, name: "Origin-State-Id", value: .unsigned(1397760650)),
                GoldenAVPLine(depth: 1, code: 265, flags: 0x40, vendorID: 0, length: 12, name: "Supported-Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 265, flags: 0x40, vendorID: 0, length: 12, name: "Supported-Vendor-Id", value: .unsigned(13)),
                GoldenAVPLine(depth: 1, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(4)),
                GoldenAVPLine(depth: 1, code: 299, flags: 0x40, vendorID: 0, length: 12, name: "Inband-Security-Id", value: .unsigned(0)),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(4)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 267, flags: 0x00, vendorID: 0, length: 12, name: "Firmware-Revision", value: .unsigned(1)),
            ]),
        GoldenMessage(
            title: "2.4 CER advertising Cx (PyHSS test)",
            source: "nickvsnetworking/pyhss `tests/test_Diameter.py` `Diameter_CER` — GENERATED",
            hex: """
                0100015080000101000000008eb7d56ab07bcdd6000001084000000d68737330\
                3100000000000128400000296570632e6d6e633030312e6d63633030312e3367\
                70706e6574776f726b2e6f7267000000000001014000000e00017f0001010000\
                0000010a4000000c000000000000010d0000001450794853532d636c69656e74\
                0000010440000020000001024000000c010000230000010a4000000c000028af\
                0000010440000020000001024000000c010000160000010a4000000c000028af\
                0000010440000020000001024000000c010000270000010a4000000c000028af\
                0000010440000020000001024000000c010000010000010a4000000c000028af\
                0000010440000020000001024000000c010000000000010a4000000c000028af\
                000001024000000cffffffff000001094000000c0000159f000001094000000c\
                000028af000001094000000c000032db
                """,
            header: GoldenHeader(version: 1, length: 336, flags: 0x80, commandCode: 257, applicationID: 0, hopByHop: 0x8eb7d56a, endToEnd: 0xb07bcdd6),
            lines: [
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 13, name: "Origin-Host", value: .string("hss01")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("epc.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 257, flags: 0x40, vendorID: 0, length: 14, name: "Host-IP-Address", value: .address("127.0.1.1")),
                GoldenAVPLine(depth: 1, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(0)),
                GoldenAVPLine(depth: 1, code: 269, flags: 0x00, vendorID: 0, length: 20, name: "Product-Name", value: .string("PyHSS-client")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777251)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777238)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777255)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777217)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(4294967295)),
                GoldenAVPLine(depth: 1, code: 265, flags: 0x40, vendorID: 0, length: 12, name: "Supported-Vendor-Id", value: .unsigned(5535)),
                GoldenAVPLine(depth: 1, code: 265, flags: 0x40, vendorID: 0, length: 12, name: "Supported-Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 265, flags: 0x40, vendorID: 0, length: 12, name: "Supported-Vendor-Id", value: .unsigned(13019)),
            ]),
        GoldenMessage(
            title: "2.5 DWR (PyHSS test)",
            source: "`Diameter_DWR` — GENERATED",
            hex: """
                01000050800001180000000078b7968d75b22bf3000001084000000d68737330\
                3100000000000128400000296570632e6d6e633030312e6d63633030312e3367\
                70706e6574776f726b2e6f7267000000
                """,
            header: GoldenHeader(version: 1, length: 80, flags: 0x80, commandCode: 280, applicationID: 0, hopByHop: 0x78b7968d, endToEnd: 0x75b22bf3),
            lines: [
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 13, name: "Origin-Host", value: .string("hss01")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("epc.mnc001.mcc001.3gppnetwork.org")),
            ]),
        GoldenMessage(
            title: "2.6 DPR (captured from an MVNO DSR, in PyHSS test)",
            source: "first `Diameter_DPR` (hex-string literal) — CAPTURED",
            hex: """
                0100008c8000011a000000009aeff2238170f971000001084000003a696c7363\
                303364737230312e6d766e6f2e6570632e6d6e633538382e6d63633331312e33\
                6770706e6574776f726b2e6f72670000000001284000002e6d766e6f2e657063\
                2e6d6e633538382e6d63633331312e336770706e6574776f726b2e6f72670000\
                000001114000000c00000000
                """,
            header: GoldenHeader(version: 1, length: 140, flags: 0x80, commandCode: 282, applicationID: 0, hopByHop: 0x9aeff223, endToEnd: 0x8170f971),
            lines: [
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 58, name: "Origin-Host", value: .string("ilsc03dsr01.mvno.epc.mnc588.mcc311.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 46, name: "Origin-Realm", value: .string("mvno.epc.mnc588.mcc311.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 273, flags: 0x40, vendorID: 0, length: 12, name: "Disconnect-Cause", value: .unsigned(0)),
            ]),
        GoldenMessage(
            title: "3.1 UAR",
            source: "pyhss `tests/test_Diameter.py` `Diameter_Cx_UAR` — GENERATED",
            hex: """
                01000138c000012c01000000677c25a6926821ea000001074000002636383733\
                3733333033313b643031393535623461623b313b6170705f6378000000000108\
                4000000d687373303100000000000128400000296570632e6d6e633030312e6d\
                63633030312e336770706e6574776f726b2e6f72670000000000011b40000013\
                6c6f63616c646f6d61696e0000000104400000200000010a4000000c000028af\
                000001024000000c01000000000001154000000c00000001000000014000002c\
                353035393331313131313131313136406e69636b76736e6574776f726b696e67\
                2e636f6d00000259c0000034000028af7369703a353035393331313131313131\
                313136406e69636b76736e6574776f726b696e672e636f6d00000258c0000020\
                000028af6e69636b76736e6574776f726b696e672e636f6d
                """,
            header: GoldenHeader(version: 1, length: 312, flags: 0xc0, commandCode: 300, applicationID: 16777216, hopByHop: 0x677c25a6, endToEnd: 0x926821ea),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 38, name: "Session-Id", value: .string("6873733031;d01955b4ab;1;app_cx")),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 13, name: "Origin-Host", value: .string("hss01")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("epc.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 283, flags: 0x40, vendorID: 0, length: 19, name: "Destination-Realm", value: .string("localdomain")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 44, name: "User-Name", value: .string("505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 52, name: "Public-Identity", value: .string("sip:505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 600, flags: 0xc0, vendorID: 10415, length: 32, name: "Visited-Network-Identifier", value: .hex("6e69636b76736e6574776f726b696e672e636f6d")),
            ]),
        GoldenMessage(
            title: "3.2 MAR (variable is misnamed Diameter_Cx_MAA; flags 0xC0 = request)",
            source: "pyhss `tests/test_Diameter.py` `Diameter_Cx_MAA` — GENERATED",
            hex: """
                01000168c000012f01000000c14467ebddee626e000001074000002636383733\
                3733333033313b353363613464353131333b313b6170705f6378000000000108\
                4000000d687373303100000000000128400000296570632e6d6e633030312e6d\
                63633030312e336770706e6574776f726b2e6f72670000000000011b40000013\
                6c6f63616c646f6d61696e0000000104400000200000010a4000000c000028af\
                000001024000000c01000000000001154000000c00000001000000014000002c\
                353035393331313131313131313136406e69636b76736e6574776f726b696e67\
                2e636f6d00000259c0000034000028af7369703a353035393331313131313131\
                313136406e69636b76736e6574776f726b696e672e636f6d0000025fc0000010\
                000028af0000000100000264c0000028000028af00000260c000001c000028af\
                4469676573742d414b4176312d4d44350000025ac0000018000028af50794853\
                532d636c69656e74
                """,
            header: GoldenHeader(version: 1, length: 360, flags: 0xc0, commandCode: 303, applicationID: 16777216, hopByHop: 0xc14467eb, endToEnd: 0xddee626e),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 38, name: "Session-Id", value: .string("6873733031;53ca4d5113;1;app_cx")),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 13, name: "Origin-Host", value: .string("hss01")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("epc.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 283, flags: 0x40, vendorID: 0, length: 19, name: "Destination-Realm", value: .string("localdomain")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 44, name: "User-Name", value: .string("505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 52, name: "Public-Identity", value: .string("sip:505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 607, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Number-Auth-Items", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 612, flags: 0xc0, vendorID: 10415, length: 40, name: "SIP-Auth-Data-Item", value: .group),
                GoldenAVPLine(depth: 2, code: 608, flags: 0xc0, vendorID: 10415, length: 28, name: "SIP-Authentication-Scheme", value: .string("Digest-AKAv1-MD5")),
                GoldenAVPLine(depth: 1, code: 602, flags: 0xc0, vendorID: 10415, length: 24, name: "Server-Name", value: .string("PyHSS-client")),
            ]),
        GoldenMessage(
            title: "3.3 SAR (SAT=1 REGISTRATION, UDAA=0)",
            source: "pyhss `tests/test_Diameter.py` `Diameter_Cx_SAR` — GENERATED",
            hex: """
                01000170c000012d010000008b28f61bd21d66c4000001074000002636383733\
                3733333033313b383035643664363435623b313b6170705f6378000000000108\
                4000000d687373303100000000000128400000296570632e6d6e633030312e6d\
                63633030312e336770706e6574776f726b2e6f72670000000000011b40000013\
                6c6f63616c646f6d61696e0000000104400000200000010a4000000c000028af\
                000001024000000c01000000000001154000000c0000000100000259c0000034\
                000028af7369703a353035393331313131313131313136406e69636b76736e65\
                74776f726b696e672e636f6d0000025ac0000037000028af7369703a73637363\
                662e6d6e633030312e6d636330312e336770706e6574776f726b2e6f72673a35\
                30363000000000014000002c353035393331313131313131313136406e69636b\
                76736e6574776f726b696e672e636f6d00000266c0000010000028af00000001\
                00000270c0000010000028af00000000
                """,
            header: GoldenHeader(version: 1, length: 368, flags: 0xc0, commandCode: 301, applicationID: 16777216, hopByHop: 0x8b28f61b, endToEnd: 0xd21d66c4),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 38, name: "Session-Id", value: .string("6873733031;805d6d645b;1;app_cx")),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 13, name: "Origin-Host", value: .string("hss01")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("epc.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 283, flags: 0x40, vendorID: 0, length: 19, name: "Destination-Realm", value: .string("localdomain")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 52, name: "Public-Identity", value: .string("sip:505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 602, flags: 0xc0, vendorID: 10415, length: 55, name: "Server-Name", value: .string("sip:scscf.mnc001.mcc01.3gppnetwork.org:5060")),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 44, name: "User-Name", value: .string("505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 614, flags: 0xc0, vendorID: 10415, length: 16, name: "Server-Assignment-Type", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 624, flags: 0xc0, vendorID: 10415, length: 16, name: "User-Data-Already-Available", value: .unsigned(0)),
            ]),
        GoldenMessage(
            title: "3.4 RTR (Reason-Code 0 PERMANENT_TERMINATION, Reason-Info \"Test Reason\")",
            source: "pyhss `tests/test_Diameter.py` `Diameter_Cx_RTR` — GENERATED",
            hex: """
                010001c4c0000130010000008cbbcaee2d3b6a22000001024000000c01000023\
                0000010740000026363837333733333033313b383933383265666139653b313b\
                6170705f637800000000010440000020000001024000000c010000000000010a\
                4000000c000028af000001084000000d68737330310000000000012840000029\
                6570632e6d6e633030312e6d63633030312e336770706e6574776f726b2e6f72\
                6700000000000267c0000034000028af00000268c0000010000028af00000000\
                00000269c0000017000028af5465737420526561736f6e000000011b40000013\
                6c6f63616c646f6d61696e0000000125400000176873732e6c6f63616c646f6d\
                61696e00000001154000000c00000001000000014000002c3530353933313131\
                31313131313136406e69636b76736e6574776f726b696e672e636f6d00000259\
                c0000034000028af7369703a353035393331313131313131313136406e69636b\
                76736e6574776f726b696e672e636f6d0000025ac0000018000028af50794853\
                532d636c69656e740000011c4000002800000118400000136c6f63616c646f6d\
                61696e00000000214000000a000100000000011a400000136c6f63616c646f6d\
                61696e00
                """,
            header: GoldenHeader(version: 1, length: 452, flags: 0xc0, commandCode: 304, applicationID: 16777216, hopByHop: 0x8cbbcaee, endToEnd: 0x2d3b6a22),
            lines: [
                GoldenAVPLine(depth: 1, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777251)),
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 38, name: "Session-Id", value: .string("6873733031;89382efa9e;1;app_cx")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 13, name: "Origin-Host", value: .string("hss01")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("epc.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 615, flags: 0xc0, vendorID: 10415, length: 52, name: "Deregistration-Reason", value: .group),
                GoldenAVPLine(depth: 2, code: 616, flags: 0xc0, vendorID: 10415, length: 16, name: "Reason-Code", value: .unsigned(0)),
                GoldenAVPLine(depth: 2, code: 617, flags: 0xc0, vendorID: 10415, length: 23, name: "Reason-Info", value: .string("Test Reason")),
                GoldenAVPLine(depth: 1, code: 283, flags: 0x40, vendorID: 0, length: 19, name: "Destination-Realm", value: .string("localdomain")),
                GoldenAVPLine(depth: 1, code: 293, flags: 0x40, vendorID: 0, length: 23, name: "Destination-Host", value: .string("hss.localdomain")),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 44, name: "User-Name", value: .string("505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 52, name: "Public-Identity", value: .string("sip:505931111111116@nickvsnetworking.com")),
                GoldenAVPLine(depth: 1, code: 602, flags: 0xc0, vendorID: 10415, length: 24, name: "Server-Name", value: .string("PyHSS-client")),
                GoldenAVPLine(depth: 1, code: 284, flags: 0x40, vendorID: 0, length: 40, name: "Proxy-Info", value: .group),
                GoldenAVPLine(depth: 2, code: 280, flags: 0x40, vendorID: 0, length: 19, name: "Proxy-Host", value: .string("localdomain")),
                GoldenAVPLine(depth: 2, code: 33, flags: 0x40, vendorID: 0, length: 10, name: "Proxy-State", value: .hex("0001")),
                GoldenAVPLine(depth: 1, code: 282, flags: 0x40, vendorID: 0, length: 19, name: "Route-Record", value: .string("localdomain")),
            ]),
        GoldenMessage(
            title: "4.1 SIP-Auth-Data-Item for the MAA (176 octets)",
            source: "",
            hex: """
                00000264c00000b0000028af00000265c0000010000028af0000000100000260\
                c000001c000028af4469676573742d414b4176312d4d443500000261c000002c\
                000028af23553cbe9637a89d218ae64dae47bf3555f328b43577b9b94a9ffac3\
                54dfafb300000262c0000014000028afa54211d5e3ba50bf00000271c000001c\
                000028afb40ba9a3c58b2a05bbf0d987b21bf8cb00000272c000001c000028af\
                f769bcd751044604127672711c6d3441
                """,
            header: nil,
            lines: [
            ]),
        GoldenMessage(
            title: "4.2 SIP-Auth-Data-Item for a re-synchronisation MAR (84 octets)",
            source: "",
            hex: """
                00000264c0000054000028af00000260c000001c000028af4469676573742d41\
                4b4176312d4d443500000262c000002a000028af23553cbe9637a89d218ae64d\
                ae47bf35ba853f3c123ccf44e93596e355c60000
                """,
            header: nil,
            lines: [
            ]),
        GoldenMessage(
            title: "4.3 Complete MAA (constructed, hop-by-hop/end-to-end = 1)",
            source: "built by this research with the encoder validated in 1.4",
            hex: """
                0100021c4000012f010000000000000100000001000001074000003373637363\
                662e696d732e6d6e633030312e6d63633030312e336770706e6574776f726b2e\
                6f72673b313b310000000104400000200000010a4000000c000028af00000102\
                4000000c010000000000010c4000000c000007d1000001154000000c00000001\
                000001084000002d6873732e696d732e6d6e633030312e6d63633030312e3367\
                70706e6574776f726b2e6f72670000000000012840000029696d732e6d6e6330\
                30312e6d63633030312e336770706e6574776f726b2e6f726700000000000001\
                4000003930303130313030303030303030303140696d732e6d6e633030312e6d\
                63633030312e336770706e6574776f726b2e6f726700000000000259c0000041\
                000028af7369703a30303130313030303030303030303140696d732e6d6e6330\
                30312e6d63633030312e336770706e6574776f726b2e6f72670000000000025f\
                c0000010000028af0000000100000264c00000b0000028af00000265c0000010\
                000028af0000000100000260c000001c000028af4469676573742d414b417631\
                2d4d443500000261c000002c000028af23553cbe9637a89d218ae64dae47bf35\
                55f328b43577b9b94a9ffac354dfafb300000262c0000014000028afa54211d5\
                e3ba50bf00000271c000001c000028afb40ba9a3c58b2a05bbf0d987b21bf8cb\
                00000272c000001c000028aff769bcd751044604127672711c6d3441
                """,
            header: GoldenHeader(version: 1, length: 540, flags: 0x40, commandCode: 303, applicationID: 16777216, hopByHop: 0x00000001, endToEnd: 0x00000001),
            lines: [
                GoldenAVPLine(depth: 1, code: 263, flags: 0x40, vendorID: 0, length: 51, name: "Session-Id", value: .string("scscf.ims.mnc001.mcc001.3gppnetwork.org;1;1")),
                GoldenAVPLine(depth: 1, code: 260, flags: 0x40, vendorID: 0, length: 32, name: "Vendor-Specific-Application-Id", value: .group),
                GoldenAVPLine(depth: 2, code: 266, flags: 0x40, vendorID: 0, length: 12, name: "Vendor-Id", value: .unsigned(10415)),
                GoldenAVPLine(depth: 2, code: 258, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Application-Id", value: .unsigned(16777216)),
                GoldenAVPLine(depth: 1, code: 268, flags: 0x40, vendorID: 0, length: 12, name: "Result-Code", value: .unsigned(2001)),
                GoldenAVPLine(depth: 1, code: 277, flags: 0x40, vendorID: 0, length: 12, name: "Auth-Session-State", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 264, flags: 0x40, vendorID: 0, length: 45, name: "Origin-Host", value: .string("hss.ims.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 296, flags: 0x40, vendorID: 0, length: 41, name: "Origin-Realm", value: .string("ims.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 1, flags: 0x40, vendorID: 0, length: 57, name: "User-Name", value: .string("001010000000001@ims.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 601, flags: 0xc0, vendorID: 10415, length: 65, name: "Public-Identity", value: .string("sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org")),
                GoldenAVPLine(depth: 1, code: 607, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Number-Auth-Items", value: .unsigned(1)),
                GoldenAVPLine(depth: 1, code: 612, flags: 0xc0, vendorID: 10415, length: 176, name: "SIP-Auth-Data-Item", value: .group),
                GoldenAVPLine(depth: 2, code: 613, flags: 0xc0, vendorID: 10415, length: 16, name: "SIP-Item-Number", value: .unsigned(1)),
                GoldenAVPLine(depth: 2, code: 608, flags: 0xc0, vendorID: 10415, length: 28, name: "SIP-Authentication-Scheme", value: .string("Digest-AKAv1-MD5")),
                GoldenAVPLine(depth: 2, code: 609, flags: 0xc0, vendorID: 10415, length: 44, name: "SIP-Authenticate", value: .hex("23553cbe9637a89d218ae64dae47bf3555f328b43577b9b94a9ffac354dfafb3")),
                GoldenAVPLine(depth: 2, code: 610, flags: 0xc0, vendorID: 10415, length: 20, name: "SIP-Authorization", value: .hex("a54211d5e3ba50bf")),
                GoldenAVPLine(depth: 2, code: 625, flags: 0xc0, vendorID: 10415, length: 28, name: "Confidentiality-Key", value: .hex("b40ba9a3c58b2a05bbf0d987b21bf8cb")),
                GoldenAVPLine(depth: 2, code: 626, flags: 0xc0, vendorID: 10415, length: 28, name: "Integrity-Key", value: .hex("f769bcd751044604127672711c6d3441")),
            ]),
    ]

    /// The whole messages (those with a header).
    public static var messages: [GoldenMessage] { all.filter { $0.header != nil } }

    public static func named(_ prefix: String) -> GoldenMessage {
        guard let m = all.first(where: { $0.title.hasPrefix(prefix) }) else { preconditionFailure("no golden message \(prefix)") }
        return m
    }

    /// golden-messages.md §4.4: Experimental-Result AVPs (Vendor-Id 10415) per Cx code.
    public static let experimentalResults: [(code: UInt32, name: String, hex: String)] = [
        (2001, "DIAMETER_FIRST_REGISTRATION", "00000129400000200000010a4000000c000028af0000012a4000000c000007d1"),
        (2002, "DIAMETER_SUBSEQUENT_REGISTRATION", "00000129400000200000010a4000000c000028af0000012a4000000c000007d2"),
        (2003, "DIAMETER_UNREGISTERED_SERVICE", "00000129400000200000010a4000000c000028af0000012a4000000c000007d3"),
        (2004, "DIAMETER_SUCCESS_SERVER_NAME_NOT_STORED", "00000129400000200000010a4000000c000028af0000012a4000000c000007d4"),
        (5001, "DIAMETER_ERROR_USER_UNKNOWN", "00000129400000200000010a4000000c000028af0000012a4000000c00001389"),
        (5002, "DIAMETER_ERROR_IDENTITIES_DONT_MATCH", "00000129400000200000010a4000000c000028af0000012a4000000c0000138a"),
        (5003, "DIAMETER_ERROR_IDENTITY_NOT_REGISTERED", "00000129400000200000010a4000000c000028af0000012a4000000c0000138b"),
        (5004, "DIAMETER_ERROR_ROAMING_NOT_ALLOWED", "00000129400000200000010a4000000c000028af0000012a4000000c0000138c"),
        (5005, "DIAMETER_ERROR_IDENTITY_ALREADY_REGISTERED", "00000129400000200000010a4000000c000028af0000012a4000000c0000138d"),
        (5006, "DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED", "00000129400000200000010a4000000c000028af0000012a4000000c0000138e"),
        (5007, "DIAMETER_ERROR_IN_ASSIGNMENT_TYPE", "00000129400000200000010a4000000c000028af0000012a4000000c0000138f"),
        (5008, "DIAMETER_ERROR_TOO_MUCH_DATA", "00000129400000200000010a4000000c000028af0000012a4000000c00001390"),
        (5009, "DIAMETER_ERROR_NOT_SUPPORTED_USER_DATA", "00000129400000200000010a4000000c000028af0000012a4000000c00001391"),
        (5011, "DIAMETER_ERROR_FEATURE_UNSUPPORTED", "00000129400000200000010a4000000c000028af0000012a4000000c00001393"),
        (5012, "DIAMETER_ERROR_SERVING_NODE_FEATURE_UNSUPPORTED", "00000129400000200000010a4000000c000028af0000012a4000000c00001394"),
    ]
}

