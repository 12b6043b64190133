import ArgumentParser
import DiameterCore
import Foundation
import NIOCore

/// `hss decode`: a Diameter message in hex → a readable AVP tree (or JSON).
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a Diameter message given as hex and print its AVP tree.",
        discussion: """
            The hex may contain spaces and newlines. Give it as an argument, with --file, or on standard \
            input. The message is also checked against its command's grammar (RFC 6733 §5, Cx TS 29.229 §6.1, S6a \
            TS 29.272 §7.2, Sh TS 29.329 §6.1: dictionaries/*.dia); \
            a grammar problem is reported after the tree (exit status 3). A malformed message prints the byte \
            offset, the Result-Code an HSS would answer with, and the reason, and exits with status 2.

            Examples:
              hss decode 0100004480000118...
              hss decode --file mar.hex --json
              xxd -p capture.bin | hss decode
            """)

    @Argument(help: "The message as hex. Omit to read --file or standard input.")
    var hex: String?

    @Option(name: .shortAndLong, help: "Read the hex from this file ('-' for standard input).")
    var file: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Treat the input as raw binary bytes instead of hex (with --file or standard input).")
    var binary = false

    func run() throws {
        let raw = try input()
        let bytes: [UInt8]
        if binary {
            bytes = raw
        } else {
            guard let b = DiameterCore.bytes(fromHex: String(decoding: raw, as: UTF8.self)) else {
                throw ValidationError("the input is not hex (characters 0-9, a-f and white space, an even count)")
            }
            bytes = b
        }
        let message: DiameterMessage
        do {
            message = try DiameterDecoder().decode(bytes)
        } catch {
            report(error, bytes: bytes)
            throw ExitCode(2)
        }
        var grammarError: DiameterMessageError?
        var known = true
        do {
            known = try message.validate() != nil
        } catch {
            grammarError = error
        }
        if json {
            var dump = JSONDump(message: DiameterTextDump.dump(message))
            dump.grammarError = grammarError.map(ErrorDump.init)
            dump.knownCommand = known
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(dump), as: UTF8.self))
        } else {
            print(DiameterTextDump.render(message), terminator: "")
            if !known { print("note: command \(message.commandCode) of application \(message.applicationID) is not in the dictionary; grammar not checked") }
        }
        if let grammarError {
            if !json { report(grammarError, bytes: bytes) }
            throw ExitCode(3)
        }
    }

    private func input() throws -> [UInt8] {
        if let hex {
            guard file == nil else { throw ValidationError("give the hex as an argument or with --file, not both") }
            return Array(hex.utf8)
        }
        if let file, file != "-" {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            return Array(data)
        }
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }

    private func report(_ error: DiameterMessageError, bytes: [UInt8]) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            if let data = try? encoder.encode(["error": ErrorDump(error)]) {
                print(String(decoding: data, as: UTF8.self))
            }
        }
        var line = "error: byte offset \(error.offset): \(error.reason) -> \(error.resultCode)"
        if let f = error.failedAVP { line += "; Failed-AVP \(f.key)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

struct JSONDump: Encodable {
    var message: MessageDump
    var knownCommand = true
    var grammarError: ErrorDump?
}

struct ErrorDump: Encodable {
    var offset: Int
    var resultCode: UInt32
    var resultCodeName: String?
    var reason: String
    var failedAVPCode: UInt32?
    var failedAVPVendorID: UInt32?

    init(_ e: DiameterMessageError) {
        offset = e.offset
        resultCode = e.resultCode.value
        resultCodeName = e.resultCode.name
        reason = e.reason
        failedAVPCode = e.failedAVP?.code
        failedAVPVendorID = e.failedAVP?.vendorID
    }
}
