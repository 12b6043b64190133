import CSCTP
public import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One-to-one SCTP sockets through libsctp (RFC 6733 §2.1): PPID 46 on every message, several local
/// addresses (multi-homing), and a connect to several addresses of a peer. NIO then drives the file
/// descriptor like a TCP stream (`withBoundSocket` / `withConnectedSocket`).
public enum SCTPSocket {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var call: String
        public var errno: Int32
        public var description: String { "\(call) failed: errno \(errno) (\(String(cString: strerror(errno))))" }
        /// The kernel has no SCTP (errno 93 EPROTONOSUPPORT): true on the build machines of this project.
        public var isUnsupported: Bool { errno == EPROTONOSUPPORT }
    }

    /// Whether this kernel can open SCTP sockets.
    public static var isSupported: Bool {
        let fd = csctp_socket(AF_INET)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    /// A listening socket bound to every address in `addresses` (the same port), PPID 46, SCTP_NODELAY.
    public static func listen(addresses: [SocketAddress], backlog: Int32 = 256) throws(Failure) -> CInt {
        guard let first = addresses.first else { throw Failure(call: "listen (no address)", errno: EINVAL) }
        let fd = try socket(for: first)
        do {
            _ = csctp_set_reuseaddr(fd)
            try check("bind", first.withSockAddr { Glibc.bind(fd, $0, socklen_t($1)) })
            if addresses.count > 1 {
                var packed = pack(Array(addresses.dropFirst()))
                try check("sctp_bindx", packed.withUnsafeMutableBytes { csctp_bindx_add(fd, $0.baseAddress, Int32(addresses.count - 1)) })
            }
            try configure(fd)
            try check("listen", Glibc.listen(fd, backlog))
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A socket connected to the peer at `addresses` (several for a multi-homed peer).
    public static func connect(to addresses: [SocketAddress]) throws(Failure) -> CInt {
        guard let first = addresses.first else { throw Failure(call: "connect (no address)", errno: EINVAL) }
        let fd = try socket(for: first)
        do {
            try configure(fd)
            var packed = pack(addresses)
            try check("sctp_connectx", packed.withUnsafeMutableBytes { csctp_connectx(fd, $0.baseAddress, Int32(addresses.count)) })
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// PPID 46 on every write, and no Nagle-style bundling delay.
    static func configure(_ fd: CInt) throws(Failure) {
        try check("SCTP_DEFAULT_SNDINFO", csctp_set_default_ppid(fd, CSCTP_DIAMETER_PPID))
        try check("SCTP_NODELAY", csctp_set_nodelay(fd))
    }

    static func socket(for address: SocketAddress) throws(Failure) -> CInt {
        let family: Int32 = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let fd = csctp_socket(family)
        guard fd >= 0 else { throw Failure(call: "socket(IPPROTO_SCTP)", errno: csctp_errno()) }
        return fd
    }

    static func check(_ call: String, _ result: Int32) throws(Failure) {
        guard result >= 0 else { throw Failure(call: call, errno: csctp_errno()) }
    }

    /// sockaddr_in / sockaddr_in6 structures back to back, as sctp_bindx and sctp_connectx expect.
    static func pack(_ addresses: [SocketAddress]) -> [UInt8] {
        var out: [UInt8] = []
        for a in addresses {
            a.withSockAddr { ptr, size in
                out += UnsafeRawBufferPointer(start: ptr, count: size)
            }
        }
        return out
    }

    /// Local and peer address counts of a connected socket (multi-homing checks).
    public static func addressCounts(_ fd: CInt) -> (local: Int, peer: Int) {
        (Int(csctp_local_address_count(fd)), Int(csctp_peer_address_count(fd)))
    }
}

extension SocketOptionProvider {
    /// PPID 46 as the default send info, and SCTP_NODELAY, on an SCTP channel (accepted sockets do not
    /// inherit the listener's default send info).
    func setDiameterSCTPOptions() -> EventLoopFuture<Void> {
        var info = sctp_sndinfo()
        info.snd_ppid = CSCTP_DIAMETER_PPID.bigEndian
        let level = SocketOptionLevel(IPPROTO_SCTP)
        return unsafeSetSocketOption(level: level, name: SocketOptionName(SCTP_DEFAULT_SNDINFO), value: info)
            .flatMap { unsafeSetSocketOption(level: level, name: SocketOptionName(SCTP_NODELAY), value: CInt(1)) }
    }
}
