import Foundation

// Emits the typed messages and Grouped-AVP values: one struct per command direction and per Grouped AVP
// with a grammar, a one-pass decode (one walk of the AVP index fills every field) and an encode through
// DiameterMessageWriter in the grammar's order.

/// How a field's value is read and written.
enum ValueKind {
    case string, octets, unsigned32, integer32, unsigned64, integer64, float32, float64, address
    /// An Enumerated AVP with named values: the generated open type.
    case enumeration(String)
    /// An Enumerated AVP without named values.
    case rawEnumeration
    /// A Grouped AVP with a grammar: the generated struct.
    case grouped(String)
    /// A Grouped AVP whose grammar is nothing but `1*{ AVP }` (Failed-AVP): its members.
    case opaqueGroup
    /// A Grouped AVP without a grammar: the owned AVP tree.
    case rawGroup
    /// An Unsigned32 AVP held as a hand-written type (`@swift_types`).
    case wrappedUnsigned32(String)

    var swiftType: String {
        switch self {
        case .string: "String"
        case .octets: "[UInt8]"
        case .unsigned32: "UInt32"
        case .integer32, .rawEnumeration: "Int32"
        case .unsigned64: "UInt64"
        case .integer64: "Int64"
        case .float32: "Float"
        case .float64: "Double"
        case .address: "DiameterAddress"
        case .enumeration(let t), .grouped(let t), .wrappedUnsigned32(let t): t
        case .opaqueGroup: "[AVP]"
        case .rawGroup: "AVP"
        }
    }
}

/// One property of a generated struct: an AVP of the grammar (or the `*[ AVP ]` wildcard).
struct Field {
    var name: String
    /// `nil` for the wildcard.
    var avp: AVPSpec?
    var kind: ValueKind
    var minimum: Int
    /// `nil`: unbounded.
    var maximum: Int?

    var isWildcard: Bool { avp == nil }
    /// A single value (at most one occurrence).
    var isSingle: Bool { maximum == 1 }
    /// An opaque group's members already form a list: absent is empty.
    var isListValued: Bool { if case .opaqueGroup = kind { isSingle } else { false } }

    var propertyType: String {
        if isWildcard { return "[AVP]" }
        if isListValued { return "[AVP]" }
        if !isSingle { return "[\(kind.swiftType)]" }
        return minimum >= 1 ? kind.swiftType : kind.swiftType + "?"
    }

    /// The memberwise initialiser's default, for a field that may be absent.
    var defaultValue: String? {
        if isWildcard || isListValued || !isSingle { return minimum >= 1 && !isListValued && !isWildcard ? nil : "[]" }
        return minimum >= 1 ? nil : "nil"
    }
}

/// `Public-Identity` → `publicIdentities`, `Host-IP-Address` → `hostIPAddresses`; `*-Info`, `*-Data`,
/// `*-Features` and `*-Record` stay as they are.
func pluralName(_ a: AVPSpec) -> String {
    if let p = a.plural { return p }
    let n = a.swiftName
    for keep in ["Info", "Data", "Information", "Features", "Record", "Identities"] where n.hasSuffix(keep) { return n }
    if n.hasSuffix("y"), let before = n.dropLast().last, !"aeiou".contains(before) { return n.dropLast() + "ies" }
    if n.hasSuffix("s") || n.hasSuffix("x") || n.hasSuffix("ch") || n.hasSuffix("sh") { return n + "es" }
    return n + "s"
}

extension Dictionaries {
    /// The grammar a Grouped AVP has, if any.
    func grouped(_ a: AVPSpec) -> GroupedSpec? { groupedByAVP[a.swiftName] }

    func isOpaque(_ g: GroupedSpec) -> Bool { g.grammar.named.isEmpty && (g.grammar.wildcard?.minimum ?? 0) >= 1 }

    func kind(_ a: AVPSpec) -> ValueKind {
        if let t = swiftType(a) { return .wrappedUnsigned32(t) }
        switch a.type {
        case "UTF8String", "DiameterIdentity", "DiameterURI": return .string
        case "OctetString": return .octets
        case "Unsigned32", "Time": return .unsigned32
        case "Integer32": return .integer32
        case "Unsigned64": return .unsigned64
        case "Integer64": return .integer64
        case "Float32": return .float32
        case "Float64": return .float64
        case "Address": return .address
        case "Enumerated": return enumsByAVP[a.swiftName] != nil ? .enumeration(typeName(a.name)) : .rawEnumeration
        default:
            guard let g = grouped(a) else { return .rawGroup }
            return isOpaque(g) ? .opaqueGroup : .grouped(typeName(a.name))
        }
    }

