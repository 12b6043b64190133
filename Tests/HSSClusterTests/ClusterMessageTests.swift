import Foundation
import HSSCore
import HSSStorage
import NIOCore
import NIOEmbedded
import Testing

@testable import HSSCluster

/// The cluster link's codec: every message round-trips, frames may arrive a byte at a time, and malformed
/// input is an error value.
@Suite("Cluster link codec")
struct ClusterMessageTests {
    static let record = ChangeRecord(sequence: 7, epoch: 3, timeMillis: 1_700_000_000_000, kind: .state, payload: [4, 115, 117, 98, 49, 1, 1])

    static let all: [ClusterMessage] = [
        .hello(.init(cluster: "hss", node: "n2", last: 41, history: [EpochStart(epoch: 1, firstSequence: 1), EpochStart(epoch: 3, firstSequence: 30)], knownEpoch: 3, repairIDs: ["a", "b"])),
        .welcome(epoch: 3, leader: "n1"),
        .records([record, ChangeRecord(sequence: 8, epoch: 3, timeMillis: 1, kind: .epoch, payload: [])], leaderLast: 8, acknowledged: 7),
        .records([], leaderLast: 99, acknowledged: 99),
        .ack(received: 8, durable: 7),
        .snapshotBegin(size: 1 << 33), .snapshotChunk([1, 2, 3]), .snapshotEnd,
        .truncate(after: 12),
        .repair([.init(id: "x", records: ([1], [2, 3])), .init(id: "gone", records: nil)]),
        .forward(5, .state(id: "sub", state: [1, 0], expected: [1], replay: ReplayEntry(key: "scscf|9", answer: [9, 9]))),
        .forward(6, .state(id: "sub", state: [1, 0], expected: [1], replay: nil)),
        .forward(7, .subscription(provisioned: [1, 2], state: [3], check: true, expected: nil)),
        .forward(8, .subscription(provisioned: [1, 2], state: [3], check: true, expected: [4])),
        .forward(9, .delete(id: "sub")),
        .forward(10, .newSubscriptions([[1], [2, 3]])),
        .forwardResult(5, .committed(sequence: 77)), .forwardResult(6, .conflict(leaderLast: 80)), .forwardResult(7, .failed("why", transient: true)),
        .reject(reason: "not the leader", leader: "n3", epoch: 4), .reject(reason: "x", leader: nil, epoch: 0),
        .statusRequest,
        .status(NodeStatus(node: "n1", role: "leader", epoch: 3, knownEpoch: 3, last: 90, lastEpoch: 3, leader: "n1", followers: ["n2": 88, "n3": 90], leaderLast: 90, ackLevel: "one")),
        .promote(epoch: 4), .follow(leader: "n2", address: "127.0.0.1:7102", epoch: 4), .done(ok: true, message: "ok"), .leaderLost(leader: "n1", epoch: 7, fence: true),
    ]

    @Test("Every message decodes to itself")
    func roundTrip() throws {
        for m in Self.all {
            let body = m.body()
            let back = try body.withUnsafeBytes { try ClusterMessage(body: $0) }
            #expect(back == m)
        }
    }

    @Test("Truncated bodies, unknown types, trailing bytes and a corrupted record are errors, not traps")
    func malformed() throws {
        for m in Self.all {
            let body = m.body()
            for cut in 0..<body.count {
                if case .records(let records, let leaderLast, _) = m, cut == body.count - 1 {
                    // Without its last field (one byte here), a records frame is one from a node that
                    // shipped only committed records: acknowledged up to its last sequence.
                    let old = try Array(body.prefix(cut)).withUnsafeBytes { try ClusterMessage(body: $0) }
                    #expect(old == .records(records, leaderLast: leaderLast, acknowledged: leaderLast))
                    continue
                }
                #expect(throws: ClusterProtocolError.self) { _ = try Array(body.prefix(cut)).withUnsafeBytes { try ClusterMessage(body: $0) } }
            }
            #expect(throws: ClusterProtocolError.self) { _ = try (body + [0]).withUnsafeBytes { try ClusterMessage(body: $0) } }
        }
        #expect(throws: ClusterProtocolError.self) { _ = try [UInt8(99)].withUnsafeBytes { try ClusterMessage(body: $0) } }
        // A record whose payload no longer matches its CRC.
        var body = ClusterMessage.records([Self.record], leaderLast: 7, acknowledged: 7).body()
        body[body.count - 2] ^= 0xFF  // the record's last byte (the frame's last is the acknowledged position)
        #expect(throws: ClusterProtocolError.self) { _ = try body.withUnsafeBytes { try ClusterMessage(body: $0) } }
    }

