// The LMDB store at scale (docs/benchmarks.md, storage issue).
//   StorageProbe bulk N DIR          generate N subscriptions and bulk-load them: subscriptions/s, size, RSS
//   StorageProbe open DIR            open the store and build the HSS over it: start-up time, RSS
//   StorageProbe sar N DIR T [O]     N SAR REGISTRATION on distinct subscribers (from O) from T tasks through
//                                    HSSApplication: each a state change, durably group-committed: SAR/s
//   StorageProbe mar N DIR T [S]     N MAR on random subscribers (of the first S; default all) from T tasks: MAR/s
import DiameterCore
import DiameterPeer
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import Logging
import NIOCore

func rssMiB() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return -1 }
    return (Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) / 1024
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// A subscription shaped like a real one: an IMPI with AKA and Digest, SIP + tel IMPUs, one iFC.
func subscription(_ i: Int) -> IMSSubscription {
    let impi = "\(310_150_000_000_000 + i)@ims.mnc015.mcc310.3gppnetwork.org"
    return IMSSubscription(
        id: "\(310_150_000_000_000 + i)",
        privateIdentities: [PrivateIdentity(
            identity: impi, authenticationSchemes: [.akav1MD5, .sipDigest],
            aka: AKACredentials(k: Block128(hi: UInt64(i) &* 0x9E37_79B9_7F4A_7C15, lo: UInt64(i)), opc: Block128(hi: 0xcd63_cb71_954a_9f4e, lo: UInt64(i)), amf: 0x8000, initialSQN: 32),
            digest: DigestCredentials(realm: "ims.mnc015.mcc310.3gppnetwork.org", ha1: "0123456789abcdef0123456789abcdef"))],
        publicIdentities: [
            PublicIdentity(identity: "sip:\(310_150_000_000_000 + i)@ims.mnc015.mcc310.3gppnetwork.org", serviceProfile: "p", privateIdentities: [impi]),
            PublicIdentity(identity: "tel:+1555\(String(i).leftPad(7))", serviceProfile: "p", privateIdentities: [impi]),
        ],
        serviceProfiles: [ServiceProfile(id: "p", initialFilterCriteria: [InitialFilterCriteria(
            priority: 0, triggerPoint: TriggerPoint(conditionTypeCNF: false, spts: [ServicePointTrigger(condition: .method("INVITE"))]),
            applicationServer: ApplicationServer(serverName: "sip:mmtel.ims.mnc015.mcc310.3gppnetwork.org", defaultHandling: .sessionContinued))])])
}

