import DiameterCore
import DiameterPeer
import DiameterTestKit
import Foundation
import HSSCore
import HSSMetrics
import HSSServer
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ProvisioningAPI
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The provisioning API over real HTTP on 127.0.0.1, with the HSS's Diameter side running: every route,
/// its errors, and the network actions (an API de-registration reaches the S-CSCF as an RTR; a profile
/// change reaches it as a PPR).
@Suite("Provisioning API", .serialized)
struct ProvisioningAPITests {
    static let token = "test-token"
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/examples/subscribers.json").standardized.path

    struct Running {
        let server: DiameterServer
        let base: URL
        let task: Task<Void, any Error>
    }

    static func start(scoped: [APIToken] = [], rateLimit: Int? = nil, audit: AuditLog? = nil) async throws -> Running {
        let file = try SubscriberFile.load(path: demo)
        let context = HSSContext(originHost: "hss.localdomain", originRealm: "localdomain")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let storage = InMemorySubscriberStorage(file.subscriptions)
        let directory = try SubscriberDirectory(shardCount: 2, context: context, storage: storage)
        let app = HSSApplication(directory: directory, context: context, logger: logger)
        var config = DiameterServerConfiguration(
            local: LocalPeer(
                originHost: "hss.localdomain", originRealm: "localdomain", hostIPAddresses: [DiameterAddress("127.0.0.1")!], vendorID: 10415,
                originStateID: 1, applications: [.cx, .s6a]),
            listenAddresses: [("127.0.0.1", 0)])
        config.requestTimeout = .seconds(3)
        let metrics = HSSMetrics()
        let server = try await DiameterServer(configuration: config, application: app, metrics: metrics, logger: logger)
        app.attach(server)
        let api = ProvisioningAPI(
            admin: app.admin, storage: storage, tokens: [token], scoped: scoped, maximumBodySize: 64 * 1024, metrics: metrics, rateLimit: rateLimit,
            audit: audit)
        // Port 0: the system picks a free one (a random fixed port could be taken by another test's
        // ephemeral port, and the server would never come up).
        let bound = AsyncStream.makeStream(of: Int.self)
        let http = Application(
            router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                bound.continuation.yield(channel.localAddress?.port ?? 0)
                bound.continuation.finish()
            }, logger: logger)
        let task = Task { try await http.runService() }
        var ports = bound.stream.makeAsyncIterator()
        let port = try #require(await ports.next())
        let base = URL(string: "http://127.0.0.1:\(port)")!
        return Running(server: server, base: base, task: task)
    }

    static func stop(_ r: Running) async {
        r.task.cancel()
        _ = try? await r.task.value
        await r.server.shutdown()
    }

    static func request(_ method: String, _ url: URL, token: String? = ProvisioningAPITests.token, body: String? = nil, contentType: String = "application/json") async throws -> (status: Int, body: String) {
        var req = URLRequest(url: url)
        req.httpMethod = method
        if let token { req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            req.httpBody = Data(body.utf8)
            req.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: req)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static let carl = #"{"id":"carl","privateIdentities":[{"identity":"carl@localdomain","aka":{"k":"000102030405060708090a0b0c0d0e0f","opc":"0f0e0d0c0b0a09080706050403020100"},"digest":{"realm":"localdomain","password":"hunter2"}}],"publicIdentities":[{"identity":"sip:carl@localdomain","serviceProfile":"p","privateIdentities":["carl@localdomain"]}],"serviceProfiles":[{"id":"p"}]}"#

    @Test("Authentication: 401 without a token, 403 with an unknown one; health without")
    func authentication() async throws {
        let r = try await Self.start()
        let list = r.base.appendingPathComponent("api/v1/subscriptions")
        #expect(try await Self.request("GET", list, token: nil).status == 401)
        #expect(try await Self.request("GET", list, token: "wrong").status == 403)
        #expect(try await Self.request("GET", list).status == 200)
        #expect(try await Self.request("GET", r.base.appendingPathComponent("health"), token: nil).status == 200)
        await Self.stop(r)
    }

    @Test("CRUD: PUT creates (idempotent), GET never returns a secret, list pages, DELETE, 404")
    func crud() async throws {
        let r = try await Self.start()
        let carl = r.base.appendingPathComponent("api/v1/subscriptions/carl")
        let put = try await Self.request("PUT", carl, body: Self.carl)
        #expect(put.status == 200)
        #expect(try Self.json(put.body)["created"] as? Bool == true)
        let again = try await Self.request("PUT", carl, body: Self.carl)
        #expect(try Self.json(again.body)["created"] as? Bool == false)
        let get = try await Self.request("GET", carl)
        #expect(get.status == 200)
        for secret in ["000102030405060708090a0b0c0d0e0f", "0f0e0d0c0b0a09080706050403020100", "hunter2", DigestCredentials.ha1(username: "carl@localdomain", realm: "localdomain", password: "hunter2")] {
            #expect(!get.body.contains(secret), "a secret in the GET body")
            #expect(!put.body.contains(secret), "a secret in the PUT answer")
        }
        #expect(get.body.contains("\"secretsProvisioned\":true"))
        // Pagination: alice, bob, carl, conference-service by id.
        let page1 = try Self.json(try await Self.request("GET", URL(string: r.base.absoluteString + "/api/v1/subscriptions?limit=2")!).body)
        #expect(page1["items"] as? [String] == ["alice", "bob"])
        let next = try #require(page1["next"] as? String)
        let page2 = try Self.json(try await Self.request("GET", URL(string: r.base.absoluteString + "/api/v1/subscriptions?limit=2&after=\(next)")!).body)
        #expect(page2["items"] as? [String] == ["carl", "conference-service"])
        #expect(page2["next"] == nil)
        #expect(try await Self.request("GET", URL(string: r.base.absoluteString + "/api/v1/subscriptions?limit=0")!).status == 400)
        #expect(try await Self.request("DELETE", carl).status == 200)
        #expect(try await Self.request("GET", carl).status == 404)
        #expect(try await Self.request("DELETE", carl).status == 404)
        await Self.stop(r)
    }

    @Test("Validation: 400 names the field; 409 when an identity belongs to another subscription; id mismatch; body limit")
    func validation() async throws {
        let r = try await Self.start()
        let bad = try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/bad"), body: #"{"id":"bad","privateIdentities":[{"identity":"b@x","aka":{"k":"00"}}],"publicIdentities":[]}"#)
        #expect(bad.status == 400)
        #expect(bad.body.contains("privateIdentities[0].aka.k"))
        let stolen = #"{"id":"thief","privateIdentities":[{"identity":"t@localdomain","digest":{"realm":"r","password":"p"}}],"publicIdentities":[{"identity":"sip:alice@localdomain","serviceProfile":"p","privateIdentities":["t@localdomain"]}],"serviceProfiles":[{"id":"p"}]}"#
        #expect(try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/thief"), body: stolen).status == 409)
        #expect(try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/other"), body: Self.carl).status == 400)
        #expect(try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/carl"), body: "not json").status == 400)
        let huge = String(repeating: " ", count: 100 * 1024) + Self.carl
        #expect(try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/carl"), body: huge).status == 413)
        let dereg = try await Self.request("POST", r.base.appendingPathComponent("api/v1/subscriptions/alice/deregister"), body: #"{"reason":"BECAUSE"}"#)
        #expect(dereg.status == 400)
        await Self.stop(r)
    }

    /// A Diameter client acting as the S-CSCF: CER, then SAR REGISTRATION for alice.
    static func registeredSCSCF(_ r: Running) async throws -> TestClient {
        let c = try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: "scscf.localdomain", originRealm: "localdomain")
        let sar = ServerAssignmentRequest(
            envelope: CxEnvelope(sessionID: "scscf;1", originHost: "scscf.localdomain", originRealm: "localdomain", destinationRealm: "localdomain"),
            userName: "alice@localdomain", publicIdentities: ["sip:alice@localdomain"], serverName: "sip:scscf.localdomain",
            serverAssignmentType: .registration, userDataAlreadyAvailable: .userDataNotAvailable)
        try await c.send(sar.encode(hopByHopID: 2, endToEndID: 2))
        #expect(try await c.receive()?.first(.resultCode)?.unsigned32 == 2001)
        return c
    }

    /// Answers the next request the HSS sends with 2001 and returns it.
    static func answer(_ c: TestClient) async throws -> DiameterMessage {
        let m = try #require(try await c.receive())
        let env = CxEnvelope(sessionID: m.first(.sessionID)?.string ?? "", originHost: "scscf.localdomain", originRealm: "localdomain", result: .success)
        let bytes = m.commandCode == 304
            ? RegistrationTerminationAnswer(envelope: env).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
            : PushProfileAnswer(envelope: env).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID)
        try await c.send(bytes)
        return m
    }

    @Test("An API de-registration reaches the S-CSCF as an RTR with the reason; the outcome is in the response and the state")
    func deregister() async throws {
        let r = try await Self.start()
        let scscf = try await Self.registeredSCSCF(r)
        let registration = try Self.json(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice/registration")).body)
        #expect((registration["scscf"] as? [String: Any])?["originHost"] as? String == "scscf.localdomain")
        async let call = Self.request("POST", r.base.appendingPathComponent("api/v1/subscriptions/alice/deregister"), body: #"{"reason":"SERVER_CHANGE","reasonInfo":"maintenance"}"#)
        let rtr = try RegistrationTerminationRequest(decoding: try await Self.answer(scscf))
        #expect(rtr.deregistrationReason == DeregistrationReason(reasonCode: .serverChange, reasonInfo: "maintenance"))
        let result = try await call
        #expect(result.status == 200)
        let requests = try #require(try Self.json(result.body)["requests"] as? [[String: Any]])
        #expect(requests.first?["command"] as? String == "RTR")
        #expect(requests.first?["resultCode"] as? Int == 2001)
        let after = try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice/registration")).body
        #expect(after.contains("NOT_REGISTERED") && !after.contains("\"REGISTERED\""))
        await scscf.close()
        await Self.stop(r)
    }

    @Test("The console: its page, script and style served without a token, as embedded from Sources/ProvisioningAPI/Console (scripts/console.py), nothing from another origin allowed")
    func console() async throws {
        let r = try await Self.start()
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/ProvisioningAPI/Console").standardized
        for (path, file, type) in [("console", "index.html", "text/html"), ("console/", "index.html", "text/html"),
                                   ("console/console.js", "console.js", "text/javascript"), ("console/console.css", "console.css", "text/css")] {
            var req = URLRequest(url: URL(string: r.base.absoluteString + "/" + path)!)
            req.httpMethod = "GET"
            let (data, response) = try await URLSession.shared.data(for: req)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200, "\(path)")
            #expect(http.value(forHTTPHeaderField: "Content-Type")?.hasPrefix(type) == true, "\(path)")
            #expect(http.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("default-src 'self'") == true)
            let onDisk = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines) == onDisk.trimmingCharacters(in: .newlines), "run scripts/console.py: \(file)")
        }
        // No external resource: every src/href of the page is on this origin.
        let page = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(!page.contains("http://") && !page.contains("https://"))
        let cluster = try Self.json(try await Self.request("GET", r.base.appendingPathComponent("api/v1/cluster")).body)
        #expect(cluster["members"] == nil)
        await Self.stop(r)
    }

    @Test("Push profile on demand: PPR with the current profile to the S-CSCF; nobody registered, nothing sent; PUT keepSecrets keeps K/OPc")
    func pushProfileOnDemand() async throws {
        let r = try await Self.start()
        let none = try Self.json(try await Self.request("POST", r.base.appendingPathComponent("api/v1/subscriptions/alice/push-profile"), body: "{}").body)
        #expect((none["requests"] as? [Any])?.isEmpty == true)
        let scscf = try await Self.registeredSCSCF(r)
        async let call = Self.request("POST", r.base.appendingPathComponent("api/v1/subscriptions/alice/push-profile"), body: "{}")
        let ppr = try PushProfileRequest(decoding: try await Self.answer(scscf))
        #expect(ppr.userName == "alice@localdomain" && ppr.userData != nil)
        let result = try await call
        #expect(try Self.json(result.body)["requests"].flatMap { $0 as? [[String: Any]] }?.first?["resultCode"] as? Int == 2001)
        // The console's editor sends no secrets: with keepSecrets the stored K/OPc stay (a MAR still works).
        var view = try Self.json(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice")).body)
        var privates = try #require(view["privateIdentities"] as? [[String: Any]])
        for i in privates.indices { privates[i]["aka"] = nil; privates[i]["digest"] = nil }
        view["privateIdentities"] = privates
        let body = String(decoding: try JSONSerialization.data(withJSONObject: view), as: UTF8.self)
        #expect(try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/alice"), body: body).status == 400)
        let kept = try await Self.request("PUT", URL(string: r.base.absoluteString + "/api/v1/subscriptions/alice?keepSecrets=true")!, body: body)
        #expect(kept.status == 200, "\(kept.body)")
        #expect(kept.body.contains("secretsProvisioned"))
        await scscf.close()
        await Self.stop(r)
    }

    @Test("A profile change of a registered user through PUT reaches the S-CSCF as a PPR; the outcome is in the response")
    func pushProfile() async throws {
        let r = try await Self.start()
        let scscf = try await Self.registeredSCSCF(r)
        var alice = try #require(try SubscriberFile.load(path: Self.demo).subscriptions.first)
        alice.serviceProfiles[0].initialFilterCriteria[0].applicationServer.serverName = "sip:new-as.localdomain"
        let body = String(decoding: try JSONEncoder().encode(alice), as: UTF8.self)
        async let call = Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/alice"), body: body)
        let ppr = try PushProfileRequest(decoding: try await Self.answer(scscf))
        #expect(String(decoding: try #require(ppr.userData), as: UTF8.self).contains("sip:new-as.localdomain"))
        let result = try await call
        #expect(result.status == 200)
        #expect((try Self.json(result.body)["pushProfile"] as? [[String: Any]])?.first?["resultCode"] as? Int == 2001)
        await scscf.close()
        await Self.stop(r)
    }

    @Test("EPS data through the API: shown without secrets, the serving MME in /registration, IDR on a change (outcome in mmeRequests), IMSI lookup, field errors, 409 on another's IMSI")
    func eps() async throws {
        let r = try await Self.start()
        let mme = try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: "mme.localdomain", originRealm: "localdomain", applications: [.s6a])
        let ulr = UpdateLocationRequest(
            envelope: S6aEnvelope(sessionID: "mme;1", originHost: "mme.localdomain", originRealm: "localdomain", destinationRealm: "localdomain"),
            userName: "001010000000001", ratType: .eutran, ulrFlags: 2, visitedPLMNID: [0x00, 0xF1, 0x10])
        try await mme.send(ulr.encode(hopByHopID: 2, endToEndID: 2))
        #expect(try await mme.receive()?.first(.resultCode)?.unsigned32 == 2001)

        let view = try Self.json(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice")).body)
        #expect((view["eps"] as? [String: Any])?["imsi"] as? String == "001010000000001")
        let registration = try Self.json(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice/registration")).body)
        let served = try #require(registration["mme"] as? [String: Any])
        #expect(served["originHost"] as? String == "mme.localdomain" && served["visitedPLMN"] as? String == "001-01" && served["ratType"] as? String == "EUTRAN")
        var components = URLComponents(url: r.base.appendingPathComponent("api/v1/subscriptions"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "identity", value: "001010000000001")]
        #expect(try await Self.request("GET", components.url!).body.contains("\"alice\""))

        var alice = try #require(try SubscriberFile.load(path: Self.demo).subscriptions.first)
        alice.eps?.ambr = SubscribedAMBR(uplink: 5_000_000, downlink: 10_000_000)
        let body = String(decoding: try JSONEncoder().encode(alice), as: UTF8.self)
        async let call = Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/alice"), body: body)
        let m = try #require(try await mme.receive())
        let idr = try InsertSubscriberDataRequest(decoding: m)
        #expect(idr.subscriptionData.ambr?.maxRequestedBandwidthDL == 10_000_000)
        let env = S6aEnvelope(sessionID: idr.envelope.sessionID, originHost: "mme.localdomain", originRealm: "localdomain", result: .success)
        try await mme.send(InsertSubscriberDataAnswer(envelope: env).encode(hopByHopID: m.header.hopByHopID, endToEndID: m.header.endToEndID))
        let result = try await call
        #expect(result.status == 200)
        let sent = try #require(try Self.json(result.body)["mmeRequests"] as? [[String: Any]])
        #expect(sent.first?["command"] as? String == "IDR" && sent.first?["resultCode"] as? Int == 2001)

        let badQCI = body.replacingOccurrences(of: #""qci":9"#, with: #""qci":0"#)
        #expect(badQCI != body)
        let refused = try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/alice"), body: badQCI)
        #expect(refused.status == 400 && refused.body.contains("eps.apns[0].qci"))
        var thief = alice
        thief.id = "thief"
        thief.privateIdentities[0].identity = "thief@localdomain"
        thief.publicIdentities = []
        thief.eps?.akaIdentity = "thief@localdomain"
        let stolen = String(decoding: try JSONEncoder().encode(thief), as: UTF8.self)
        let conflict = try await Self.request("PUT", r.base.appendingPathComponent("api/v1/subscriptions/thief"), body: stolen)
        #expect(conflict.status == 409 && conflict.body.contains("IMSI"))
        await mme.close()
        await Self.stop(r)
    }

    @Test("Peers: GET shows the policy and the connected peers; PUT replaces it (an unlisted peer is then refused at the CER); a bad rule is a 400 naming the field")
    func peers() async throws {
        let r = try await Self.start()
        let url = r.base.appendingPathComponent("api/v1/peers")
        let scscf = try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: "scscf.localdomain", originRealm: "localdomain")
        let before = try Self.json(try await Self.request("GET", url).body)
        #expect(before["mode"] as? String == "permissive" && (before["connected"] as? [String]) == ["scscf.localdomain"])
        let connections = try #require(before["connections"] as? [[String: String]])
        #expect(connections == [["originHost": "scscf.localdomain", "state": "open", "direction": "inbound"]])
        let body = #"{"mode":"enforcing","peers":[{"originHost":"scscf.localdomain","applications":["cx"]},{"originHost":"mme.localdomain","applications":["s6a"],"commands":["AIR","ULR"]}]}"#
        let put = try await Self.request("PUT", url, body: body)
        #expect(put.status == 200)
        let after = try Self.json(put.body)
        #expect(after["mode"] as? String == "enforcing")
        let peers = try #require(after["peers"] as? [[String: Any]])
        #expect(peers.count == 2 && (peers[1]["commands"] as? [String]) == ["ULR", "AIR"])
        await #expect(throws: TestClient.CapabilitiesRefused.self) {
            _ = try await TestClient.connectPeer(to: r.server.localAddresses[0], originHost: "other.localdomain", originRealm: "localdomain")
        }
        let bad = try await Self.request("PUT", url, body: #"{"mode":"enforcing","peers":[{"originHost":"x","applications":["cx"],"commands":["AIR"]}]}"#)
        #expect(bad.status == 400 && bad.body.contains("peers[0].commands"))
        #expect(try await Self.request("PUT", url, body: #"{"mode":"strict"}"#).status == 400)
        await scscf.close()
        await Self.stop(r)
    }

    @Test("Sh: GET and PUT the permissions (a data reference an AS may not update is a 400 naming the field); GET a subscription's Sh state")
    func shPolicyAndState() async throws {
        let r = try await Self.start()
        let url = r.base.appendingPathComponent("api/v1/sh/policy")
        let before = try Self.json(try await Self.request("GET", url).body)
        #expect((before["applicationServers"] as? [Any])?.isEmpty == true)
        let bad = try await Self.request("PUT", url, body: #"{"applicationServers":[{"originHost":"tas","update":["IMSUserState"]}]}"#)
        #expect(bad.status == 400 && bad.body.contains("applicationServers[0].update"))
        let unknown = try await Self.request("PUT", url, body: #"{"applicationServers":[{"originHost":"tas","read":["Everything"]}]}"#)
        #expect(unknown.status == 400 && unknown.body.contains("applicationServers[0].read"))
        let put = try await Self.request(
            "PUT", url, body: #"{"maxRepositoryDataBytes":1024,"applicationServers":[{"originHost":"tas.localdomain","read":["all"],"update":["RepositoryData"],"subscribe":["IMSUserState"]}]}"#)
        #expect(put.status == 200)
        let after = try Self.json(try await Self.request("GET", url).body)
        let servers = try #require(after["applicationServers"] as? [[String: Any]])
        #expect(after["maxRepositoryDataBytes"] as? Int == 1024 && servers.first?["update"] as? [String] == ["RepositoryData"])
        #expect((servers.first?["read"] as? [String])?.count == DataReference.served.count)
        let state = try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice/sh"))
        #expect(state.status == 200)
        #expect((try Self.json(state.body)["subscriptions"] as? [Any])?.isEmpty == true)
        #expect(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/nobody/sh")).status == 404)
        await Self.stop(r)
    }

    @Test("Token scopes: read may only read, provision may change subscriptions but not the peer list; every change is in the audit log without secrets")
    func scopesAndAudit() async throws {
        let auditPath = FileManager.default.temporaryDirectory.appendingPathComponent("hss-audit-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: auditPath) }
        let reader = APIToken(name: "noc", token: "read-token-0123456789", scope: .read)
        let provisioner = APIToken(name: "crm", token: "provision-token-0123456789", scope: .provision)
        let r = try await Self.start(scoped: [reader, provisioner], audit: try AuditLog(path: auditPath))
        let subscription = r.base.appendingPathComponent("api/v1/subscriptions/carl")
        #expect(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/alice"), token: reader.token).status == 200)
        let denied = try await Self.request("PUT", subscription, token: reader.token, body: Self.carl)
        #expect(denied.status == 403 && denied.body.contains("provision"))
        #expect(try await Self.request("PUT", subscription, token: provisioner.token, body: Self.carl).status == 200)
        let peers = r.base.appendingPathComponent("api/v1/peers")
        #expect(try await Self.request("PUT", peers, token: provisioner.token, body: #"{"mode":"permissive"}"#).status == 403)
        #expect(try await Self.request("PUT", peers, body: #"{"mode":"permissive"}"#).status == 200)
        #expect(try await Self.request("DELETE", subscription, token: provisioner.token).status == 200)
        await Self.stop(r)
        let lines = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").map { try Self.json(String($0)) }
        let summary = lines.map { "\($0["token"] as? String ?? "?") \($0["method"] as? String ?? "?") \($0["path"] as? String ?? "?") \($0["status"] as? Int ?? 0)" }
        #expect(summary == [
            "noc PUT /api/v1/subscriptions/carl 403", "crm PUT /api/v1/subscriptions/carl 200", "crm PUT /api/v1/peers 403",
            "token-1 PUT /api/v1/peers 200", "crm DELETE /api/v1/subscriptions/carl 200",
        ], "\(summary)")
        let text = try String(contentsOfFile: auditPath, encoding: .utf8)
        #expect(!text.contains("hunter2") && !text.contains("000102030405") && !text.contains(Self.token) && !text.contains(provisioner.token), "no body, no token in the audit log")
    }

    @Test("Rate limit per token: beyond the configured requests per second, 429 with Retry-After")
    func rateLimit() async throws {
        let r = try await Self.start(rateLimit: 5)
        var statuses: [Int] = []
        for _ in 0..<12 { statuses.append(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions")).status) }
        #expect(statuses.prefix(5).allSatisfy { $0 == 200 })
        #expect(statuses.contains(429))
        await Self.stop(r)
    }

    @Test("OpenAPI: the served document equals docs/openapi.json, and every operation in it is routed")
    func openAPI() async throws {
        let r = try await Self.start()
        let served = try await Self.request("GET", r.base.appendingPathComponent("api/v1/openapi.json"))
        #expect(served.status == 200)
        let docPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/openapi.json").standardized.path
        let file = try String(contentsOfFile: docPath, encoding: .utf8)
        #expect(served.body.trimmingCharacters(in: .whitespacesAndNewlines) == file.trimmingCharacters(in: .whitespacesAndNewlines))
        let doc = try Self.json(file)
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var operations = 0
        for (path, item) in paths {
            for method in ["get", "put", "post", "delete"] where item[method] != nil {
                operations += 1
                let url = URL(string: r.base.absoluteString + path.replacingOccurrences(of: "{id}", with: "no-such-subscription"))!
                let answer = try await Self.request(method.uppercased(), url, body: method == "get" || method == "delete" ? nil : "{}")
                // Routed: our handlers answer (200, 400, 404 with our JSON error). The router's own 404 has no JSON.
                #expect(answer.status != 404 || answer.body.contains("\"error\""), "\(method) \(path) is not routed")
                #expect(answer.status != 405, "\(method) \(path)")
            }
        }
        #expect(operations == 17)
        await Self.stop(r)
    }

    @Test("/metrics: Prometheus text with answers by command and result, latency, open peers; no token needed")
    func metrics() async throws {
        let r = try await Self.start()
        let scscf = try await Self.registeredSCSCF(r)
        let text = try await Self.request("GET", r.base.appendingPathComponent("metrics"), token: nil)
        #expect(text.status == 200)
        #expect(text.body.contains(#"hss_diameter_answers_total{command="SAR",result="2001"} 1"#))
        #expect(text.body.contains(#"hss_diameter_requests_total{command="SAR"} 1"#))
        #expect(text.body.contains("hss_diameter_open_peers 1"))
        #expect(text.body.contains(#"hss_diameter_request_duration_seconds_count{command="SAR"} 1"#))
        await scscf.close()
        await Self.stop(r)
    }

    @Test("Overload metrics: the reduction, the load, each signal's occupancy and the requests shed as stale")
    func overloadExposition() {
        let metrics = HSSMetrics()
        metrics.setOverload(reduction: 40, load: 65535, occupancy: ["event loops": 1.25], requestsShed: 17)
        let text = metrics.exposition()
        #expect(text.contains("hss_overload_reduction_percent 40"))
        #expect(text.contains("hss_load 65535"))
        #expect(text.contains(#"hss_overload_signal_occupancy{signal="event loops"} 1.25"#))
        #expect(text.contains("hss_overload_requests_shed 17"))
        metrics.setOverload(reduction: 0, load: 0, occupancy: [:], requestsShed: 20)
        #expect(metrics.exposition().contains("hss_overload_requests_shed 20"))
    }

    @Test("/metrics: the lock-free latency histogram is written exactly as swift-prometheus writes its own")
    func latencyExposition() {
        let metrics = HSSMetrics()
        let reference = PrometheusCollectorRegistry()
        let histogram = reference.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: nil, subsystem: nil, metricName: "hss_diameter_request_duration_seconds", unitName: "",
                helpText: "Time from a request's arrival to its answer"),
            labels: [("command", "MAR")], buckets: HSSMetrics.latencyBuckets)
        for micros in [50, 100, 101, 700, 1_000, 3_000, 999_999, 1_000_000, 2_500_000] {
            metrics.answerSent(command: 303, resultCode: 2001, latency: .microseconds(micros))
            histogram.record(.microseconds(micros))
        }
        let ours = metrics.exposition().split(separator: "\n").filter { $0.contains(#"command="MAR""#) && $0.hasPrefix("hss_diameter_request_duration") }
        let theirs = reference.emitToString().split(separator: "\n").filter { $0.hasPrefix("hss_diameter_request_duration") }
        #expect(ours == theirs)
        #expect(ours.count == HSSMetrics.latencyBuckets.count + 3)
        #expect(metrics.exposition().contains("# TYPE hss_diameter_request_duration_seconds histogram"))
    }

    @Test("NDJSON import: good lines stored, a bad line reported by number; strict stops; export has no secret")
    func importExport() async throws {
        let r = try await Self.start()
        let line = { (i: Int) in
            #"{"id":"imp\#(i)","privateIdentities":[{"identity":"imp\#(i)@localdomain","digest":{"realm":"localdomain","password":"pw\#(i)"}}],"publicIdentities":[{"identity":"sip:imp\#(i)@localdomain","serviceProfile":"p","privateIdentities":["imp\#(i)@localdomain"]}],"serviceProfiles":[{"id":"p"}]}"#
        }
        let body = [line(1), #"{"id":"broken""#, "", line(2)].joined(separator: "\n")
        let result = try Self.json(try await Self.request("POST", r.base.appendingPathComponent("api/v1/import"), body: body).body)
        #expect(result["imported"] as? Int == 2)
        let failed = try #require(result["failed"] as? [[String: Any]])
        #expect(failed.count == 1 && failed[0]["line"] as? Int == 2)
        #expect(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/imp2")).status == 200)
        let strict = try Self.json(try await Self.request("POST", URL(string: r.base.absoluteString + "/api/v1/import?strict=true")!, body: [#"{"id":"x""#, line(3)].joined(separator: "\n")).body)
        #expect(strict["imported"] as? Int == 0)
        #expect(try await Self.request("GET", r.base.appendingPathComponent("api/v1/subscriptions/imp3")).status == 404)
        let export = try await Self.request("GET", r.base.appendingPathComponent("api/v1/export"))
        #expect(export.status == 200)
        let lines = export.body.split(separator: "\n")
        #expect(lines.count == 5, "alice, bob, conference-service, imp1, imp2")
        #expect(!export.body.contains("pw1") && !export.body.contains(DigestCredentials.ha1(username: "imp1@localdomain", realm: "localdomain", password: "pw1")))
        await Self.stop(r)
    }

    @Test("CSV import (common fields, quoted cells, a bad row by line number) and CSV export; list filters by identity and prefix")
    func csvAndFilters() async throws {
        let r = try await Self.start()
        let csv = """
            id,impi,k,op,amf,digest_realm,digest_password,impus
            csv1,csv1@localdomain,000102030405060708090a0b0c0d0e0f,0f0e0d0c0b0a09080706050403020100,8000,localdomain,"pa,ss",sip:csv1@localdomain tel:+1888001
            csv2,csv2@localdomain,zz,,,,,sip:csv2@localdomain
            csv3,csv3@localdomain,,,,localdomain,pw3,sip:csv3@localdomain
            """
        let result = try Self.json(try await Self.request("POST", r.base.appendingPathComponent("api/v1/import"), body: csv, contentType: "text/csv").body)
        #expect(result["imported"] as? Int == 2)
        let failed = try #require(result["failed"] as? [[String: Any]])
        #expect(failed.count == 1 && failed[0]["line"] as? Int == 3, "\(failed)")
        let byIdentity = try Self.json(try await Self.request("GET", URL(string: r.base.absoluteString + "/api/v1/subscriptions?identity=tel:%2B1888001")!).body)
        #expect(byIdentity["items"] as? [String] == ["csv1"])
        let byPrefix = try Self.json(try await Self.request("GET", URL(string: r.base.absoluteString + "/api/v1/subscriptions?prefix=csv")!).body)
        #expect(byPrefix["items"] as? [String] == ["csv1", "csv3"])
        let exported = try await Self.request("GET", URL(string: r.base.absoluteString + "/api/v1/export?format=csv")!)
        #expect(exported.body.hasPrefix("id,impi,schemes,impus,scscf,registered\n"))
        #expect(exported.body.contains("csv1,csv1@localdomain,Digest-AKAv1-MD5 SIP Digest,sip:csv1@localdomain tel:+1888001,,"))
        #expect(!exported.body.contains("pa,ss") && !exported.body.contains("000102030405060708090a0b0c0d0e0f"))
        let metrics = try await Self.request("GET", r.base.appendingPathComponent("metrics"), token: nil)
        #expect(metrics.body.contains(#"hss_shard_waiting_requests{shard="0"} 0"#))
        await Self.stop(r)
    }
}
