import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSServer
import HSSStorage
import NIOCore
import Testing

/// Sh end to end over TCP with the LMDB store: two ASs as test peers next to an S-CSCF, the demo
/// subscribers. What an AS subscribed to reaches it as a PNR on its own connection; subscriptions and
/// repository data survive a restart.
@Suite("Sh over TCP", .serialized)
struct ShOverTCPTests {
    static let tas = "tas.localdomain", tas2 = "tas2.localdomain"
    static let policy = ShPolicy(applicationServers: [
        ShApplicationServer(
            originHost: tas, read: Set(DataReference.served.map { $0.0.code }), update: DataReference.updatable, subscribe: DataReference.notifiable,
            serviceIndications: ["MMTEL-Services"]),
        ShApplicationServer(originHost: tas2, read: [DataReference.repositoryData.code], update: [DataReference.repositoryData.code]),
    ])
    static let mmtel = Array("MMTEL-Services".utf8)

    static func peer(_ r: CxOverTCPTests.Running, _ host: String) async throws -> TestClient {
        try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: host, originRealm: CxOverTCPTests.realm, applications: [.sh])
    }

    static func envelope(_ host: String) -> ShEnvelope {
        ShEnvelope(sessionID: "\(host);\(CxOverTCPTests.next())", originHost: host, originRealm: CxOverTCPTests.realm, destinationRealm: CxOverTCPTests.realm)
    }

    static func repository(seq: Int, data: String) -> [UInt8] {
        Array("<Sh-Data><RepositoryData><ServiceIndication>MMTEL-Services</ServiceIndication><SequenceNumber>\(seq)</SequenceNumber><ServiceData>\(data)</ServiceData></RepositoryData></Sh-Data>".utf8)
    }

    static func pur(_ host: String, seq: Int, data: String) -> ProfileUpdateRequest {
        ProfileUpdateRequest(
            envelope: envelope(host), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), dataReference: .repositoryData,
            shUserData: repository(seq: seq, data: data))
    }

    /// The next PNR sent to `c`, answered 2001.
    static func nextPNR(_ c: TestClient) async throws -> PushNotificationRequest {
        let m = try #require(try await c.receive())
        #expect(m.isRequest && m.commandCode == CommandDefinition.pushNotification.code && m.header.applicationID == ApplicationID.sh)
        let pnr = try PushNotificationRequest(decoding: m)
        let pna = PushNotificationAnswer(
            envelope: ShEnvelope(sessionID: pnr.envelope.sessionID, originHost: pnr.envelope.destinationHost ?? "?", originRealm: CxOverTCPTests.realm, result: .success))
        try await c.send(pna.encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
        return pnr
    }

    @Test("A TAS reads, writes and subscribes; a Cx registration and another AS's update reach it as PNRs; all of it survives a restart")
    func tasFlow() async throws {
        let path = DurabilityTests.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try DurabilityTests.seeded(path)
            defer { store.close() }
            let r = try await CxOverTCPTests.start(storage: store, shPolicy: Self.policy)
            let tas = try await Self.peer(r, Self.tas)
            let tas2 = try await Self.peer(r, Self.tas2)

            let uda = try await CxOverTCPTests.ask(
                tas, UserDataRequest(envelope: Self.envelope(Self.tas), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), dataReferences: [.imsUserState]),
                UserDataAnswer.self)
            #expect(uda.envelope.result == .success && uda.envelope.vendorSpecificApplicationID == .sh)
            #expect(String(decoding: uda.shUserData ?? [], as: UTF8.self).contains("<IMSUserState>0</IMSUserState>"))
            if let v = try ShDataSchema.validate(uda.shUserData ?? []) { #expect(v.ok, "\(v.output)") }

            #expect(try await CxOverTCPTests.ask(tas, Self.pur(Self.tas, seq: 0, data: "<cdiv/>"), ProfileUpdateAnswer.self).envelope.result == .success)
            #expect(try await CxOverTCPTests.ask(tas, Self.pur(Self.tas, seq: 0, data: "<cdiv/>"), ProfileUpdateAnswer.self).envelope.result == .errorTransparentDataOutOfSync)
            let big = String(repeating: "x", count: ShPolicy.defaultMaxRepositoryDataBytes + 1)
            #expect(try await CxOverTCPTests.ask(tas, Self.pur(Self.tas, seq: 1, data: big), ProfileUpdateAnswer.self).envelope.result == .errorTooMuchData)
            // tas2 may not subscribe; unknown users are refused.
            let snr2 = SubscribeNotificationsRequest(
                envelope: Self.envelope(Self.tas2), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), subsReqType: .subscribe, dataReferences: [.imsUserState])
            #expect(try await CxOverTCPTests.ask(tas2, snr2, SubscribeNotificationsAnswer.self).envelope.result == .errorUserDataCannotBeNotified)
            let unknown = UserDataRequest(envelope: Self.envelope(Self.tas), userIdentity: UserIdentity(publicIdentity: "sip:nobody@localdomain"), dataReferences: [.imsUserState])
            #expect(try await CxOverTCPTests.ask(tas, unknown, UserDataAnswer.self).envelope.result == .errorUserUnknown)

            let snr = SubscribeNotificationsRequest(
                envelope: Self.envelope(Self.tas), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), serviceIndications: [Self.mmtel],
                subsReqType: .subscribe, dataReferences: [.repositoryData, .imsUserState])
            #expect(try await CxOverTCPTests.ask(tas, snr, SubscribeNotificationsAnswer.self).envelope.result == .success)

            // Another AS updates the data: the TAS hears of it, tas2 (the writer, not subscribed) does not.
            #expect(try await CxOverTCPTests.ask(tas2, Self.pur(Self.tas2, seq: 1, data: "<cfu/>"), ProfileUpdateAnswer.self).envelope.result == .success)
            let p1 = try await Self.nextPNR(tas)
            #expect(p1.userIdentity.publicIdentity == CxOverTCPTests.impu && p1.envelope.destinationHost == Self.tas)
            #expect(String(decoding: p1.shUserData, as: UTF8.self).contains("<SequenceNumber>1</SequenceNumber><ServiceData><cfu/></ServiceData>"))
            if let v = try ShDataSchema.validate(p1.shUserData) { #expect(v.ok, "\(v.output)") }
            await tas.close()
            await tas2.close()
            await r.server.shutdown()
        }
        // After a restart the subscription is still there: a Cx registration reaches the TAS.
        let store = try DurabilityTests.seeded(path)
        defer { store.close() }
        let r = try await CxOverTCPTests.start(storage: store, shPolicy: Self.policy)
        let tas = try await Self.peer(r, Self.tas)
        let scscf = try await CxOverTCPTests.client(r, CxOverTCPTests.scscf1)
        #expect(try await DurabilityTests.mar(scscf).envelope.result == .success)
        let pending = try await Self.nextPNR(tas)
        #expect(String(decoding: pending.shUserData, as: UTF8.self).contains("<IMSUserState>3</IMSUserState>"))
        #expect(try await CxOverTCPTests.ask(scscf, DurabilityTests.aliceSAR(), ServerAssignmentAnswer.self).envelope.result == .success)
        let registered = try await Self.nextPNR(tas)
        #expect(String(decoding: registered.shUserData, as: UTF8.self).contains("<IMSUserState>1</IMSUserState>"))
        let read = UserDataRequest(
            envelope: Self.envelope(Self.tas), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), serviceIndications: [Self.mmtel], dataReferences: [.repositoryData])
        #expect(String(decoding: try await CxOverTCPTests.ask(tas, read, UserDataAnswer.self).shUserData ?? [], as: UTF8.self).contains("<ServiceData><cfu/></ServiceData>"))
        await tas.close()
        await scscf.close()
        await r.server.shutdown()
    }

    @Test("A change through the API reaches the AS subscribed to it: a new iFC for its Server-Name")
    func apiChangeNotifies() async throws {
        let r = try await CxOverTCPTests.start(shPolicy: Self.policy)
        let tas = try await Self.peer(r, Self.tas)
        let snr = SubscribeNotificationsRequest(
            envelope: Self.envelope(Self.tas), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), serverName: "sip:new-as.localdomain",
            subsReqType: .subscribe, dataReferences: [.initialFilterCriteria])
        #expect(try await CxOverTCPTests.ask(tas, snr, SubscribeNotificationsAnswer.self).envelope.result == .success)
        var alice = try #require(await r.application.admin.subscription("alice"))
        alice.serviceProfiles[0].initialFilterCriteria.append(InitialFilterCriteria(
            priority: 9, applicationServer: ApplicationServer(serverName: "sip:new-as.localdomain", defaultHandling: .sessionContinued)))
        let changed = alice
        async let put = r.application.admin.put(changed)
        let pnr = try await Self.nextPNR(tas)
        #expect(String(decoding: pnr.shUserData, as: UTF8.self).contains("<Priority>9</Priority>"))
        #expect(try await put.map(\.command) == ["PNR"])
        #expect(try await put.map(\.result) == [.success])
        if let v = try ShDataSchema.validate(pnr.shUserData) { #expect(v.ok, "\(v.output)") }
        await tas.close()
        await r.server.shutdown()
    }

    @Test("Bad Sh input gets its answer and the connection lives on: malformed XML stores nothing, PNR from an AS is not served")
    func badInput() async throws {
        let r = try await CxOverTCPTests.start(shPolicy: Self.policy)
        let tas = try await Self.peer(r, Self.tas)
        let bad = ProfileUpdateRequest(
            envelope: Self.envelope(Self.tas), userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), dataReference: .repositoryData,
            shUserData: Array("<Sh-Data><RepositoryData>".utf8))
        let pua = try await CxOverTCPTests.ask(tas, bad, ProfileUpdateAnswer.self)
        #expect(pua.envelope.result == .invalidAVPValue)
        #expect(await r.application.admin.subscription("alice")?.state.sh.repository.isEmpty == true)
        var env = Self.envelope(Self.tas)
        env.destinationHost = CxOverTCPTests.hss
        let pnr = PushNotificationRequest(envelope: env, userIdentity: UserIdentity(publicIdentity: CxOverTCPTests.impu), shUserData: Array("<Sh-Data/>".utf8))
        let id = CxOverTCPTests.next()
        try await tas.send(pnr.encode(hopByHopID: id, endToEndID: id))
        let answer = try #require(try await tas.receive())
        #expect(answer.first(.resultCode)?.unsigned32 == 3001)
        #expect(try await CxOverTCPTests.ask(tas, Self.pur(Self.tas, seq: 0, data: "<ok/>"), ProfileUpdateAnswer.self).envelope.result == .success)
        await tas.close()
        await r.server.shutdown()
    }
}