    func fields(_ g: GrammarSpec) -> [Field] {
        g.rules.map { r in
            guard r.name != "AVP" else {
                return Field(name: "additionalAVPs", avp: nil, kind: .rawGroup, minimum: 0, maximum: nil)
            }
            let a = avp(r.name, r.at)
            let single = r.maximum == 1
            return Field(name: single ? a.swiftName : pluralName(a), avp: a, kind: kind(a), minimum: r.minimum, maximum: r.maximum)
        }
    }

    // MARK: Files

    /// `<name>.messages.generated.swift` for every file with grouped grammars, envelopes or messages.
    func messageFiles() throws(GeneratorError) -> [(String, String)] {
        var out: [(String, String)] = []
        var typeNames: [String: Located] = [:]
        func claim(_ name: String, _ at: Located) throws(GeneratorError) {
            if let other = typeNames[name] { throw GeneratorError(at: at, message: "type \(name) is also generated for \(other)") }
            typeNames[name] = at
        }
        for f in files {
            for e in f.enums { try claim(typeName(e.avpName), e.at) }
        }
        for f in files {
            var text = ""
            for g in f.grouped where !isOpaque(g) {
                try claim(typeName(g.name), g.at)
                text += groupedStruct(g)
            }
            for e in f.envelopes {
                try claim(e.typeName, e.at)
                text += try envelopeStruct(e, f)
            }
            for m in f.messages where m.fullName != "answer-message" {
                try claim(typeName(m.fullName), m.at)
                text += try messageStruct(m, f)
            }
            guard !text.isEmpty else { continue }
            let head = header.replacingOccurrences(of: "%FILE%", with: URL(fileURLWithPath: f.path).lastPathComponent)
            out.append((f.name + ".messages.generated.swift", head + text))
        }
        return out
    }

    // MARK: Grouped values

    func groupedStruct(_ g: GroupedSpec) -> String {
        let a = avp(g.name, g.at)
        let fields = fields(g.grammar)
        let name = typeName(g.name)
        var out = "\n" + docComment(g.comment ?? "\(g.name).", indent: "")
        out += "public struct \(name): GroupedAVPValue {\n"
        out += "    public static var definition: AVPDefinition { .\(a.swiftName) }\n"
        out += properties(fields)
        out += memberwiseInit(fields.map { .field($0) })
        out += "\n    public init(_ members: AVPList) throws(DiameterMessageError) {\n"
        out += "        try self.init(members.message, from: members.start, to: members.end)\n    }\n"
        out += "\n    /// The members at `start..<end` of the message's AVP index (the message is borrowed, not copied).\n"
        out += "    init(_ m: DiameterMessage, from start: Int, to end: Int) throws(DiameterMessageError) {\n"
        out += decodeBody(fields.map { Slot(field: $0, inEnvelope: nil) }, start: "start", end: "end", envelopes: [])
        out += "    }\n"
        out += "\n    public func writeMembers(into w: inout DiameterMessageWriter) {\n"
        out += fields.map { encodeStatement($0, holder: "") }.joined()
        out += "    }\n}\n"
        return out
    }

    // MARK: Envelopes

    /// The envelope's fields: each of its AVPs, in the declaration's order,
    /// optional unless every such message requires it, a list if any message repeats it.
    func envelopeFields(_ e: EnvelopeSpec, _ f: DictionaryFile) throws(GeneratorError) -> [Field] {
        let messages = f.messages.filter { $0.fullName != "answer-message" && e.applies(to: $0) }
        guard !messages.isEmpty else { throw GeneratorError(at: e.at, message: "no message uses \(e.typeName)") }
        // The declaration's order.
        let order = e.avps
        for name in order where !messages.contains(where: { m in m.grammar.rules.contains { $0.name == name } }) {
            throw GeneratorError(at: e.at, message: "\(name) is in no grammar of the messages using \(e.typeName)")
        }
        return order.map { name in
            let rules = messages.map { m in m.grammar.rules.first { $0.name == name } }
            let minimum = rules.map { $0?.minimum ?? 0 }.min() ?? 0
            let repeated = rules.contains { r in r.map { $0.maximum != 1 } ?? false }
            if name == "AVP" { return Field(name: "additionalAVPs", avp: nil, kind: .rawGroup, minimum: 0, maximum: nil) }
            let a = avp(name, e.at)
            return Field(
                name: repeated ? pluralName(a) : a.swiftName, avp: a, kind: kind(a), minimum: repeated ? 0 : minimum,
                maximum: repeated ? nil : 1)
        }
    }

