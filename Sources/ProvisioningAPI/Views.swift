public import Hummingbird
public import HSSCore
import HSSServer
import DiameterCore
import Foundation
public import DiameterPeer

/// A subscription as the API returns it: everything but secrets (K, OPc, HA1 are write-only).
public struct SubscriptionView: ResponseEncodable, Decodable, Sendable {
    public struct PrivateIdentityView: Codable, Sendable {
        public var identity: String
        public var authenticationSchemes: [String]
        public var aka: AKAView?
        public var digest: DigestView?
        public var lineIdentifiers: [String]
    }
    public struct AKAView: Codable, Sendable {
        public var amf: String
        public var secretsProvisioned: Bool
    }
    public struct DigestView: Codable, Sendable {
        public var realm: String
        public var algorithm: String
        public var qop: String
        public var secretsProvisioned: Bool
    }

    public var id: String
    public var privateIdentities: [PrivateIdentityView]
    public var publicIdentities: [PublicIdentity]
    public var serviceProfiles: [ServiceProfile]
    public var chargingInformation: ChargingAddresses?
    public var capabilities: CapabilitySet?
    public var imsBarred: Bool
    /// EPS data for S6a (no secrets: K, OPc are the AKA identity's).
    public var eps: EPSSubscription?

    public init(_ s: IMSSubscription) {
        id = s.id
        privateIdentities = s.privateIdentities.map { p in
            PrivateIdentityView(
                identity: p.identity, authenticationSchemes: p.authenticationSchemes.map(\.rawValue),
                aka: p.aka.map { AKAView(amf: String($0.amf, radix: 16), secretsProvisioned: true) },
                digest: p.digest.map { DigestView(realm: $0.realm, algorithm: $0.algorithm, qop: $0.qop, secretsProvisioned: true) },
                lineIdentifiers: p.lineIdentifiers)
        }
        publicIdentities = s.publicIdentities
        serviceProfiles = s.serviceProfiles
        chargingInformation = s.chargingInformation
        capabilities = s.capabilities
        imsBarred = s.imsBarred
        eps = s.eps
    }
}

/// Read-only Cx state of a subscription.
public struct RegistrationView: ResponseEncodable, Decodable, Sendable {
    public struct SCSCF: Codable, Sendable {
        public var serverName: String
        public var originHost: String
        public var originRealm: String
        public var authenticationPending: Bool
    }
    public struct Identity: Codable, Sendable {
        public var identity: String
        public var state: String
        public var privateIdentities: [String]
    }
    /// The MME serving the EPS subscription (TS 29.272 §5.2.1.1.3), once a ULR was accepted.
    public struct MME: Codable, Sendable {
        public var originHost: String
        public var originRealm: String
        /// "MCC-MNC" of the ULR's Visited-PLMN-Id.
        public var visitedPLMN: String
        public var ratType: String
        public var imei: String?
        /// "UE purged in MME" (a PUR from this MME, TS 29.272 §5.2.1.3).
        public var purged: Bool
    }
    public var scscf: SCSCF?
    public var identities: [Identity]
    public var mme: MME?

    public init(_ s: IMSSubscription) {
        scscf = s.state.scscf.map { SCSCF(serverName: $0.serverName, originHost: $0.originHost, originRealm: $0.originRealm, authenticationPending: $0.authenticationPending) }
        identities = s.publicIdentities.map { p in
            let r = s.state.registrations[p.identity]
            return Identity(identity: p.identity, state: (r?.state ?? .notRegistered).rawValue, privateIdentities: r?.privateIdentities ?? [])
        }
        mme = s.state.mme.map { m in
            MME(
                originHost: m.originHost, originRealm: m.originRealm, visitedPLMN: PLMNIdentity(bytes: m.visitedPLMN)?.description ?? "?",
                ratType: DiameterDictionary.standard.enumerationNames(AVPDefinition.ratType.key)[m.ratType] ?? "\(m.ratType)", imei: m.imei,
                purged: m.purged)
        }
    }
}

