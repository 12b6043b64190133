// An uninstrumented timing loop for the codec workloads, and the process that profilers and the
// LD_PRELOAD allocation counter (count-allocs.sh) run.
//   CodecProbe decode|typed|encode|writer N
import CodecWorkloads

func run(op: String, n: Int) throws -> Int {
    let work = CodecWorkloads()
    var sink = 0
    switch op {
    case "decode": for _ in 0..<n { sink &+= Int(try work.decodeAndValidate().header.messageLength) }
    case "typed": for _ in 0..<n { sink &+= try work.decodeValidateTyped().userName.utf8.count }
    case "encode": for i in 0..<n { sink &+= work.encodeTypedMAA(hopByHop: UInt32(truncatingIfNeeded: i)).readableBytes }
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
