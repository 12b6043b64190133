public import NIOCore

/// A decoded Diameter message: the header, the message's bytes, and a flat index of its AVPs
/// (nested members of Grouped AVPs included), built in one pass without copying AVP data.
///
/// Values are read on demand through ``AVPView``. Every AVP the dictionary knows has already been
/// checked against its data type (size, UTF-8, address family), so the typed accessors cannot fail
/// on a decoded message; they return `nil` only when asked for the wrong type.
public struct DiameterMessage: Sendable {
    public let header: DiameterHeader
    /// The whole message (header included), reader index 0.
    public let bytes: ByteBuffer
    @usableFromInline let records: [AVPRecord]
    /// The dictionary the message was decoded with.
    public let dictionary: DiameterDictionary

    init(header: DiameterHeader, bytes: ByteBuffer, records: [AVPRecord], dictionary: DiameterDictionary) {
        self.header = header
        self.bytes = bytes
        self.records = records
        self.dictionary = dictionary
    }

    public var isRequest: Bool { header.isRequest }
    public var commandCode: UInt32 { header.commandCode }
    public var applicationID: UInt32 { header.applicationID }

    /// The top-level AVPs, in wire order.
    public var avps: AVPList { AVPList(message: self, start: 0, end: records.count) }

    /// The first top-level AVP matching `definition`.
    public func first(_ definition: AVPDefinition) -> AVPView? { avps.first(definition) }

    /// Every top-level AVP matching `definition`, in wire order.
    public func all(_ definition: AVPDefinition) -> [AVPView] { avps.all(definition) }

    /// The AVPs as an owned tree.
    public func avpTree() -> [AVP] { avps.map { $0.tree() } }
}

/// One entry of the flat AVP index.
@usableFromInline
struct AVPRecord: Sendable {
    @usableFromInline var code: UInt32
    @usableFromInline var vendorID: UInt32
    /// Offset of the AVP header in the message.
    @usableFromInline var headerOffset: UInt32
    /// Offset of the data (after the optional Vendor-Id) in the message.
    @usableFromInline var dataOffset: UInt32
    @usableFromInline var dataLength: UInt32
    /// Index (in the record table) just past this AVP's last nested member.
    @usableFromInline var subtreeEnd: UInt32
    /// Index of the definition in the dictionary, or -1 when unknown.
    @usableFromInline var definitionIndex: Int16
    @usableFromInline var flags: AVPFlags
    /// Whether members were parsed (a Grouped AVP the dictionary knows).
    @usableFromInline var isGroupParsed: Bool
}

/// A range of sibling AVPs: the top level of a message or the members of a Grouped AVP.
public struct AVPList: Sequence, Sendable {
    let message: DiameterMessage
    let start: Int
    let end: Int

    public struct Iterator: IteratorProtocol {
        let message: DiameterMessage
        var position: Int
        let end: Int
        public mutating func next() -> AVPView? {
            guard position < end else { return nil }
            let v = AVPView(message: message, index: position)
            position = Int(message.records[position].subtreeEnd)
            return v
        }
    }

    public func makeIterator() -> Iterator { Iterator(message: message, position: start, end: end) }

    /// The first member matching `definition`.
    public func first(_ definition: AVPDefinition) -> AVPView? {
        let code = definition.code
        let vendor = definition.vendorID
        var i = start
        while i < end {
            let r = message.records[i]
            if r.code == code && r.vendorID == vendor { return AVPView(message: message, index: i) }
            i = Int(r.subtreeEnd)
        }
        return nil
    }

    /// Every member matching `definition`, in wire order.
    public func all(_ definition: AVPDefinition) -> [AVPView] {
        filter { $0.code == definition.code && $0.vendorID == definition.vendorID }
    }
}

/// A read-only view of one AVP inside a decoded message.
public struct AVPView: Sendable {
    let message: DiameterMessage
    let index: Int

    var record: AVPRecord { message.records[index] }

    public var code: UInt32 { record.code }
    public var vendorID: UInt32 { record.vendorID }
    public var key: AVPKey { AVPKey(code: record.code, vendorID: record.vendorID) }
    public var flags: AVPFlags { record.flags }
    /// AVP Length as on the wire (header + data, padding excluded).
    public var length: Int { Int(record.dataOffset - record.headerOffset + record.dataLength) }
    /// Offset of the AVP's header in the message.
    public var offset: Int { Int(record.headerOffset) }
    /// The dictionary entry, when known.
    public var definition: AVPDefinition? {
        let i = Int(record.definitionIndex)
        return i < 0 ? nil : message.dictionary.definitions[i]
    }

    /// The data (padding excluded), sharing the message's storage.
    public var data: ByteBuffer {
        let r = record
        return message.bytes.getSlice(at: Int(r.dataOffset), length: Int(r.dataLength)) ?? ByteBuffer()
    }

    public var bytes: [UInt8] {
        let r = record
        return message.bytes.getBytes(at: Int(r.dataOffset), length: Int(r.dataLength)) ?? []
    }

    /// Members of a Grouped AVP (empty for other AVPs).
    public var members: AVPList {
        let r = record
        return r.isGroupParsed
            ? AVPList(message: message, start: index + 1, end: Int(r.subtreeEnd))
            : AVPList(message: message, start: 0, end: 0)
    }

    public var isGrouped: Bool { record.isGroupParsed }

    public func first(_ definition: AVPDefinition) -> AVPView? { members.first(definition) }
    public func all(_ definition: AVPDefinition) -> [AVPView] { members.all(definition) }

    public var unsigned32: UInt32? { fixed(UInt32.self) }
    public var integer32: Int32? { fixed(Int32.self) }
    public var unsigned64: UInt64? { fixed(UInt64.self) }
    public var integer64: Int64? { fixed(Int64.self) }
    public var float32: Float? { fixed(UInt32.self).map { Float(bitPattern: $0) } }
    public var float64: Double? { fixed(UInt64.self).map { Double(bitPattern: $0) } }
    /// Enumerated values are Integer32 on the wire (RFC 6733 §4.3.1).
    public var enumerated: Int32? { integer32 }

    /// UTF8String, DiameterIdentity and DiameterURI values (validated UTF-8 for known AVPs).
    public var string: String? {
        let r = record
        return message.bytes.getString(at: Int(r.dataOffset), length: Int(r.dataLength))
    }

    /// Address (RFC 6733 §4.3.1).
    public var address: DiameterAddress? { DiameterAddress(bytes: bytes) }

    /// Time (RFC 6733 §4.3.1): seconds since 1900-01-01 00:00 UTC.
    public var ntpSeconds: UInt32? { unsigned32 }

    private func fixed<T: FixedWidthInteger>(_: T.Type) -> T? {
        let r = record
        guard Int(r.dataLength) == MemoryLayout<T>.size else { return nil }
        return message.bytes.getInteger(at: Int(r.dataOffset), endianness: .big, as: T.self)
    }

    /// This AVP (and its members) as an owned tree.
    public func tree() -> AVP {
        let r = record
        let payload: AVP.Payload = r.isGroupParsed ? .grouped(members.map { $0.tree() }) : .data(bytes)
        return AVP(code: r.code, vendorID: r.vendorID, flags: r.flags, payload: payload)
    }
}
