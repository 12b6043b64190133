import ArgumentParser
import Foundation
import HSSCore
import HSSStorage

/// Options shared by `hss serve` and `hss db`: where the LMDB store is and how it is opened.
struct StorageOptions: ParsableArguments {
    @Option(help: "The LMDB data directory (created 0700; files 0600). Without it, `serve` keeps state in memory.")
    var dataDir: String?

    @Option(help: "LMDB map size in MiB: the most the data file may grow to (sparse; costs nothing until used). Default 4096.")
    var mapSize: Int?

    @Flag(help: "Do not fsync commits (MDB_NOSYNC). Labs only: a power failure loses the last moments; a crash of the process loses nothing.")
    var nosync = false

    @Option(help: "SEQ values reserved per SQN write (TS 33.102 Annex C): a MAR writes only when it crosses the reserved mark. Default 1000.")
    var sqnBlock: UInt64?

    @Option(help: "Most writes per LMDB transaction (group commit). Default 1000.")
    var commitBatch: Int?

    @Option(help: "Change-log records kept (docs/storage.md); a cluster follower further behind gets a snapshot. Default 1000000.")
    var logRetention: Int?

    @Option(help: "The key-encryption keys of K, OPc and HA1 at rest: lines 'ID HEX' (64 hex digits), the last one current; mode 0400. Also $HSS_KEK_FILE, or the keys themselves in $HSS_KEK (docs/hardening.md).")
    var keyFile: String?

    /// The key ring: --key-file, else the configuration file's `storage.keyFile`, else $HSS_KEK_FILE, else $HSS_KEK; nil: none.
    func keyRing(configured: String? = nil) throws -> KeyRing? {
        let env = ProcessInfo.processInfo.environment
        do {
            if let path = keyFile ?? configured ?? env["HSS_KEK_FILE"] { return try KeyRing.load(path: path) }
            if let text = env["HSS_KEK"] { return try KeyRing.parse(text, source: "HSS_KEK") }
        } catch { throw ValidationError(error.description) }
        return nil
    }

    func open(readOnly: Bool = false, observer: (@Sendable (Int, Duration) -> Void)? = nil) throws -> LMDBSubscriberStore {
        guard let dataDir else { throw ValidationError("--data-dir is required") }
        // A cluster node that installed a snapshot names its store in CURRENT (docs/replication.md).
        var c = LMDBConfiguration(path: LMDBSubscriberStore.storePath(dataDirectory: dataDir), mapSize: (mapSize ?? 4096) << 20, noSync: nosync, maxBatch: commitBatch ?? 1000, sqnBlock: sqnBlock ?? 1000)
        c.commitObserver = observer
        c.keyRing = try keyRing()
        return try LMDBSubscriberStore(c, readOnly: readOnly)
    }
}

/// `hss db`: operations on the LMDB store.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Import, back up, verify and inspect the LMDB store (docs/storage.md).",
        subcommands: [Import.self, Backup.self, Verify.self, Stats.self, Digest.self, Rekey.self])

    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every subscription's keys anew under the key ring's current key (K, OPc, HA1 at rest; docs/hardening.md). On a stopped store; a running HSS rotates online: POST /api/v1/keys/rekey.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            guard try storage.keyRing() != nil else { throw ValidationError("rekey needs the key ring: --key-file, HSS_KEK_FILE or HSS_KEK") }
            let store = try storage.open()
            defer { store.close() }
            let report = try await store.reseal()
            print("key \(report.keyID.map(String.init) ?? "-"): \(report.resealed) of \(report.subscriptions) subscriptions sealed anew")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import (add or replace) the subscriptions of a JSON subscriber file.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The subscriber file.") var file: String

        func run() throws {
            let subscriptions: SubscriberFile
            do { subscriptions = try SubscriberFile.load(path: file) } catch { throw ValidationError("subscriber file: \(error.description)") }
            let store = try storage.open()
            defer { store.close() }
            let start = Date()
            let n = try store.bulkLoad(subscriptions.subscriptions)
            print("imported \(n) subscriptions in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hot, compacting copy of the store into a directory (mdb_env_copy2), safe while `hss serve` runs.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The backup directory (created; must not hold a data.mdb).") var path: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: path + "/data.mdb") else { throw ValidationError("\(path)/data.mdb exists") }
            let store = try storage.open(readOnly: true)
            try store.backup(to: path)
            print("backup written to \(path)/data.mdb")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record decodes, the identity indexes match the subscriptions, and the change log's checksums.")
        @OptionGroup var storage: StorageOptions

        func run() throws {
            let store = try storage.open(readOnly: true)
            let report = try store.verify()
            print(report)
            if !report.problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SHA-256 over every subscription, its Cx state and the identity indexes: nodes of a cluster that converged print the same.")
        @OptionGroup var storage: StorageOptions

        func run() throws {
            let store = try storage.open(readOnly: true)
            let st = store.logState
            print("\(try store.digest())  subscriptions \(store.subscriptionCount) last \(st.last) epoch \(st.epoch)")
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sizes, entry counts, epoch and change-log range.")
        @OptionGroup var storage: StorageOptions

        func run() throws {
            print(try storage.open(readOnly: true).stats())
        }
    }
}
