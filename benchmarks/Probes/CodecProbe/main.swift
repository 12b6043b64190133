// An uninstrumented timing loop for the codec workloads, and the process that profilers and the
// LD_PRELOAD allocation counter (count-allocs.sh) run.
//   CodecProbe decode|typed|encode|encode-built|writer|milenage N
import CodecWorkloads
import HSSCore

func run(op: String, n: Int) throws -> Int {
    let work = CodecWorkloads()
    var sink = 0
    switch op {
    case "decode": for _ in 0..<n { sink &+= Int(try work.decodeAndValidate().header.messageLength) }
    case "typed": for _ in 0..<n { sink &+= try work.decodeValidateTyped().userName.utf8.count }
    case "encode": for i in 0..<n { sink &+= work.encodeTypedMAA(hopByHop: UInt32(truncatingIfNeeded: i)).readableBytes }
    case "encode-built":
        let maa = work.builtMAA
        for i in 0..<n { sink &+= work.encodeBuiltMAA(maa, hopByHop: UInt32(truncatingIfNeeded: i)).readableBytes }
    case "milenage":
        // A full AKA vector (f1-f5, AUTN) for a subscriber, key changing every other call (re-keying).
        var m = try Milenage()
        let keys = [Block128(hi: 0x465b_5ce8_b199_b49f, lo: 0xaa5f_0a2e_e238_a6bc), Block128(hi: 0x0396_eb31_7b6d_1c36, lo: 0xf19c_1c84_cd6f_fd16)]
        let opc = Block128(hi: 0xcd63_cb71_954a_9f4e, lo: 0x48a5_994e_37a0_2baf)
        for i in 0..<n {
            let v = m.vector(k: keys[i & 1], opc: opc, rand: Block128(hi: UInt64(i), lo: 0x2355_3cbe), sqn: UInt64(i) << 5, amf: 0x8000)
            sink &+= Int(truncatingIfNeeded: v.xres)
        }
    default: for i in 0..<n { sink &+= work.encodeMAAWithWriter(hopByHop: UInt32(truncatingIfNeeded: i)).readableBytes }
    }
    return sink
}

let args = CommandLine.arguments
let op = args.count > 1 ? args[1] : "decode"
let n = args.count > 2 ? Int(args[2]) ?? 1000 : 1000
let clock = ContinuousClock()
let start = clock.now
let sink = try run(op: op, n: n)
let elapsed = clock.now - start
let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
print(op, n > 0 ? "\(Int(ns / Double(n))) ns/op" : "", "(checksum \(sink))")
