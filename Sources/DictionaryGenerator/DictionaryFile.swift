// The dictionary files (`dictionaries/*.dia`) and their parser. The format follows Erlang/OTP's `.dia`
// (sections introduced by `@`, ABNF as the specifications write it); see dictionaries/README.md.

/// A data type of RFC 6733 §4.2/§4.3, as the files spell it.
let dataTypes: [String: String] = [
    "OctetString": "octetString", "Integer32": "integer32", "Integer64": "integer64", "Unsigned32": "unsigned32",
    "Unsigned64": "unsigned64", "Float32": "float32", "Float64": "float64", "Grouped": "grouped",
    "Address": "address", "Time": "time", "UTF8String": "utf8String", "DiameterIdentity": "diameterIdentity",
    "DiameterURI": "diameterURI", "Enumerated": "enumerated",
]

struct Located {
    var file: String
    var line: Int
    var description: String { "\(file):\(line)" }
}

struct GeneratorError: Error, CustomStringConvertible {
    var at: Located?
    var message: String
    var description: String { at.map { "\($0.description): \(message)" } ?? message }
}

/// One AVP of `@avp_types`.
struct AVPSpec {
    var name: String
    var code: UInt32
    var vendor: UInt32
    var type: String
    /// "must", "may" or "mustNot".
    var mandatory: String
    var swiftName: String
    /// The property name of a repeated field, when the derived plural is wrong.
    var plural: String?
    var comment: String?
    var at: Located
}

/// One element of a grammar: `< X >`, `{ X }`, `[ X ]` with an optional `min*max` qualifier.
struct RuleSpec {
    var name: String
    var minimum: Int
    /// `nil`: unbounded.
    var maximum: Int?
    var at: Located
}

struct GrammarSpec {
    var rules: [RuleSpec]
    var wildcard: RuleSpec? { rules.first { $0.name == "AVP" } }
    var named: [RuleSpec] { rules.filter { $0.name != "AVP" } }
}

/// A `@grouped` definition.
struct GroupedSpec {
    var name: String
    var code: UInt32
    var vendor: UInt32?
    var grammar: GrammarSpec
    var comment: String?
    var at: Located
}

/// A `@messages` definition: one direction of a command.
struct MessageSpec {
    var fullName: String
    var abbreviation: String
    var code: UInt32
    var isRequest: Bool
    var proxiable: Bool
    var grammar: GrammarSpec
    var comment: String?
    var at: Located

    /// The command's name without "-Request"/"-Answer".
    var commandName: String {
        for suffix in ["-Request", "-Answer"] where fullName.hasSuffix(suffix) {
            return String(fullName.dropLast(suffix.count))
        }
        return fullName
    }
}

/// An `@envelope`: AVPs several messages share, held in one struct (`CxEnvelope`, `PeerCapabilities`).
struct EnvelopeSpec {
    var typeName: String
    /// The messages' property that holds it.
    var fieldName: String
    /// A protocol the messages conform to (declared by hand), e.g. `CxMessage`.
    var protocolName: String?
    /// Abbreviations of the messages that use it; empty: every message of the file.
    var messages: [String]
    var avps: [String]
    var comment: String?
    var at: Located

    func applies(to m: MessageSpec) -> Bool { messages.isEmpty || messages.contains(m.abbreviation) }
}

struct EnumValueSpec {
    var label: String
    var value: Int32
    var swiftName: String
}

struct EnumSpec {
    var avpName: String
    var values: [EnumValueSpec]
    var comment: String?
    var at: Located
}

