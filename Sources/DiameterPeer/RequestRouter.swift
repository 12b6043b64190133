public import DiameterCore

/// Where an incoming request goes, or the protocol error it gets (RFC 6733 §6.1, §7.1.3). Pure.
///
/// Order of checks: the application (3007), Destination-Host (3002: this node does not relay),
/// Destination-Realm (3003), the command within the application (3001), then the command's grammar
/// (5xxx, from the codec).
public struct RequestRouter: Sendable {
    public var local: LocalPeer

    public init(local: LocalPeer) {
        self.local = local
    }

    public enum Decision: Sendable {
        /// Base protocol message (CER, DWR, DPR): the peer state machine handles it.
        case base(CommandDefinition)
        /// An application request for this node, grammar-checked.
        case application(CommandDefinition)
        /// Answer with this error (and keep the connection).
        case error(DiameterMessageError)
    }

    public func route(_ request: DiameterMessage) -> Decision {
        let h = request.header
        func fail(_ code: ResultCode, _ reason: String) -> Decision {
            .error(DiameterMessageError(code, offset: 0, reason: reason, header: h))
        }
        let isBase = h.applicationID == ApplicationID.base
        guard isBase || local.applicationIDs.contains(h.applicationID) else {
            return fail(.applicationUnsupported, "application \(h.applicationID) is not served here")
        }
        if !isBase {
            if let host = request.first(.destinationHost)?.string, !sameIdentity(host, local.originHost) {
                return fail(.unableToDeliver, "Destination-Host \(host) is not this node and requests are not relayed")
            }
            if let realm = request.first(.destinationRealm)?.string, !sameIdentity(realm, local.originRealm) {
                return fail(.realmNotServed, "Destination-Realm \(realm) is not served here")
            }
        }
        guard let command = request.dictionary.command(code: h.commandCode, applicationID: h.applicationID) else {
            return fail(.commandUnsupported, "command \(h.commandCode) is not supported in application \(h.applicationID)")
        }
        do {
            try request.validate(against: command)
        } catch {
            return .error(error)
        }
        return isBase ? .base(command) : .application(command)
    }
}

/// An octet of a DiameterIdentity folded for comparison: ASCII A-Z to lowercase, anything else as it is.
@inline(__always) func asciiLowercased(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// DiameterIdentity equality: ASCII case-insensitive (DNS names), without allocating.
func sameIdentity(_ a: String, _ b: String) -> Bool { sameIdentity(a.utf8, b.utf8) }

/// The same, for octets as they came on the wire.
func sameIdentity(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
    var i = a.makeIterator()
    var j = b.makeIterator()
    while true {
        switch (i.next(), j.next()) {
        case (nil, nil): return true
        case (let x?, let y?):
            if asciiLowercased(x) != asciiLowercased(y) { return false }
        default: return false
        }
    }
}
