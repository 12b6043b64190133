// Typed lookups used by the message types. After grammar validation the required AVPs are present,
// but the typed initialisers do not rely on it: a missing or mistyped AVP is a 5005/5004 error value,
// never a trap.

extension AVPList {
    func string(_ d: AVPDefinition) -> String? { first(d)?.string }
    func strings(_ d: AVPDefinition) -> [String] { all(d).compactMap { $0.string } }
    func unsigned32(_ d: AVPDefinition) -> UInt32? { first(d)?.unsigned32 }
    func unsigned32s(_ d: AVPDefinition) -> [UInt32] { all(d).compactMap { $0.unsigned32 } }
    func unsigned64(_ d: AVPDefinition) -> UInt64? { first(d)?.unsigned64 }
    func enumerated(_ d: AVPDefinition) -> Int32? { first(d)?.enumerated }
    func octets(_ d: AVPDefinition) -> [UInt8]? { first(d)?.bytes }
    func octetsList(_ d: AVPDefinition) -> [[UInt8]] { all(d).map { $0.bytes } }

    func required<T>(_ d: AVPDefinition, _ value: (AVPView) -> T?) throws(DiameterMessageError) -> T {
        guard let view = first(d) else {
            throw DiameterMessageError(.missingAVP, offset: 0, reason: "missing \(d.name)", failedAVP: .example(of: d))
        }
        guard let v = value(view) else {
            throw DiameterMessageError(
                .invalidAVPValue, offset: view.offset, reason: "\(d.name) has a value of the wrong type",
                failedAVP: view.tree())
        }
        return v
    }

    func requiredString(_ d: AVPDefinition) throws(DiameterMessageError) -> String { try required(d) { $0.string } }
    func requiredUnsigned32(_ d: AVPDefinition) throws(DiameterMessageError) -> UInt32 { try required(d) { $0.unsigned32 } }
    func requiredEnumerated(_ d: AVPDefinition) throws(DiameterMessageError) -> Int32 { try required(d) { $0.enumerated } }

    /// Every member matching `d`, decoded with `T`'s grouped initialiser.
    func groups<T: GroupedAVPValue>(_ d: AVPDefinition, as _: T.Type) throws(DiameterMessageError) -> [T] {
        var out: [T] = []
        for v in all(d) { out.append(try T(v.members)) }
        return out
    }

    func group<T: GroupedAVPValue>(_ d: AVPDefinition, as _: T.Type) throws(DiameterMessageError) -> T? {
        guard let v = first(d) else { return nil }
        return try T(v.members)
    }

    func requiredGroup<T: GroupedAVPValue>(_ d: AVPDefinition, as _: T.Type) throws(DiameterMessageError) -> T {
        try T(try required(d) { $0.members })
    }
}

extension DiameterMessageWriter {
    mutating func append(_ d: AVPDefinition, ifPresent value: String?) { if let value { append(d, value) } }
    mutating func append(_ d: AVPDefinition, ifPresent value: UInt32?) { if let value { append(d, value) } }
    mutating func append(_ d: AVPDefinition, ifPresent value: UInt64?) { if let value { append(d, value) } }
    mutating func append(_ d: AVPDefinition, ifPresent value: Int32?) { if let value { append(d, value) } }
    mutating func append(_ d: AVPDefinition, octetsIfPresent value: [UInt8]?) { if let value { append(d, bytes: value) } }
    mutating func append(_ d: AVPDefinition, each values: [String]) { for v in values { append(d, v) } }
    mutating func append(_ d: AVPDefinition, each values: [UInt32]) { for v in values { append(d, v) } }

    /// A Grouped AVP from a typed value.
    public mutating func append<T: GroupedAVPValue>(_ value: T) {
        appendGroup(T.definition) { value.writeMembers(into: &$0) }
    }

    mutating func append<T: GroupedAVPValue>(ifPresent value: T?) { if let value { append(value) } }
    mutating func append<T: GroupedAVPValue>(each values: [T]) { for v in values { append(v) } }
}

/// A typed Grouped AVP: its dictionary entry, how to read it from its members and how to write them.
public protocol GroupedAVPValue: Hashable, Sendable {
    static var definition: AVPDefinition { get }
    init(_ members: AVPList) throws(DiameterMessageError)
    func writeMembers(into w: inout DiameterMessageWriter)
}
