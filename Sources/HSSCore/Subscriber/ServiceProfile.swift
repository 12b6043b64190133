// Service profiles and initial filter criteria (TS 29.228 Annex B.2, Annex E `tServiceProfile`,
// `tInitialFilterCriteria`); names follow the XML schema.

/// A service profile: shared by the public identities that name it.
public struct ServiceProfile: Codable, Hashable, Sendable {
    public var id: String
    /// CoreNetworkServicesAuthorization/SubscribedMediaProfileId.
    public var subscribedMediaProfileId: Int?
    public var initialFilterCriteria: [InitialFilterCriteria]
    /// Rel-8 shared iFC sets (`SharedIFCSetID`).
    public var sharedIFCSetIDs: [Int]

    public init(id: String, subscribedMediaProfileId: Int? = nil, initialFilterCriteria: [InitialFilterCriteria] = [], sharedIFCSetIDs: [Int] = []) {
        self.id = id
        self.subscribedMediaProfileId = subscribedMediaProfileId
        self.initialFilterCriteria = initialFilterCriteria
        self.sharedIFCSetIDs = sharedIFCSetIDs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        subscribedMediaProfileId = try c.decodeIfPresent(Int.self, forKey: .subscribedMediaProfileId)
        initialFilterCriteria = try c.decodeIfPresent([InitialFilterCriteria].self, forKey: .initialFilterCriteria) ?? []
        sharedIFCSetIDs = try c.decodeIfPresent([Int].self, forKey: .sharedIFCSetIDs) ?? []
    }

    /// Whether the profile has services for the unregistered state (TS 29.228 §6.1.4.1; procedures.md §3):
    /// an iFC with ProfilePartIndicator UNREGISTERED or a TERMINATING_UNREGISTERED /
    /// ORIGINATING_UNREGISTERED session case.
    public var hasUnregisteredServices: Bool {
        initialFilterCriteria.contains { ifc in
            ifc.profilePartIndicator == .unregistered
                || (ifc.triggerPoint?.spts.contains {
                    if case .sessionCase(let c) = $0.condition { return c == .terminatingUnregistered || c == .originatingUnregistered }
                    return false
                } ?? false)
        }
    }
}

/// InitialFilterCriteria (TS 29.228 Annex B.2.2).
public struct InitialFilterCriteria: Codable, Hashable, Sendable {
    public var priority: Int
    /// Absent: unconditional.
    public var triggerPoint: TriggerPoint?
    public var applicationServer: ApplicationServer
    public var profilePartIndicator: ProfilePartIndicator?

    public init(priority: Int, triggerPoint: TriggerPoint? = nil, applicationServer: ApplicationServer, profilePartIndicator: ProfilePartIndicator? = nil) {
        self.priority = priority
        self.triggerPoint = triggerPoint
        self.applicationServer = applicationServer
        self.profilePartIndicator = profilePartIndicator
    }
}

public enum ProfilePartIndicator: String, Codable, Hashable, Sendable {
    case registered = "REGISTERED"
    case unregistered = "UNREGISTERED"
    var xmlValue: Int { self == .registered ? 0 : 1 }
}

/// TriggerPoint: CNF (AND of ORs) or DNF (OR of ANDs) over groups of SPTs.
public struct TriggerPoint: Codable, Hashable, Sendable {
    public var conditionTypeCNF: Bool
    public var spts: [ServicePointTrigger]
    public init(conditionTypeCNF: Bool, spts: [ServicePointTrigger]) {
        self.conditionTypeCNF = conditionTypeCNF
        self.spts = spts
    }
}

/// SPT (Service Point Trigger).
public struct ServicePointTrigger: Codable, Hashable, Sendable {
    public var conditionNegated: Bool
    public var groups: [Int]
    public var condition: Condition
    /// RegistrationType values (0 INITIAL, 1 RE-, 2 DE-REGISTRATION) for a REGISTER method SPT.
    public var registrationTypes: [Int]

    public enum Condition: Hashable, Sendable {
        case requestURI(String)
        case method(String)
        case sipHeader(header: String, content: String?)
        case sessionCase(SessionCase)
        case sessionDescription(line: String, content: String?)
    }

    public init(conditionNegated: Bool = false, groups: [Int] = [0], condition: Condition, registrationTypes: [Int] = []) {
        self.conditionNegated = conditionNegated
        self.groups = groups
        self.condition = condition
        self.registrationTypes = registrationTypes
    }

