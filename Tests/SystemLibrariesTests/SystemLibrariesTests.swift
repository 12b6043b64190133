import CLMDB
import CLibCrypto
import CSCTP
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Debian system libraries link and answer: libcrypto (libssl-dev), LMDB (liblmdb-dev) and
/// libsctp (libsctp-dev). They carry Milenage, storage and SCTP in later modules.
@Suite("System libraries")
struct SystemLibrariesTests {
    @Test("libcrypto: AES-128-ECB through EVP gives the FIPS-197 C.1 vector")
    func aes() throws {
        let key: [UInt8] = Array(0x00...0x0F)
        let plain: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]
        let ctx = try #require(EVP_CIPHER_CTX_new())
        defer { EVP_CIPHER_CTX_free(ctx) }
        #expect(EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nil, key, nil) == 1)
        EVP_CIPHER_CTX_set_padding(ctx, 0)
        var out = [UInt8](repeating: 0, count: 32)
        var n: Int32 = 0
        #expect(EVP_EncryptUpdate(ctx, &out, &n, plain, 16) == 1)
        #expect(n == 16)
        let expected: [UInt8] = [0x69, 0xC4, 0xE0, 0xD8, 0x6A, 0x7B, 0x04, 0x30, 0xD8, 0xCD, 0xB7, 0x80, 0x70, 0xB4, 0xC5, 0x5A]
        #expect(Array(out[0..<16]) == expected)
    }

    @Test("LMDB: version 0.9 and an environment opens")
    func lmdb() throws {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        _ = mdb_version(&major, &minor, &patch)
        #expect(major == 0 && minor == 9)
        var env: OpaquePointer?
        #expect(mdb_env_create(&env) == 0)
        mdb_env_close(env)
    }

    @Test("libsctp: the Diameter PPID and the SCTP protocol number")
    func sctp() {
        #expect(CSCTP_DIAMETER_PPID == 46)
        #expect(Int(IPPROTO_SCTP) == 132)
        // libsctp's sctp_bindx (multi-homing) runs and reaches the kernel: on a closed descriptor it fails
        // with EBADF (the host kernel's lack of SCTP does not matter for this call).
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        let result = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sctp_bindx(-1, $0, 1, SCTP_BINDX_ADD_ADDR) }
        }
        #expect(result == -1)
        #expect(csctp_errno() == EBADF)
    }
}
