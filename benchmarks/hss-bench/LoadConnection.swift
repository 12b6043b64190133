import Atomics
import DiameterCore
import Histogram
import NIOCore

/// How requests are paced.
enum Pacing: Sendable {
    /// Keep `window` requests in flight; send the next when an answer arrives.
    case closedLoop
    /// Send at `perConnection` requests/s whatever the answers do (open loop). Latency counts from the
    /// intended send time, so a stalled server is not hidden (no coordinated omission); at most `window`
    /// are in flight, the rest wait and their wait counts.
    case openLoop(perConnection: Double)
}

/// Per-connection results, read after the run.
struct ConnectionResult {
    /// A latency histogram in nanoseconds, up to 60 s.
    static func histogram() -> Histogram<UInt64> { Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three) }

    var latency = histogram()
    var completed = 0
    var errors: [String: Int] = [:]
    /// Requests the generator issued (open loop), and of them: not sent because an overload report asked
    /// for less (RFC 7683 loss algorithm, `--doic`), and answered 3004/5012 by the HSS's own throttling.
    var issued = 0
    var abated = 0
    var rejected = 0
    /// Latency per command code (`hss-bench storm`).
    var byCommand: [UInt32: Histogram<UInt64>] = [:]
    /// When the last answer arrived (storm: the drain time).
    var lastAnswer: NIODeadline?
    /// Open loop: the longest gap between two runs of the sender's 250 µs tick (nanoseconds), and the gaps
    /// over 5 ms. Requests due in a gap are sent late and their latency counts from when they were due, so
    /// a gap in the generator (its core taken, the VM paused) shows in the latency as if the server stalled;
    /// this tells the two apart.
    var longestTickGap: Int64 = 0
    var tickGapsOver5ms = 0
}

