// Enumerated values as open types: any wire value is kept (so a handler, not the codec, decides what an
// unknown value means), with the spec's names as constants.

/// Server-Assignment-Type (TS 29.229 §6.3.15).
public struct ServerAssignmentType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let noAssignment = Self(rawValue: 0)
    public static let registration = Self(rawValue: 1)
    public static let reRegistration = Self(rawValue: 2)
    public static let unregisteredUser = Self(rawValue: 3)
    public static let timeoutDeregistration = Self(rawValue: 4)
    public static let userDeregistration = Self(rawValue: 5)
    public static let timeoutDeregistrationStoreServerName = Self(rawValue: 6)
    public static let userDeregistrationStoreServerName = Self(rawValue: 7)
    public static let administrativeDeregistration = Self(rawValue: 8)
    public static let authenticationFailure = Self(rawValue: 9)
    public static let authenticationTimeout = Self(rawValue: 10)
    public static let deregistrationTooMuchData = Self(rawValue: 11)
    public static let aaaUserDataRequest = Self(rawValue: 12)
    public static let pgwUpdate = Self(rawValue: 13)
    public static let restoration = Self(rawValue: 14)
}

/// User-Authorization-Type (TS 29.229 §6.3.24); absent means REGISTRATION.
public struct UserAuthorizationType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let registration = Self(rawValue: 0)
    public static let deRegistration = Self(rawValue: 1)
    public static let registrationAndCapabilities = Self(rawValue: 2)
}

/// Reason-Code in Deregistration-Reason (TS 29.229 §6.3.17).
public struct ReasonCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let permanentTermination = Self(rawValue: 0)
    public static let newServerAssigned = Self(rawValue: 1)
    public static let serverChange = Self(rawValue: 2)
    public static let removeSCSCF = Self(rawValue: 3)
}

/// User-Data-Already-Available (TS 29.229 §6.3.26).
public struct UserDataAlreadyAvailable: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let userDataNotAvailable = Self(rawValue: 0)
    public static let userDataAlreadyAvailable = Self(rawValue: 1)
}

/// Disconnect-Cause (RFC 6733 §5.4.3).
public struct DisconnectCause: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let rebooting = Self(rawValue: 0)
    public static let busy = Self(rawValue: 1)
    public static let doNotWantToTalkToYou = Self(rawValue: 2)
}

/// Auth-Session-State (RFC 6733 §8.11); Cx is always NO_STATE_MAINTAINED.
public struct AuthSessionState: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let stateMaintained = Self(rawValue: 0)
    public static let noStateMaintained = Self(rawValue: 1)
}
