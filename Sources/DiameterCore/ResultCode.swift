/// A Result-Code value (RFC 6733 §7.1) or, with ``vendorID`` set, an Experimental-Result-Code
/// (RFC 6733 §7.7; Cx values in TS 29.229 §6.2, vendor 10415).
///
/// The two spaces overlap numerically (2001 means DIAMETER_SUCCESS as a Result-Code and
/// DIAMETER_FIRST_REGISTRATION as a Cx Experimental-Result-Code), so the vendor travels with the value.
public struct ResultCode: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt32
    /// `nil` for a base Result-Code; the vendor (10415 for Cx) for an Experimental-Result-Code.
    public var vendorID: UInt32?

    public init(_ value: UInt32, vendorID: UInt32? = nil) {
        self.value = value
        self.vendorID = vendorID
    }

    public var isExperimental: Bool { vendorID != nil }
    /// 1xxx informational, 2xxx success, 3xxx protocol error, 4xxx transient, 5xxx permanent.
    public var resultClass: UInt32 { value / 1000 }
    /// Protocol errors are answered with the E-bit set (RFC 6733 §7.1.3).
    public var isProtocolError: Bool { !isExperimental && resultClass == 3 }

    public var name: String? {
        if let vendorID {
            return vendorID == VendorID.tgpp ? ResultCode.cxNames[value] : nil
        }
        return ResultCode.baseNames[value]
    }

    public var description: String {
        let prefix = isExperimental ? "Experimental-Result-Code " : "Result-Code "
        return prefix + String(value) + (name.map { " " + $0 } ?? "")
    }
}

// RFC 6733 §7.1 base Result-Code values.
extension ResultCode {
    public static let multiRoundAuth = ResultCode(1001)
    public static let success = ResultCode(2001)
    public static let limitedSuccess = ResultCode(2002)
    public static let commandUnsupported = ResultCode(3001)
    public static let unableToDeliver = ResultCode(3002)
    public static let realmNotServed = ResultCode(3003)
    public static let tooBusy = ResultCode(3004)
    public static let loopDetected = ResultCode(3005)
    public static let redirectIndication = ResultCode(3006)
    public static let applicationUnsupported = ResultCode(3007)
    public static let invalidHeaderBits = ResultCode(3008)
    public static let invalidAVPBits = ResultCode(3009)
    public static let unknownPeer = ResultCode(3010)
    public static let authenticationRejected = ResultCode(4001)
    public static let outOfSpace = ResultCode(4002)
    public static let electionLost = ResultCode(4003)
    public static let avpUnsupported = ResultCode(5001)
    public static let unknownSessionID = ResultCode(5002)
    public static let authorizationRejected = ResultCode(5003)
    public static let invalidAVPValue = ResultCode(5004)
    public static let missingAVP = ResultCode(5005)
    public static let resourcesExceeded = ResultCode(5006)
    public static let contradictingAVPs = ResultCode(5007)
    public static let avpNotAllowed = ResultCode(5008)
    public static let avpOccursTooManyTimes = ResultCode(5009)
    public static let noCommonApplication = ResultCode(5010)
    public static let unsupportedVersion = ResultCode(5011)
    public static let unableToComply = ResultCode(5012)
    public static let invalidBitInHeader = ResultCode(5013)
    public static let invalidAVPLength = ResultCode(5014)
    public static let invalidMessageLength = ResultCode(5015)
    public static let invalidAVPBitCombo = ResultCode(5016)
    public static let noCommonSecurity = ResultCode(5017)

    static let baseNames: [UInt32: String] = [
        1001: "DIAMETER_MULTI_ROUND_AUTH", 2001: "DIAMETER_SUCCESS", 2002: "DIAMETER_LIMITED_SUCCESS",
        3001: "DIAMETER_COMMAND_UNSUPPORTED", 3002: "DIAMETER_UNABLE_TO_DELIVER",
        3003: "DIAMETER_REALM_NOT_SERVED", 3004: "DIAMETER_TOO_BUSY", 3005: "DIAMETER_LOOP_DETECTED",
        3006: "DIAMETER_REDIRECT_INDICATION", 3007: "DIAMETER_APPLICATION_UNSUPPORTED",
        3008: "DIAMETER_INVALID_HDR_BITS", 3009: "DIAMETER_INVALID_AVP_BITS", 3010: "DIAMETER_UNKNOWN_PEER",
        4001: "DIAMETER_AUTHENTICATION_REJECTED", 4002: "DIAMETER_OUT_OF_SPACE",
        4003: "DIAMETER_ELECTION_LOST", 5001: "DIAMETER_AVP_UNSUPPORTED",
        5002: "DIAMETER_UNKNOWN_SESSION_ID", 5003: "DIAMETER_AUTHORIZATION_REJECTED",
        5004: "DIAMETER_INVALID_AVP_VALUE", 5005: "DIAMETER_MISSING_AVP", 5006: "DIAMETER_RESOURCES_EXCEEDED",
        5007: "DIAMETER_CONTRADICTING_AVPS", 5008: "DIAMETER_AVP_NOT_ALLOWED",
        5009: "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES", 5010: "DIAMETER_NO_COMMON_APPLICATION",
        5011: "DIAMETER_UNSUPPORTED_VERSION", 5012: "DIAMETER_UNABLE_TO_COMPLY",
        5013: "DIAMETER_INVALID_BIT_IN_HEADER", 5014: "DIAMETER_INVALID_AVP_LENGTH",
        5015: "DIAMETER_INVALID_MESSAGE_LENGTH", 5016: "DIAMETER_INVALID_AVP_BIT_COMBO",
        5017: "DIAMETER_NO_COMMON_SECURITY",
    ]
}

