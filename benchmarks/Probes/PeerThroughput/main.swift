// Peer-layer throughput over loopback TCP: our DiameterServer (PeerConnection actors on their event loops,
// application work in one Task per read burst) against the inline NIO baseline (the answer written from
// the channel handler on the event loop, no actor, no Task), with the same load: C connections, a window of
// W MARs in flight on each, for D seconds. The application does trivial work (a canned MAA with the
// request's identifiers), so this measures the peer layer itself.
//   PeerThroughput [connections] [window] [seconds]
import CodecWorkloads
import DiameterCore
import DiameterPeer
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

let args = CommandLine.arguments
let connections = args.count > 1 ? Int(args[1]) ?? 8 : 8
let window = args.count > 2 ? Int(args[2]) ?? 32 : 32
let seconds = args.count > 3 ? Int(args[3]) ?? 5 : 5

let work = CodecWorkloads()
let cannedMAA = work.encodeMAAWithWriter(hopByHop: 0)
let cer = CapabilitiesExchangeRequest(capabilities: PeerCapabilities(
    originHost: "scscf-01.ims.mnc001.mcc240.3gppnetwork.org", originRealm: "ims.mnc001.mcc240.3gppnetwork.org",
    hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415, productName: "load", vendorSpecificApplicationIDs: [.cx]))
let cerBytes = cer.encode(hopByHopID: 0, endToEndID: 0)

/// The answer to `request`: the canned MAA with the request's identifiers.
func cannedAnswer(to request: ByteBuffer) -> ByteBuffer {
    var a = cannedMAA
    a.setInteger(request.getInteger(at: request.readerIndex + 12, as: UInt32.self) ?? 0, at: 12)
    a.setInteger(request.getInteger(at: request.readerIndex + 16, as: UInt32.self) ?? 0, at: 16)
    return a
}

struct TrivialApplication: DiameterRequestHandler {
    let inline: Bool
    func answer(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity) async -> ByteBuffer {
        cannedAnswer(to: request.bytes)
    }
    func handle(_ request: DiameterMessage, command: CommandDefinition, from peer: PeerIdentity, responder: DiameterResponder) -> ByteBuffer? {
        if inline { return cannedAnswer(to: request.bytes) }
        let answer = cannedAnswer(to: request.bytes)
        Task { responder.send(answer) }
        return nil
    }
}

/// The baseline: answers every request inline, on the event loop (a CER gets the canned answer too; the
/// load client ignores it).
final class InlineHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(wrapOutboundOut(cannedAnswer(to: unwrapInboundIn(data))), promise: nil)
    }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
}

/// The load client: keeps `window` MARs in flight, counts answers.
final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let counter: NIOLockedValueBox<Int>
    var next: UInt32 = 1
    var handshake = true
    let window: Int
    init(counter: NIOLockedValueBox<Int>, window: Int) {
        self.counter = counter
        self.window = window
    }
    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(cerBytes), promise: nil)
    }
    func send(_ context: ChannelHandlerContext) {
        var m = work.capturedMAR
        m.setInteger(next, at: 12)
        m.setInteger(next, at: 16)
        next &+= 1
        context.write(wrapOutboundOut(m), promise: nil)
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if handshake {  // the CEA (or the baseline's canned answer to the CER): start the window
            handshake = false
            for _ in 0..<window { send(context) }
            return
        }
        counter.withLockedValue { $0 += 1 }
        send(context)
    }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
}

func measure(port: Int) async throws -> Double {
    let counter = NIOLockedValueBox(0)
    var channels: [any Channel] = []
    for _ in 0..<connections {
        channels.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
                    try ch.pipeline.syncOperations.addHandler(LoadHandler(counter: counter, window: window))
                }
            }
            .connect(host: "127.0.0.1", port: port).get())
    }
    try await Task.sleep(for: .seconds(1))  // warm-up
    let start = counter.withLockedValue { $0 }
    let t0 = ContinuousClock.now
    try await Task.sleep(for: .seconds(seconds))
    let n = counter.withLockedValue { $0 } - start
    let elapsed = ContinuousClock.now - t0
    for c in channels { try? await c.close() }
    return Double(n) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

var logger = Logger(label: "bench")
logger.logLevel = .error

let baseline = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { ch in
        ch.eventLoop.makeCompletedFuture {
            try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DiameterFrameHandler()))
            try ch.pipeline.syncOperations.addHandler(InlineHandler())
        }
    }
    .bind(host: "127.0.0.1", port: 0).get()
let inlineRate = try await measure(port: baseline.localAddress!.port!)
try await baseline.close().get()

var config = DiameterServerConfiguration(
    local: LocalPeer(originHost: "hss.ims.mnc001.mcc240.3gppnetwork.org", originRealm: "ims.mnc001.mcc240.3gppnetwork.org",
                     hostIPAddresses: [DiameterAddress("127.0.0.1")!], originStateID: 1),
    listenAddresses: [("127.0.0.1", 0)])
config.maximumInFlightPerConnection = max(window * 2, 64)
config.duplicateWindow = .seconds(30)
let server = try await DiameterServer(configuration: config, application: TrivialApplication(inline: false), logger: logger)
let peerRate = try await measure(port: server.localAddresses[0].port!)
await server.shutdown()
config.listenAddresses = [("127.0.0.1", 0)]
let fastServer = try await DiameterServer(configuration: config, application: TrivialApplication(inline: true), logger: logger)
let fastRate = try await measure(port: fastServer.localAddresses[0].port!)
await fastServer.shutdown()

print("connections \(connections), window \(window), \(seconds) s, trivial application work")
print("inline NIO baseline:     \(Int(inlineRate)) answers/s")
print("DiameterServer, async application path (one task per read burst): \(Int(peerRate)) answers/s  (\(Int(peerRate / inlineRate * 100)) % of the baseline)")
print("DiameterServer, in-place answers (handle returns the answer on the connection's event loop): \(Int(fastRate)) answers/s  (\(Int(fastRate / inlineRate * 100)) % of the baseline)")
