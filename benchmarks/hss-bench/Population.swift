import HSSCore

/// The generated subscriber population the load generator and the HSS share: subscriber i has IMPI
/// `bench<i>@bench.test`, IMPU `sip:bench<i>@bench.test`, AKA (K/OPc derived from i), a Digest HA1 and EPS
/// data: IMSI 00101 ‖ i (10 digits), sharing the IMPI's K and SQN, one APN "internet".
enum Population {
    static let realm = "bench.test"

    static func impi(_ i: Int) -> String { "bench\(i)@bench.test" }
    static func impu(_ i: Int) -> String { "sip:bench\(i)@bench.test" }
    static func imsi(_ i: Int) -> String { "00101" + String(i).leftPadded(10) }
    /// MCC 001, MNC 01: the population's home PLMN.
    static let homePLMN: [UInt8] = [0x00, 0xF1, 0x10]

    static func subscription(_ i: Int) -> IMSSubscription {
        let impi = impi(i)
        return IMSSubscription(
            id: "bench\(i)",
            privateIdentities: [PrivateIdentity(
                identity: impi, authenticationSchemes: [.akav1MD5, .sipDigest],
                aka: AKACredentials(k: Block128(hi: 0x465b_5ce8_b199_b49f ^ UInt64(i), lo: 0xaa5f_0a2e_e238_a6bc), opc: Block128(hi: 0xcd63_cb71_954a_9f4e, lo: 0x48a5_994e_37a0_2baf ^ UInt64(i)), amf: 0x8000, initialSQN: 32),
                digest: DigestCredentials(realm: realm, ha1: DigestCredentials.ha1(username: impi, realm: realm, password: "bench\(i)")))],
            publicIdentities: [
                PublicIdentity(identity: impu(i), serviceProfile: "p", implicitSet: 1, privateIdentities: [impi]),
                PublicIdentity(identity: "tel:+1999\(String(i).leftPadded(8))", serviceProfile: "p", implicitSet: 1, privateIdentities: [impi]),
            ],
            serviceProfiles: [ServiceProfile(id: "p", initialFilterCriteria: [InitialFilterCriteria(
                priority: 0, triggerPoint: TriggerPoint(conditionTypeCNF: false, spts: [ServicePointTrigger(condition: .method("INVITE"))]),
                applicationServer: ApplicationServer(serverName: "sip:mmtel.bench.test", defaultHandling: .sessionContinued))])],
            eps: EPSSubscription(imsi: imsi(i), akaIdentity: impi, defaultContextIdentifier: 1, apns: [SubscribedAPN(contextIdentifier: 1, name: "internet")]))
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: Swift.max(0, n - count)) + self }
}
