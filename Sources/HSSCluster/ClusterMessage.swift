public import HSSCore
public import HSSStorage
public import NIOCore

/// One message of the cluster link (docs/replication.md, "Wire protocol"). Framing: a 4-byte big-endian
/// length of what follows, a type byte, then the fields in HSSCore's binary form (varint lengths). The
/// codec is pure; a malformed frame is an error value and closes only that link.
public enum ClusterMessage: Sendable, Equatable {
    /// Follower → leader, first on a replication link: who it is and where its log ends.
    case hello(Hello)
    /// Leader → follower: accepted; the leader's epoch (a follower that knows a newer one closes).
    case welcome(epoch: UInt64, leader: String)
    /// Leader → follower: records in order (empty: a heartbeat), the leader's last sequence, and the
    /// sequence acknowledged at its ack level (durable on the leader too): the follower answers from its
    /// store only up to there, since records shipped before the leader's commit may never be committed.
    /// (A frame from a node without the field, which shipped only committed records, decodes with
    /// `acknowledged` = `leaderLast`.)
    case records([ChangeRecord], leaderLast: UInt64, acknowledged: UInt64)
    /// Follower → leader: last sequence received and last applied (durable: applied in a committed
    /// LMDB transaction).
    case ack(received: UInt64, durable: UInt64)
    /// Leader → follower: a full copy follows (the follower's position is older than the retained log).
    case snapshotBegin(size: UInt64)
    case snapshotChunk([UInt8])
    case snapshotEnd
    /// Leader → follower: drop records after `after` (they diverged), then reconnect asking for repair.
    case truncate(after: UInt64)
    /// Leader → follower: the current records of the subscriptions a truncation touched.
    case repair([LMDBSubscriberStore.RepairRecord])
    /// Follower → leader: a write to perform (request id, operation).
    case forward(UInt64, ForwardedWrite)
    /// Leader → follower: the outcome of a forwarded write.
    case forwardResult(UInt64, ForwardOutcome)
    /// Either way: the link is refused (wrong cluster, stale epoch, not the leader), with who leads if known.
    case reject(reason: String, leader: String?, epoch: UInt64)
    /// Control (`hss cluster status|promote`, election): ask for a node's status.
    case statusRequest
    case status(NodeStatus)
    /// Control: become leader of `epoch` (manual failover).
    case promote(epoch: UInt64)
    /// Control: follow the node at `address` (its replication listener), leader of `epoch`.
    case follow(leader: String, address: String, epoch: UInt64)
    /// Control: the outcome of promote/follow/leaderLost.
    case done(ok: Bool, message: String)
    /// Follower → follower: the sender hears nothing from `leader` of `epoch` (docs/replication.md, "A
    /// silent leader"). Without `fence`: does the receiver hear nothing either (no side effect)? With
    /// `fence`: the receiver takes nothing more from that epoch. Answered with `done`.
    case leaderLost(leader: String, epoch: UInt64, fence: Bool)

    public struct Hello: Sendable, Equatable {
        public var cluster: String
        public var node: String
        public var last: UInt64
        public var history: [EpochStart]
        /// The highest epoch this node has seen: a leader below it is deposed.
        public var knownEpoch: UInt64
        /// Subscriptions awaiting repair after a truncation.
        public var repairIDs: [String]
        public init(cluster: String, node: String, last: UInt64, history: [EpochStart], knownEpoch: UInt64, repairIDs: [String]) {
            self.cluster = cluster
            self.node = node
            self.last = last
            self.history = history
            self.knownEpoch = knownEpoch
            self.repairIDs = repairIDs
        }
    }
}

/// A write a follower sends to the leader (docs/replication.md, "Writes on a follower").
public enum ForwardedWrite: Sendable, Equatable {
    /// Compare-and-set of a subscription's Cx state, with an answer to keep for a retransmission.
    case state(id: String, state: [UInt8], expected: [UInt8], replay: ReplayEntry?)
    /// A whole subscription (provisioned and state records); `expected`: the state it replaces (nil: must
    /// not exist), or no check.
    case subscription(provisioned: [UInt8], state: [UInt8], check: Bool, expected: [UInt8]?)
    case delete(id: String)
    case newSubscriptions([[UInt8]])
}

