public import Foundation

/// A throw-away PKI made with the openssl command: a CA, certificates it signs (subjectAltName
/// dNSName = the CN), and a second, foreign CA.
public struct TestPKI: Sendable {
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeCA("ca")
        try makeCA("foreign-ca")
    }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func makeCA(_ name: String) throws {
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                     "-days", "1", "-subj", "/CN=\(name)"])
    }

    /// Issues `<name>.pem` / `<name>.key` for `host` (and the IP addresses given), signed by `ca`.
    public func issue(_ name: String, host: String, ipAddresses: [String] = [], ca: String = "ca") throws {
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(host)"])
        let ext = path("\(name).ext")
        try "subjectAltName=\((["DNS:\(host)"] + ipAddresses.map { "IP:\($0)" }).joined(separator: ","))\n".write(toFile: ext, atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                     "-CAcreateserial", "-out", path("\(name).pem"), "-days", "1", "-extfile", ext])
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    struct OpenSSLFailed: Error { var arguments: [String] }

    func openssl(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Tshark.which("openssl") ?? "/usr/bin/openssl")
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw OpenSSLFailed(arguments: arguments) }
    }
}
