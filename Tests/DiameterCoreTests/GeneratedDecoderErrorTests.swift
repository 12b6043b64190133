import DiameterCore
import DiameterTestKit
import NIOCore
import Testing

/// The generated decoders' own error values (RFC 6733 §7.5), without the grammar check before them, for one
/// command of each application: base (DWR), Cx (MAR), S6a (AIR), Sh (UDR). A missing required AVP is 5005
/// with a zero-filled example, a repeated single one 5009 with the second occurrence, a value of the wrong
/// size 5004 with the AVP as received; nothing traps.
@Suite("Generated decoders: errors as values")
struct GeneratedDecoderErrorTests {
    /// A sample's AVPs re-written with `edit` applied to the top-level list.
    static func rewritten(_ sample: some DiameterTypedMessage, _ edit: (inout [AVP]) -> Void) throws -> DiameterMessage {
        let original = try DiameterDecoder().decode(sample.encode(hopByHopID: 1, endToEndID: 2))
        var avps = original.avpTree()
        edit(&avps)
        var w = DiameterMessageWriter(header: original.header)
        for a in avps { w.append(a) }
        return try DiameterDecoder().decode(w.finish())
    }

    static let cases: [(String, any DiameterTypedMessage, AVPDefinition)] = [
        ("DWR", SampleMessages.dwr, .originRealm),
        ("MAR", SampleMessages.mar, .serverName),
        ("AIR", SampleMessages.air, .visitedPLMNID),
        ("UDR", SampleMessages.udr, .userIdentity),
    ]

    @Test("a missing required AVP is 5005 with a zero-filled example", arguments: 0..<cases.count)
    func missing(_ index: Int) throws {
        let (name, sample, required) = Self.cases[index]
        let message = try Self.rewritten(sample) { $0.removeAll { $0.key == required.key } }
        let error = try #require(throws: DiameterMessageError.self, "\(name)") { try DiameterDictionary.decodeTyped(message) }
        #expect(error.resultCode == .missingAVP, "\(name)")
        #expect(error.failedAVP == .example(of: required), "\(name)")
    }

    @Test("a single AVP twice is 5009 with the second occurrence as Failed-AVP", arguments: 0..<cases.count)
    func repeated(_ index: Int) throws {
        let (name, sample, single) = Self.cases[index]
        var second: AVP?
        let message = try Self.rewritten(sample) { avps in
            guard let i = avps.firstIndex(where: { $0.key == single.key }) else { return }
            var copy = avps[i]
            if case .data(let d) = copy.payload { copy.payload = .data(d + Array("x".utf8)) }
            second = copy
            avps.insert(copy, at: i + 1)
        }
        let error = try #require(throws: DiameterMessageError.self, "\(name)") { try DiameterDictionary.decodeTyped(message) }
        #expect(error.resultCode == .avpOccursTooManyTimes, "\(name)")
        #expect(error.failedAVP == second, "\(name)")
    }

    /// The dictionary checks every value's size when decoding; a message decoded with a dictionary that does
    /// not know an AVP reaches the typed decoder unchecked, which refuses the value itself.
    @Test("a value of the wrong size that reaches the typed decoder is 5004", arguments: [
        ("MAR", AVPDefinition.sipNumberAuthItems), ("AIR", AVPDefinition.numberOfRequestedVectors),
        ("DWR", AVPDefinition.originStateID), ("UDR", AVPDefinition.dataReference),
    ])
    func badValue(_ name: String, _ field: AVPDefinition) throws {
        let sample = try #require(Self.cases.first { $0.0 == name }?.1)
        let d = DiameterDictionary.standard
        let blind = DiameterDictionary(
            avps: d.definitions.filter { $0.key != field.key }, groupedGrammars: [:], commands: d.commands)
        let original = try DiameterDecoder().decode(sample.encode(hopByHopID: 1, endToEndID: 2))
        func shorten(_ a: AVP) -> AVP {
            var a = a
            switch a.payload {
            case .data(let bytes) where a.key == field.key: a.payload = .data(Array(bytes.prefix(2)))
            case .grouped(let members): a.payload = .grouped(members.map(shorten))
            default: break
            }
            return a
        }
        var w = DiameterMessageWriter(header: original.header)
        for a in original.avpTree() { w.append(shorten(a)) }
        let message = try DiameterDecoder(dictionary: blind).decode(w.finish())
        let error = try #require(throws: DiameterMessageError.self, "\(name)") { try DiameterDictionary.decodeTyped(message) }
        #expect(error.resultCode == .invalidAVPValue, "\(name)")
        #expect(error.failedAVP?.key == field.key, "\(name)")
    }
}