public struct SubscriptionList: ResponseEncodable, Decodable, Sendable {
    public var items: [String]
    /// Pass as `after` for the next page; absent on the last page.
    public var next: String?
}

/// The outcome of an HSS-initiated request (RTR, PPR, CLR, IDR, DSR).
public struct DeliveryView: Codable, Sendable {
    public var command: String
    public var destinationHost: String
    public var userName: String
    public var resultCode: UInt32?
    public var experimental: Bool
    public var failure: String?

    init(_ d: HSSAdmin.Delivery) {
        command = d.command
        destinationHost = d.destinationHost
        userName = d.userName
        resultCode = d.result?.value
        experimental = d.result?.isExperimental ?? false
        failure = d.failure
    }
}

public struct ActionResult: ResponseEncodable, Decodable, Sendable {
    public var requests: [DeliveryView]
}

public struct PutResult: ResponseEncodable, Decodable, Sendable {
    public var created: Bool
    public var subscription: SubscriptionView
    /// PPRs sent because a registered user's profile, charging or Digest data changed.
    public var pushProfile: [DeliveryView]
    /// IDR, DSR or CLR sent to the serving MME because its EPS data changed (TS 29.272 §5.2.2, §5.2.1.2).
    public var mmeRequests: [DeliveryView]
}

public struct DeregisterRequest: Codable, Sendable {
    static let reasons: [String: ReasonCode] = [
        "PERMANENT_TERMINATION": .permanentTermination, "NEW_SERVER_ASSIGNED": .newServerAssigned,
        "SERVER_CHANGE": .serverChange, "REMOVE_S-CSCF": .removeSCSCF,
    ]
    public var reason: String
    public var reasonInfo: String?
    public var privateIdentities: [String]?
    public var publicIdentities: [String]?
}

public struct ImportResult: ResponseEncodable, Decodable, Sendable {
    public struct Failure: Codable, Sendable, Error {
        public var line: Int
        public var error: String
    }
    public var imported: Int
    public var failed: [Failure]
}

/// The peer authorisation (docs/hardening.md): `enforcing` with its peer list, or `permissive`; and the
/// peers connected now.
public struct PeersView: ResponseEncodable, Decodable, Sendable {
    public struct Connection: Codable, Sendable {
        public var originHost: String
        /// `open`, or `waiting-for-cea` (our connection, capabilities exchange not done).
        public var state: String
        /// `inbound` (the peer connected to us) or `outbound` (a configured peer we connect to).
        public var direction: String
    }
    public var mode: String
    public var peers: [PeerRuleSpec]?
    /// Read only (ignored in a PUT).
    public var connected: [String]?
    /// Read only: every peer with a connection and its state.
    public var connections: [Connection]?

    init(_ policy: PeerAuthorization, connected: [String], states: [(originHost: String, open: Bool, initiatedByUs: Bool)] = []) {
        mode = policy.isPermissive ? "permissive" : "enforcing"
        peers = policy.rules?.map(PeerRuleSpec.init)
        self.connected = connected
        connections = states.map { Connection(originHost: $0.originHost, state: $0.open ? "open" : "waiting-for-cea", direction: $0.initiatedByUs ? "outbound" : "inbound") }
    }
}

/// What POST /api/v1/keys/rekey did.
public struct RekeyResult: ResponseEncodable, Decodable, Sendable {
    /// The current key's id (nil: no key ring).
    public var keyID: Int?
    public var resealed: Int
    public var subscriptions: Int
    public var note: String?

    public init(keyID: Int?, resealed: Int, subscriptions: Int, note: String? = nil) {
        self.keyID = keyID
        self.resealed = resealed
        self.subscriptions = subscriptions
        self.note = note
    }
}