    func envelopeStruct(_ e: EnvelopeSpec, _ f: DictionaryFile) throws(GeneratorError) -> String {
        let fields = try envelopeFields(e, f)
        var out = "\n" + docComment(e.comment ?? "The AVPs the messages of \(f.name) share.", indent: "")
        out += "public struct \(e.typeName): Hashable, Sendable {\n"
        out += properties(fields)
        out += memberwiseInit(fields.map { .field($0) })
        out += "}\n"
        return out
    }

    // MARK: Messages

    func messageStruct(_ m: MessageSpec, _ f: DictionaryFile) throws(GeneratorError) -> String {
        let name = typeName(m.fullName)
        let envelope = f.envelopes.first { $0.applies(to: m) }
        var sharedFields: [Field] = []
        if let e = envelope { sharedFields = try self.envelopeFields(e, f) }
        // Each rule of the grammar: the message's own field, or the envelope's field it fills.
        let own = fields(m.grammar)
        var slots: [Slot] = []
        for field in own {
            let ruleName = field.avp?.name ?? "AVP"
            if let e = envelope, e.avps.contains(ruleName), let ef = sharedFields.first(where: { ($0.avp?.name ?? "AVP") == ruleName }) {
                slots.append(Slot(field: field, inEnvelope: ef))
            } else {
                slots.append(Slot(field: field, inEnvelope: nil))
            }
        }
        // Properties: the envelope where its first field stands in the grammar, then the message's own.
        var members: [Member] = []
        for slot in slots {
            let field = slot.field
            if slot.inEnvelope != nil {
                if let e = envelope, !members.contains(where: { if case .envelope = $0 { true } else { false } }) {
                    members.append(.envelope(e))
                }
            } else {
                members.append(.field(field))
            }
        }
        let conformance = envelope?.protocolName ?? "DiameterTypedMessage"
        var out = "\n" + docComment(m.comment.map { "\(m.abbreviation) (\($0))." } ?? "\(m.abbreviation).", indent: "")
        out += "public struct \(name): \(conformance) {\n"
        out += "    public static var command: CommandDefinition { .\(memberName(m.commandName)) }\n"
        out += "    public static var isRequest: Bool { \(m.isRequest) }\n"
        out += "    public static var commandCode: UInt32 { \(m.code) }\n"
        out += "    public static var applicationID: UInt32 { \(f.applicationID ?? 0) }\n"
        out += "    public static var isProxiable: Bool { \(m.proxiable) }\n"
        for member in members {
            switch member {
            case .envelope(let e): out += "    public var \(e.fieldName): \(e.typeName)\n"
            case .field(let field): out += "    public var \(field.name): \(field.propertyType)\n"
            }
        }
        out += memberwiseInit(members)
        out += "\n    public init(decoding m: DiameterMessage) throws(DiameterMessageError) {\n"
        out += decodeBody(slots, start: "0", end: "m.topLevelEnd", envelopes: envelope.map { [($0, sharedFields)] } ?? [])
        out += "    }\n"
        out += "\n    public func writeAVPs(into w: inout DiameterMessageWriter) {\n"
        for slot in slots {
            let holder = slot.inEnvelope != nil ? (envelope?.fieldName ?? "") + "." : ""
            out += encodeStatement(slot.target, holder: holder, writtenAs: slot.field)
        }
        out += "    }\n}\n"
        return out
    }

    /// A rule of the grammar and where its value lives: the struct's own field or the envelope's.
    struct Slot {
        var field: Field
        var inEnvelope: Field?
        var target: Field { inEnvelope ?? field }
    }

    enum Member {
        case envelope(EnvelopeSpec)
        case field(Field)
    }

    // MARK: Pieces

    func properties(_ fields: [Field]) -> String {
        fields.map { "    public var \($0.name): \($0.propertyType)\n" }.joined()
    }

