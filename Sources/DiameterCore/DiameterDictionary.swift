/// The dictionary: AVP definitions keyed by (code, vendor), Grouped-AVP grammars and commands.
///
/// Pure data. Lookups on the decode path are array indexing for vendor 0 and 3GPP codes below 1024
/// (every AVP Cx uses), and a hash lookup for anything else.
public final class DiameterDictionary: Sendable {
    /// Every AVP, grammar and command of the dictionary files (`dictionaries/*.dia`, generated into
    /// `Generated/`): RFC 6733 base, Cx/Dx, S6a/S6d, Sh and what they import.
    public static let standard = DiameterDictionary(
        avps: AVPDefinition.standardDefinitions,
        groupedGrammars: AVPGrammar.groupedGrammars,
        commands: CommandDefinition.all,
        enumerationNames: DiameterDictionary.standardEnumerationNames)

    public let definitions: [AVPDefinition]
    public let commands: [CommandDefinition]
    /// Grammar per Grouped AVP, in the same order as `definitions` (`nil` for non-grouped AVPs and
    /// grouped AVPs without a known grammar).
    let groupedGrammarByIndex: [AVPGrammar?]
    /// Data type per definition index (the decoder reads only this on its hot path).
    let typeByIndex: [AVPDataType]
    /// Per definition index: a Grouped AVP whose members are not checked (``AVPGrammar/checksMembers``).
    let opaqueMembersByIndex: [Bool]
    static let directRange = 1024
    let ietfIndex: [Int16]
    let tgppIndex: [Int16]
    private let otherIndex: [AVPKey: Int16]
    private let commandIndex: [UInt64: Int]

    let enumerationNamesByKey: [AVPKey: [Int32: String]]

    public init(
        avps: [AVPDefinition], groupedGrammars: [AVPKey: AVPGrammar], commands: [CommandDefinition],
        enumerationNames: [AVPKey: [Int32: String]] = [:]
    ) {
        self.enumerationNamesByKey = enumerationNames
        precondition(avps.count < Int(Int16.max), "dictionary too large for Int16 indexes")
        var ietf = [Int16](repeating: -1, count: Self.directRange)
        var tgpp = [Int16](repeating: -1, count: Self.directRange)
        var other: [AVPKey: Int16] = [:]
        for (i, d) in avps.enumerated() {
            let idx = Int16(i)
            if d.code < Self.directRange, d.vendorID == VendorID.ietf {
                precondition(ietf[Int(d.code)] == -1, "duplicate AVP \(d)")
                ietf[Int(d.code)] = idx
            } else if d.code < Self.directRange, d.vendorID == VendorID.tgpp {
                precondition(tgpp[Int(d.code)] == -1, "duplicate AVP \(d)")
                tgpp[Int(d.code)] = idx
            } else {
                precondition(other[d.key] == nil, "duplicate AVP \(d)")
                other[d.key] = idx
            }
        }
        self.definitions = avps
        self.ietfIndex = ietf
        self.tgppIndex = tgpp
        self.otherIndex = other
        self.groupedGrammarByIndex = avps.map { $0.type == .grouped ? groupedGrammars[$0.key] : nil }
        self.typeByIndex = avps.map(\.type)
        self.opaqueMembersByIndex = avps.map { groupedGrammars[$0.key]?.checksMembers == false }
        self.commands = commands
        var ci: [UInt64: Int] = [:]
        for (i, c) in commands.enumerated() { ci[Self.commandKey(c.code, c.applicationID)] = i }
        self.commandIndex = ci
    }

    /// Index into ``definitions`` of the AVP `(code, vendorID)`, or -1 when unknown. (The decoder's hot path
    /// holds the two direct tables itself, see `DiameterDecoder.State.lookup`.)
    public func index(code: UInt32, vendorID: UInt32) -> Int {
        if code < Self.directRange {
            if vendorID == 0 { return Int(ietfIndex[Int(code)]) }
            if vendorID == VendorID.tgpp { return Int(tgppIndex[Int(code)]) }
        }
        return Int(otherIndex[AVPKey(code: code, vendorID: vendorID)] ?? -1)
    }

    public func definition(code: UInt32, vendorID: UInt32 = 0) -> AVPDefinition? {
        let i = index(code: code, vendorID: vendorID)
        return i < 0 ? nil : definitions[i]
    }

    public func definition(_ key: AVPKey) -> AVPDefinition? { definition(code: key.code, vendorID: key.vendorID) }

    public func groupedGrammar(_ key: AVPKey) -> AVPGrammar? {
        let i = index(code: key.code, vendorID: key.vendorID)
        return i < 0 ? nil : groupedGrammarByIndex[i]
    }

    /// Names of the values of an Enumerated AVP (for display), when known.
    public func enumerationNames(_ key: AVPKey) -> [Int32: String] { enumerationNamesByKey[key] ?? [:] }

    public func command(code: UInt32, applicationID: UInt32) -> CommandDefinition? {
        commandIndex[Self.commandKey(code, applicationID)].map { commands[$0] }
    }

    private static func commandKey(_ code: UInt32, _ app: UInt32) -> UInt64 { UInt64(code) << 32 | UInt64(app) }
}
