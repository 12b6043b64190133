// A small, strict XML reader for the Sh-Data an AS sends in PUR (TS 29.328 Annex D): elements, text,
// character references, CDATA, comments and processing instructions. No DTD (a DOCTYPE is refused: no
// entity expansion from the wire), attributes are checked for form and ignored, names are taken without
// their namespace prefix. Pure and total: malformed input is `nil`, never a trap.

/// One element of a parsed document.
public struct XMLNode: Hashable, Sendable {
    /// The local name (any `prefix:` dropped).
    public var name: String
    public var children: [XMLNode]
    /// The character data directly inside this element (entities and CDATA decoded), concatenated.
    public var text: String
    /// The raw bytes between the start tag and the end tag (empty for `<a/>`): what ServiceData keeps.
    public var content: ArraySlice<UInt8>

    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    public func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
    /// The trimmed text of the child `name`.
    public func value(_ name: String) -> String? { child(name).map { $0.text.trimmedXMLSpace } }
}

extension String {
    var trimmedXMLSpace: String {
        let u = Array(utf8)
        var a = 0, b = u.count
        while a < b, XMLReader.isSpace(u[a]) { a += 1 }
        while b > a, XMLReader.isSpace(u[b - 1]) { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }
}

public enum XMLReader {
    /// The root element of `bytes`, or nil when it is not well-formed XML (or nests deeper than
    /// `maxDepth`, or holds a DOCTYPE).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32) -> XMLNode? {
        var p = Parser(bytes: bytes, maxDepth: maxDepth)
        return p.document()
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var i = 0

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            return s.withUTF8Buffer { u in bytes[i..<(i + n)].elementsEqual(u) }
        }

        mutating func skipSpace() { while i < bytes.count, isSpace(bytes[i]) { i += 1 } }

        /// Moves past the next `end` (e.g. `-->`); false when there is none.
        mutating func skip(past end: StaticString) -> Bool {
            let n = end.utf8CodeUnitCount
            while i + n <= bytes.count {
                if starts(end) {
                    i += n
                    return true
                }
                i += 1
            }
            return false
        }

        /// Comments and processing instructions between elements (the prolog, the epilogue).
        mutating func misc() -> Bool {
            while true {
                skipSpace()
                if starts("<!--") {
                    i += 4
                    guard skip(past: "-->") else { return false }
                } else if starts("<?") {
                    i += 2
                    guard skip(past: "?>") else { return false }
                } else {
                    return true
                }
            }
        }

        mutating func document() -> XMLNode? {
            // A UTF-8 byte order mark is allowed before the declaration.
            if starts("\u{FEFF}") { i += 3 }
            guard misc(), !starts("<!") else { return nil }  // no DOCTYPE
            guard i < bytes.count, bytes[i] == UInt8(ascii: "<"), let root = element(depth: 0) else { return nil }
            guard misc(), i == bytes.count else { return nil }
            return root
        }

        static func isNameByte(_ b: UInt8) -> Bool {
            !(isSpace(b) || b == UInt8(ascii: "/") || b == UInt8(ascii: ">") || b == UInt8(ascii: "=") || b == UInt8(ascii: "<")
                || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "&"))
        }

        mutating func name() -> String? {
            let start = i
            while i < bytes.count, Self.isNameByte(bytes[i]) { i += 1 }
            guard i > start, let s = String(validating: bytes[start..<i], as: UTF8.self) else { return nil }
            return s
        }

        /// `<name attr="v" ...>` ... `</name>`, or `<name/>`; `i` at the `<`.
        mutating func element(depth: Int) -> XMLNode? {
            guard depth < maxDepth else { return nil }
            i += 1
            guard let qname = name() else { return nil }
            // Attributes: name = "value" | 'value'.
            while true {
                let before = i
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: "/") {
                    guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { return nil }
                    i += 2
                    return XMLNode(name: Self.local(qname), children: [], text: "", content: [])
                }
                if bytes[i] == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                guard i > before, name() != nil else { return nil }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { return nil }
                i += 1
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { return nil }
                let quote = bytes[i]
                i += 1
                while i < bytes.count, bytes[i] != quote {
                    guard bytes[i] != UInt8(ascii: "<") else { return nil }
                    i += 1
                }
                guard i < bytes.count else { return nil }
                i += 1
            }
            let contentStart = i
            var children: [XMLNode] = []
            var text: [UInt8] = []
            while true {
                guard i < bytes.count else { return nil }
                if bytes[i] != UInt8(ascii: "<") && bytes[i] != UInt8(ascii: "&") {
                    // Character data (the common byte): no markup test.
                    text.append(bytes[i])
                    i += 1
                } else if starts("</") {
                    let contentEnd = i
                    i += 2
                    guard name() == qname else { return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { return nil }
                    i += 1
                    guard let t = String(validating: text, as: UTF8.self) else { return nil }
                    return XMLNode(name: Self.local(qname), children: children, text: t, content: bytes[contentStart..<contentEnd])
                } else if starts("<!--") {
                    i += 4
                    guard skip(past: "-->") else { return nil }
                } else if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    guard skip(past: "]]>") else { return nil }
                    text += bytes[start..<(i - 3)]
                } else if starts("<?") {
                    i += 2
                    guard skip(past: "?>") else { return nil }
                } else if starts("<!") {
                    return nil
                } else if bytes[i] == UInt8(ascii: "<") {
                    guard let child = element(depth: depth + 1) else { return nil }
                    children.append(child)
                } else if bytes[i] == UInt8(ascii: "&") {
                    guard let scalar = reference() else { return nil }
                    text += Array(String(Character(scalar)).utf8)
                } else {
                    text.append(bytes[i])
                    i += 1
                }
            }
        }

        /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xN;`; `i` at the `&`.
        mutating func reference() -> Unicode.Scalar? {
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ";"), i - start < 12 { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: ";") else { return nil }
            let body = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            switch body {
            case "lt": return "<"
            case "gt": return ">"
            case "amp": return "&"
            case "quot": return "\""
            case "apos": return "'"
            default:
                let value: UInt32?
                if body.hasPrefix("#x") { value = UInt32(body.dropFirst(2), radix: 16) } else if body.hasPrefix("#") { value = UInt32(body.dropFirst(), radix: 10) } else { value = nil }
                return value.flatMap(Unicode.Scalar.init)
            }
        }

        static func local(_ qname: String) -> String {
            guard let colon = qname.lastIndex(of: ":") else { return qname }
            return String(qname[qname.index(after: colon)...])
        }
    }
}
