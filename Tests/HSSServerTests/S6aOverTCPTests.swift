import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import NIOCore
import Testing

/// S6a end to end over TCP with the LMDB store: two MMEs as test peers, the demo subscribers (alice has
/// IMSI 001010000000001 sharing her IMS AKA identity's K and SQN).
@Suite("S6a over TCP", .serialized)
struct S6aOverTCPTests {
    static let imsi = "001010000000001"
    static let home = PLMNIdentity(mcc: "001", mnc: "01")!
    static let mme1 = "mme1.localdomain", mme2 = "mme2.localdomain"

    static func mme(_ r: CxOverTCPTests.Running, _ host: String) async throws -> TestClient {
        try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: host, originRealm: CxOverTCPTests.realm, applications: [.s6a])
    }

    static func envelope(_ host: String) -> S6aEnvelope {
        S6aEnvelope(sessionID: "\(host);\(CxOverTCPTests.next())", originHost: host, originRealm: CxOverTCPTests.realm, destinationRealm: CxOverTCPTests.realm)
    }

    static func air(_ host: String = mme1, n: UInt32 = 1, plmn: [UInt8] = home.octets, imsi: String = imsi) -> AuthenticationInformationRequest {
        AuthenticationInformationRequest(
            envelope: envelope(host), userName: imsi, requestedEUTRANAuthenticationInfo: RequestedEUTRANAuthenticationInfo(numberOfRequestedVectors: n),
            visitedPLMNID: plmn)
    }

    static func ulr(_ host: String, flags: UInt32 = S6aProcedures.ULRFlag.s6aIndicator) -> UpdateLocationRequest {
        UpdateLocationRequest(envelope: envelope(host), userName: imsi, ratType: .eutran, ulrFlags: flags, visitedPLMNID: home.octets)
    }

    /// Reads the next request the HSS sends to `c` and answers it 2001 with the command's answer.
    static func answerNext(_ c: TestClient) async throws -> DiameterMessage {
        let m = try #require(try await c.receive())
        #expect(m.isRequest && m.header.applicationID == ApplicationID.s6a)
        let env = S6aEnvelope(
            sessionID: m.first(.sessionID)?.string ?? "", originHost: m.first(.destinationHost)?.string ?? "?", originRealm: CxOverTCPTests.realm,
            result: .success)
        let answer: ByteBuffer
        switch m.commandCode {
        case CommandDefinition.cancelLocation.code: answer = CancelLocationAnswer(envelope: env).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
        case CommandDefinition.insertSubscriberData.code: answer = InsertSubscriberDataAnswer(envelope: env).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
        default: answer = DeleteSubscriberDataAnswer(envelope: env).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
        }
        try await c.send(answer)
        return m
    }

    /// The SQN an AUTN carries, with the demo K and OP (docs/examples/subscribers.json).
    static func sqn(autn: [UInt8], rand: [UInt8]) throws -> UInt64 {
        var m = try Milenage()
        let k = Block128(hex: "30313233343536373839616263646566")!
        let opc = m.opc(k: k, op: Block128(hex: "66656463626139383736353433323130")!)
        let o = m.compute(k: k, opc: opc, rand: Block128(bytes: rand[...])!, sqn: 0, amf: 0)
        var concealed: UInt64 = 0
        for b in autn[0..<6] { concealed = concealed << 8 | UInt64(b) }
        return concealed ^ o.ak
    }

    /// The message without its top-level AVPs of `code`, the header length fixed.
    static func removingTopLevel(_ code: UInt32, from message: ByteBuffer) -> [UInt8] {
        let bytes = Array(message.readableBytesView)
        var out = Array(bytes[0..<20])
        var i = 20
        while i + 8 <= bytes.count {
            let c = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
            let length = Int(bytes[i + 5]) << 16 | Int(bytes[i + 6]) << 8 | Int(bytes[i + 7])
            let padded = (length + 3) & ~3
            if c != code { out += bytes[i..<min(bytes.count, i + padded)] }
            i += padded
        }
        let n = out.count
        out[1] = UInt8(n >> 16 & 0xFF)
        out[2] = UInt8(n >> 8 & 0xFF)
        out[3] = UInt8(n & 0xFF)
        return out
    }

    @Test("Attach, move to another MME (CLR to the first over its own connection), data changes (IDR, DSR), removal (CLR); the serving MME survives a restart")
    func attachAndMove() async throws {
        let path = DurabilityTests.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try DurabilityTests.seeded(path)
            defer { store.close() }
            let r = try await CxOverTCPTests.start(storage: store)
            let m1 = try await Self.mme(r, Self.mme1)
            let aia = try await CxOverTCPTests.ask(m1, Self.air(n: 3), AuthenticationInformationAnswer.self)
            #expect(aia.envelope.result == .success)
            #expect(aia.authenticationInfo?.eutranVectors.count == 3)
            let ula = try await CxOverTCPTests.ask(m1, Self.ulr(Self.mme1), UpdateLocationAnswer.self)
            #expect(ula.envelope.result == .success && ula.ulaFlags == 0)
            #expect(ula.subscriptionData?.apnConfigurationProfile?.apnConfigurations.map(\.serviceSelection) == ["internet", "ims"])
            #expect(ula.envelope.vendorSpecificApplicationID == .s6a)

            // The UE moves to MME 2: the HSS answers it and cancels the location at MME 1.
            let m2 = try await Self.mme(r, Self.mme2)
            let ula2 = try await CxOverTCPTests.ask(m2, Self.ulr(Self.mme2), UpdateLocationAnswer.self)
            #expect(ula2.envelope.result == .success)
            let clr = try CancelLocationRequest(decoding: try await Self.answerNext(m1))
            #expect(clr.cancellationType == .mmeUpdateProcedure && clr.userName == Self.imsi && clr.envelope.destinationHost == Self.mme1)
            #expect(await r.application.admin.subscription("alice")?.state.mme?.originHost == Self.mme2)

            // The operator raises the UE-AMBR: IDR to MME 2 with the whole data.
            var changed = try #require(await r.application.admin.subscription("alice"))
            changed.eps?.ambr = SubscribedAMBR(uplink: 1_000_000, downlink: 2_000_000)
            let faster = changed
            async let put = r.application.admin.put(faster)
            let idr = try InsertSubscriberDataRequest(decoding: try await Self.answerNext(m2))
            #expect(idr.subscriptionData.ambr?.maxRequestedBandwidthDL == 2_000_000 && idr.userName == Self.imsi)
            #expect(try await put.map(\.command) == ["IDR"])
            #expect(try await put.map(\.result) == [.success])

            // Withdraws the "ims" APN: DSR with its Context-Identifier.
            changed.eps?.apns.removeAll { $0.name == "ims" }
            let fewer = changed
            async let withdrawn = r.application.admin.put(fewer)
            let dsr = try DeleteSubscriberDataRequest(decoding: try await Self.answerNext(m2))
            #expect(dsr.contextIdentifiers == [2] && dsr.dsrFlags == DeleteSubscriberData.pdnSubscriptionContextsWithdrawal)
            #expect(try await withdrawn.map(\.command) == ["DSR"])
            await m1.close()
            await m2.close()
            await r.server.shutdown()
        }
        // After a restart the serving MME is still known (the ULA left after the commit).
        let store = try DurabilityTests.seeded(path)
        defer { store.close() }
        let stored = try #require(try store.load("alice"))
        #expect(stored.state.mme?.originHost == Self.mme2)
        #expect(stored.eps?.apns.count == 1)
        let r = try await CxOverTCPTests.start(storage: store)
        let m2 = try await Self.mme(r, Self.mme2)
        // Removing the subscription withdraws it at the MME.
        async let removed = r.application.admin.remove("alice")
        let clr = try CancelLocationRequest(decoding: try await Self.answerNext(m2))
        #expect(clr.cancellationType == .subscriptionWithdrawal)
        #expect(try await removed.map(\.command) == ["CLR"])
        #expect(store.subscriptionID(forIMSI: Self.imsi) == nil)
        await m2.close()
        await r.server.shutdown()
    }

    @Test("One SQN per USIM over the wire: MAR, AIR, MAR give strictly increasing SQNs (SQN blocks of 2: the reservations are written in between)")
    func sharedSQN() async throws {
        let path = DurabilityTests.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try DurabilityTests.seeded(path, sqnBlock: 2)
        defer { store.close() }
        let r = try await CxOverTCPTests.start(storage: store)
        let s1 = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        let m1 = try await Self.mme(r, Self.mme1)
        var sqns: [UInt64] = []
        for round in 0..<3 {
            let maa = try await CxOverTCPTests.ask(s1, DurabilityTests.akaMAR(), MultimediaAuthAnswer.self)
            let auth = try #require(maa.sipAuthDataItems.first?.sipAuthenticate)
            sqns.append(try Self.sqn(autn: Array(auth[16...]), rand: Array(auth[..<16])))
            let aia = try await CxOverTCPTests.ask(m1, Self.air(n: UInt32(round + 1)), AuthenticationInformationAnswer.self)
            for v in try #require(aia.authenticationInfo?.eutranVectors) { sqns.append(try Self.sqn(autn: v.autn, rand: v.rand)) }
        }
        #expect(sqns.count == 9)
        #expect(zip(sqns, sqns.dropFirst()).allSatisfy { $0 < $1 }, "\(sqns.map { String($0, radix: 16) })")
        await s1.close()
        await m1.close()
        await r.server.shutdown()
    }

    @Test("Bad input: malformed Visited-PLMN-Id → 5004 + Failed-AVP; missing → 5005; unknown IMSI → 5001; CLR sent to the HSS → 3001; the connection lives on")
    func badInput() async throws {
        let r = try await CxOverTCPTests.start()
        let m1 = try await Self.mme(r, Self.mme1)
        let bad = try await CxOverTCPTests.ask(m1, Self.air(plmn: [0x00, 0xFA, 0x10]), AuthenticationInformationAnswer.self)
        #expect(bad.envelope.result == .invalidAVPValue)
        #expect(bad.envelope.failedAVP.first?.code == AVPDefinition.visitedPLMNID.code)
        #expect(try await CxOverTCPTests.ask(m1, Self.air(imsi: "001010000000999"), AuthenticationInformationAnswer.self).envelope.result == .errorUserUnknown)

        // Visited-PLMN-Id left out: the grammar check answers 5005 naming it.
        try await m1.send(ByteBuffer(bytes: Self.removingTopLevel(AVPDefinition.visitedPLMNID.code, from: Self.air().encode(hopByHopID: 9, endToEndID: 9))))
        let answer = try #require(try await m1.receive())
        #expect(answer.first(.resultCode)?.unsigned32 == 5005)
        #expect(answer.first(.failedAVP) != nil)

        var toHSS = Self.envelope(Self.mme1)
        toHSS.destinationHost = CxOverTCPTests.hss
        let clr = CancelLocationRequest(envelope: toHSS, userName: Self.imsi, cancellationType: .mmeUpdateProcedure)
        try await m1.send(clr.encode(hopByHopID: 77, endToEndID: 77))
        let refused = try #require(try await m1.receive())
        #expect(refused.first(.resultCode)?.unsigned32 == 3001 && refused.header.flags.contains(.error))
        // Still serving.
        #expect(try await CxOverTCPTests.ask(m1, Self.air(), AuthenticationInformationAnswer.self).envelope.result == .success)
        await m1.close()
        await r.server.shutdown()
    }
}

