// libFuzzer entry point for the Diameter decoder. Built only by scripts/fuzz.sh with
// `-sanitize=fuzzer,address`; see docs/fuzzing.md. Without the sanitizer it is a tiny replay tool:
// `DiameterFuzz FILE...` runs each file through the same path (used to check crash reproducers).
import DiameterCore
import HSSCore
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    exercise(bytes)
    // Drip the same input through the frame decoder, as a stream, in 1..7-octet pieces.
    let framer = DiameterFrameDecoder(maximumMessageLength: 1 << 16)
    var stream = ByteBuffer()
    var offset = 0
    var step = 1
    while offset < size {
        let n = min(step, size - offset)
        stream.writeBytes(UnsafeBufferPointer(start: data + offset, count: n))
        offset += n
        step = step % 7 + 1
        while true {
            guard case .frame(let frame)? = try? framer.nextFrame(&stream) else { break }
            exercise(frame)
        }
    }
    return 0
}

private func exercise(_ bytes: ByteBuffer) {
    guard let message = try? DiameterDecoder().decode(bytes) else { return }
    _ = try? message.validate()
    // Re-encoding is a fixpoint: it decodes to the same AVP tree and re-encodes to the same bytes. (It
    // equals the input except where the input had non-zero padding, which we accept and write as zeros.)
    let once = message.reencoded()
    guard let again = try? DiameterDecoder().decode(once) else {
        preconditionFailure("re-encoding of a decoded message does not decode")
    }
    precondition(again.avpTree() == message.avpTree(), "re-encoding changed the AVP tree")
    precondition(again.reencoded() == once, "re-encoding is not a fixpoint")
    precondition(once.readableBytes == message.bytes.readableBytes, "re-encoding changed the length")
    _ = DiameterTextDump.render(message)
    // The generated typed message (base, Cx, S6a, Sh), whether or not the grammar holds: decoding is total,
    // and a typed value that decodes survives its own encoding unchanged.
    guard let typed = try? DiameterDictionary.decodeTyped(message) else { return }
    let encoded = typed.encode(hopByHopID: message.header.hopByHopID, endToEndID: message.header.endToEndID)
    guard let decodedAgain = try? DiameterDecoder().decode(encoded), let typedAgain = try? DiameterDictionary.decodeTyped(decodedAgain) else {
        preconditionFailure("a typed message's encoding does not decode as the same type")
    }
    precondition(AnyHashable(typedAgain) == AnyHashable(typed), "a typed message changed through its encoding")
    runS6aProcedure(typed)
}

/// One crypto context for the whole run (libFuzzer calls back on one thread).
nonisolated(unsafe) private var fuzzMilenage = try! Milenage()

/// An S6a request that decodes goes through its procedure (TS 29.272 §5.2) on a subscription whose IMSI
/// is the request's User-Name, registered at the request's Origin-Host, so that every rule after the
/// lookup is reached: the Visited-PLMN-Id parse, resynchronisation, vector counts, RAT and roaming checks.
/// Whatever the input, the procedure answers; it never traps.
private func runS6aProcedure(_ typed: any DiameterTypedMessage) {
    func subscription(_ imsi: String, _ host: String) -> IMSSubscription {
        var s = IMSSubscription(
            id: "fuzz",
            privateIdentities: [PrivateIdentity(identity: "fuzz@ims", authenticationSchemes: [.akav1MD5], aka: AKACredentials(k: Block128(hi: 1, lo: 2), opc: Block128(hi: 3, lo: 4)))],
            publicIdentities: [], serviceProfiles: [],
            eps: EPSSubscription(imsi: imsi, allowedVisitedPLMNs: ["001-01"], allowedRATTypes: [.eutran], defaultContextIdentifier: 1, apns: [SubscribedAPN(contextIdentifier: 1, name: "internet")]))
        s.state.mme = MMERegistration(originHost: host, originRealm: "fuzz", visitedPLMN: [0x00, 0xF1, 0x10], ratType: 1004, ulrFlags: 2)
        return s
    }
    let context = HSSContext(originHost: "hss.fuzz", originRealm: "fuzz")
    var random = SystemRandomNumberGenerator()
    switch typed {
    case let r as AuthenticationInformationRequest:
        _ = S6aProcedures.authenticationInformation(r, subscription: subscription(r.userName, r.envelope.originHost), context: context, milenage: &fuzzMilenage, random: &random)
            .answer.encode(hopByHopID: 1, endToEndID: 1)
    case let r as UpdateLocationRequest:
        _ = S6aProcedures.updateLocation(r, subscription: subscription(r.userName, "another.mme"), context: context).answer.encode(hopByHopID: 1, endToEndID: 1)
    case let r as PurgeUERequest:
        _ = S6aProcedures.purgeUE(r, subscription: subscription(r.userName, r.envelope.originHost), context: context).answer.encode(hopByHopID: 1, endToEndID: 1)
    case let r as NotifyRequest:
        _ = S6aProcedures.notify(r, subscription: subscription(r.userName, r.envelope.originHost), context: context).answer.encode(hopByHopID: 1, endToEndID: 1)
    default: break
    }
}

#if FUZZING
// SwiftPM links an executable's `main` as `<Module>_main`; under libFuzzer that entry point hands
// control to the fuzzer driver with our callback.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("DiameterFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzzOne(data, size)
    }
}
#else
// Without libFuzzer, replay files through the same path.
@main
struct ReplayMain {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let bytes = fopenReadAll(path) else { continue }
            bytes.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                _ = fuzzOne(base, p.count)
            }
            print("replayed \(path): \(bytes.count) octets, no crash")
        }
    }
}
#endif

import Glibc

private func fopenReadAll(_ path: String) -> [UInt8]? {
    guard let fp = fopen(path, "rb") else { return nil }
    defer { fclose(fp) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, fp)
        if n <= 0 { break }
        out += chunk[0..<n]
    }
    return out
}
