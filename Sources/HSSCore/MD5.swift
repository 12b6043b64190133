import CLibCrypto

/// MD5 through OpenSSL EVP, for Digest HA1 (RFC 2617) only.
enum MD5 {
    static func digest(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        var n: UInt32 = 0
        // EVP_Digest with a NULL engine; MD5 is available in OpenSSL 3's default provider.
        let ok = input.withUnsafeBytes { inp in
            out.withUnsafeMutableBytes { o in
                EVP_Digest(inp.baseAddress, inp.count, o.bindMemory(to: UInt8.self).baseAddress, &n, EVP_md5(), nil)
            }
        }
        precondition(ok == 1 && n == 16, "OpenSSL MD5 unavailable")
        return out
    }
}