    func memberwiseInit(_ members: [Member]) -> String {
        var params: [String] = []
        var assigns: [String] = []
        for member in members {
            switch member {
            case .envelope(let e):
                params.append("\(e.fieldName): \(e.typeName)")
                assigns.append("        self.\(e.fieldName) = \(e.fieldName)\n")
            case .field(let f):
                params.append("\(f.name): \(f.propertyType)" + (f.defaultValue.map { " = \($0)" } ?? ""))
                assigns.append("        self.\(bare(f.name)) = \(f.name)\n")
            }
        }
        guard !params.isEmpty else { return "\n    public init() {}\n" }
        return "\n    public init(\n" + wrapped(params, indent: "        ").dropLast(2) + "\n    ) {\n" + assigns.joined() + "    }\n"
    }

    /// The one-pass decode: locals for every field, one walk of the list's AVP index (a switch on the
    /// AVP's (vendor, code)), then the required checks and the assignment.
    func decodeBody(_ slots: [Slot], start: String, end: String, envelopes: [(EnvelopeSpec, [Field])]) -> String {
        var out = ""
        // Locals: one per field of the struct (or of its envelope).
        var locals: [Field] = slots.map(\.target)
        for (_, fields) in envelopes {
            for f in fields where !locals.contains(where: { $0.name == f.name }) { locals.append(f) }
        }
        let filled = Set(slots.map(\.target.name))
        for f in locals {
            let many = f.isWildcard || f.isListValued || !f.isSingle
            // An envelope field this grammar does not name stays empty.
            let binding = filled.contains(f.name) ? "var" : "let"
            out += "        \(binding) \(f.name): \(many ? f.propertyType : f.kind.swiftType + "?") = \(many ? "[]" : "nil")\n"
            if f.isListValued && filled.contains(f.name) { out += "        var \(bare(f.name))Seen = false\n" }
        }
        out += "        var i = \(start)\n"
        out += "        while i < \(end) {\n"
        let named = slots.filter { !$0.field.isWildcard }
        let hasWildcard = slots.contains { $0.field.isWildcard }
        if named.isEmpty {
            out += hasWildcard ? "            additionalAVPs.append(m.tree(at: i))\n" : ""
        } else {
            out += "            switch m.key(at: i) {\n"
            for slot in named {
                guard let a = slot.field.avp else { continue }
                out += "            case 0x\(String(UInt64(a.vendor) << 32 | UInt64(a.code), radix: 16, uppercase: true)):  // \(a.name)\n"
                out += decodeStatement(slot.target, grammarField: slot.field, indent: "                ")
            }
            out += "            default:\n"
            out += hasWildcard
                ? "                additionalAVPs.append(m.tree(at: i))\n"
                : "                break  // not in the grammar: the validator answers 5008\n"
            out += "            }\n"
        }
        out += "            i = m.next(after: i)\n        }\n"
        // Required by this grammar: a missing AVP is 5005 (RFC 6733 §7.5). A value required everywhere it
        // is held is unwrapped here.
        for slot in named {
            guard let a = slot.field.avp, slot.field.minimum >= 1 else { continue }
            let t = slot.target
            if t.isListValued {
                out += "        guard \(bare(t.name))Seen else { throw DiameterMessage.missing(.\(a.swiftName)) }\n"
            } else if !t.isSingle {
                out += "        guard \(t.name).count >= \(slot.field.minimum) else { throw DiameterMessage.missing(.\(a.swiftName)) }\n"
            } else if t.minimum >= 1 {
                out += "        guard let \(t.name) else { throw DiameterMessage.missing(.\(a.swiftName)) }\n"
            } else {
                out += "        guard \(t.name) != nil else { throw DiameterMessage.missing(.\(a.swiftName)) }\n"
            }
        }
        for (e, fields) in envelopes {
            let args = fields.map { "\(bare($0.name)): \($0.name)" }
            out += "        self.\(e.fieldName) = \(e.typeName)(\n" + wrapped(args, indent: "            ").dropLast(2) + ")\n"
        }
        for slot in slots where slot.inEnvelope == nil {
            out += "        self.\(bare(slot.field.name)) = \(slot.field.name)\n"
        }
        return out
    }

    func readExpression(_ kind: ValueKind) -> String {
        switch kind {
        case .string: "try m.string(at: i)"
        case .octets: "m.octets(at: i)"
        case .unsigned32: "try m.unsigned32(at: i)"
        case .integer32, .rawEnumeration: "try m.integer32(at: i)"
        case .unsigned64: "try m.unsigned64(at: i)"
        case .integer64: "try m.integer64(at: i)"
        case .float32: "try m.float32(at: i)"
        case .float64: "try m.float64(at: i)"
        case .address: "try m.address(at: i)"
        case .enumeration(let t): "\(t)(rawValue: try m.integer32(at: i))"
        case .grouped(let t): "try \(t)(m, from: i + 1, to: m.next(after: i))"
        case .opaqueGroup: "m.members(at: i).map { $0.tree() }"
        case .rawGroup: "m.tree(at: i)"
        case .wrappedUnsigned32(let t): "\(t)(unsigned32: try m.unsigned32(at: i))"
        }
    }