extension String {
    func leftPad(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

let args = CommandLine.arguments
let op = args.count > 1 ? args[1] : "bulk"
let clock = ContinuousClock()
let context = HSSContext(originHost: "hss.ims.mnc015.mcc310.3gppnetwork.org", originRealm: "ims.mnc015.mcc310.3gppnetwork.org")

switch op {
case "bulk":
    let n = Int(args[2])!
    let dir = args[3]
    var bulkConfiguration = LMDBConfiguration(path: dir, mapSize: 16 << 30)
    bulkConfiguration.keyRing = try ProcessInfo.processInfo.environment["HSS_KEK"].map { try KeyRing.parse($0, source: "HSS_KEK") }
    let store = try LMDBSubscriberStore(bulkConfiguration)
    let start = clock.now
    let written = try store.bulkLoad((0..<n).lazy.map(subscription), transactionSize: 20_000)
    let elapsed = clock.now - start
    store.close()
    let size = (try FileManager.default.attributesOfItem(atPath: dir + "/data.mdb")[.size] as? Int) ?? 0
    print("bulk: \(written) subscriptions in \(String(format: "%.2f", seconds(elapsed))) s = \(Int(Double(written) / seconds(elapsed))) subscriptions/s; data.mdb \(size >> 20) MiB (\(size / max(written, 1)) B each); RSS \(rssMiB()) MiB")

case "load":
    // Cache misses: n loads of random subscriptions straight from the store (what a shard does on a miss),
    // with the key ring in HSS_KEK when set (keys at rest; docs/hardening.md). `bulk` writes sealed records
    // too when HSS_KEK is set.
    let n = Int(args[2])!
    let dir = args[3]
    var c = LMDBConfiguration(path: dir, mapSize: 16 << 30)
    c.keyRing = try ProcessInfo.processInfo.environment["HSS_KEK"].map { try KeyRing.parse($0, source: "HSS_KEK") }
    let store = try LMDBSubscriberStore(c)
    let ids = try store.subscriptionIDs(after: nil, limit: 100_000)
    var rng = SystemRandomNumberGenerator()
    var found = 0
    let start = clock.now
    for _ in 0..<n where try store.load(ids[Int.random(in: 0..<ids.count, using: &rng)]) != nil { found += 1 }
    let elapsed = clock.now - start
    print("load: \(found) loads, \(String(format: "%.0f", seconds(elapsed) / Double(n) * 1e9)) ns each (\(c.keyRing == nil ? "plain" : "sealed") records)")
    store.close()

case "open":
    let dir = args[2]
    let start = clock.now
    let store = try LMDBSubscriberStore(LMDBConfiguration(path: dir, mapSize: 16 << 30))
    var logger = Logger(label: "probe")
    logger.logLevel = .critical
    let directory = try SubscriberDirectory(shardCount: 8, context: context, storage: store)
    _ = HSSApplication(directory: directory, context: context, logger: logger)
    let elapsed = clock.now - start
    print("open: store + 8 shards ready in \(String(format: "%.1f", seconds(elapsed) * 1000)) ms with \(store.subscriptionCount) subscriptions; RSS \(rssMiB()) MiB")
    store.close()

default:
    let n = Int(args[2])!
    let dir = args[3]
    let tasks = args.count > 4 ? Int(args[4])! : 64
    let offset = args.count > 5 ? Int(args[5])! : 0
    let store = try LMDBSubscriberStore(LMDBConfiguration(path: dir, mapSize: 16 << 30))
    let population = store.subscriptionCount
    var logger = Logger(label: "probe")
    logger.logLevel = .critical
    let directory = try SubscriberDirectory(shardCount: 8, context: context, storage: store)
    let app = HSSApplication(directory: directory, context: context, logger: logger)
    let peer = PeerIdentity(originHost: "scscf.ims.mnc015.mcc310.3gppnetwork.org", originRealm: "ims.mnc015.mcc310.3gppnetwork.org")
    let isSAR = op == "sar"
    let start = clock.now
    let ok = await withTaskGroup(of: Int.self) { group in
        for t in 0..<tasks {
            group.addTask {
                let decoder = DiameterDecoder()
                var rng = SystemRandomNumberGenerator()
                var ok = 0
                for k in 0..<(n / tasks) {
                    // SAR: distinct subscribers (stride through the population); MAR: random ones.
                    let i = isSAR ? (offset + t + k * tasks) % population : Int.random(in: 0..<(offset > 0 ? min(offset, population) : population), using: &rng)
                    let impi = "\(310_150_000_000_000 + i)@ims.mnc015.mcc310.3gppnetwork.org"
                    let impu = "sip:\(310_150_000_000_000 + i)@ims.mnc015.mcc310.3gppnetwork.org"
                    let env = CxEnvelope(
                        sessionID: "scscf;\(t);\(k)", originHost: peer.originHost, originRealm: peer.originRealm,
                        destinationRealm: "ims.mnc015.mcc310.3gppnetwork.org")
                    let bytes: ByteBuffer
                    if isSAR {
                        bytes = ServerAssignmentRequest(
                            envelope: env, userName: impi, publicIdentities: [impu], serverName: "sip:scscf.ims.mnc015.mcc310.3gppnetwork.org",
                            serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataAlreadyAvailable
                        ).encode(hopByHopID: UInt32(k), endToEndID: UInt32(k))
                    } else {
                        bytes = MultimediaAuthRequest(
                            envelope: env, userName: impi, publicIdentity: impu,
                            sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"), sipNumberAuthItems: 1,
                            serverName: "sip:scscf.ims.mnc015.mcc310.3gppnetwork.org"
                        ).encode(hopByHopID: UInt32(k), endToEndID: UInt32(k))
                    }
                    guard let message = try? decoder.decode(bytes) else { continue }
                    let answer = await app.answer(message, command: isSAR ? .serverAssignment : .multimediaAuth, from: peer)
                    if let a = try? decoder.decode(answer) {
                        if a.first(.resultCode)?.unsigned32 == 2001 { ok += 1 } else if ok == 0 { print("answer: \(a.avpTree().map { "\($0.code)" })") }
                    }
                }
                return ok
            }
        }
        var sum = 0
        for await x in group { sum += x }
        return sum
    }
    let elapsed = clock.now - start
    print("\(op): \(ok) answered 2001 of \(n) in \(String(format: "%.2f", seconds(elapsed))) s = \(Int(Double(ok) / seconds(elapsed))) /s with \(population) subscriptions, \(tasks) tasks; RSS \(rssMiB()) MiB")
    store.close()
}
