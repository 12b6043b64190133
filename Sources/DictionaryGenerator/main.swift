// hss-dictgen: turns dictionaries/*.dia into Sources/DiameterCore/Generated/*.generated.swift.
//   swift run hss-dictgen            writes the generated files
//   swift run hss-dictgen --check    exits 1, naming them, when the committed files are stale
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let check = arguments.contains("--check")
var root = FileManager.default.currentDirectoryPath
if let i = arguments.firstIndex(of: "--root"), i + 1 < arguments.count { root = arguments[i + 1] }
let dictionaryDirectory = root + "/dictionaries"
let outputDirectory = root + "/Sources/DiameterCore/Generated"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("hss-dictgen: " + message + "\n").utf8))
    exit(1)
}

do {
    // base.dia first (the base protocol), then the others by name: the order of the AVP table and of
    // the command list.
    let names = try FileManager.default.contentsOfDirectory(atPath: dictionaryDirectory)
        .filter { $0.hasSuffix(".dia") }
        .sorted { ($0 == "base.dia" ? 0 : 1, $0) < ($1 == "base.dia" ? 0 : 1, $1) }
    guard !names.isEmpty else { fail("no .dia files in \(dictionaryDirectory)") }
    var files: [DictionaryFile] = []
    for n in names {
        let text = try String(contentsOfFile: dictionaryDirectory + "/" + n, encoding: .utf8)
        files.append(try parseDictionary(path: "dictionaries/" + n, text: text))
    }
    let dictionaries = try Dictionaries(files)
    var outputs: [String: String] = [:]
    for f in files { outputs[f.name + ".generated.swift"] = try dictionaries.tablesFile(f) }
    outputs["Dictionary.generated.swift"] = dictionaries.standardFile()
    for (name, text) in try dictionaries.messageFiles() { outputs[name] = text }

    let existing = Set(
        ((try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []).filter { $0.hasSuffix(".generated.swift") })
    if check {
        var stale: [String] = []
        for (name, text) in outputs.sorted(by: { $0.key < $1.key }) {
            let current = try? String(contentsOfFile: outputDirectory + "/" + name, encoding: .utf8)
            if current != text { stale.append(name) }
        }
        stale += existing.subtracting(outputs.keys).sorted().map { $0 + " (no longer generated)" }
        if !stale.isEmpty {
            fail("generated code is stale; run `swift run hss-dictgen` and commit:\n  " + stale.joined(separator: "\n  "))
        }
        print("hss-dictgen: \(outputs.count) generated files are up to date (\(files.count) dictionaries)")
    } else {
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        for (name, text) in outputs {
            try text.write(toFile: outputDirectory + "/" + name, atomically: true, encoding: .utf8)
        }
        for old in existing.subtracting(outputs.keys) { try FileManager.default.removeItem(atPath: outputDirectory + "/" + old) }
        print("hss-dictgen: wrote \(outputs.count) files to Sources/DiameterCore/Generated")
    }
} catch let e as GeneratorError {
    fail(e.description)
} catch {
    fail("\(error)")
}
