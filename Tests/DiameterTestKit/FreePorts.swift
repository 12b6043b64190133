import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Listening ports for servers a test starts.
public enum FreePorts {
    /// `count` consecutive loopback ports that bind now, below the kernel's ephemeral range (32768-60999 here), so
    /// the many client connections other suites open at the same time cannot be holding one of them.
    public static func consecutive(_ count: Int = 1) throws -> Int {
        func bindable(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
        for _ in 0..<100 {
            let base = Int.random(in: 12_000..<32_000 - count)
            if (base..<base + count).allSatisfy(bindable) { return base }
        }
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "no \(count) free consecutive ports"])
    }
}
