import DiameterCore
import DiameterTestKit
import NIOCore
import Foundation
import HSSCore
import Testing

/// The subscriber file (docs/data-model.md) and the tshark check of every message the HSS emits.
@Suite("Subscriber file and emitted messages")
struct SubscriberFileTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/examples/subscribers.json").standardized.path

    @Test("The demo file loads: password → HA1 (the password is not kept), OP → OPc, defaults filled in")
    func demo() throws {
        let file = try SubscriberFile.load(path: Self.demo)
        #expect(file.subscriptions.map(\.id) == ["alice", "bob", "conference-service"])
        let alice = try #require(file.subscriptions.first?.privateIdentities.first)
        // md5("alice@localdomain:localdomain:secret")
        #expect(alice.digest?.ha1 == DigestCredentials.ha1(username: "alice@localdomain", realm: "localdomain", password: "secret"))
        var m = try Milenage()
        #expect(alice.aka?.opc == m.opc(k: Block128(hex: "30313233343536373839616263646566")!, op: Block128(hex: "66656463626139383736353433323130")!))
        #expect(alice.aka?.initialSQN == 0x20)
        let encoded = String(decoding: try file.encoded(), as: UTF8.self)
        #expect(!encoded.contains("secret"))
        #expect(!encoded.contains("\"op\""))
        // The re-encoded file loads to the same subscriptions.
        #expect(try SubscriberFile.decode(try file.encoded()).subscriptions == file.subscriptions)
    }

    /// A subscription whose AKA identity is a@x, with EPS data `members`.
    static func eps(_ members: String) -> String {
        #"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","aka":{"k":"000102030405060708090a0b0c0d0e0f","opc":"000102030405060708090a0b0c0d0e0f"}}],"publicIdentities":[],"serviceProfiles":[],"eps":{"#
            + members + "}}]}"
    }

    @Test("EPS data: defaults filled in, names of the dictionary both ways, JSON round trip")
    func epsData() throws {
        let json = Self.eps(#""imsi":"001010000000001","msisdn":"15550001","allowedRATTypes":["EUTRAN","NG-RAN"],"accessRestrictions":["UTRAN_NOT_ALLOWED"],"apns":[{"contextIdentifier":3,"name":"ims","pdnType":"IPv4v6","qci":5,"arp":{"priorityLevel":1,"preemptionCapability":true}},{"contextIdentifier":4,"name":"internet"}]"#)
        let s = try #require(try SubscriberFile.decode(Array(json.utf8)).subscriptions.first)
        let eps = try #require(s.eps)
        #expect(eps.defaultContextIdentifier == 3 && eps.networkAccessMode == .onlyPacket && eps.subscriberStatus == .serviceGranted)
        #expect(eps.allowedRATTypes == [.eutran, .ngRan] && eps.accessRestrictionData == 1)
        #expect(eps.apns[0].pdnType == .ipv4v6 && eps.apns[0].arp.preemptionCapability && eps.apns[0].arp.preemptionVulnerability)
        #expect(eps.apns[1].qci == 9 && eps.apns[1].pdnType == .ipv4)
        #expect(s.epsAKAIdentity?.identity == "a@x")
        let again = try SubscriberFile.decode(try SubscriberFile(subscriptions: [s]).encoded())
        #expect(again.subscriptions == [s])
    }

    @Test("Errors name the place", arguments: [
        (#"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","aka":{"k":"00"}}],"publicIdentities":[],"serviceProfiles":[]}]}"#, "privateIdentities[0].aka.k"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[],"publicIdentities":[{"identity":"sip:a@x","serviceProfile":"nope","privateIdentities":["a@x"]}],"serviceProfiles":[]}]}"#, "no service profile nope"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","digest":{"realm":"x","password":"p"}}],"publicIdentities":[{"identity":"sip:a@x","serviceProfile":"p","privateIdentities":["b@x"]}],"serviceProfiles":[{"id":"p"}]}]}"#, "private identity b@x"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","digest":{"realm":"x"}}],"publicIdentities":[],"serviceProfiles":[]}]}"#, "digest needs ha1 or password"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","digest":{"realm":"x","password":"p"}},{"identity":"a@x","digest":{"realm":"x","password":"p"}}],"publicIdentities":[],"serviceProfiles":[]}]}"#, "a@x twice"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","authenticationSchemes":["Digest-AKAv1-MD5"]}],"publicIdentities":[],"serviceProfiles":[]}]}"#, "AKA scheme without aka"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[],"publicIdentities":[{"identity":"sip:x@y","type":"WILDCARDED_PSI","serviceProfile":"p"}],"serviceProfiles":[{"id":"p"}]}]}"#, "wildcard"),
        // EPS data: each error names its field.
        (Self.eps(#""imsi":"00101x""#), "eps.imsi"),
        (Self.eps(#""imsi":"001010000000001","apns":[{"contextIdentifier":1,"name":"internet","qci":10}]"#), "eps.apns[0].qci"),
        (Self.eps(#""imsi":"001010000000001","apns":[{"contextIdentifier":1,"name":"inter net"}]"#), "eps.apns[0].name"),
        (Self.eps(#""imsi":"001010000000001","apns":[{"contextIdentifier":1,"name":"internet","pdnType":"IPv5"}]"#), "eps.apns[0].pdnType"),
        (Self.eps(#""imsi":"001010000000001","apns":[{"contextIdentifier":1,"name":"internet","arp":{"priorityLevel":16}}]"#), "eps.apns[0].arp.priorityLevel"),
        (Self.eps(#""imsi":"001010000000001","apns":[{"contextIdentifier":1,"name":"internet","staticAddresses":["10.0.0.300"]}]"#), "eps.apns[0].staticAddresses"),
        (Self.eps(#""imsi":"001010000000001","defaultContextIdentifier":9,"apns":[{"contextIdentifier":1,"name":"internet"}]"#), "eps.defaultContextIdentifier"),
        (Self.eps(#""imsi":"001010000000001","allowedRATTypes":["LTE"],"apns":[]"#), "eps.allowedRATTypes"),
        (Self.eps(#""imsi":"001010000000001","allowedVisitedPLMNs":["0010-1"],"apns":[]"#), "eps.allowedVisitedPLMNs"),
        (Self.eps(#""imsi":"001010000000001","accessRestrictions":["NO_5G"],"apns":[]"#), "eps.accessRestrictions[0]"),
        (Self.eps(#""imsi":"001010000000001","msisdn":"+1555","apns":[]"#), "eps.msisdn"),
        (Self.eps(#""imsi":"001010000000001","akaIdentity":"b@x","apns":[]"#), "eps.akaIdentity"),
        (#"{"subscriptions":[{"id":"a","privateIdentities":[{"identity":"a@x","digest":{"realm":"x","password":"p"}}],"publicIdentities":[],"serviceProfiles":[],"eps":{"imsi":"001010000000001"}}]}"#, "eps.akaIdentity"),
    ])
    func errors(json: String, mentions: String) {
        do {
            _ = try SubscriberFile.decode(Array(json.utf8))
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.description.contains(mentions), "\(error.description)")
        }
    }

    @Test("tshark dissects every message type the HSS emits without a malformed or expert flag")
    func tshark() throws {
        guard Tshark.isAvailable else {
            print("skipped: tshark/text2pcap not installed")
            return
        }
        let impi = "alice@ims.example.net", impu = "sip:alice@ims.example.net"
        let registered = Fx.with(Fx.alice, impu, .registered, impi: impi)
        var messages: [[UInt8]] = []
        func add(_ m: some CxMessage) { messages.append(Array(m.encode(hopByHopID: 7, endToEndID: 9).readableBytesView)) }
        add(Fx.run(Fx.uar(impi, impu), Fx.alice).answer)
        add(Fx.run(Fx.uar(impi, impu), registered).answer)
        add(Fx.run(Fx.uar(impi, "sip:alice-work@ims.example.net"), Fx.alice).answer)
        add(Fx.run(Fx.sar(impi, [impu], .registration), Fx.alice).answer)
        add(Fx.run(Fx.sar(impi, [impu], .registration, server: Fx.scscf2, host: Fx.scscf2Host), registered).answer)
        add(Fx.run(Fx.lir(impu), registered).answer)
        add(Fx.run(Fx.lir("sip:conf-1@ims.example.net"), Fx.psi).answer)
        add(Fx.run(Fx.lir(impu, originating: true), Fx.alice).answer)
        add(try Fx.run(Fx.mar(impi, impu, n: 2), Fx.alice).answer)
        add(try Fx.run(Fx.mar(impi, impu, scheme: "SIP Digest"), Fx.alice).answer)
        add(try Fx.run(Fx.mar("carol-tablet@ims.example.net", "sip:carol@ims.example.net", scheme: "NASS-Bundled"), Fx.carol).answer)
        add(try Fx.run(Fx.mar(impi, impu, scheme: "Kerberos"), Fx.alice).answer)
        let rtr = CxProcedures.registrationTermination(registered, reason: .permanentTermination)[0]
        add(rtr.message(context: Fx.context, sessionID: "hss;1;2"))
        var changed = registered
        changed.chargingInformation = ChargingAddresses(primaryEventChargingFunctionName: "aaa://ocs.ims.example.net")
        changed.privateIdentities[0].digest?.ha1 = String(repeating: "b", count: 32)
        changed.serviceProfiles[0].subscribedMediaProfileId = 1
        add(CxProcedures.pushProfile(old: registered, new: changed)[0].message(context: Fx.context, sessionID: "hss;1;3"))
        let report = try Tshark.dissect(messages)
        #expect(report.diameterPDUs == messages.count)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}