/// One `.dia` file.
struct DictionaryFile {
    var path: String
    /// `@name`: also the prefix of the generated lists (`cxDefinitions`).
    var name = ""
    /// `@id`: the application of `@messages`.
    var applicationID: UInt32?
    /// `@vendor`: the vendor of AVPs with the V flag.
    var vendor: UInt32 = 0
    var reference: String?
    var avps: [AVPSpec] = []
    var enums: [EnumSpec] = []
    var grouped: [GroupedSpec] = []
    var messages: [MessageSpec] = []
    var envelopes: [EnvelopeSpec] = []
    /// `@swift_types`: AVP name → the Swift type the messages hold it as (an Unsigned32 AVP only; the type
    /// conforms to `Unsigned32Convertible`).
    var swiftTypes: [String: String] = [:]
}

// MARK: - Parsing

enum Section {
    case none, avpTypes(vendor: UInt32?), enumeration(Int), grouped, messages, envelope(Int), swiftTypes
}

func parseDictionary(path: String, text: String) throws(GeneratorError) -> DictionaryFile {
    var file = DictionaryFile(path: path)
    var section = Section.none
    // A definition (grouped or message) collects its rule lines until the next definition or section.
    var pendingHeader: (name: String, header: String, comment: String?, at: Located)?
    var pendingBody = ""
    var pendingBodyLine = 0
    var grammarKind = Section.none

    func finishPending() throws(GeneratorError) {
        guard let p = pendingHeader else { return }
        let grammar = try parseGrammar(pendingBody, at: Located(file: path, line: pendingBodyLine))
        if case .grouped = grammarKind {
            file.grouped.append(try groupedDefinition(p.name, p.header, grammar, p.comment, p.at))
        } else {
            file.messages.append(try messageDefinition(p.name, p.header, grammar, p.comment, p.at))
        }
        pendingHeader = nil
        pendingBody = ""
    }

    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
        lineNumber += 1
        let at = Located(file: path, line: lineNumber)
        // `;;` starts a comment; on a definition's line it becomes the definition's documentation.
        var line = Substring(rawLine)
        var comment: String?
        if let r = line.range(of: ";;") {
            let c = line[r.upperBound...].trimmingSpaces()
            comment = c.isEmpty ? nil : String(c)
            line = line[..<r.lowerBound]
        }
        let trimmed = line.trimmingSpaces()
        if trimmed.isEmpty { continue }
        if trimmed.hasPrefix("@") {
            try finishPending()
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            switch words[0] {
            case "@name":
                guard words.count == 2 else { throw GeneratorError(at: at, message: "@name takes one word") }
                file.name = words[1]
                section = .none
            case "@id":
                guard words.count == 2, let id = UInt32(words[1]) else { throw GeneratorError(at: at, message: "@id takes a number") }
                file.applicationID = id
                section = .none
            case "@vendor":
                guard words.count >= 2, let v = UInt32(words[1]) else { throw GeneratorError(at: at, message: "@vendor takes a number") }
                file.vendor = v
                section = .none
            case "@reference":
                file.reference = words.dropFirst().joined(separator: " ")
                section = .none
            case "@avp_types":
                // `@avp_types` or `@avp_types <vendor>` (a vendor other than the file's for the V flag).
                let vendor = words.count > 1 ? UInt32(words[1]) : nil
                if words.count > 1 && vendor == nil { throw GeneratorError(at: at, message: "@avp_types takes an optional vendor number") }
                section = .avpTypes(vendor: vendor)
            case "@enum":
                guard words.count == 2 else { throw GeneratorError(at: at, message: "@enum takes an AVP name") }
                file.enums.append(EnumSpec(avpName: words[1], values: [], comment: comment, at: at))
                section = .enumeration(file.enums.count - 1)
            case "@envelope":
                // `@envelope TypeName property [protocol=Name] [ABR ...]`, then the AVP names.
                guard words.count >= 3 else { throw GeneratorError(at: at, message: "@envelope takes a type and a property name") }
                var protocolName: String?
                var messages: [String] = []
                for w in words.dropFirst(3) {
                    if w.hasPrefix("protocol=") { protocolName = String(w.dropFirst(9)) } else { messages.append(w) }
                }
                file.envelopes.append(
                    EnvelopeSpec(
                        typeName: words[1], fieldName: words[2], protocolName: protocolName, messages: messages, avps: [],
                        comment: comment, at: at))
                section = .envelope(file.envelopes.count - 1)
            case "@swift_types":
                section = .swiftTypes
            case "@grouped":
                section = .grouped
                grammarKind = .grouped
            case "@messages":
                section = .messages
                grammarKind = .messages
            default:
                throw GeneratorError(at: at, message: "unknown section \(words[0])")
            }
            continue
        }
        switch section {
        case .none:
            throw GeneratorError(at: at, message: "text outside a section")
        case .avpTypes(let vendorOverride):
            file.avps.append(try avpLine(trimmed, vendor: vendorOverride ?? file.vendor, comment: comment, at: at))
        case .swiftTypes:
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count == 2 else { throw GeneratorError(at: at, message: "a @swift_types line is: AVP-Name SwiftType") }
            file.swiftTypes[words[0]] = words[1]
        case .envelope(let i):
            file.envelopes[i].avps += trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        case .enumeration(let i):
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count == 2 || words.count == 3, let value = Int32(words[1]) else {
                throw GeneratorError(at: at, message: "an enumeration line is: LABEL value [swift=name]")
            }
            var swiftName = enumCaseName(words[0])
            if words.count == 3 {
                guard words[2].hasPrefix("swift=") else { throw GeneratorError(at: at, message: "expected swift=name") }
                swiftName = String(words[2].dropFirst(6))
            }
            file.enums[i].values.append(EnumValueSpec(label: words[0], value: value, swiftName: swiftName))
        case .grouped, .messages:
            if let r = trimmed.range(of: "::=") {
                try finishPending()
                let name = trimmed[..<r.lowerBound].trimmingSpaces()
                let rest = trimmed[r.upperBound...].trimmingSpaces()
                guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else {
                    throw GeneratorError(at: at, message: "a definition starts with `Name ::= < ... Header: ... >`")
                }
                pendingHeader = (String(name), String(rest[rest.index(after: rest.startIndex)..<close]), comment, at)
                pendingBody = String(rest[rest.index(after: close)...])
                pendingBodyLine = lineNumber
            } else {
                guard pendingHeader != nil else { throw GeneratorError(at: at, message: "a rule outside a definition") }
                pendingBody += "\n" + trimmed
            }
        }
    }
    try finishPending()
    guard !file.name.isEmpty else { throw GeneratorError(at: Located(file: path, line: 1), message: "missing @name") }
    return file
}

