public import DiameterCore
public import DiameterPeer

/// Random valid AVP trees and messages built from the dictionary: every AVP a valid value of its type,
/// Grouped AVPs filled from their grammar.
public struct RandomMessageGenerator {
    public var rng: SplitMix64
    let dictionary = DiameterDictionary.standard

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    public mutating func message() -> (DiameterHeader, [AVP]) {
        let command = dictionary.commands.randomElement(using: &rng)!
        let isRequest = Bool.random(using: &rng)
        var flags: CommandFlags = isRequest ? .request : []
        if command.proxiable { flags.insert(.proxiable) }
        if Bool.random(using: &rng) { flags.insert(.potentiallyRetransmitted) }
        let header = DiameterHeader(
            flags: flags, commandCode: command.code, applicationID: command.applicationID,
            hopByHopID: UInt32.random(in: .min ... .max, using: &rng), endToEndID: UInt32.random(in: .min ... .max, using: &rng))
        let count = Int.random(in: 0...12, using: &rng)
        var avps: [AVP] = []
        for _ in 0..<count { avps.append(avp(depth: 0)) }
        return (header, avps)
    }

    public mutating func avp(depth: Int) -> AVP {
        if Int.random(in: 0..<20, using: &rng) == 0 {
            // An unknown, non-mandatory AVP: carried as opaque octets.
            let vendor: UInt32 = Bool.random(using: &rng) ? 0 : 50
            let code = UInt32.random(in: 5000...6000, using: &rng)
            return AVP(code: code, vendorID: vendor, flags: [], payload: .data(octets(0...40)))
        }
        let def = dictionary.definitions.randomElement(using: &rng)!
        return avp(def, depth: depth)
    }

    public mutating func avp(_ def: AVPDefinition, depth: Int) -> AVP {
        switch def.type {
        case .grouped:
            guard depth < 4 else { return AVP(def, .grouped([])) }
            let grammar = dictionary.groupedGrammar(def.key)
            var members: [AVP] = []
            for rule in grammar?.rules ?? [] {
                let n = rule.minimum + (rule.maximum > rule.minimum ? Int.random(in: 0...1, using: &rng) : 0)
                for _ in 0..<n {
                    if let d = dictionary.definition(rule.key) { members.append(avp(d, depth: depth + 1)) }
                }
            }
            members.shuffle(using: &rng)
            return AVP(def, .grouped(members))
        case .octetString: return AVP(def, .data(octets(0...48)))
        case .utf8String: return AVP(def, .data(Array(text().utf8)))
        case .diameterIdentity: return AVP(def, .data(Array(identity().utf8)))
        case .diameterURI: return AVP(def, .data(Array(("aaa://" + identity() + ":3868;transport=tcp").utf8)))
        case .address:
            return Bool.random(using: &rng)
                ? AVP(def, .data([0, 1] + octets(4...4)))
                : AVP(def, .data([0, 2] + octets(16...16)))
        case .integer32, .unsigned32, .float32, .enumerated, .time, .integer64, .unsigned64, .float64:
            return AVP(def, .data(octets(def.type.fixedSize!...def.type.fixedSize!)))
        }
    }

    mutating func octets(_ range: ClosedRange<Int>) -> [UInt8] {
        (0..<Int.random(in: range, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    mutating func text() -> String {
        let pieces = ["sip:", "alice", "@", "ims.mnc001.mcc001.3gppnetwork.org", "ü", "✓", "𝄞", ";", "tel:+4912345", " "]
        return (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    mutating func identity() -> String {
        let labels = ["hss", "scscf-01", "icscf", "ims", "mnc001", "mcc001", "3gppnetwork", "org"]
        return (0..<Int.random(in: 1...5, using: &rng)).map { _ in labels.randomElement(using: &rng)! }.joined(separator: ".")
    }
}
