public import DiameterCore

// Which AS may do what over Sh (TS 29.328 §6.2: "the HSS shall check that the AS is allowed to ... the
// data"; the permission list is the operator's, per AS and per data reference).

extension DataReference {
    /// The data references this HSS serves (TS 29.328 §7.6), with the names the configuration, the API
    /// and the docs use. A Data-Reference outside this table is answered 5100
    /// DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED.
    public static let served: [(DataReference, String)] = [
        (.repositoryData, "RepositoryData"), (.imsPublicIdentity, "IMSPublicIdentity"), (.imsUserState, "IMSUserState"),
        (.scscfName, "S-CSCFName"), (.initialFilterCriteria, "InitialFilterCriteria"), (.locationInformation, "LocationInformation"),
        (.userState, "UserState"), (.chargingInformation, "ChargingInformation"), (.msisdn, "MSISDN"),
        (.psiActivation, "PSIActivation"), (.dsai, "DSAI"), (.serviceLevelTraceInfo, "ServiceLevelTraceInfo"), (.imsi, "IMSI"),
    ]

    public var name: String? { Self.served.first { $0.0 == self }?.1 }

    public init?(name: String) {
        guard let d = Self.served.first(where: { $0.1.lowercased() == name.lowercased() })?.0 else { return nil }
        self = d
    }

    /// TS 29.328 §7.6 table 7.6.1: the data an AS may update (PUR).
    public static let updatable: Set<UInt32> = Set([DataReference.repositoryData, .psiActivation, .dsai].map(\.code))
    /// TS 29.328 §7.6 table 7.6.1: the data an AS may subscribe to (SNR). Location and user state of
    /// the CS/PS domains, charging information, MSISDN and IMSI are read only.
    public static let notifiable: Set<UInt32> = Set(
        [DataReference.repositoryData, .imsPublicIdentity, .imsUserState, .scscfName, .initialFilterCriteria, .psiActivation, .dsai, .serviceLevelTraceInfo]
            .map(\.code))

    public var code: UInt32 { UInt32(bitPattern: rawValue) }
}

/// One AS's permissions (keyed by its Diameter identity).
public struct ShApplicationServer: Codable, Hashable, Sendable {
    /// The AS's Diameter identity, or `*.domain` for every host of a domain.
    public var originHost: String
    /// Data-Reference values it may read (UDR, and SNR's Send-Data-Indication), update (PUR), subscribe to (SNR).
    public var read: Set<UInt32>
    public var update: Set<UInt32>
    public var subscribe: Set<UInt32>
    /// The service indications it may use for RepositoryData; nil: any.
    public var serviceIndications: [String]?
    /// The DSAI tags it may read and set (TS 29.328 §7.14).
    public var dsaiTags: [String]

    public init(originHost: String, read: Set<UInt32>, update: Set<UInt32> = [], subscribe: Set<UInt32> = [], serviceIndications: [String]? = nil, dsaiTags: [String] = []) {
        self.originHost = originHost
        self.read = read
        self.update = update
        self.subscribe = subscribe
        self.serviceIndications = serviceIndications
        self.dsaiTags = dsaiTags
    }

    public func allows(serviceIndication si: [UInt8]) -> Bool {
        serviceIndications.map { $0.contains { Array($0.utf8) == si } } ?? true
    }

    public func allows(dsaiTag tag: [UInt8]) -> Bool { dsaiTags.contains { Array($0.utf8) == tag } }
}

/// The operator's Sh settings: who may do what, and the limits.
public struct ShPolicy: Codable, Hashable, Sendable {
    public var applicationServers: [ShApplicationServer]
    /// The largest ServiceData accepted (octets); more is DIAMETER_ERROR_TOO_MUCH_DATA (TS 29.328 §6.1.3).
    public var maxRepositoryDataBytes: Int
    /// The longest subscription granted (seconds); a longer or open-ended Expiry-Time is cut to it
    /// (TS 29.328 §6.1.4: the HSS may shorten it and says so in SNA). nil: as requested.
    public var maxSubscriptionSeconds: UInt64?

    public static let defaultMaxRepositoryDataBytes = 16_384

    public init(applicationServers: [ShApplicationServer] = [], maxRepositoryDataBytes: Int = Self.defaultMaxRepositoryDataBytes, maxSubscriptionSeconds: UInt64? = nil) {
        self.applicationServers = applicationServers
        self.maxRepositoryDataBytes = maxRepositoryDataBytes
        self.maxSubscriptionSeconds = maxSubscriptionSeconds
    }

    /// The permissions of the AS with this Diameter identity: the entry naming it, else the first
    /// `*.domain` entry whose domain it is in; nil: none (every Sh request refused).
    public func server(_ host: String) -> ShApplicationServer? {
        let h = host.lowercased()
        return applicationServers.first { $0.originHost.lowercased() == h }
            ?? applicationServers.first { $0.originHost.hasPrefix("*.") && h.hasSuffix($0.originHost.dropFirst(1).lowercased()) }
    }
}

/// A permission entry as the configuration file and the API write it: data references by name (or "all").
public struct ShApplicationServerSpec: Codable, Hashable, Sendable {
    public var originHost: String
    public var read: [String]?
    public var update: [String]?
    public var subscribe: [String]?
    public var serviceIndications: [String]?
    public var dsaiTags: [String]?

    public init(originHost: String, read: [String]? = nil, update: [String]? = nil, subscribe: [String]? = nil, serviceIndications: [String]? = nil, dsaiTags: [String]? = nil) {
        self.originHost = originHost
        self.read = read
        self.update = update
        self.subscribe = subscribe
        self.serviceIndications = serviceIndications
        self.dsaiTags = dsaiTags
    }

    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public var field: String
        public var reason: String
        public var description: String { "\(field): \(reason)" }
    }

    /// The entry, or which field is wrong: an unknown name, or an update or subscription to data that
    /// TS 29.328 table 7.6.1 does not allow.
    public func resolved() throws(Invalid) -> ShApplicationServer {
        guard !originHost.isEmpty else { throw Invalid(field: "originHost", reason: "required") }
        func codes(_ names: [String]?, _ field: String, within allowed: Set<UInt32>?) throws(Invalid) -> Set<UInt32> {
            var out: Set<UInt32> = []
            for n in names ?? [] {
                if n.lowercased() == "all" {
                    out.formUnion(allowed ?? Set(DataReference.served.map { $0.0.code }))
                    continue
                }
                guard let d = DataReference(name: n) else {
                    throw Invalid(field: field, reason: "\(n): not a data reference (\(DataReference.served.map(\.1).joined(separator: ", ")) or all)")
                }
                if let allowed, !allowed.contains(d.code) { throw Invalid(field: field, reason: "\(n) cannot be \(field == "update" ? "updated" : "subscribed to") over Sh (TS 29.328 table 7.6.1)") }
                out.insert(d.code)
            }
            return out
        }
        return ShApplicationServer(
            originHost: originHost, read: try codes(read, "read", within: nil), update: try codes(update, "update", within: DataReference.updatable),
            subscribe: try codes(subscribe, "subscribe", within: DataReference.notifiable), serviceIndications: serviceIndications, dsaiTags: dsaiTags ?? [])
    }

    public init(_ s: ShApplicationServer) {
        func names(_ c: Set<UInt32>) -> [String] { DataReference.served.filter { c.contains($0.0.code) }.map(\.1) }
        self.init(originHost: s.originHost, read: names(s.read), update: names(s.update), subscribe: names(s.subscribe), serviceIndications: s.serviceIndications, dsaiTags: s.dsaiTags)
    }
}