public enum ForwardOutcome: Sendable, Equatable {
    /// Committed at `sequence` and acknowledged at the cluster's ack level.
    case committed(sequence: UInt64)
    /// The compare-and-set found other data; the leader's log ended at `leaderLast` when it checked.
    case conflict(leaderLast: UInt64)
    /// Not done (no leader, not acknowledged in time, storage failure), with the reason; `transient`:
    /// worth retrying on another node (3004).
    case failed(String, transient: Bool)
}

/// What `hss cluster status` shows of one node.
public struct NodeStatus: Sendable, Equatable, Codable {
    public var node: String
    public var role: String
    public var epoch: UInt64
    public var knownEpoch: UInt64
    public var last: UInt64
    public var lastEpoch: UInt64
    public var leader: String?
    /// Leader: each follower's durable position; follower: the leader's last sequence it heard of.
    public var followers: [String: UInt64]
    public var leaderLast: UInt64
    public var ackLevel: String
    /// The store holds subscriptions (a seeded store without a log yet counts for the election).
    public var hasData = false
    public var lag: UInt64 { leaderLast > last ? leaderLast - last : 0 }
    public init(node: String, role: String, epoch: UInt64, knownEpoch: UInt64, last: UInt64, lastEpoch: UInt64, leader: String?,
                followers: [String: UInt64], leaderLast: UInt64, ackLevel: String) {
        self.node = node
        self.role = role
        self.epoch = epoch
        self.knownEpoch = knownEpoch
        self.last = last
        self.lastEpoch = lastEpoch
        self.leader = leader
        self.followers = followers
        self.leaderLast = leaderLast
        self.ackLevel = ackLevel
    }
}

public struct ClusterProtocolError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "cluster protocol: \(reason)" }
}

// MARK: Codec

extension ClusterMessage {
    /// The biggest frame accepted (a snapshot chunk is 1 MiB; a records batch is bounded by count).
    public static let maximumFrame = 64 << 20

    var type: UInt8 {
        switch self {
        case .hello: 1
        case .welcome: 2
        case .records: 3
        case .ack: 4
        case .snapshotBegin: 5
        case .snapshotChunk: 6
        case .snapshotEnd: 7
        case .truncate: 8
        case .repair: 9
        case .forward: 10
        case .forwardResult: 11
        case .reject: 12
        case .statusRequest: 13
        case .status: 14
        case .promote: 15
        case .follow: 16
        case .done: 17
        case .leaderLost: 18
        }
    }

