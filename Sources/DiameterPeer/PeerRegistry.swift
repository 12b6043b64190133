import DiameterCore
public import NIOCore
import NIOConcurrencyHelpers

/// The open peers by Origin-Host (one connection per peer, RFC 6733 §5.6), and the duplicate-detection
/// cache shared by all connections (a retransmission after failover arrives on another connection).
public final class PeerRegistry: Sendable {
    let peers = NIOLockedValueBox<[String: PeerConnection]>([:])
    let duplicates: NIOLockedValueBox<DuplicateDetector>

    public init(duplicateWindow: TimeAmount = DuplicateDetector.defaultWindow) {
        duplicates = NIOLockedValueBox(DuplicateDetector(window: duplicateWindow))
    }

    /// Registers `connection` for `originHost`; false when another connection already has it.
    func register(_ originHost: String, connection: PeerConnection) -> Bool {
        peers.withLockedValue { p in
            let key = originHost.lowercased()
            if let existing = p[key], existing !== connection { return false }
            p[key] = connection
            return true
        }
    }

    func unregister(_ originHost: String, connection: PeerConnection) {
        peers.withLockedValue { p in
            let key = originHost.lowercased()
            if p[key] === connection { p[key] = nil }
        }
    }

    /// The Origin-Hosts of the open peers.
    public var openPeers: [String] { peers.withLockedValue { Array($0.keys).sorted() } }

    public func connection(for originHost: String) -> PeerConnection? {
        peers.withLockedValue { $0[originHost.lowercased()] }
    }

    var allConnections: [PeerConnection] { peers.withLockedValue { Array($0.values) } }
}