    @Test("Frames fed one byte at a time come out whole and in order; an oversized length closes the link")
    func dripFed() throws {
        let channel = EmbeddedChannel(handlers: [ByteToMessageHandler(ClusterFrameDecoder())])
        var wire = ByteBuffer()
        for m in Self.all { try ClusterFrameEncoder().encode(data: m, out: &wire) }
        while let byte = wire.readSlice(length: 1) { try channel.writeInbound(byte) }
        var out: [ClusterMessage] = []
        while let m = try channel.readInbound(as: ClusterMessage.self) { out.append(m) }
        #expect(out == Self.all)

        let bad = EmbeddedChannel(handlers: [ByteToMessageHandler(ClusterFrameDecoder())])
        var huge = ByteBuffer()
        huge.writeInteger(UInt32(ClusterMessage.maximumFrame + 1))
        #expect(throws: ClusterProtocolError.self) { try bad.writeInbound(huge) }
    }

    @Test("Ack levels: followers needed")
    func ackLevels() {
        #expect(AckLevel.async.required(followers: 2) == 0)
        #expect(AckLevel.one.required(followers: 2) == 1)
        #expect(AckLevel.one.required(followers: 0) == 0)
        #expect(AckLevel.all.required(followers: 2) == 2)
        #expect(ClusterConfiguration(name: "c", node: "a", members: [.init(id: "a", address: "x:1")]).ackLevel == .async)
        #expect(ClusterConfiguration(name: "c", node: "a", members: ["a", "b", "c"].map { .init(id: $0, address: "x:1") }).ackLevel == .one)
    }

    @Test("Election: answers needed before a silent member is given up on — a majority, and every acknowledged write's holder heard")
    func answersNeeded() {
        // 3 nodes: at ack one a write is on 2 nodes, so 1 other answer (with the candidate: 2 of 3) finds it.
        #expect(ClusterNode.answersNeeded(members: 3, ackLevel: .one) == 1)
        // async: a write may be on the old leader alone: every other member must answer (or time out).
        #expect(ClusterNode.answersNeeded(members: 3, ackLevel: .async) == 2)
        #expect(ClusterNode.answersNeeded(members: 3, ackLevel: .all) == 1)
        // 5 nodes at ack one: a write on 2 nodes; hearing 4 of 5 finds it (a bare majority, 3, might not).
        #expect(ClusterNode.answersNeeded(members: 5, ackLevel: .one) == 3)
        #expect(ClusterNode.answersNeeded(members: 5, ackLevel: .all) == 2)
        #expect(ClusterNode.answersNeeded(members: 1, ackLevel: .async) == 0)
    }

    @Test("Progress: waits end when the target is reached, at the deadline, or when failed")
    func progress() async {
        let p = Progress(5)
        #expect(await p.wait(for: 5, timeout: .seconds(1)))
        async let reached = p.wait(for: 9, timeout: .seconds(5))
        try? await Task.sleep(for: .milliseconds(20))
        p.advance(to: 10)
        #expect(await reached)
        async let late = p.wait(for: 20, timeout: .milliseconds(10))
        try? await Task.sleep(for: .milliseconds(30))
        p.sweep()
        #expect(await !late)
        async let failed = p.wait(for: 30, timeout: .seconds(5))
        try? await Task.sleep(for: .milliseconds(20))
        p.failAll()
        #expect(await !failed)
        p.advance(to: 3)
        #expect(p.value == 10, "never lowered by advance")
    }
}