/// `Name Code Type Flags [swift=name]`; flags: M (M-bit must), m (may), none or `-` (must not), V (vendor).
func avpLine(_ line: Substring, vendor: UInt32, comment: String?, at: Located) throws(GeneratorError) -> AVPSpec {
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard words.count >= 4, let code = UInt32(words[1]) else {
        throw GeneratorError(at: at, message: "an AVP line is: Name Code Type Flags [swift=name] [plural=name]")
    }
    guard dataTypes[words[2]] != nil else { throw GeneratorError(at: at, message: "unknown data type \(words[2])") }
    let flags = words[3]
    guard flags.allSatisfy({ "MmV-".contains($0) }), !(flags.contains("M") && flags.contains("m")) else {
        throw GeneratorError(at: at, message: "flags are M or m, V, or -")
    }
    var swiftName = memberName(words[0])
    var plural: String?
    for option in words.dropFirst(4) {
        if option.hasPrefix("swift=") {
            swiftName = String(option.dropFirst(6))
        } else if option.hasPrefix("plural=") {
            plural = String(option.dropFirst(7))
        } else {
            throw GeneratorError(at: at, message: "expected swift=name or plural=name, got \(option)")
        }
    }
    return AVPSpec(
        name: words[0], code: code, vendor: flags.contains("V") ? vendor : 0, type: words[2],
        mandatory: flags.contains("M") ? "must" : flags.contains("m") ? "may" : "mustNot", swiftName: swiftName,
        plural: plural, comment: comment, at: at)
}

