// Codec benchmarks (foundation issue): decode + validate of the captured 508-octet MAR, and encode of
// its MAA, in ns/op and allocations/op. Release build; results and the command in docs/benchmarks.md.
import Benchmark
import DiameterCore
import NIOCore

/// The MAR captured from a real S-CSCF (shared/spec/golden-messages.md §1.1).
let capturedMAR = ByteBuffer(bytes: bytes(fromHex: """
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
    """)!)

/// The answer to it: one AKA vector (TS 35.208 set 1 values), as the HSS will send it.
func encodeMAA(_ mar: MultimediaAuthRequest, hopByHop: UInt32, endToEnd: UInt32, allocator: ByteBufferAllocator) -> ByteBuffer {
    let maa = MultimediaAuthAnswer(
        envelope: mar.envelope.answer(originHost: "hss.ims.mnc001.mcc240.3gppnetwork.org", originRealm: "ims.mnc001.mcc240.3gppnetwork.org", result: .success),
        userName: mar.userName, publicIdentity: mar.publicIdentity, sipNumberAuthItems: 1,
        sipAuthDataItems: [SIPAuthDataItem(
            sipItemNumber: 1, sipAuthenticationScheme: "Digest-AKAv1-MD5", sipAuthenticate: randAUTN,
            sipAuthorization: xres, confidentialityKey: ck, integrityKey: ik)])
    return maa.encode(hopByHopID: hopByHop, endToEndID: endToEnd, allocator: allocator)
}

let randAUTN = bytes(fromHex: "23553cbe9637a89d218ae64dae47bf3555f328b43577b9b94a9ffac354dfafb3")!
let xres = bytes(fromHex: "a54211d5e3ba50bf")!
let ck = bytes(fromHex: "b40ba9a3c58b2a05bbf0d987b21bf8cb")!
let ik = bytes(fromHex: "f769bcd751044604127672711c6d3441")!

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds, maxDuration: .seconds(3), maxIterations: 10_000_000)

    let decoder = DiameterDecoder()

    Benchmark("MAR decode+validate (508 octets)") { benchmark in
        for _ in benchmark.scaledIterations {
            let m = try decoder.decode(capturedMAR)
            try m.validate(against: .multimediaAuth)
            blackHole(m)
        }
    }

    Benchmark("MAR decode+validate+typed read") { benchmark in
        for _ in benchmark.scaledIterations {
            let m = try decoder.decode(capturedMAR)
            try m.validate(against: .multimediaAuth)
            blackHole(try MultimediaAuthRequest(decoding: m))
        }
    }

    let mar = try! MultimediaAuthRequest.decode(capturedMAR).1
    let allocator = ByteBufferAllocator()
    Benchmark("MAA encode (1 AKA vector)") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(encodeMAA(mar, hopByHop: UInt32(truncatingIfNeeded: i), endToEnd: 0, allocator: allocator))
        }
    }

    Benchmark("MAA encode, writer only (no typed structs)") { benchmark in
        for i in benchmark.scaledIterations {
            var w = DiameterMessageWriter(
                header: DiameterHeader(flags: .proxiable, commandCode: 303, applicationID: ApplicationID.cx, hopByHopID: UInt32(truncatingIfNeeded: i), endToEndID: 0),
                allocator: allocator)
            w.append(.sessionID, mar.envelope.sessionID)
            w.append(VendorSpecificApplicationID.cx)
            w.append(.resultCode, ResultCode.success.value)
            w.append(.authSessionState, Int32(1))
            w.append(.originHost, "hss.ims.mnc001.mcc240.3gppnetwork.org")
            w.append(.originRealm, "ims.mnc001.mcc240.3gppnetwork.org")
            w.append(.userName, mar.userName)
            w.append(.publicIdentity, mar.publicIdentity)
            w.append(.sipNumberAuthItems, UInt32(1))
            w.appendGroup(.sipAuthDataItem) { g in
                g.append(.sipItemNumber, UInt32(1))
                g.append(.sipAuthenticationScheme, "Digest-AKAv1-MD5")
                g.append(.sipAuthenticate, bytes: randAUTN)
                g.append(.sipAuthorization, bytes: xres)
                g.append(.confidentialityKey, bytes: ck)
                g.append(.integrityKey, bytes: ik)
            }
            blackHole(w.finish())
        }
    }
}
