import DiameterCore
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The AVP headers of a request at the top level (RFC 6733 §4.1), read before it is decoded, for the
/// refusals for load that need no decoding (``PeerConnection``'s `refusedBeforeDecoding`): where its
/// Session-Id's data is, whether its Destination-Host names this node, and whether it carries
/// OC-Supported-Features (RFC 7683 §5.1).
enum PlainRequestScan {
    /// The identities a plain request is compared with, lowercased octets made once per connection:
    /// DiameterIdentity compares ASCII case-insensitively (RFC 6733 §4.3.1), and peers usually write it
    /// lowercase, so the common comparison is a `memcmp`. A class: passed per request at the cost of one
    /// reference, not three.
    final class Identities: Sendable {
        let peer: [UInt8]
        let localHost: [UInt8]
        let localRealm: [UInt8]

        init(peer: String, local: LocalPeer) {
            self.peer = Self.lowered(peer)
            self.localHost = Self.lowered(local.originHost)
            self.localRealm = Self.lowered(local.originRealm)
        }

        static func lowered(_ s: String) -> [UInt8] { s.utf8.map(asciiLowercased) }
    }

    /// What the scan found of a plain request: the Session-Id's data (offsets in the frame's readable
    /// bytes), whether Destination-Host names this node, whether it carries OC-Supported-Features.
    struct Found {
        var sessionID: Range<Int>
        var destinationIsLocal: Bool
        var doic: Bool
    }

    /// Nil when the request is not plain: its Origin-Host is not the peer's (unless the peer is a `relay`),
    /// its Destination-Host or Destination-Realm not this node's, it carries Proxy-Info (its answer must
    /// carry it too), it has no Session-Id or one that is not UTF-8 (RFC 6733 §4.3.1, as the decoder
    /// checks it); or its framing is wrong (the decoded path then answers it).
    static func scan(_ frame: ByteBuffer, identities: Identities, relay: Bool) -> Found? {
        frame.withUnsafeReadableBytes { raw -> Found? in
            @inline(__always) func load32(_ at: Int) -> UInt32 { UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
            var sessionID: Range<Int>?
            var destinationIsLocal = false
            var doic = false
            var offset = DiameterHeader.size
            while offset < raw.count {
                guard raw.count - offset >= 8 else { return nil }
                let code = load32(offset), flagsAndLength = load32(offset + 4)
                let length = Int(flagsAndLength & 0xFF_FFFF)
                let vendor = flagsAndLength & 0x8000_0000 != 0
                let headerSize = vendor ? 12 : 8
                guard length >= headerSize, length <= raw.count - offset else { return nil }
                if !vendor {
                    let data = UnsafeRawBufferPointer(rebasing: raw[(offset + headerSize)..<(offset + length)])
                    switch code {
                    case AVPDefinition.sessionID.code:
                        // ASCII is UTF-8; anything else is validated as the decoder does (making no String of
                        // the usual ASCII one).
                        guard data.allSatisfy({ $0 < 0x80 }) || String(validating: data, as: UTF8.self) != nil else { return nil }
                        sessionID = (offset + headerSize)..<(offset + length)
                    case AVPDefinition.originHost.code:
                        guard relay || isIdentity(data, identities.peer) else { return nil }
                    case AVPDefinition.destinationHost.code:
                        guard isIdentity(data, identities.localHost) else { return nil }
                        destinationIsLocal = true
                    case AVPDefinition.destinationRealm.code:
                        guard isIdentity(data, identities.localRealm) else { return nil }
                    case AVPDefinition.proxyInfo.code:
                        return nil
                    case AVPDefinition.ocSupportedFeatures.code:
                        doic = true
                    default:
                        break
                    }
                }
                offset += (length + 3) & ~3
            }
            return sessionID.map { Found(sessionID: $0, destinationIsLocal: destinationIsLocal, doic: doic) }
        }
    }

    /// Whether `octets` (from the wire) are the identity `lowered` (lowercase), ASCII case-insensitively:
    /// equal octets first, then ``sameIdentity(_:_:)``.
    @inline(__always)
    static func isIdentity(_ octets: UnsafeRawBufferPointer, _ lowered: [UInt8]) -> Bool {
        guard octets.count == lowered.count else { return false }
        return lowered.withUnsafeBytes { l in
            guard let a = octets.baseAddress, let b = l.baseAddress else { return true }  // both empty
            return memcmp(a, b, l.count) == 0 || sameIdentity(octets, l)
        }
    }
}