/// S6a over SCTP, as TS 29.272 §7.1.5 requires: the HSS's SCTP listener serves the MME. The kernel of the
/// build machines has no SCTP: scripts/sctp-qemu.sh runs this suite in a Debian kernel under qemu.
@Suite(
    "S6a over SCTP", .serialized,
    .enabled(if: SCTPSocket.isSupported, "this kernel has no SCTP (socket() gives errno 93); scripts/sctp-qemu.sh runs these tests in a Debian kernel under qemu"))
struct S6aOverSCTPTests {
    @Test("An MME over an SCTP association: CER with S6a, AIR with E-UTRAN vectors, ULR with Subscription-Data")
    func attach() async throws {
        let port = Int.random(in: 20000...30000)
        let r = try await CxOverTCPTests.start(sctpPort: port)
        let fd = try SCTPSocket.connect(to: [try SocketAddress(ipAddress: "127.0.0.1", port: port)])
        let mme = try await TestClient.adopt(connectedSocket: fd)
        try await mme.exchangeCapabilities(originHost: S6aOverTCPTests.mme1, originRealm: CxOverTCPTests.realm, applications: [.s6a])
        let aia = try await CxOverTCPTests.ask(mme, S6aOverTCPTests.air(n: 2), AuthenticationInformationAnswer.self)
        #expect(aia.envelope.result == .success && aia.authenticationInfo?.eutranVectors.count == 2)
        let ula = try await CxOverTCPTests.ask(mme, S6aOverTCPTests.ulr(S6aOverTCPTests.mme1), UpdateLocationAnswer.self)
        #expect(ula.envelope.result == .success && ula.subscriptionData?.apnConfigurationProfile != nil)
        await mme.close()
        await r.server.shutdown()
    }
}
