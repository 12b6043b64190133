/// The Address derived type (RFC 6733 §4.3.1): a 2-octet IANA address family and the address.
public enum DiameterAddress: Hashable, Sendable, CustomStringConvertible {
    case ipv4(UInt8, UInt8, UInt8, UInt8)
    case ipv6([UInt8])
    case other(family: UInt16, [UInt8])

    /// IANA address family numbers.
    public static let familyIPv4: UInt16 = 1
    public static let familyIPv6: UInt16 = 2

    /// Parses the wire form; `nil` when the family is IPv4/IPv6 and the size does not match.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 2 else { return nil }
        let family = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let rest = Array(bytes[2...])
        switch family {
        case Self.familyIPv4:
            guard rest.count == 4 else { return nil }
            self = .ipv4(rest[0], rest[1], rest[2], rest[3])
        case Self.familyIPv6:
            guard rest.count == 16 else { return nil }
            self = .ipv6(rest)
        default:
            self = .other(family: family, rest)
        }
    }

    /// Parses dotted IPv4 or RFC 5952 IPv6 text.
    public init?(_ text: String) {
        let v4 = text.split(separator: ".", omittingEmptySubsequences: false)
        if v4.count == 4 {
            var o: [UInt8] = []
            for part in v4 {
                guard let b = UInt8(part) else { return nil }
                o.append(b)
            }
            self = .ipv4(o[0], o[1], o[2], o[3])
            return
        }
        guard let v6 = Self.parseIPv6(text) else { return nil }
        self = .ipv6(v6)
    }

    public var family: UInt16 {
        switch self {
        case .ipv4: Self.familyIPv4
        case .ipv6: Self.familyIPv6
        case .other(let f, _): f
        }
    }

    /// Family and address octets, as on the wire.
    public var encoded: [UInt8] {
        let f = family
        var out: [UInt8] = [UInt8(f >> 8), UInt8(f & 0xFF)]
        switch self {
        case .ipv4(let a, let b, let c, let d): out += [a, b, c, d]
        case .ipv6(let o): out += o
        case .other(_, let o): out += o
        }
        return out
    }

    public var description: String {
        switch self {
        case .ipv4(let a, let b, let c, let d): return "\(a).\(b).\(c).\(d)"
        case .ipv6(let o): return Self.formatIPv6(o)
        case .other(let f, let o): return "family \(f) " + hex(o)
        }
    }

    private static func formatIPv6(_ o: [UInt8]) -> String {
        var groups: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(o[i]) << 8 | UInt16(o[i + 1])) }
        // RFC 5952: compress the longest run (length >= 2) of zero groups.
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func fmt(_ g: ArraySlice<UInt16>) -> String { g.map { String($0, radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return fmt(groups[...]) }
        return fmt(groups[0..<bestStart]) + "::" + fmt(groups[(bestStart + bestLen)...])
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = splitAtDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ s: Substring) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// Splits `text` at each "::".
private func splitAtDoubleColon(_ text: String) -> [Substring] {
    var parts: [Substring] = []
    var segmentStart = text.startIndex
    var i = text.startIndex
    while i < text.endIndex {
        let next = text.index(after: i)
        if text[i] == ":", next < text.endIndex, text[next] == ":" {
            parts.append(text[segmentStart..<i])
            segmentStart = text.index(after: next)
            i = segmentStart
        } else {
            i = next
        }
    }
    parts.append(text[segmentStart...])
    return parts
}