/// `AVP Header: code [vendor]`.
func groupedDefinition(
    _ name: String, _ header: String, _ grammar: GrammarSpec, _ comment: String?, _ at: Located
) throws(GeneratorError) -> GroupedSpec {
    let parts = header.split(separator: ":", maxSplits: 1)
    guard parts.count == 2, parts[0].trimmingSpaces() == "AVP Header" else {
        throw GeneratorError(at: at, message: "a grouped AVP's header is `< AVP Header: code [vendor] >`")
    }
    let numbers = parts[1].split(whereSeparator: { $0 == " " || $0 == "," }).map { UInt32($0) }
    guard (1...2).contains(numbers.count), let code = numbers[0], numbers.allSatisfy({ $0 != nil }) else {
        throw GeneratorError(at: at, message: "bad AVP Header")
    }
    return GroupedSpec(name: name, code: code, vendor: numbers.count == 2 ? numbers[1] : nil, grammar: grammar, comment: comment, at: at)
}

/// `Full-Name (ABR) ::= < Diameter Header: code, REQ, PXY >`.
func messageDefinition(
    _ name: String, _ header: String, _ grammar: GrammarSpec, _ comment: String?, _ at: Located
) throws(GeneratorError) -> MessageSpec {
    var fullName = name
    var abbreviation = ""
    if let open = name.firstIndex(of: "("), let close = name.firstIndex(of: ")") {
        fullName = String(name[..<open].trimmingSpaces())
        abbreviation = String(name[name.index(after: open)..<close])
    }
    let parts = header.split(separator: ":", maxSplits: 1)
    guard parts.count == 2, parts[0].trimmingSpaces() == "Diameter Header" else {
        throw GeneratorError(at: at, message: "a message's header is `< Diameter Header: code[, REQ][, PXY][, ERR] >`")
    }
    let fields = parts[1].split(separator: ",").map { String($0.trimmingSpaces()) }
    guard let code = UInt32(fields[0]) else { throw GeneratorError(at: at, message: "bad command code") }
    let flags = Set(fields.dropFirst())
    guard flags.isSubset(of: ["REQ", "PXY", "ERR"]) else { throw GeneratorError(at: at, message: "flags are REQ, PXY, ERR") }
    return MessageSpec(
        fullName: fullName, abbreviation: abbreviation, code: code, isRequest: flags.contains("REQ"),
        proxiable: flags.contains("PXY"), grammar: grammar, comment: comment, at: at)
}

/// The rules of a grammar body: `[min]*[max]` then `< X >`, `{ X }` or `[ X ]`, any spacing.
func parseGrammar(_ body: String, at: Located) throws(GeneratorError) -> GrammarSpec {
    var rules: [RuleSpec] = []
    let chars = Array(body)
    var i = 0
    var line = at.line
    func skipSpace() {
        while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" {
            if chars[i] == "\n" { line += 1 }
            i += 1
        }
    }
    func number() -> Int? {
        var s = ""
        while i < chars.count, chars[i].isNumber { s.append(chars[i]); i += 1 }
        return s.isEmpty ? nil : Int(s)
    }
    while true {
        skipSpace()
        guard i < chars.count else { break }
        let here = Located(file: at.file, line: line)
        let low = number()
        skipSpace()
        var star = false
        if i < chars.count, chars[i] == "*" {
            star = true
            i += 1
        }
        skipSpace()
        let high = star ? number() : nil
        skipSpace()
        guard i < chars.count, let close: Character = ["<": ">", "{": "}", "[": "]"][chars[i]] else {
            throw GeneratorError(at: here, message: "expected <, { or [ in a grammar")
        }
        let open = chars[i]
        i += 1
        var name = ""
        while i < chars.count, chars[i] != close { name.append(chars[i]); i += 1 }
        guard i < chars.count else { throw GeneratorError(at: here, message: "unclosed \(open)") }
        i += 1
        name = String(name.trimmingSpaces())
        guard !name.isEmpty, !name.contains(" ") else { throw GeneratorError(at: here, message: "bad AVP name in a rule") }
        // RFC 6733 §3.2: a qualifier's min defaults to 0, max to infinity; without one, `{ }` and `< >`
        // are exactly one and `[ ]` at most one. A required AVP occurs at least once.
        let minimum: Int
        let maximum: Int?
        if star {
            minimum = max(low ?? 0, open == "[" ? 0 : 1)
            maximum = high
        } else {
            guard low == nil else { throw GeneratorError(at: here, message: "a number without `*`") }
            minimum = open == "[" ? 0 : 1
            maximum = 1
        }
        rules.append(RuleSpec(name: name, minimum: minimum, maximum: maximum, at: here))
    }
    return GrammarSpec(rules: rules)
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return s
    }
}

