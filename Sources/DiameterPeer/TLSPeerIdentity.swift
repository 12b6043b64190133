import CLibCrypto

/// RFC 6733 §13: the peer's identity (Origin-Host in its CER) must match its certificate. Checked with
/// OpenSSL's `X509_check_host` (subjectAltName dNSName entries, or the subject CN when there are none)
/// on the DER form of the certificate NIOSSL verified.
enum TLSPeerIdentity {
    static func certificate(der: [UInt8], matchesHost host: String) -> Bool {
        der.withUnsafeBufferPointer { buffer -> Bool in
            var p: UnsafePointer<UInt8>? = buffer.baseAddress
            guard p != nil else { return false }
            guard let x509 = d2i_X509(nil, &p, buffer.count) else { return false }
            defer { X509_free(x509) }
            let length = host.utf8.count
            return host.withCString { name in X509_check_host(x509, name, length, 0, nil) == 1 }
        }
    }
}