    /// The frame body (type byte and fields; the length prefix is added by the encoder).
    public func body() -> [UInt8] {
        var w = BinaryWriter(capacity: 64)
        w.u8(type)
        switch self {
        case .hello(let h):
            w.string(h.cluster)
            w.string(h.node)
            w.varint(h.last)
            w.array(h.history) { w, e in
                w.varint(e.epoch)
                w.varint(e.firstSequence)
            }
            w.varint(h.knownEpoch)
            w.strings(h.repairIDs)
        case .welcome(let epoch, let leader):
            w.varint(epoch)
            w.string(leader)
        case .records(let records, let leaderLast, let acknowledged):
            w.varint(leaderLast)
            w.array(records) { w, r in
                w.varint(r.sequence)
                w.data(r.encoded)
            }
            w.varint(acknowledged)
        case .ack(let received, let durable):
            w.varint(received)
            w.varint(durable)
        case .snapshotBegin(let size): w.varint(size)
        case .snapshotChunk(let bytes): w.data(bytes)
        case .snapshotEnd, .statusRequest: break
        case .truncate(let after): w.varint(after)
        case .repair(let records):
            w.array(records) { w, r in
                w.string(r.id)
                w.optional(r.records) { w, rec in
                    w.data(rec.provisioned)
                    w.data(rec.state)
                }
            }
        case .forward(let id, let op):
            w.varint(id)
            switch op {
            case .state(let sid, let state, let expected, let replay):
                w.u8(1)
                w.string(sid)
                w.data(state)
                w.data(expected)
                w.optional(replay) { w, r in
                    w.string(r.key)
                    w.data(r.answer)
                }
            case .subscription(let p, let s, let check, let expected):
                w.u8(2)
                w.data(p)
                w.data(s)
                w.bool(check)
                w.optional(expected) { $0.data($1) }
            case .delete(let sid):
                w.u8(3)
                w.string(sid)
            case .newSubscriptions(let list):
                w.u8(4)
                w.array(list) { $0.data($1) }
            }
        case .forwardResult(let id, let outcome):
            w.varint(id)
            switch outcome {
            case .committed(let s):
                w.u8(1)
                w.varint(s)
            case .conflict(let last):
                w.u8(2)
                w.varint(last)
            case .failed(let reason, let transient):
                w.u8(3)
                w.string(reason)
                w.bool(transient)
            }
        case .reject(let reason, let leader, let epoch):
            w.string(reason)
            w.optional(leader) { $0.string($1) }
            w.varint(epoch)
        case .status(let s):
            w.string(s.node)
            w.string(s.role)
            w.varint(s.epoch)
            w.varint(s.knownEpoch)
            w.varint(s.last)
            w.varint(s.lastEpoch)
            w.optional(s.leader) { $0.string($1) }
            w.array(s.followers.sorted { $0.key < $1.key }) { w, e in
                w.string(e.key)
                w.varint(e.value)
            }
            w.varint(s.leaderLast)
            w.string(s.ackLevel)
            w.bool(s.hasData)
        case .promote(let epoch): w.varint(epoch)
        case .follow(let leader, let address, let epoch):
            w.string(leader)
            w.string(address)
            w.varint(epoch)
        case .done(let ok, let message):
            w.bool(ok)
            w.string(message)
        case .leaderLost(let leader, let epoch, let fence):
            w.string(leader)
            w.varint(epoch)
            w.bool(fence)
        }
        return w.bytes
    }

