import ArgumentParser
import Foundation
import HSSCluster
import NIOPosix
import NIOSSL

/// `hss cluster`: status of every node, and manual failover (docs/replication.md).
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Cluster status and manual failover (docs/replication.md).", subcommands: [Status.self, Promote.self])

    struct Members: ParsableArguments {
        @Option(name: .customLong("member"), help: "A node as id=host:port (its cluster link); repeat for every node.")
        var members: [String] = []

        @Option(help: "TLS on the cluster link: a certificate chain (PEM) of the cluster CA …") var tlsCert: String?
        @Option(help: "… its private key …") var tlsKey: String?
        @Option(help: "… and the cluster CA.") var tlsCA: String?

        func tls() throws -> NIOSSLContext? {
            guard let tlsCert else { return nil }
            return try ClusterTLS(certificateChainPath: tlsCert, privateKeyPath: tlsKey ?? "", trustRootsPath: tlsCA ?? "").contexts().client
        }

        func parsed() throws -> [(String, String)] {
            let list = members.compactMap(HSSConfiguration.member)
            guard !list.isEmpty, list.count == members.count else { throw ValidationError("--member id=host:port, one per node") }
            return list
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every node's role, epoch, log position and lag (unreachable nodes say so).")
        @OptionGroup var members: Members
        @Flag(help: "JSON, one object per node.") var json = false

        func run() async throws {
            var rows: [(String, NodeStatus?)] = []
            for (id, address) in try members.parsed() {
                rows.append((id, await ClusterNode.status(of: address, group: MultiThreadedEventLoopGroup.singleton, tls: try members.tls(), timeout: .seconds(3))))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                for (id, s) in rows {
                    if let s { print(String(decoding: try encoder.encode(s), as: UTF8.self)) } else { print("{\"node\":\"\(id)\",\"reachable\":false}") }
                }
                return
            }
            let leaderLast = rows.compactMap { $0.1 }.filter { $0.role == "leader" }.map(\.last).max()
            print("node         role       epoch  last        lag     leader")
            for (id, s) in rows {
                guard let s else {
                    print("\(id.padding(toLength: 12, withPad: " ", startingAt: 0)) unreachable")
                    continue
                }
                let lag = s.role == "leader" ? 0 : (leaderLast ?? s.leaderLast) > s.last ? (leaderLast ?? s.leaderLast) - s.last : 0
                print(
                    [id.padding(toLength: 12, withPad: " ", startingAt: 0), s.role.padding(toLength: 10, withPad: " ", startingAt: 0),
                     "\(s.epoch)".padding(toLength: 6, withPad: " ", startingAt: 0), "\(s.last)".padding(toLength: 11, withPad: " ", startingAt: 0),
                     "\(lag)".padding(toLength: 7, withPad: " ", startingAt: 0), s.leader ?? "-"].joined(separator: " "))
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a node the leader (without etcd): it starts an epoch above every epoch the reachable nodes know, and the others follow it.",
            discussion: """
                Fencing: the old leader's writes can no longer be acknowledged once the followers are in the new epoch (they \
                refuse its link). Stop the old leader first when it is reachable only by clients, not by the cluster.
                """)
        @OptionGroup var members: Members
        @Option(help: "The node to promote.") var node: String

        func run() async throws {
            let all = try members.parsed()
            guard let target = all.first(where: { $0.0 == node }) else { throw ValidationError("\(node) is not among --member") }
            let group = MultiThreadedEventLoopGroup.singleton
            let tls = try members.tls()
            var epoch: UInt64 = 0
            for (_, address) in all {
                if let s = await ClusterNode.status(of: address, group: group, tls: tls) { epoch = max(epoch, s.epoch, s.knownEpoch) }
            }
            epoch += 1
            guard case .done(let ok, let message) = await ClusterNode.exchange(.promote(epoch: epoch), with: target.1, group: group, tls: tls, timeout: .seconds(10)) else {
                throw ValidationError("\(node) did not answer")
            }
            print(message)
            guard ok else { throw ExitCode(1) }
            for (id, address) in all where id != node {
                if case .done(_, let m) = await ClusterNode.exchange(.follow(leader: node, address: target.1, epoch: epoch), with: address, group: group, tls: tls) {
                    print(m)
                } else {
                    print("\(id): unreachable (it will be refused by the followers of epoch \(epoch) and told who leads when it connects)")
                }
            }
        }
    }
}
