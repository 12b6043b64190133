// The MAR handler path, measured without the network: the captured MAR (508 octets) decoded, validated
// and typed, the subscription found, an AKA vector made (SQN step + Milenage), the MAA encoded.
//   MARProbe handler N        the pure procedure on one thread (no actor): ns/op
//   MARProbe shard N          through HSSApplication.answer: index lookup + shard actor hop: ns/op
//   MARProbe parallel N T     T tasks calling HSSApplication.answer over 100,000 subscriptions: MAR/s
// Subscribers: the captured MAR's identities plus 99,999 generated ones (index of realistic size).
import CodecWorkloads
import DiameterCore
import DiameterPeer
import HSSCore
import HSSServer
import Logging
import NIOCore

let work = CodecWorkloads()
let mar = work.mar
let context = HSSContext(originHost: "hss.ims.mnc001.mcc240.3gppnetwork.org", originRealm: "ims.mnc001.mcc240.3gppnetwork.org")
let k = Block128(hi: 0x465b_5ce8_b199_b49f, lo: 0xaa5f_0a2e_e238_a6bc)
let opc = Block128(hi: 0xcd63_cb71_954a_9f4e, lo: 0x48a5_994e_37a0_2baf)

func subscription(_ i: Int, impi: String, impu: String) -> IMSSubscription {
    IMSSubscription(
        id: "sub-\(i)",
        privateIdentities: [PrivateIdentity(identity: impi, authenticationSchemes: [.akav1MD5], aka: AKACredentials(k: k, opc: opc, amf: 0x8000))],
        publicIdentities: [PublicIdentity(identity: impu, serviceProfile: "p", privateIdentities: [impi])],
        serviceProfiles: [ServiceProfile(id: "p")])
}

/// The captured MAR's subscriber first, then generated ones; the MAR's identities vary per request in
/// `parallel` mode so that requests spread over shards.
var subscriptions = [subscription(0, impi: mar.userName, impu: mar.publicIdentity)]
for i in 1..<100_000 { subscriptions.append(subscription(i, impi: "user\(i)@bench", impu: "sip:user\(i)@bench")) }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

let args = CommandLine.arguments
let op = args.count > 1 ? args[1] : "handler"
let n = args.count > 2 ? Int(args[2]) ?? 100_000 : 100_000
let clock = ContinuousClock()

switch op {
case "handler":
    var m = try Milenage()
    var random = RANDSource()
    var s: IMSSubscription? = subscriptions[0]
    var sink = 0
    let start = clock.now
    for i in 0..<n {
        let (header, request) = try MultimediaAuthRequest.decode(work.capturedMAR)
        let o = CxProcedures.multimediaAuth(request, subscription: s, context: context, isKnownIdentity: { _ in true }, milenage: &m, random: &random)
        s = o.updated ?? s
        sink &+= o.answer.encode(hopByHopID: header.hopByHopID &+ UInt32(truncatingIfNeeded: i), endToEndID: header.endToEndID).readableBytes
    }
    let elapsed = clock.now - start
    print("handler: \(Int(seconds(elapsed) * 1e9 / Double(n))) ns/op (decode + validate + procedure + Milenage + encode; checksum \(sink))")

case "shard":
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let directory = try SubscriberDirectory(shardCount: 8, context: context, storage: InMemorySubscriberStorage(subscriptions))
    let app = HSSApplication(directory: directory, context: context, logger: logger)
    let peer = PeerIdentity(originHost: mar.envelope.originHost, originRealm: mar.envelope.originRealm)
    let decoder = DiameterDecoder()
    var sink = 0
    let start = clock.now
    for _ in 0..<n {
        let message = try decoder.decode(work.capturedMAR)
        try message.validate(against: .multimediaAuth)
        sink &+= await app.answer(message, command: .multimediaAuth, from: peer).readableBytes
    }
    let elapsed = clock.now - start
    print("shard: \(Int(seconds(elapsed) * 1e9 / Double(n))) ns/op (decode + validate + index + shard actor + Milenage + encode; checksum \(sink))")

default:
    let tasks = args.count > 3 ? Int(args[3]) ?? 8 : 8
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let directory = try SubscriberDirectory(shardCount: 8, context: context, storage: InMemorySubscriberStorage(subscriptions))
    let app = HSSApplication(directory: directory, context: context, logger: logger)
    // One encoded MAR per generated subscriber (requests spread over all shards).
    let requests: [ByteBuffer] = (1..<1001).map { i in
        var r = mar
        r.userName = "user\(i)@bench"
        r.publicIdentity = "sip:user\(i)@bench"
        return r.encode(hopByHopID: UInt32(i), endToEndID: UInt32(i))
    }
    let peer = PeerIdentity(originHost: mar.envelope.originHost, originRealm: mar.envelope.originRealm)
    let start = clock.now
    let total = await withTaskGroup(of: Int.self) { group in
        for t in 0..<tasks {
            group.addTask {
                let decoder = DiameterDecoder()
                var ok = 0
                for i in 0..<(n / tasks) {
                    guard let message = try? decoder.decode(requests[(t * 131 + i) % requests.count]) else { continue }
                    let answer = await app.answer(message, command: .multimediaAuth, from: peer)
                    if answer.readableBytes > 200 { ok += 1 }
                }
                return ok
            }
        }
        var sum = 0
        for await ok in group { sum += ok }
        return sum
    }
    let elapsed = clock.now - start
    print("parallel: \(tasks) tasks, \(total) MAA with vectors, \(Int(Double(total) / seconds(elapsed))) MAR/s")
}
