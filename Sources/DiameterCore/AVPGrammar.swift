/// One element of a Command Code Format (RFC 6733 §3.2): how often an AVP may occur.
public struct AVPRule: Hashable, Sendable {
    public var key: AVPKey
    public var minimum: Int
    public var maximum: Int

    public init(_ key: AVPKey, minimum: Int, maximum: Int) {
        self.key = key
        self.minimum = minimum
        self.maximum = maximum
    }

    /// `< X >`: required, fixed position. We accept it anywhere: captured traffic (PyHSS's RTR) does not
    /// always put Session-Id first, and refusing such a message helps nobody.
    public static func fixed(_ d: AVPDefinition) -> AVPRule { AVPRule(d.key, minimum: 1, maximum: 1) }
    /// `{ X }`: exactly one.
    public static func required(_ d: AVPDefinition) -> AVPRule { AVPRule(d.key, minimum: 1, maximum: 1) }
    /// `[ X ]`: zero or one.
    public static func optional(_ d: AVPDefinition) -> AVPRule { AVPRule(d.key, minimum: 0, maximum: 1) }
    /// `*[ X ]`: any number.
    public static func any(_ d: AVPDefinition) -> AVPRule { AVPRule(d.key, minimum: 0, maximum: .max) }
    /// `1*{ X }`: at least one.
    public static func oneOrMore(_ d: AVPDefinition) -> AVPRule { AVPRule(d.key, minimum: 1, maximum: .max) }
}

/// The AVP grammar of a command or of a Grouped AVP.
public struct AVPGrammar: Hashable, Sendable {
    public var rules: [AVPRule]
    /// Whether the grammar ends in `*[ AVP ]`, i.e. admits AVPs it does not name.
    public var allowsOtherAVPs: Bool
    /// Whether members are checked at all (values, grammar, unknown M-bit AVPs). False for Failed-AVP,
    /// which carries, by design, the AVP that was refused: only its framing is checked.
    public var checksMembers: Bool

    public init(_ rules: [AVPRule], allowsOtherAVPs: Bool = true, checksMembers: Bool = true) {
        self.rules = rules
        self.allowsOtherAVPs = allowsOtherAVPs
        self.checksMembers = checksMembers
    }

    /// Index of the rule for `key`, if the grammar names it.
    @inlinable
    public func ruleIndex(code: UInt32, vendorID: UInt32) -> Int? {
        var i = 0
        let n = rules.count
        while i < n {
            let k = rules[i].key
            if k.code == code && k.vendorID == vendorID { return i }
            i += 1
        }
        return nil
    }
}

/// A command: code, application and the grammars of its request and answer.
public struct CommandDefinition: Hashable, Sendable {
    public var code: UInt32
    public var applicationID: UInt32
    /// The spec's name without the suffix, e.g. "Multimedia-Auth".
    public var name: String
    public var requestAbbreviation: String
    public var answerAbbreviation: String
    /// Whether the request (and so the answer) carries the P-bit.
    public var proxiable: Bool
    public var request: AVPGrammar
    public var answer: AVPGrammar

    public func grammar(isRequest: Bool) -> AVPGrammar { isRequest ? request : answer }
    public func fullName(isRequest: Bool) -> String { name + (isRequest ? "-Request" : "-Answer") }
    public func abbreviation(isRequest: Bool) -> String { isRequest ? requestAbbreviation : answerAbbreviation }
}
