// Names of enumerated values, for display (`hss decode`), keyed by AVP. Values from RFC 6733 and
// TS 29.229 §6.3 as listed in shared/spec/result-codes.md §3.

extension DiameterDictionary {
    static let standardEnumerationNames: [AVPKey: [Int32: String]] = [
        AVPDefinition.redirectHostUsage.key: [0: "DONT_CACHE", 1: "ALL_SESSION", 2: "ALL_REALM", 3: "REALM_AND_APPLICATION", 4: "ALL_APPLICATION", 5: "ALL_HOST", 6: "ALL_USER"],
        AVPDefinition.disconnectCause.key: [0: "REBOOTING", 1: "BUSY", 2: "DO_NOT_WANT_TO_TALK_TO_YOU"],
        AVPDefinition.authSessionState.key: [0: "STATE_MAINTAINED", 1: "NO_STATE_MAINTAINED"],
        AVPDefinition.serverAssignmentType.key: [0: "NO_ASSIGNMENT", 1: "REGISTRATION", 2: "RE_REGISTRATION", 3: "UNREGISTERED_USER", 4: "TIMEOUT_DEREGISTRATION", 5: "USER_DEREGISTRATION", 6: "TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME", 7: "USER_DEREGISTRATION_STORE_SERVER_NAME", 8: "ADMINISTRATIVE_DEREGISTRATION", 9: "AUTHENTICATION_FAILURE", 10: "AUTHENTICATION_TIMEOUT", 11: "DEREGISTRATION_TOO_MUCH_DATA", 12: "AAA_USER_DATA_REQUEST", 13: "PGW_UPDATE", 14: "RESTORATION"],
        AVPDefinition.reasonCode.key: [0: "PERMANENT_TERMINATION", 1: "NEW_SERVER_ASSIGNED", 2: "SERVER_CHANGE", 3: "REMOVE_S-CSCF"],
        AVPDefinition.userAuthorizationType.key: [0: "REGISTRATION", 1: "DE_REGISTRATION", 2: "REGISTRATION_AND_CAPABILITIES"],
        AVPDefinition.userDataAlreadyAvailable.key: [0: "USER_DATA_NOT_AVAILABLE", 1: "USER_DATA_ALREADY_AVAILABLE"],
        AVPDefinition.originatingRequest.key: [0: "ORIGINATING"],
        AVPDefinition.looseRouteIndication.key: [0: "LOOSE_ROUTE_NOT_REQUIRED", 1: "LOOSE_ROUTE_REQUIRED"],
        AVPDefinition.multipleRegistrationIndication.key: [0: "NOT_MULTIPLE_REGISTRATION", 1: "MULTIPLE_REGISTRATION"],
        AVPDefinition.sessionPriority.key: [0: "PRIORITY-0", 1: "PRIORITY-1", 2: "PRIORITY-2", 3: "PRIORITY-3", 4: "PRIORITY-4"],
        AVPDefinition.priviledgedSenderIndication.key: [0: "NOT_PRIVILEDGED_SENDER", 1: "PRIVILEDGED_SENDER"],
    ]
}