    /// Decodes a frame body; anything malformed is an error, never a trap.
    public init(body: UnsafeRawBufferPointer) throws(ClusterProtocolError) {
        var r = BinaryReader(body)
        do {
            let type = try r.u8()
            switch type {
            case 1:
                let cluster = try r.string(), node = try r.string(), last = try r.varint()
                let history = try r.array { r throws(BinaryReader.Malformed) in EpochStart(epoch: try r.varint(), firstSequence: try r.varint()) }
                self = .hello(Hello(cluster: cluster, node: node, last: last, history: history, knownEpoch: try r.varint(), repairIDs: try r.strings()))
            case 2: self = .welcome(epoch: try r.varint(), leader: try r.string())
            case 3:
                let leaderLast = try r.varint()
                var failure: ClusterProtocolError?
                let records = try r.array { r throws(BinaryReader.Malformed) -> ChangeRecord? in
                    let seq = try r.varint(), bytes = try r.data()
                    do {
                        return try bytes.withUnsafeBytes { b throws(StorageError) in try ChangeRecord(sequence: seq, encoded: b) }
                    } catch {
                        failure = ClusterProtocolError("record \(seq): \(error)")
                        return nil
                    }
                }
                if let failure { throw failure }
                let acknowledged = r.isAtEnd ? leaderLast : try r.varint()
                self = .records(records.compactMap { $0 }, leaderLast: leaderLast, acknowledged: acknowledged)
            case 4: self = .ack(received: try r.varint(), durable: try r.varint())
            case 5: self = .snapshotBegin(size: try r.varint())
            case 6: self = .snapshotChunk(try r.data())
            case 7: self = .snapshotEnd
            case 8: self = .truncate(after: try r.varint())
            case 9:
                self = .repair(
                    try r.array { r throws(BinaryReader.Malformed) in
                        let id = try r.string()
                        let rec = try r.optional { r throws(BinaryReader.Malformed) in (provisioned: try r.data(), state: try r.data()) }
                        return LMDBSubscriberStore.RepairRecord(id: id, records: rec)
                    })
            case 10:
                let id = try r.varint()
                switch try r.u8() {
                case 1:
                    let sid = try r.string(), state = try r.data(), expected = try r.data()
                    let replay = try r.optional { r throws(BinaryReader.Malformed) in ReplayEntry(key: try r.string(), answer: try r.data()) }
                    self = .forward(id, .state(id: sid, state: state, expected: expected, replay: replay))
                case 2:
                    let p = try r.data(), s = try r.data(), check = try r.bool()
                    self = .forward(id, .subscription(provisioned: p, state: s, check: check, expected: try r.optional { r throws(BinaryReader.Malformed) in try r.data() }))
                case 3: self = .forward(id, .delete(id: try r.string()))
                case 4: self = .forward(id, .newSubscriptions(try r.array { r throws(BinaryReader.Malformed) in try r.data() }))
                case let k: throw ClusterProtocolError("forwarded write kind \(k)")
                }
            case 11:
                let id = try r.varint()
                switch try r.u8() {
                case 1: self = .forwardResult(id, .committed(sequence: try r.varint()))
                case 2: self = .forwardResult(id, .conflict(leaderLast: try r.varint()))
                case 3: self = .forwardResult(id, .failed(try r.string(), transient: try r.bool()))
                case let k: throw ClusterProtocolError("forward outcome \(k)")
                }
            case 12: self = .reject(reason: try r.string(), leader: try r.optional { r throws(BinaryReader.Malformed) in try r.string() }, epoch: try r.varint())
            case 13: self = .statusRequest
            case 14:
                let node = try r.string(), role = try r.string(), epoch = try r.varint(), known = try r.varint(), last = try r.varint()
                let lastEpoch = try r.varint(), leader = try r.optional { r throws(BinaryReader.Malformed) in try r.string() }
                let followers = try r.array { r throws(BinaryReader.Malformed) in (try r.string(), try r.varint()) }
                var status = NodeStatus(
                    node: node, role: role, epoch: epoch, knownEpoch: known, last: last, lastEpoch: lastEpoch, leader: leader,
                    followers: Dictionary(followers, uniquingKeysWith: { a, _ in a }), leaderLast: try r.varint(), ackLevel: try r.string())
                status.hasData = try r.bool()
                self = .status(status)
            case 15: self = .promote(epoch: try r.varint())
            case 16: self = .follow(leader: try r.string(), address: try r.string(), epoch: try r.varint())
            case 17: self = .done(ok: try r.bool(), message: try r.string())
            case 18: self = .leaderLost(leader: try r.string(), epoch: try r.varint(), fence: try r.bool())
            default: throw ClusterProtocolError("message type \(type)")
            }
        } catch let e as ClusterProtocolError {
            throw e
        } catch {
            throw ClusterProtocolError("\(error)")
        }
        guard r.isAtEnd else { throw ClusterProtocolError("\(body.count - r.offset) bytes after the message") }
    }
}

/// Length-prefixed frames → messages (drip-fed input is fine: a frame is decoded once whole).
struct ClusterFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ClusterMessage

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length > 0, Int(length) <= ClusterMessage.maximumFrame else { throw ClusterProtocolError("frame length \(length)") }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let message = try buffer.readWithUnsafeReadableBytes { raw -> (Int, ClusterMessage) in
            (Int(length), try ClusterMessage(body: UnsafeRawBufferPointer(rebasing: raw.prefix(Int(length)))))
        }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }
}

struct ClusterFrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = ClusterMessage
    func encode(data: ClusterMessage, out: inout ByteBuffer) throws {
        let body = data.body()
        out.writeInteger(UInt32(body.count))
        out.writeBytes(body)
    }
}
