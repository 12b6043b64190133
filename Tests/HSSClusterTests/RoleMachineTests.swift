import Testing

@testable import HSSCluster

/// The role machine row by row (docs/replication.md, "Roles and the cluster link"): from a state, an
/// event gives the next state and the actions the shell performs.
@Suite("Role machine")
struct RoleMachineTests {
    typealias M = RoleMachine

    static func machine(_ role: ClusterRole, known: UInt64 = 5, safe: UInt64 = 0, generation: Int = 3, stopped: Bool = false) -> M {
        M(role: role, knownEpoch: known, safePoint: safe, generation: generation, stopped: stopped)
    }

    /// Only the kinds of actions (log texts are checked where they matter).
    static func kinds(_ actions: [M.Action]) -> [String] {
        actions.map {
            switch $0 {
            case .closeLink: "closeLink"
            case .startLeading: "startLeading"
            case .failAcknowledgementWaits: "failWaits"
            case .clearCaches: "clearCaches"
            case .log(let level, let message, _): "\(level) \(message)"
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var from: M
        var event: M.Event
        var to: M
        var actions: [String]
        var testDescription: String { name }
    }

    static let f = ClusterRole.follower(leader: "n2", address: "10.0.0.2:7100", epoch: 5)

    static let rows: [Row] = [
        Row(name: "candidate elected: leads, answers everything, new generation",
            from: machine(.candidate), event: .elected(epoch: 6),
            to: machine(.leader(epoch: 6), known: 6, safe: .max, generation: 4),
            actions: ["closeLink", "startLeading", "clearCaches", "notice became leader"]),
        Row(name: "follower elected (promote): closes its link to the old leader",
            from: machine(f, safe: .max), event: .elected(epoch: 7),
            to: machine(.leader(epoch: 7), known: 7, safe: .max, generation: 4),
            actions: ["closeLink", "startLeading", "clearCaches", "notice became leader"]),
        Row(name: "a stopped node is not elected",
            from: machine(.candidate, stopped: true), event: .elected(epoch: 6),
            to: machine(.candidate, stopped: true), actions: []),
        Row(name: "static leader resumes its epoch after a restart",
            from: machine(.candidate, generation: 0), event: .resumed(epoch: 5),
            to: machine(.leader(epoch: 5), safe: .max, generation: 1), actions: ["notice leading again"]),
        Row(name: "candidate sees a leader: follows, the store answered from only once the log is checked",
            from: machine(.candidate), event: .leaderSeen(leader: "n2", address: "10.0.0.2:7100", epoch: 5),
            to: machine(f, generation: 4), actions: ["closeLink", "failWaits", "clearCaches", "notice following"]),
        Row(name: "the same leader again: nothing",
            from: machine(f, safe: .max), event: .leaderSeen(leader: "n2", address: "10.0.0.2:7100", epoch: 5),
            to: machine(f, safe: .max), actions: []),
        Row(name: "a newer leader: follows it, keeps its safe point (the log was checked under the same history)",
            from: machine(f, safe: .max), event: .leaderSeen(leader: "n3", address: "10.0.0.3:7100", epoch: 6),
            to: machine(.follower(leader: "n3", address: "10.0.0.3:7100", epoch: 6), known: 6, safe: .max, generation: 4),
            actions: ["closeLink", "failWaits", "clearCaches", "notice following"]),
        Row(name: "a leader told of another leader without being deposed first answers nothing from its store",
            from: machine(.leader(epoch: 5), safe: .max), event: .leaderSeen(leader: "n2", address: "10.0.0.2:7100", epoch: 6),
            to: machine(.follower(leader: "n2", address: "10.0.0.2:7100", epoch: 6), known: 6, safe: 0, generation: 4),
            actions: ["closeLink", "failWaits", "clearCaches", "notice following"]),
        Row(name: "a leader deposed: fenced, answers up to what was acknowledged",
            from: machine(.leader(epoch: 5), safe: .max), event: .deposed(reason: "leader lease expired", acknowledged: 120),
            to: machine(.fenced(epoch: 5), safe: 120, generation: 4), actions: ["failWaits", "clearCaches", "warning stepped down"]),
        Row(name: "deposed when not leading: nothing",
            from: machine(f, safe: .max), event: .deposed(reason: "lease lost", acknowledged: 0),
            to: machine(f, safe: .max), actions: []),
        Row(name: "a fenced node sees the next leader: follows, still fenced at its acknowledged position",
            from: machine(.fenced(epoch: 5), safe: 120, generation: 4), event: .leaderSeen(leader: "n2", address: "10.0.0.2:7100", epoch: 6),
            to: machine(.follower(leader: "n2", address: "10.0.0.2:7100", epoch: 6), known: 6, safe: 120, generation: 5),
            actions: ["closeLink", "failWaits", "clearCaches", "notice following"]),
        Row(name: "leader lost (silent on every follower): takes nothing more from its epoch, link closed, no leader; answers as before",
            from: machine(f, safe: .max), event: .leaderLost(leader: "n2", epoch: 5),
            to: machine(.candidate, known: 6, safe: .max, generation: 4), actions: ["closeLink", "warning leader lost"]),
        Row(name: "leader lost, asked of a node with no leader: it refuses that epoch from now on",
            from: machine(.candidate), event: .leaderLost(leader: "n2", epoch: 5),
            to: machine(.candidate, known: 6), actions: ["warning leader lost"]),
        Row(name: "leader lost of an epoch already past: nothing",
            from: machine(.follower(leader: "n3", address: "10.0.0.3:7100", epoch: 6), known: 6, safe: .max), event: .leaderLost(leader: "n2", epoch: 5),
            to: machine(.follower(leader: "n3", address: "10.0.0.3:7100", epoch: 6), known: 6, safe: .max), actions: []),
        Row(name: "leader lost, told to the leader itself: nothing",
            from: machine(.leader(epoch: 5), safe: .max), event: .leaderLost(leader: "n1", epoch: 5),
            to: machine(.leader(epoch: 5), safe: .max), actions: []),
        Row(name: "the leader checked the log: everything answered from",
            from: machine(f, safe: 120), event: .logChecked, to: machine(f, safe: .max), actions: []),
        Row(name: "stopping: no new role from now on, the role kept until deposed",
            from: machine(.leader(epoch: 5), safe: .max), event: .stopping,
            to: machine(.leader(epoch: 5), safe: .max, stopped: true), actions: []),
        Row(name: "a stopping leader is still deposed (shutdown steps down)",
            from: machine(.leader(epoch: 5), safe: .max, stopped: true), event: .deposed(reason: "shutting down", acknowledged: 9),
            to: machine(.fenced(epoch: 5), safe: 9, generation: 4, stopped: true), actions: ["failWaits", "clearCaches", "warning stepped down"]),
        Row(name: "a stopped node follows nobody",
            from: machine(.candidate, stopped: true), event: .leaderSeen(leader: "n2", address: "10.0.0.2:7100", epoch: 6),
            to: machine(.candidate, stopped: true), actions: []),
        Row(name: "halted (a crash in tests): no role, nothing answered",
            from: machine(.leader(epoch: 5), safe: .max), event: .halted,
            to: machine(.candidate, safe: 0, generation: 4, stopped: true), actions: ["closeLink", "failWaits"]),
    ]

    @Test("Each row: state and event give the next state and the actions", arguments: rows)
    func row(_ row: Row) {
        var m = row.from
        let actions = m.handle(row.event)
        #expect(m == row.to)
        #expect(Self.kinds(actions) == row.actions)
    }

    @Test("Every event changes the generation exactly when the role changes")
    func generation() {
        for row in Self.rows {
            var m = row.from
            _ = m.handle(row.event)
            #expect((m.role != row.from.role) == (m.generation != row.from.generation), "\(row.name)")
        }
    }
}