    /// Stores the AVP at `i` in `local`; `grammarField` carries the message's own cardinality.
    func decodeStatement(_ local: Field, grammarField: Field, indent: String) -> String {
        let read = readExpression(local.kind)
        if local.isListValued {
            let seen = bare(local.name) + "Seen"
            return indent + "if \(seen) { throw m.repeated(at: i) }\n" + indent + "\(seen) = true\n" + indent + "\(local.name) = \(read)\n"
        }
        if local.isSingle {
            return indent + "if \(local.name) != nil { throw m.repeated(at: i) }\n" + indent + "\(local.name) = \(read)\n"
        }
        var out = ""
        if let mx = grammarField.maximum, mx > 1 {
            out += indent + "if \(local.name).count == \(mx) { throw m.repeated(at: i) }\n"
        } else if grammarField.maximum == 1 {
            out += indent + "if !\(local.name).isEmpty { throw m.repeated(at: i) }\n"
        }
        return out + indent + "\(local.name).append(\(read))\n"
    }

    /// Writes a field (the message's own, or the envelope's through `holder`); `writtenAs` is the grammar's
    /// view of it (an envelope list written by a message that allows one).
    func encodeStatement(_ f: Field, holder: String, writtenAs: Field? = nil) -> String {
        let ref = holder + f.name
        if f.isWildcard { return "        for a in \(ref) { w.append(a) }\n" }
        guard let a = f.avp else { return "" }
        let d = "." + a.swiftName
        // A Grouped value is written where it lies (no copy of a list element or an optional's payload).
        if case .grouped = f.kind {
            // V iff a vendor, M iff the rule is "must" (AVPDefinition.encodingFlags), as a constant.
            let flags = (a.vendor != 0 ? 0x80 : 0) | (a.mandatory == "must" ? 0x40 : 0)
            let begin = "let s = w.beginAVP(code: \(a.code), vendorID: \(a.vendor), flags: AVPFlags(rawValue: 0x\(String(flags, radix: 16, uppercase: true))))  // \(a.name)"
            if !f.isSingle {
                let first = writtenAs?.isSingle == true ? ".prefix(1)" : ""
                // Elements are borrowed through the buffer's addressor (an array subscript would copy each).
                return "        \(ref).withUnsafeBufferPointer { b in\n            for k in b.indices\(first) {\n                \(begin)\n                b[k].writeMembers(into: &w)\n                w.endAVP(s)\n            }\n        }\n"
            }
            if f.minimum >= 1 { return "        do {\n            \(begin)\n            \(ref).writeMembers(into: &w)\n            w.endAVP(s)\n        }\n" }
            return "        if \(ref) != nil {\n            \(begin)\n            \(ref)?.writeMembers(into: &w)\n            w.endAVP(s)\n        }\n"
        }
        func write(_ v: String) -> String {
            switch f.kind {
            case .string, .unsigned32, .integer32, .rawEnumeration, .unsigned64, .integer64, .float32, .float64, .address:
                return "w.append(\(d), \(v))"
            case .octets: return "w.append(\(d), bytes: \(v))"
            case .enumeration: return "w.append(\(d), \(v).rawValue)"
            case .grouped: preconditionFailure("Grouped values are written in place above")
            case .opaqueGroup: return "w.appendGroup(\(d)) { g in for a in \(v) { g.append(a) } }"
            case .rawGroup: return "w.append(\(v))"
            case .wrappedUnsigned32: return "w.append(\(d), \(v).unsigned32)"
            }
        }
        if f.isListValued { return "        if !\(ref).isEmpty { \(write(ref)) }\n" }
        if !f.isSingle {
            if let w = writtenAs, w.isSingle { return "        if let v = \(ref).first { \(write("v")) }\n" }
            return "        for v in \(ref) { \(write("v")) }\n"
        }
        if f.minimum >= 1 { return "        \(write(ref))\n" }
        return "        if let v = \(ref) { \(write("v")) }\n"
    }
}

/// A property name without the backticks a keyword needs.
func bare(_ name: String) -> String { name.replacingOccurrences(of: "`", with: "") }
