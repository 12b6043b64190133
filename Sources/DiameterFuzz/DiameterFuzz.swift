// libFuzzer entry point for the Diameter decoder. Built only by scripts/fuzz.sh with
// `-sanitize=fuzzer,address`; see docs/fuzzing.md. Without the sanitizer it is a tiny replay tool:
// `DiameterFuzz FILE...` runs each file through the same path (used to check crash reproducers).
import DiameterCore
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
    let again = message.reencoded()
    // A message that decoded must re-encode to the same bytes.
    precondition(again == message.bytes, "re-encoding differs from the input")
    _ = DiameterTextDump.render(message)
}

#if !FUZZING
// Without libFuzzer (whose own main replaces this one when built with -DFUZZING), replay files.
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
