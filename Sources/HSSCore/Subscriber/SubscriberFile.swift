#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The subscriber file `hss serve --subscribers FILE` loads (JSON; format in docs/data-model.md).
public struct SubscriberFile: Codable, Sendable {
    public var subscriptions: [IMSSubscription]

    public init(subscriptions: [IMSSubscription]) { self.subscriptions = subscriptions }

    public struct InvalidFile: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func decode(_ data: [UInt8]) throws(InvalidFile) -> SubscriberFile {
        let file: SubscriberFile
        do {
            file = try JSONDecoder().decode(SubscriberFile.self, from: Data(data))
        } catch let e as DecodingError {
            let (field, reason) = fieldAndReason(e)
            throw InvalidFile(description: "\(field): \(reason)")
        } catch {
            throw InvalidFile(description: "\(error)")
        }
        try file.check()
        return file
    }

    public static func load(path: String) throws(InvalidFile) -> SubscriberFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw InvalidFile(description: "\(path): \(error)") }
        return try decode(Array(data))
    }

    public func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try e.encode(self))
    }

    /// A field path as errors name it: `.subscriptions[0].aka.k`.
    public static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    /// The field a decoding error is about, and what was wrong with it.
    public static func fieldAndReason(_ error: DecodingError) -> (field: String, reason: String) {
        switch error {
        case .keyNotFound(let key, let c): (path(c.codingPath + [key]), "missing")
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c): (path(c.codingPath), c.debugDescription)
        @unknown default: ("", "\(error)")
        }
    }

    /// Cross-references a JSON schema cannot express: every identity unique across the file, every
    /// public identity names a profile and private identities of its own subscription.
    public func check() throws(InvalidFile) {
        var seen: Set<String> = []
        for s in subscriptions {
            guard !s.id.isEmpty else { throw InvalidFile(description: "a subscription without an id") }
            guard seen.insert("subscription " + s.id).inserted else { throw InvalidFile(description: "subscription \(s.id) twice") }
            for p in s.privateIdentities {
                guard seen.insert(p.identity).inserted else { throw InvalidFile(description: "identity \(p.identity) twice") }
                if p.authenticationSchemes.contains(where: \.isAKA), p.aka == nil {
                    throw InvalidFile(description: "\(p.identity): AKA scheme without aka credentials")
                }
                if p.authenticationSchemes.contains(.sipDigest), p.digest == nil {
                    throw InvalidFile(description: "\(p.identity): SIP Digest scheme without digest credentials")
                }
            }
            for p in s.publicIdentities {
                guard seen.insert(p.identity).inserted else { throw InvalidFile(description: "identity \(p.identity) twice") }
                guard s.serviceProfile(p.serviceProfile) != nil else {
                    throw InvalidFile(description: "\(p.identity): no service profile \(p.serviceProfile) in subscription \(s.id)")
                }
                for impi in p.privateIdentities where s.privateIdentity(impi) == nil {
                    throw InvalidFile(description: "\(p.identity): private identity \(impi) is not in subscription \(s.id)")
                }
                if p.privateIdentities.isEmpty && !p.type.isPSI {
                    throw InvalidFile(description: "\(p.identity): a public user identity needs privateIdentities")
                }
            }
            if let eps = s.eps {
                guard seen.insert("imsi " + eps.imsi).inserted else { throw InvalidFile(description: "eps.imsi \(eps.imsi) twice") }
                // TS 33.401 §6.1.1: EPS AKA needs the USIM's K and OPc, which the named private identity holds.
                guard let aka = s.epsAKAIdentity else {
                    throw InvalidFile(description: "eps.akaIdentity: \(eps.akaIdentity.map { "\($0) is not a private identity of \(s.id)" } ?? "no private identity of \(s.id) has aka credentials")")
                }
                if aka.aka == nil { throw InvalidFile(description: "eps.akaIdentity: \(aka.identity) has no aka credentials") }
            }
        }
    }
}