extension String {
    func trimmingSpaces() -> Substring { self[...].trimmingSpaces() }
}

// MARK: - Swift names

let swiftKeywords: Set<String> = [
    "class", "default", "private", "protocol", "public", "static", "struct", "import", "in", "is", "return", "self",
    "switch", "case", "where", "while", "for", "func", "let", "var", "enum", "extension", "operator", "repeat",
    "throw", "true", "false", "nil", "if", "else", "guard", "do", "break", "continue", "init", "deinit", "subscript",
    "typealias", "associatedtype", "inout", "internal", "fileprivate", "open", "some", "any", "Type", "Self",
]

/// Words of an AVP name, with "Id" spelled "ID" and "3GPP" spelled "TGPP" (Swift names start with a letter).
func nameWords(_ name: String) -> [String] {
    name.split(separator: "-").map { w in
        switch w {
        case "Id": "ID"
        case "3GPP": "TGPP"
        case "3GPP2": "TGPP2"
        default: String(w)
        }
    }
}

func isAllCaps(_ w: String) -> Bool { w.contains { $0.isLetter } && !w.contains { $0.isLowercase } }

/// `Session-Id` → `sessionID`, `SIP-Auth-Data-Item` → `sipAuthDataItem`, `WebRTC-...` → `webRTC...`.
func memberName(_ name: String) -> String {
    let words = nameWords(name)
    guard let first = words.first else { return name }
    let head = isAllCaps(first) ? first.lowercased() : first.prefix(1).lowercased() + first.dropFirst()
    let tail = words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }
    let n = head + tail.joined()
    return swiftKeywords.contains(n) ? "`\(n)`" : n
}

/// `Server-Assignment-Type` → `ServerAssignmentType`, `DRMP` → `DRMP`.
func typeName(_ name: String) -> String {
    nameWords(name).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
}

/// `RE_REGISTRATION` → `reRegistration`, `PRIORITY-0` → `priority0`, `IMSUserState` → `imsUserState`.
func enumCaseName(_ label: String) -> String {
    let words = label.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    guard let first = words.first else { return label }
    func lowered(_ w: String) -> String {
        if isAllCaps(w) { return w.lowercased() }
        // A leading acronym: IMSUserState → ims + UserState.
        let caps = w.prefix { $0.isUppercase || $0.isNumber }.count
        let keep = caps > 1 ? caps - 1 : caps
        return w.prefix(keep).lowercased() + w.dropFirst(keep)
    }
    func capitalized(_ w: String) -> String {
        isAllCaps(w) ? w.prefix(1) + w.dropFirst().lowercased() : w.prefix(1).uppercased() + w.dropFirst()
    }
    var n = lowered(first) + words.dropFirst().map(capitalized).joined()
    if let c = n.first, c.isNumber { n = "value" + n }
    return swiftKeywords.contains(n) ? "`\(n)`" : n
}