    enum CodingKeys: String, CodingKey {
        case conditionNegated, groups, requestURI, method, sipHeader, content, sessionCase, sessionDescription, registrationTypes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conditionNegated = try c.decodeIfPresent(Bool.self, forKey: .conditionNegated) ?? false
        groups = try c.decodeIfPresent([Int].self, forKey: .groups) ?? [0]
        registrationTypes = try c.decodeIfPresent([Int].self, forKey: .registrationTypes) ?? []
        let content = try c.decodeIfPresent(String.self, forKey: .content)
        if let v = try c.decodeIfPresent(String.self, forKey: .requestURI) {
            condition = .requestURI(v)
        } else if let v = try c.decodeIfPresent(String.self, forKey: .method) {
            condition = .method(v)
        } else if let v = try c.decodeIfPresent(String.self, forKey: .sipHeader) {
            condition = .sipHeader(header: v, content: content)
        } else if let v = try c.decodeIfPresent(SessionCase.self, forKey: .sessionCase) {
            condition = .sessionCase(v)
        } else if let v = try c.decodeIfPresent(String.self, forKey: .sessionDescription) {
            condition = .sessionDescription(line: v, content: content)
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .method, in: c, debugDescription: "an SPT needs requestURI, method, sipHeader, sessionCase or sessionDescription")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(conditionNegated, forKey: .conditionNegated)
        try c.encode(groups, forKey: .groups)
        if !registrationTypes.isEmpty { try c.encode(registrationTypes, forKey: .registrationTypes) }
        switch condition {
        case .requestURI(let v): try c.encode(v, forKey: .requestURI)
        case .method(let v): try c.encode(v, forKey: .method)
        case .sipHeader(let h, let content):
            try c.encode(h, forKey: .sipHeader)
            try c.encodeIfPresent(content, forKey: .content)
        case .sessionCase(let v): try c.encode(v, forKey: .sessionCase)
        case .sessionDescription(let l, let content):
            try c.encode(l, forKey: .sessionDescription)
            try c.encodeIfPresent(content, forKey: .content)
        }
    }
}

/// SessionCase (TS 29.228 Annex E `tDirectionOfRequest`).
public enum SessionCase: String, Codable, Hashable, Sendable {
    case originatingSession = "ORIGINATING_SESSION"
    case terminatingRegistered = "TERMINATING_REGISTERED"
    case terminatingUnregistered = "TERMINATING_UNREGISTERED"
    case originatingUnregistered = "ORIGINATING_UNREGISTERED"
    case originatingCDIV = "ORIGINATING_CDIV"

    var xmlValue: Int {
        switch self {
        case .originatingSession: 0
        case .terminatingRegistered: 1
        case .terminatingUnregistered: 2
        case .originatingUnregistered: 3
        case .originatingCDIV: 4
        }
    }
}

/// ApplicationServer of an iFC.
public struct ApplicationServer: Codable, Hashable, Sendable {
    public var serverName: String
    public var defaultHandling: DefaultHandling?
    public var serviceInfo: String?
    public var includeRegisterRequest: Bool
    public var includeRegisterResponse: Bool

    public init(serverName: String, defaultHandling: DefaultHandling? = nil, serviceInfo: String? = nil, includeRegisterRequest: Bool = false, includeRegisterResponse: Bool = false) {
        self.serverName = serverName
        self.defaultHandling = defaultHandling
        self.serviceInfo = serviceInfo
        self.includeRegisterRequest = includeRegisterRequest
        self.includeRegisterResponse = includeRegisterResponse
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serverName = try c.decode(String.self, forKey: .serverName)
        defaultHandling = try c.decodeIfPresent(DefaultHandling.self, forKey: .defaultHandling)
        serviceInfo = try c.decodeIfPresent(String.self, forKey: .serviceInfo)
        includeRegisterRequest = try c.decodeIfPresent(Bool.self, forKey: .includeRegisterRequest) ?? false
        includeRegisterResponse = try c.decodeIfPresent(Bool.self, forKey: .includeRegisterResponse) ?? false
    }
}

public enum DefaultHandling: String, Codable, Hashable, Sendable {
    case sessionContinued = "SESSION_CONTINUED"
    case sessionTerminated = "SESSION_TERMINATED"
    var xmlValue: Int { self == .sessionContinued ? 0 : 1 }
}