/// One load connection: CER, then requests per the pacing; every answer is decoded and checked. Runs on
/// its channel's event loop (no locks); the progress counter is atomic. `@unchecked Sendable`: every
/// access outside the pipeline goes through `eventLoop.submit`.
final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var planner: RequestPlanner
    let window: Int
    let pacing: Pacing
    let originHost: String
    let checkAnswers: Bool
    let progress: ManagedAtomic<Int>
    let ready: EventLoopPromise<Void>
    var result = ConnectionResult()
    var pending: [UInt32: (intended: NIODeadline, check: PlannedRequest.Check, command: UInt32, slot: Int?)] = [:]
    /// Record latency per command too (storm).
    var perCommand = false
    /// Storm: how long a window place waits before sending a step answered 3004 again.
    var busyBackoff: TimeAmount = .milliseconds(50)
    var hopByHop: UInt32 = 1
    var running = false
    var context: ChannelHandlerContext?
    // Open loop.
    var startedAt = NIODeadline.now()
    var issued = 0
    var lastTick: NIODeadline?
    /// Requests due while the window was full, oldest first: a queue (an Array's removeFirst moved the whole
    /// backlog for every answer, and once the server fell behind the generator's own core went to that).
    var backlog = CircularBuffer<NIODeadline>()
    var ticker: RepeatedTask?
    let decoder = DiameterDecoder()
    /// A DOIC reacting node (RFC 7683 §5.1.1, §5.2.2, §6.3): OC-Supported-Features in every request; the
    /// host report's reduction applied by dropping that share of new requests at random until it expires.
    var doic = false
    var reduction: UInt32 = 0
    var reportSequence: UInt64?
    var reportExpires: NIODeadline?
    var draw = SystemRandomNumberGenerator()
    static let supportedFeatures = EncodedAVPs.make { w in
        w.appendGroup(.ocSupportedFeatures) { OCSupportedFeatures(ocFeatureVector: 1).writeMembers(into: &$0) }
    }

    init(planner: RequestPlanner, window: Int, pacing: Pacing, originHost: String, checkAnswers: Bool, progress: ManagedAtomic<Int>, ready: EventLoopPromise<Void>) {
        self.planner = planner
        self.window = window
        self.pacing = pacing
        self.originHost = originHost
        self.checkAnswers = checkAnswers
        self.progress = progress
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let cer = CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
            originHost: originHost, originRealm: Population.realm, hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
            productName: "hss-bench", originStateID: 1, supportedVendorIDs: [10415], vendorSpecificApplicationIDs: [.cx, .s6a, .sh]))
        context.writeAndFlush(wrapOutboundOut(cer.encode(hopByHopID: 0, endToEndID: 0)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ticker?.cancel()
        running = false
        ready.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    /// Starts sending (after the CEA).
    func start(context: ChannelHandlerContext) {
        running = true
        startedAt = .now()
        switch pacing {
        case .closedLoop:
            for _ in 0..<window { send(intended: .now(), context: context) }
            context.flush()
        case .openLoop(let rate):
            ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(250)) { [weak self] _ in
                guard let self, self.running, let context = self.context else { return }
                let now = NIODeadline.now()
                if let last = self.lastTick {
                    let gap = (now - last).nanoseconds
                    self.result.longestTickGap = max(self.result.longestTickGap, gap)
                    if gap > 5_000_000 { self.result.tickGapsOver5ms += 1 }
                }
                self.lastTick = now
                let due = Int(Double((now - self.startedAt).nanoseconds) / 1e9 * rate)
                while self.issued < due {
                    let intended = self.startedAt + .nanoseconds(Int64(Double(self.issued) / rate * 1e9))
                    self.issued += 1
                    self.result.issued += 1
                    if self.abates(now: intended) {
                        self.result.abated += 1
                        continue
                    }
                    if self.pending.count < self.window { self.send(intended: intended, context: context) } else { self.backlog.append(intended) }
                }
                context.flush()
            }
        }
    }

    func stop() {
        running = false
        ticker?.cancel()
    }

    /// RFC 7683 §6.3: the loss algorithm drops the reported share of new requests while the report holds.
    func abates(now: NIODeadline) -> Bool {
        guard doic, reduction > 0 else { return false }
        if let expires = reportExpires, now >= expires {
            reduction = 0
            return false
        }
        return UInt32.random(in: 1...100, using: &draw) <= reduction
    }

    /// An answer's OC-OLR (RFC 7683 §5.2.1.3): taken when its sequence is new; validity 0 ends it.
    func overloadReport(_ m: DiameterMessage, now: NIODeadline) {
        guard let olr = m.first(.ocOLR), let sequence = olr.first(.ocSequenceNumber)?.unsigned64 else { return }
        if let known = reportSequence, sequence <= known { return }
        reportSequence = sequence
        let validity = olr.first(.ocValidityDuration)?.unsigned32 ?? 30
        reduction = validity == 0 ? 0 : min(100, olr.first(.ocReductionPercentage)?.unsigned32 ?? 0)
        reportExpires = now + .seconds(Int64(validity > 86_400 ? 30 : validity))
    }

    func send(intended: NIODeadline, context: ChannelHandlerContext) {
        let id = hopByHop
        hopByHop &+= 1
        if hopByHop == 0 { hopByHop = 1 }
        guard let request = planner.next(hopByHop: id) else { return }
        pending[id] = (intended, request.check, request.command, request.slot)
        var bytes = request.bytes
        if doic { EncodedAVPs.append(Self.supportedFeatures, to: &bytes) }
        context.write(wrapOutboundOut(bytes), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let now = NIODeadline.now()
        // A refusal for load (3004) to a client without DOIC is counted from its header and Result-Code,
        // without a decode: at twice the capacity half the answers are refusals, and decoding them took
        // the generator's core the offered load needed on a slow host. (A DOIC client reads their OC-OLR.)
        if !doic, let hopByHop = Self.refusalForLoad(frame) {
            answered(hopByHop: hopByHop, code: ResultCode.tooBusy.value, message: nil, now: now, context: context)
            return
        }
        guard let message = try? decoder.decode(frame) else {
            result.errors["undecodable answer", default: 0] += 1
            return
        }
        if message.isRequest {
            answerPeerRequest(message, context: context)
            return
        }
        if message.commandCode == 257 {
            if message.first(.resultCode)?.unsigned32 == 2001 || !checkAnswers {
                ready.succeed(())
            } else {
                ready.fail(ChannelError.connectPending)
            }
            return
        }
        answered(hopByHop: message.header.hopByHopID, code: message.first(.resultCode)?.unsigned32, message: message, now: now, context: context)
    }

    /// The Hop-by-Hop Identifier of an answer (not a CEA) whose Result-Code is 3004; nil for anything else.
    static func refusalForLoad(_ frame: ByteBuffer) -> UInt32? {
        let at = frame.readerIndex
        guard let word = frame.getInteger(at: at + 4, as: UInt32.self), word & 0x8000_0000 == 0,
            word & 0xFF_FFFF != CommandDefinition.capabilitiesExchange.code,
            DiameterDecoder.peekResultCode(frame) == ResultCode.tooBusy.value
        else { return nil }
        return frame.getInteger(at: at + 12, as: UInt32.self)
    }

    /// The answer to the request sent with `hopByHop`, with its Result-Code; `message` is nil for a
    /// refusal counted without decoding.
    func answered(hopByHop: UInt32, code: UInt32?, message: DiameterMessage?, now: NIODeadline, context: ChannelHandlerContext) {
        guard let entry = pending.removeValue(forKey: hopByHop) else {
            result.errors["unmatched answer", default: 0] += 1
            return
        }
        if doic, let message { overloadReport(message, now: now) }
        if running {
            // Refused for load (the HSS throttled it: RFC 7683 §8): not admitted, not an error.
            if code == ResultCode.tooBusy.value {
                result.rejected += 1
            } else {
                _ = result.latency.record(UInt64((now - entry.intended).nanoseconds))
                if perCommand {
                    _ = result.byCommand[entry.command, default: ConnectionResult.histogram()].record(UInt64((now - entry.intended).nanoseconds))
                    result.lastAnswer = now
                }
                result.completed += 1
                progress.wrappingIncrement(ordering: .relaxed)
                if checkAnswers, let message, let problem = verify(message, against: entry.check, command: entry.command) {
                    result.errors[problem, default: 0] += 1
                }
            }
            // Storm: the subscriber's next step. A 3004 is sent again after `busyBackoff` (as an S-CSCF
            // retries later; sending at once only spins), and that window place waits as long; another
            // error counts and moves on.
            if let slot = entry.slot {
                if code == ResultCode.tooBusy.value {
                    let loop = context.eventLoop
                    loop.assumeIsolated().scheduleTask(in: busyBackoff) { [self] in
                        planner.retry(slot: slot)
                        guard running, let context = self.context else { return }
                        send(intended: .now(), context: context)
                        context.flush()
                    }
                    return
                }
                planner.answered(slot: slot)
            }
            switch pacing {
            case .closedLoop:
                send(intended: now, context: context)
                context.flush()
            case .openLoop:
                if !backlog.isEmpty {
                    send(intended: backlog.removeFirst(), context: context)
                    context.flush()
                }
            }
        }
    }

    /// DWR → DWA, DPR → DPA (the HSS may probe an idle connection).
    func answerPeerRequest(_ m: DiameterMessage, context: ChannelHandlerContext) {
        let fields = BaseAnswerFields(resultCode: .success, originHost: originHost, originRealm: Population.realm)
        let bytes: ByteBuffer
        switch m.commandCode {
        case 280: bytes = DeviceWatchdogAnswer(fields: fields).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
        case 282: bytes = DisconnectPeerAnswer(fields: fields).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
        default: return
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.errors["connection: \(error)", default: 0] += 1
        context.close(promise: nil)
    }
}

/// The machine's ceiling: a loopback server that answers each message with a same-sized canned answer
/// (the request with its R-bit cleared). No decoding beyond framing.
final class CeilingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    var unflushed = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        if let flags = frame.getInteger(at: frame.readerIndex + 4, as: UInt8.self) {
            frame.setInteger(flags & ~0x80, at: frame.readerIndex + 4)
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        unflushed += 1
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed > 0 {
            context.flush()
            unflushed = 0
        }
    }
}

/// A node's address as the generator's options write it.
enum Address {
    /// "host:port" → (host, port); nil when it is not that (an IPv6 address goes in brackets elsewhere;
    /// the generator's nodes are IPv4 or names).
    static func hostPort(_ text: String) -> (String, Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else { return nil }
        return (String(parts[0]), port)
    }
}
