/// Why a message could not be accepted, carrying what the answer needs (RFC 6733 §7.1, §7.5):
/// the Result-Code, the Failed-AVP contents, and an Error-Message text.
///
/// This is the "Result-Code" error channel (DEVELOPERS.md rule 5): the peer layer turns it into an
/// answer; it never crashes anything and the connection lives on.
public struct DiameterMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    public var resultCode: ResultCode
    /// The offending (or, for 5005, an example of the missing) AVP, to be sent inside Failed-AVP.
    public var failedAVP: AVP?
    /// Byte offset in the message where the problem was found.
    public var offset: Int
    /// Human-readable reason, suitable for Error-Message (never contains AVP values).
    public var reason: String
    /// The header, when it could be decoded: the answer needs its identifiers.
    public var header: DiameterHeader?

    public init(
        _ resultCode: ResultCode, offset: Int, reason: String, failedAVP: AVP? = nil, header: DiameterHeader? = nil
    ) {
        self.resultCode = resultCode
        self.offset = offset
        self.reason = reason
        self.failedAVP = failedAVP
        self.header = header
    }

    public var description: String {
        "\(resultCode) at byte \(offset): \(reason)"
    }
}
