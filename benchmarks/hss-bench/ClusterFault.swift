import ArgumentParser
import DiameterCore
import Foundation
import HSSCore
import HSSStorage
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

// The workload and the checker of the cluster fault tests (cluster/fault-tests.sh, docs/replication.md).

/// `hss-bench cluster-load`: SAR and MAR load spread over every node of a cluster, recording what was
/// acknowledged, while the fault script kills, stops and restarts nodes. Each worker is an S-CSCF-like
/// client: when its node fails it moves to the next node and retransmits what was in flight with the T
/// flag (RFC 6733 §5.5.4), as a Diameter client fails over.
struct ClusterLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-load",
        abstract: "Fault-test workload: SAR REGISTRATION of fresh subscribers, MARs, and S6a AIRs and ULRs on the same USIMs, over every node; records what was answered 2001.")

    @Option(help: "The nodes' Diameter addresses (host:port), comma-separated.") var nodes: String
    @Option(help: "Seconds to run (or until the file --stop-file exists).") var duration = 30.0
    @Option(help: "Stop when this file exists.") var stopFile: String?
    @Option(help: "Directory for the records (sar-acked.tsv, mar.tsv, summary.txt).") var out: String
    @Option(help: "First subscriber index used for SAR registrations (each registers one fresh subscriber).") var registrantsFrom = 0
    @Option(help: "The population's size: past it the registrations start again from --registrants-from (re-registrations change nothing: the summary says so).") var population = 20_000
    @Option(help: "Subscribers 0..<N get the MARs, AIRs and ULRs.") var akaSubscribers = 200
    @Flag(help: "No S6a workers (AIR, ULR): Cx only.") var noS6a = false
    @Option(help: "SAR workers per node.") var sarWorkers = 1
    @Option(help: "Requests in flight per worker.") var window = 4

    func run() async throws {
        let addresses = nodes.split(separator: ",").map(String.init)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let records = FaultRecords(directory: out)
        let next = NIOLockedValueBox(registrantsFrom)
        let deadline = ContinuousClock.now + .milliseconds(Int64(duration * 1000))
        let stop = stopFile
        let shouldStop: @Sendable () -> Bool = { ContinuousClock.now >= deadline || stop.map { FileManager.default.fileExists(atPath: $0) } ?? false }
        await withTaskGroup(of: Void.self) { group in
            for (n, _) in addresses.enumerated() {
                for w in 0..<sarWorkers {
                    group.addTask {
                        var worker = FaultWorker(name: "sar\(n)-\(w)", addresses: addresses, start: n, window: window, records: records)
                        await worker.run(shouldStop) { hbh, e2e, origin in
                            let i = next.withLockedValue { v -> Int in
                                defer { v += 1 }
                                return registrantsFrom + (v - registrantsFrom) % max(1, population - registrantsFrom)
                            }
                            let req = ServerAssignmentRequest(
                                envelope: CxEnvelope(sessionID: "\(origin);sar;\(i)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm),
                                userName: Population.impi(i), publicIdentities: [Population.impu(i)], serverName: RequestPlanner.serverName,
                                serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataAlreadyAvailable)
                            return (req.encode(hopByHopID: hbh, endToEndID: e2e), .sar(i))
                        }
                    }
                }
                group.addTask {
                    var worker = FaultWorker(name: "mar\(n)", addresses: addresses, start: n, window: window, records: records)
                    await worker.run(shouldStop) { hbh, e2e, origin in
                        let i = Int.random(in: 0..<akaSubscribers)
                        let req = MultimediaAuthRequest(
                            envelope: CxEnvelope(sessionID: "\(origin);mar;\(e2e)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm),
                            userName: Population.impi(i), publicIdentity: Population.impu(i), sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"),
                            sipNumberAuthItems: 1, serverName: RequestPlanner.serverName)
                        return (req.encode(hopByHopID: hbh, endToEndID: e2e), .mar(i))
                    }
                }
                guard !noS6a else { continue }
                // S6a on the same USIMs: AIRs draw from the same SQN as the MARs (one SQN per USIM); ULRs
                // from each worker's own MME move subscribers between MMEs (CLR to the previous one).
                group.addTask {
                    var worker = FaultWorker(name: "air\(n)", addresses: addresses, start: n, window: window, records: records)
                    await worker.run(shouldStop) { hbh, e2e, origin in
                        let i = Int.random(in: 0..<akaSubscribers)
                        let req = AuthenticationInformationRequest(
                            envelope: S6aEnvelope(sessionID: "\(origin);air;\(e2e)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm),
                            userName: Population.imsi(i), requestedEUTRANAuthenticationInfo: RequestedEUTRANAuthenticationInfo(numberOfRequestedVectors: 1),
                            visitedPLMNID: Population.homePLMN)
                        return (req.encode(hopByHopID: hbh, endToEndID: e2e), .air(i))
                    }
                }
                group.addTask {
                    var worker = FaultWorker(name: "ulr\(n)", addresses: addresses, start: n, window: window, records: records)
                    await worker.run(shouldStop) { hbh, e2e, origin in
                        let i = Int.random(in: 0..<akaSubscribers)
                        let req = UpdateLocationRequest(
                            envelope: S6aEnvelope(sessionID: "\(origin);ulr;\(e2e)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm),
                            userName: Population.imsi(i), ratType: .eutran, ulrFlags: 0b10, visitedPLMNID: Population.homePLMN)
                        records.sent(ulr: i, from: origin)
                        return (req.encode(hopByHopID: hbh, endToEndID: e2e), .ulr(i, origin))
                    }
                }
            }
        }
        var summary = records.finish()
        if next.withLockedValue({ $0 }) > population {
            summary += "registrations wrapped past subscriber \(population - 1): later SARs re-registered (raise the population)\n"
        }
        print(summary)
        try summary.write(toFile: out + "/summary.txt", atomically: true, encoding: .utf8)
    }
}

/// What a request was, to record its answer.
enum FaultRequest: Sendable {
    case sar(Int)
    case mar(Int)
    case air(Int)
    /// Subscriber, the MME (Origin-Host) that sent it.
    case ulr(Int, String)

    var kind: String {
        switch self {
        case .sar: "SAR"
        case .mar: "MAR"
        case .air: "AIR"
        case .ulr: "ULR"
        }
    }
}

/// The records files, appended from every worker.
final class FaultRecords: Sendable {
    struct State {
        var sar: FileHandle
        var mar: FileHandle
        var ulr: FileHandle
        var ulrSent: FileHandle
        var results: [String: Int] = [:]
        var retransmitted = 0
        var moves = 0
    }
    let state: NIOLockedValueBox<State>

    init(directory: String) {
        func open(_ name: String) -> FileHandle {
            FileManager.default.createFile(atPath: directory + "/" + name, contents: nil)
            return FileHandle(forWritingAtPath: directory + "/" + name)!
        }
        state = NIOLockedValueBox(State(sar: open("sar-acked.tsv"), mar: open("mar.tsv"), ulr: open("ulr-acked.tsv"), ulrSent: open("ulr-sent.tsv")))
    }

    static var millis: Int { Int(Date().timeIntervalSince1970 * 1000) }

    func answered(_ request: FaultRequest, _ answer: DiameterMessage, node: String) {
        let rc = answer.first(.resultCode)?.unsigned32 ?? answer.first(.experimentalResult)?.first(.experimentalResultCode)?.unsigned32 ?? 0
        var line: String?
        if rc == 2001 {
            switch request {
            case .sar(let i): line = "\(i)\t\(Self.millis)\t\(node)\n"
            case .mar(let i):
                if let maa = try? MultimediaAuthAnswer(decoding: answer), let v = maa.sipAuthDataItems.first?.sipAuthenticate, v.count >= 32 {
                    line = "\(i)\t\(hex(Array(v[0..<16])))\t\(hex(Array(v[16..<32])))\t\(node)\t\(Self.millis)\n"
                }
            case .air(let i):
                // Same file and form as a MAR's vector: the checker finds the SQN from RAND and AUTN alike.
                if let aia = try? AuthenticationInformationAnswer(decoding: answer), let v = aia.authenticationInfo?.eutranVectors.first {
                    line = "\(i)\t\(hex(v.rand))\t\(hex(v.autn))\t\(node)\t\(Self.millis)\n"
                }
            case .ulr(let i, let origin): line = "\(i)\t\(origin)\t\(Self.millis)\t\(node)\n"
            }
        }
        state.withLockedValue { s in
            s.results["\(request.kind) \(rc)", default: 0] += 1
            guard let line else { return }
            switch request {
            case .sar: s.sar.write(Data(line.utf8))
            case .mar, .air: s.mar.write(Data(line.utf8))
            case .ulr: s.ulr.write(Data(line.utf8))
            }
        }
    }

    /// A ULR about to be sent (acknowledged or not, it may be applied).
    func sent(ulr i: Int, from origin: String) {
        state.withLockedValue { $0.ulrSent.write(Data("\(i)\t\(origin)\n".utf8)) }
    }

    func note(retransmitted: Int, moved: Bool) {
        state.withLockedValue { s in
            s.retransmitted += retransmitted
            if moved { s.moves += 1 }
        }
    }

    func finish() -> String {
        state.withLockedValue { s in
            try? s.sar.close()
            try? s.mar.close()
            try? s.ulr.close()
            try? s.ulrSent.close()
            return s.results.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
                + "\nfailovers: \(s.moves), retransmitted with T: \(s.retransmitted)\n"
        }
    }
}

/// One client: a connection to one node at a time, `window` requests in flight; on a failure it moves to
/// the next node and retransmits what was unanswered. Its first node is its primary: while on another,
/// it probes the primary (CER/CEA on a second connection) and, once it answers, stops sending, lets the
/// answers in flight arrive and goes back (failback, RFC 6733 §5.5.4), as a CSCF configured with a
/// primary HSS does. Without it every worker ends up on the same node after a few faults, and a fault
/// of that node stops all of them until their own failure detection moves them (3 s here).
struct FaultWorker {
    let name: String
    let addresses: [String]
    let home: Int
    var current: Int
    let window: Int
    let records: FaultRecords
    var e2e = UInt32.random(in: 0..<(1 << 24)) << 8
    var hbh: UInt32 = 1

    init(name: String, addresses: [String], start: Int, window: Int, records: FaultRecords) {
        self.name = name
        self.addresses = addresses
        self.current = start
        self.home = start
        self.window = window
        self.records = records
    }

    var origin: String { "fault-\(name).bench.test" }

    mutating func run(_ shouldStop: @Sendable () -> Bool, _ make: (UInt32, UInt32, String) -> (ByteBuffer, FaultRequest)) async {
        var inFlight: [UInt32: (bytes: ByteBuffer, request: FaultRequest)] = [:]  // by End-to-End id
        var moved = false
        while !shouldStop() {
            let address = addresses[current % addresses.count]
            do {
                if try await session(address, &inFlight, moved: moved, shouldStop, make) {
                    current = home
                    moved = true
                    continue
                }
            } catch {
                Self.debug("\(name) \(address): \(error)")
            }
            current += 1
            moved = true
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    static func connect(_ address: String) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer>? {
        guard let (host, port) = Address.hostPort(address) else { return nil }
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(300))
            .connect(host: host, port: port) { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch)
                }
            }
    }

    func cer() -> ByteBuffer {
        CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: origin, originRealm: Population.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
            productName: "hss-bench", originStateID: 1, supportedVendorIDs: [10415], vendorSpecificApplicationIDs: [.cx, .s6a])).encode(hopByHopID: 0, endToEndID: 0)
    }

    /// Whether the node at `address` completes a capabilities exchange within 1 s (the failback probe).
    static func answers(_ address: String, cer: ByteBuffer) async -> Bool {
        await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                guard let channel = try? await connect(address) else { return false }
                return (try? await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(cer)
                    for try await frame in inbound { return (try? DiameterDecoder().decode(frame))?.first(.resultCode)?.unsigned32 == 2001 }
                    return false
                }) ?? false
            }
            tasks.addTask {
                try? await Task.sleep(for: .seconds(1))
                return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
    }

    /// One connection: CER, retransmissions, then the closed loop until the deadline or a failure. True:
    /// the primary answers again and every answer in flight here arrived (go back to the primary).
    mutating func session(
        _ address: String, _ inFlight: inout [UInt32: (bytes: ByteBuffer, request: FaultRequest)], moved: Bool,
        _ shouldStop: @Sendable () -> Bool, _ make: (UInt32, UInt32, String) -> (ByteBuffer, FaultRequest)
    ) async throws -> Bool {
        guard let channel = try await Self.connect(address) else { return false }
        let origin = self.origin
        let lastAnswer = NIOLockedValueBox(ContinuousClock.now)
        let raw = channel.channel
        let watchdog = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                if ContinuousClock.now - lastAnswer.withLockedValue({ $0 }) > .seconds(3) { raw.close(promise: nil) }
            }
        }
        defer { watchdog.cancel() }
        // Away from the primary: probe it every second once 2 s have passed here.
        let primaryBack = NIOLockedValueBox(false)
        let primary = addresses[home % addresses.count]
        let probe: Task<Void, Never>? = primary == address ? nil : Task { [cer = cer()] in
            try? await Task.sleep(for: .seconds(2))
            while !Task.isCancelled {
                if await Self.answers(primary, cer: cer) {
                    primaryBack.withLockedValue { $0 = true }
                    return
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { probe?.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var answers = inbound.makeAsyncIterator()
            try await outbound.write(cer())
            guard let cea = try await Self.next(&answers, watchdog: lastAnswer), (try? DiameterDecoder().decode(cea))?.first(.resultCode)?.unsigned32 == 2001 else {
                throw CancellationError()
            }
            // RFC 6733 §5.5.4: what the failed connection left unanswered goes out again with the T flag.
            var byHop: [UInt32: UInt32] = [:]
            for (e2e, entry) in inFlight {
                var bytes = entry.bytes
                let h = nextHop()
                bytes.setInteger(h, at: bytes.readerIndex + 12)
                bytes.setInteger(bytes.getInteger(at: bytes.readerIndex + 4, as: UInt8.self)! | 0x10, at: bytes.readerIndex + 4)
                byHop[h] = e2e
                try await outbound.write(bytes)
            }
            records.note(retransmitted: inFlight.count, moved: moved)
            while !shouldStop() {
                let failingBack = primaryBack.withLockedValue { $0 }
                if failingBack && inFlight.isEmpty { return true }
                while !failingBack && inFlight.count < window {
                    let h = nextHop()
                    e2e &+= 1
                    let (bytes, request) = make(h, e2e, origin)
                    inFlight[e2e] = (bytes, request)
                    byHop[h] = e2e
                    try await outbound.write(bytes)
                }
                guard let frame = try await Self.next(&answers, watchdog: lastAnswer), let m = try? DiameterDecoder().decode(frame) else {
                    throw CancellationError()
                }
                if m.isRequest {
                    // A CLR (a ULR from another worker's MME took a subscriber over) → CLA 2001.
                    if m.commandCode == CommandDefinition.cancelLocation.code {
                        let cla = CancelLocationAnswer(envelope: S6aEnvelope(
                            sessionID: m.first(.sessionID)?.string ?? "", originHost: origin, originRealm: Population.realm, result: .success))
                        try await outbound.write(cla.encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
                        continue
                    }
                    // DWR → DWA (DPR: the node is leaving; move on).
                    guard m.commandCode == 280 else { throw CancellationError() }
                    let dwa = DeviceWatchdogAnswer(fields: BaseAnswerFields(resultCode: .success, originHost: origin, originRealm: Population.realm))
                    try await outbound.write(dwa.encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
                    continue
                }
                guard let e = byHop.removeValue(forKey: m.header.hopByHopID), let entry = inFlight.removeValue(forKey: e) else { continue }
                let rc = m.first(.resultCode)?.unsigned32
                if rc == 3004 || rc == 3002 {
                    Self.debug("\(name) \(address): result \(rc ?? 0) \(m.first(.errorMessage)?.string ?? "")")
                    // Busy (no leader) or not here: the request is not done; try it on the next node.
                    inFlight[e] = entry
                    throw CancellationError()
                }
                records.answered(entry.request, m, node: address)
            }
            return false
        }
    }

    /// FAULT_DEBUG=1: why a worker left a node, with the time (ms since 1970, as in faults.tsv).
    static func debug(_ line: String) {
        guard ProcessInfo.processInfo.environment["FAULT_DEBUG"] != nil else { return }
        FileHandle.standardError.write(Data("\(UInt64(Date().timeIntervalSince1970 * 1000)) \(line)\n".utf8))
    }

    mutating func nextHop() -> UInt32 {
        hbh &+= 1
        return hbh
    }

    /// The next frame, or nil when the connection ended (the watchdog closes a connection whose node
    /// stopped answering, e.g. under SIGSTOP).
    static func next(_ it: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, watchdog: NIOLockedValueBox<ContinuousClock.Instant>) async throws -> ByteBuffer? {
        let frame = try await it.next()
        watchdog.withLockedValue { $0 = .now }
        return frame
    }
}

/// `hss-bench cluster-check`: after a fault test, with the nodes stopped (or not), checks the stores
/// against the records of `cluster-load`.
struct ClusterCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-check",
        abstract: "Fault-test checker: acknowledged SARs kept on every node, no SQN issued twice across MAR and AIR, every acknowledged ULR's subscriber served by an MME that was acknowledged, one S-CSCF per registration per epoch, equal digests.")

    @Option(name: .customLong("data-dir"), help: "A node's data directory; repeat for every node.") var dataDirs: [String] = []
    @Option(help: "The records directories of cluster-load (comma-separated).") var records: String
    @Option(help: "faults.tsv (time ms, what) to report how long writes took to resume after each fault.") var faults: String?
    @Option(help: "Fail when acknowledged writes paused longer than this after a fault that took the leader (seconds).") var maxResume = 5.0
    @Option(help: "Investigate: print this subscription's state and every retained log record about it, per node.") var show: String?

    func run() throws {
        if let show {
            for dir in dataDirs {
                let store = try LMDBSubscriberStore(LMDBConfiguration(path: LMDBSubscriberStore.storePath(dataDirectory: dir)), readOnly: true)
                let st = try store.load(show)?.state
                print("\(dir): S-CSCF \(st?.scscf?.serverName ?? "-"), registrations \(st?.registrations.mapValues(\.state.rawValue) ?? [:]), history \(store.logState.history)")
                var from: UInt64 = 0
                while true {
                    let batch = try store.changes(from: from, limit: 10_000)
                    guard let last = batch.last else { break }
                    for r in batch where r.subscriptionID == show {
                        let st = try? Self.state(r)
                        let marks = (st?.sqn ?? [:]).values.map(Self.seqInd).joined(separator: ", ")
                        print("  record \(r.sequence) epoch \(r.epoch) kind \(r.kind) time \(r.timeMillis) S-CSCF \(st?.scscf?.serverName ?? "-") SQN marks [\(marks)]")
                    }
                    from = last.sequence + 1
                }
            }
            // The vectors handed out to it (bench<i>), in answer order.
            if let i = Int(show.dropFirst(5)), show.hasPrefix("bench") {
                var milenage = try Milenage()
                for f in Self.lines(records, "mar.tsv") where f.count >= 5 && Int(f[0]) == i {
                    guard let sqn = Self.sqn(f, &milenage) else { continue }
                    print("  vector \(Self.seqInd(sqn)) from \(f[3]) at \(f[4])")
                }
            }
            return
        }
        var failures: [String] = []
        // Each store, read-only (a cluster node may serve from a snapshot store named in CURRENT).
        let stores = try dataDirs.map { dir in
            try LMDBSubscriberStore(LMDBConfiguration(path: LMDBSubscriberStore.storePath(dataDirectory: dir)), readOnly: true)
        }
        let digests = try stores.map { try $0.digest() }
        for (dir, (store, digest)) in zip(dataDirs, zip(stores, digests)) {
            print("digest \(digest)  \(dir)  last \(store.logState.last) epoch \(store.epoch)")
        }
        if Set(digests).count > 1 { failures.append("the nodes' digests differ") }

        func lines(_ name: String) -> [[Substring]] { Self.lines(records, name) }
        // 1. Every SAR answered 2001 is on every node.
        let acked = lines("sar-acked.tsv").compactMap { $0.first.flatMap { Int($0) } }
        var missing = 0
        for (dir, store) in zip(dataDirs, stores) {
            for i in Set(acked) {
                let s = try store.load("bench\(i)")
                if s?.state.scscf?.serverName != RequestPlanner.serverName || s?.state.registrations[Population.impu(i)]?.state != .registered {
                    missing += 1
                    if missing <= 10 { failures.append("acknowledged SAR for bench\(i) missing on \(dir)") }
                }
            }
        }
        print("acknowledged SARs: \(Set(acked).count), missing on some node: \(missing)")

        // 1b. Every subscriber with an acknowledged ULR has a serving MME on every node, one that sent it a ULR
        // (a ULR whose answer was lost in a fault may still have been applied after the last acknowledged one).
        var sent: [Int: Set<String>] = [:]
        for f in lines("ulr-sent.tsv") where f.count >= 2 {
            if let i = Int(f[0]) { sent[i, default: []].insert(String(f[1])) }
        }
        let ulrAcked = Set(lines("ulr-acked.tsv").compactMap { $0.first.flatMap { Int($0) } })
        var unserved = 0
        for (dir, store) in zip(dataDirs, stores) {
            for i in ulrAcked {
                let served = try store.load("bench\(i)")?.state.mme?.originHost
                if served.map({ !(sent[i]?.contains($0) ?? false) }) ?? true {
                    unserved += 1
                    if unserved <= 10 { failures.append("bench\(i) on \(dir): serving MME \(served ?? "none") after an acknowledged ULR") }
                }
            }
        }
        print("subscribers with acknowledged ULRs: \(ulrAcked.count), without a serving MME that sent one on some node: \(unserved)")

        // 2. No SQN issued twice to a subscriber (a replayed answer repeats its whole vector: counted once).
        var seen: [Int: [UInt64: String]] = [:]
        var milenage = try Milenage()
        var vectors = 0, duplicates = 0
        for f in lines("mar.tsv") where f.count >= 3 {
            guard let i = Int(f[0]), let sqn = Self.sqn(f, &milenage) else { continue }
            let vector = String(f[1]) + String(f[2])
            let origin = f.count >= 5 ? "\(f[3]) at \(f[4])" : "?"
            if let before = seen[i]?[sqn] {
                if !before.hasPrefix(vector) {
                    duplicates += 1
                    if duplicates <= 10 {
                        failures.append("SQN \(sqn) (\(Self.seqInd(sqn))) issued twice to bench\(i): \(before.dropFirst(vector.count)), then \(origin)")
                    }
                }
            } else {
                seen[i, default: [:]][sqn] = vector + origin
                vectors += 1
            }
        }
        print("vectors (MAR and AIR): \(vectors) distinct, SQN issued twice: \(duplicates)")

        // 3. At most one S-CSCF per registration per epoch, in the retained log of every node.
        var flips = 0
        for store in stores {
            var names: [String: Set<String>] = [:]  // "epoch id" → S-CSCF names written
            var from: UInt64 = 0
            while true {
                let batch = try store.changes(from: from, limit: 10_000)
                guard let last = batch.last else { break }
                for r in batch where r.kind == .state || r.kind == .subscription {
                    guard let id = r.subscriptionID, let name = try? Self.serverName(r) else { continue }
                    names["\(r.epoch) \(id)", default: []].insert(name)
                }
                from = last.sequence + 1
            }
            flips += names.values.filter { $0.count > 1 }.count
        }
        if flips > 0 { failures.append("\(flips) registration(s) with two S-CSCFs in one epoch") }
        print("registrations with more than one S-CSCF in an epoch: \(flips)")

        // 4. How long acknowledged writes paused after each fault: the longest gap between the fault (or an
        // acknowledgement) and the next acknowledgement, until the next fault or 20 s later (a gap that
        // runs past the next fault counts whole: the first acknowledgement after it ends it).
        if let faults, let text = try? String(contentsOfFile: faults, encoding: .utf8) {
            let times = lines("sar-acked.tsv").compactMap { $0.count > 1 ? Int($0[1]) : nil }.sorted()
            let marks = text.split(separator: "\n").compactMap { line -> (Int, String)? in
                let f = line.split(separator: "\t", maxSplits: 1)
                guard f.count == 2, let t = Int(f[0]) else { return nil }
                return (t, String(f[1]))
            }
            for (k, (t, what)) in marks.enumerated() {
                let end = min(k + 1 < marks.count ? marks[k + 1].0 : Int.max, t + 20_000, times.last ?? t)
                var previous = t, longest = 0
                for a in times where a > t {
                    longest = max(longest, a - previous)
                    previous = a
                    if a > end { break }
                }
                guard times.contains(where: { $0 > t }) else {
                    failures.append("no write acknowledged after \(what)")
                    continue
                }
                let seconds = Double(longest) / 1000
                print(String(format: "longest pause in acknowledged writes after %@: %.2f s", what, seconds))
                if what.contains("leader") && seconds > maxResume {
                    failures.append(String(format: "writes paused %.2f s after %@", seconds, what))
                }
            }
        }
        if failures.isEmpty {
            print("cluster-check: OK")
        } else {
            print("cluster-check: FAILED\n" + failures.joined(separator: "\n"))
            throw ExitCode(1)
        }
    }

    /// The S-CSCF name a state or subscription record writes (nil: none).
    static func serverName(_ r: ChangeRecord) throws -> String? { try state(r).scscf?.serverName }

    /// The tab-separated lines of file `name` in every records directory (comma-separated).
    static func lines(_ records: String, _ name: String) -> [[Substring]] {
        records.split(separator: ",").flatMap { d in
            ((try? String(contentsOfFile: d + "/" + name, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: "\t") }
        }
    }

    /// The SQN of a mar.tsv line (subscriber, RAND, AUTN): SQN ⊕ AK from the AUTN, AK from the subscriber's
    /// K and OPc with Milenage f5 (TS 33.102 §6.3.2).
    static func sqn(_ f: [Substring], _ milenage: inout Milenage) -> UInt64? {
        guard f.count >= 3, let i = Int(f[0]), let rand = Block128(hex: String(f[1])), let autn = hexBytes(String(f[2])), autn.count == 16,
              let p = Population.subscription(i).privateIdentities.first?.aka
        else { return nil }
        let ak = milenage.compute(k: p.k, opc: p.opc, rand: rand, sqn: 0, amf: 0).ak
        return autn[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } ^ ak
    }

    /// SEQ and IND of an SQN (5-bit IND, the HSS's default).
    static func seqInd(_ sqn: UInt64) -> String { "SEQ \(sqn >> 5) IND \(sqn & 31)" }

    /// The state a change record carries.
    static func state(_ r: ChangeRecord) throws -> SubscriptionState {
        try r.payload.withUnsafeBytes { raw -> SubscriptionState in
            var p = BinaryReader(raw)
            _ = try p.string()
            if r.kind == .subscription { _ = try p.data() }
            let st = try p.data()
            return try st.withUnsafeBytes { sb in
                var s = BinaryReader(sb)
                return try SubscriptionState(binary: &s)
            }
        }
    }
}

func hexBytes(_ s: String) -> [UInt8]? {
    var out: [UInt8] = []
    var it = s.makeIterator()
    while let a = it.next() {
        guard let b = it.next(), let v = UInt8(String([a, b]), radix: 16) else { return nil }
        out.append(v)
    }
    return out
}