// TS 29.229 §6.2 Cx/Dx Experimental-Result-Code values (vendor 10415).
extension ResultCode {
    public static let firstRegistration = ResultCode(2001, vendorID: VendorID.tgpp)
    public static let subsequentRegistration = ResultCode(2002, vendorID: VendorID.tgpp)
    public static let unregisteredService = ResultCode(2003, vendorID: VendorID.tgpp)
    public static let successServerNameNotStored = ResultCode(2004, vendorID: VendorID.tgpp)
    public static let errorUserUnknown = ResultCode(5001, vendorID: VendorID.tgpp)
    public static let errorIdentitiesDontMatch = ResultCode(5002, vendorID: VendorID.tgpp)
    public static let errorIdentityNotRegistered = ResultCode(5003, vendorID: VendorID.tgpp)
    public static let errorRoamingNotAllowed = ResultCode(5004, vendorID: VendorID.tgpp)
    public static let errorIdentityAlreadyRegistered = ResultCode(5005, vendorID: VendorID.tgpp)
    public static let errorAuthSchemeNotSupported = ResultCode(5006, vendorID: VendorID.tgpp)
    public static let errorInAssignmentType = ResultCode(5007, vendorID: VendorID.tgpp)
    public static let errorTooMuchData = ResultCode(5008, vendorID: VendorID.tgpp)
    public static let errorNotSupportedUserData = ResultCode(5009, vendorID: VendorID.tgpp)
    public static let errorFeatureUnsupported = ResultCode(5011, vendorID: VendorID.tgpp)
    public static let errorServingNodeFeatureUnsupported = ResultCode(5012, vendorID: VendorID.tgpp)

    static let cxNames: [UInt32: String] = [
        2001: "DIAMETER_FIRST_REGISTRATION", 2002: "DIAMETER_SUBSEQUENT_REGISTRATION",
        2003: "DIAMETER_UNREGISTERED_SERVICE", 2004: "DIAMETER_SUCCESS_SERVER_NAME_NOT_STORED",
        5001: "DIAMETER_ERROR_USER_UNKNOWN", 5002: "DIAMETER_ERROR_IDENTITIES_DONT_MATCH",
        5003: "DIAMETER_ERROR_IDENTITY_NOT_REGISTERED", 5004: "DIAMETER_ERROR_ROAMING_NOT_ALLOWED",
        5005: "DIAMETER_ERROR_IDENTITY_ALREADY_REGISTERED", 5006: "DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED",
        5007: "DIAMETER_ERROR_IN_ASSIGNMENT_TYPE", 5008: "DIAMETER_ERROR_TOO_MUCH_DATA",
        5009: "DIAMETER_ERROR_NOT_SUPPORTED_USER_DATA", 5011: "DIAMETER_ERROR_FEATURE_UNSUPPORTED",
        5012: "DIAMETER_ERROR_SERVING_NODE_FEATURE_UNSUPPORTED",
        // TS 29.272 §7.4 (S6a/S6d).
        4181: "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE", 5420: "DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION",
        5421: "DIAMETER_ERROR_RAT_NOT_ALLOWED", 5422: "DIAMETER_ERROR_EQUIPMENT_UNKNOWN", 5423: "DIAMETER_ERROR_UNKNOWN_SERVING_NODE",
        // TS 29.329 §6.2 (Sh).
        4100: "DIAMETER_USER_DATA_NOT_AVAILABLE", 4101: "DIAMETER_PRIOR_UPDATE_IN_PROGRESS",
        5100: "DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED", 5101: "DIAMETER_ERROR_OPERATION_NOT_ALLOWED",
        5102: "DIAMETER_ERROR_USER_DATA_CANNOT_BE_READ", 5103: "DIAMETER_ERROR_USER_DATA_CANNOT_BE_MODIFIED",
        5104: "DIAMETER_ERROR_USER_DATA_CANNOT_BE_NOTIFIED", 5105: "DIAMETER_ERROR_TRANSPARENT_DATA_OUT_OF_SYNC",
        5106: "DIAMETER_ERROR_SUBS_DATA_ABSENT", 5107: "DIAMETER_ERROR_NO_SUBSCRIPTION_TO_DATA",
        5108: "DIAMETER_ERROR_DSAI_NOT_AVAILABLE",
    ]
}

/// Vendor identifiers (IANA SMI network management private enterprise codes).
public enum VendorID {
    public static let ietf: UInt32 = 0
    public static let tgpp: UInt32 = 10415
    public static let etsi: UInt32 = 13019
    public static let tgpp2: UInt32 = 5535
}

/// Application identifiers.
public enum ApplicationID {
    /// Base protocol: CER/CEA, DWR/DWA, DPR/DPA (RFC 6733 §2.4).
    public static let base: UInt32 = 0
    /// 3GPP Cx/Dx (TS 29.229 §6.1).
    public static let cx: UInt32 = 16_777_216
    /// 3GPP S6a/S6d (TS 29.272 §7.1.8).
    public static let s6a: UInt32 = 16_777_251
    /// Relay (RFC 6733 §2.4).
    public static let relay: UInt32 = 0xFFFF_FFFF
}
