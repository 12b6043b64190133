import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the running HSS's provisioning API is (`hss serve --api`) and the token for it.
struct APIOptions: ParsableArguments {
    @Option(help: "The provisioning API's base URL. Default: $HSS_API_URL or http://127.0.0.1:8080.")
    var apiURL: String?

    @Option(help: "Bearer token. Default: $HSS_API_TOKEN.")
    var token: String?

    var base: String { (apiURL ?? ProcessInfo.processInfo.environment["HSS_API_URL"] ?? "http://127.0.0.1:8080").trimmingCharacters(in: ["/"]) }

    /// Sends a request; returns the body, or throws with the API's error message.
    func call(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json") async throws -> Data {
        guard let url = URL(string: base + path) else { throw ValidationError("bad API URL \(base + path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 600
        if let t = token ?? ProcessInfo.processInfo.environment["HSS_API_TOKEN"] { request.setValue("Bearer \(t)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw ValidationError("\(method) \(path): HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}

func printJSON(_ data: Data) {
    if let object = try? JSONSerialization.jsonObject(with: data),
        let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    {
        print(String(decoding: pretty, as: UTF8.self))
    } else {
        print(String(decoding: data, as: UTF8.self))
    }
}

/// `hss subscriber ...`: provisioning through the running HSS's API (so its shards and the S-CSCFs see
/// every change: PPR and RTR are sent as the changes require).
struct SubscriberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriber", abstract: "Add, show, list, delete, import and export subscribers through the running HSS's API.",
        subcommands: [Add.self, Show.self, List.self, Delete.self, Import.self, Export.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace a subscription from a JSON file holding one subscriber-file subscription (docs/data-model.md).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The JSON file ('-' for standard input).") var file: String

        func run() async throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let id = object["id"] as? String else {
                throw ValidationError("\(file): a JSON object with an \"id\" is expected")
            }
            printJSON(try await api.call("PUT", "/api/v1/subscriptions/\(id)", body: data))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a subscription (without secrets); with --registration its Cx and S6a state (S-CSCF, serving MME); with --sh what Sh keeps (repository data, AS subscriptions).")
        @OptionGroup var api: APIOptions
        @Argument(help: "Subscription id.") var id: String
        @Flag(help: "Show the registration state instead.") var registration = false
        @Flag(help: "Show the Sh state instead: repository data, PSI activation, DSAI, the ASs' subscriptions.") var sh = false

        func validate() throws {
            if registration && sh { throw ValidationError("--registration or --sh, not both") }
        }

        func run() async throws {
            printJSON(try await api.call("GET", "/api/v1/subscriptions/\(id)\(registration ? "/registration" : sh ? "/sh" : "")"))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscription ids (all pages, or --limit).")
        @OptionGroup var api: APIOptions
        @Option(help: "Stop after this many.") var limit: Int?

        func run() async throws {
            var after: String?
            var count = 0
            repeat {
                let query = "?limit=1000" + (after.map { "&after=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0)" } ?? "")
                let page = try JSONSerialization.jsonObject(with: try await api.call("GET", "/api/v1/subscriptions" + query)) as? [String: Any]
                for id in page?["items"] as? [String] ?? [] {
                    print(id)
                    count += 1
                    if let limit, count >= limit { return }
                }
                after = page?["next"] as? String
            } while after != nil
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a subscription (RTR PERMANENT_TERMINATION to its S-CSCF and CLR SUBSCRIPTION_WITHDRAWAL to its MME first).")
        @OptionGroup var api: APIOptions
        @Argument(help: "Subscription id.") var id: String

        func run() async throws { printJSON(try await api.call("DELETE", "/api/v1/subscriptions/\(id)")) }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an NDJSON file (one subscription per line) or a CSV file (*.csv, common fields; docs/api.md), in chunks, with progress; bad lines are reported by number.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The NDJSON file.") var file: String
        @Flag(help: "Stop at the first bad line.") var strict = false
        @Option(help: "Lines per request.") var chunk = 10_000

        func run() async throws {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            // CSV: the header goes with every chunk; line numbers count it (line 1).
            let csv = file.lowercased().hasSuffix(".csv")
            let header = csv ? lines.removeFirst() : nil
            let total = lines.count - (lines.last?.isEmpty == true ? 1 : 0)
            let start = Date()
            var imported = 0, failed = 0
            let tty = isatty(2) == 1
            for offset in stride(from: 0, to: total, by: chunk) {
                var slice = lines[offset..<min(offset + chunk, total)].joined(separator: "\n")
                if let header { slice = header + "\n" + slice }
                let data = try await api.call(
                    "POST", "/api/v1/import\(strict ? "?strict=true" : "")", body: Data(slice.utf8), contentType: csv ? "text/csv" : "application/x-ndjson")
                let result = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                imported += result?["imported"] as? Int ?? 0
                for f in result?["failed"] as? [[String: Any]] ?? [] {
                    failed += 1
                    // A chunk's line 1 is the file's line offset + 1 (NDJSON) or the header (CSV: the file's rows start at line 2).
                    FileHandle.standardError.write(Data("\(tty ? "\r" : "")line \((f["line"] as? Int ?? 0) + offset): \(f["error"] as? String ?? "?")\n".utf8))
                    if strict { throw ExitCode(1) }
                }
                if tty {
                    let done = min(offset + chunk, total)
                    let bar = String(repeating: "#", count: 30 * done / max(total, 1)).padding(toLength: 30, withPad: " ", startingAt: 0)
                    FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
                }
            }
            let seconds = Date().timeIntervalSince(start)
            if tty { FileHandle.standardError.write(Data("\n".utf8)) }
            print("imported \(imported), failed \(failed), in \(String(format: "%.1f", seconds)) s (\(Int(Double(imported) / max(seconds, 0.001)))/s)")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every subscription as NDJSON (or --csv: common fields) on standard output, without secrets.")
        @OptionGroup var api: APIOptions
        @Flag(help: "CSV of the common fields instead of NDJSON.") var csv = false

        func run() async throws { FileHandle.standardOutput.write(try await api.call("GET", "/api/v1/export\(csv ? "?format=csv" : "")")) }
    }
}

/// `hss dereg`: network-initiated de-registration through the API (RTR, TS 29.228 §6.1.3).
struct DeregisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dereg", abstract: "De-register a subscription's users: RTR to the serving S-CSCF with the reason chosen.")
    @OptionGroup var api: APIOptions
    @Argument(help: "Subscription id.") var id: String
    @Option(help: "PERMANENT_TERMINATION, NEW_SERVER_ASSIGNED, SERVER_CHANGE or REMOVE_S-CSCF.") var reason = "PERMANENT_TERMINATION"
    @Option(help: "Reason-Info text.") var info: String?
    @Option(help: "Only these public identities (repeat).") var impu: [String] = []
    @Option(help: "Only these private identities (repeat).") var impi: [String] = []

    func run() async throws {
        var body: [String: Any] = ["reason": reason]
        if let info { body["reasonInfo"] = info }
        if !impu.isEmpty { body["publicIdentities"] = impu }
        if !impi.isEmpty { body["privateIdentities"] = impi }
        printJSON(try await api.call("POST", "/api/v1/subscriptions/\(id)/deregister", body: try JSONSerialization.data(withJSONObject: body)))
    }
}