/// The Sh permissions and limits (TS 29.328 §6.2; docs/sh.md): GET and PUT /api/v1/sh/policy.
public struct ShPolicyView: ResponseEncodable, Decodable, Sendable {
    public var maxRepositoryDataBytes: Int?
    public var maxSubscriptionSeconds: UInt64?
    public var applicationServers: [ShApplicationServerSpec]

    init(_ p: ShPolicy) {
        maxRepositoryDataBytes = p.maxRepositoryDataBytes
        maxSubscriptionSeconds = p.maxSubscriptionSeconds
        applicationServers = p.applicationServers.map(ShApplicationServerSpec.init)
    }
}

/// What Sh keeps for a subscription (GET /api/v1/subscriptions/{id}/sh): repository data per identity and
/// service indication, PSI activation set over Sh, DSAI values, and the ASs' subscriptions.
public struct ShView: ResponseEncodable, Decodable, Sendable {
    public struct Repository: Codable, Sendable {
        public var identity: String
        public var serviceIndication: String
        public var sequenceNumber: UInt32
        /// The ServiceData as the AS wrote it (UTF-8 text).
        public var serviceData: String
    }
    public struct DSAI: Codable, Sendable {
        public var identity: String
        public var tag: String
        public var active: Bool
    }
    public struct Subscription: Codable, Sendable {
        public var applicationServer: String
        public var identity: String
        public var dataReference: String
        public var serviceIndications: [String]?
        public var dsaiTags: [String]?
        public var serverName: String?
        /// ISO 8601; absent: no end.
        public var expires: String?
        public var oneTime: Bool
    }
    public var repositoryData: [Repository]
    public var psiActivation: [String: Bool]
    public var dsai: [DSAI]
    public var subscriptions: [Subscription]

    init(_ sh: ShState) {
        func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
        repositoryData = sh.repository.map { Repository(identity: $0.identity, serviceIndication: text($0.serviceIndication), sequenceNumber: $0.sequenceNumber, serviceData: text($0.serviceData)) }
        psiActivation = sh.psiActivation
        dsai = sh.dsai.map { DSAI(identity: $0.identity, tag: text($0.tag), active: $0.active) }
        let iso = ISO8601DateFormatter()
        subscriptions = sh.subscriptions.map { s in
            let ref = DataReference(rawValue: Int32(bitPattern: s.dataReference))
            return Subscription(
                applicationServer: s.applicationServer, identity: s.identity, dataReference: ref.name ?? String(s.dataReference),
                serviceIndications: s.serviceIndications.isEmpty ? nil : s.serviceIndications.map(text), dsaiTags: s.dsaiTags.isEmpty ? nil : s.dsaiTags.map(text),
                serverName: s.serverName, expires: s.expires.map { iso.string(from: Date(timeIntervalSince1970: TimeInterval($0))) }, oneTime: s.oneTime)
        }
    }
}

/// The cluster as the console shows it (GET /api/v1/cluster): every member's role, epoch, log position
/// and lag; a single node says so.
public struct ClusterView: ResponseEncodable, Decodable, Sendable {
    public struct Member: Codable, Sendable {
        public var node: String
        public var address: String
        public var reachable: Bool
        public var role: String?
        public var epoch: UInt64?
        public var last: UInt64?
        /// Records behind the leader's last (0 for the leader).
        public var lag: UInt64?
        public var leader: String?

        public init(node: String, address: String, reachable: Bool, role: String? = nil, epoch: UInt64? = nil, last: UInt64? = nil, lag: UInt64? = nil, leader: String? = nil) {
            self.node = node
            self.address = address
            self.reachable = reachable
            self.role = role
            self.epoch = epoch
            self.last = last
            self.lag = lag
            self.leader = leader
        }
    }
    /// This node's id (nil on a single node).
    public var node: String?
    /// nil: no cluster configured.
    public var members: [Member]?

    public init(node: String?, members: [Member]?) {
        self.node = node
        self.members = members
    }
}
