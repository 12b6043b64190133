public import DiameterCore
public import NIOCore

/// The responder's side of the capabilities exchange (RFC 6733 §5.3), as pure functions.
public enum CapabilitiesExchange {
    /// The outcome of a received CER.
    public enum Decision: Sendable, Hashable {
        /// Accept: the applications both sides support.
        case accept(peer: PeerCapabilities, commonApplications: Set<UInt32>)
        /// Refuse with this Result-Code (and the offending AVP, RFC 6733 §7.5), then close (RFC 6733 §5.3:
        /// 5010; §6.1: 3010 for unknown peers; §7.1.5 for a CER that breaks its grammar or its types).
        case reject(ResultCode, reason: String, peer: PeerCapabilities?, failedAVP: AVP? = nil)

        /// The refusal of a CER that does not decode or breaks its grammar.
        public static func invalid(_ error: DiameterMessageError) -> Decision {
            .reject(error.resultCode, reason: error.reason, peer: nil, failedAVP: error.failedAVP)
        }
    }

    /// Decides on a received CER (already decoded).
    public static func evaluate(_ message: DiameterMessage, local: LocalPeer) -> Decision {
        do {
            try message.validate(against: .capabilitiesExchange)
        } catch {
            return .invalid(error)
        }
        let cer: CapabilitiesExchangeRequest
        do {
            cer = try CapabilitiesExchangeRequest(decoding: message)
        } catch {
            return .invalid(error)
        }
        return evaluate(cer.capabilities, local: local)
    }

    /// Decides on the capabilities a peer advertised.
    public static func evaluate(_ peer: PeerCapabilities, local: LocalPeer) -> Decision {
        // A CER naming this node is a connection to ourselves (a loop through a misrouted address) or a
        // peer impersonating us: either way not a peer we know.
        guard peer.originHost.lowercased() != local.originHost.lowercased() else {
            return .reject(.unknownPeer, reason: "the CER carries this node's own Origin-Host", peer: peer)
        }
        guard local.isAllowed(peer.originHost) else {
            return .reject(.unknownPeer, reason: "peer \(peer.originHost) is not in the allow-list", peer: peer)
        }
        let advertised = peer.advertisedApplications
        // RFC 6733 §5.3: a relay (0xFFFFFFFF) supports every application.
        let common = advertised.contains(ApplicationID.relay) ? local.applicationIDs : advertised.intersection(local.applicationIDs)
        guard !common.isEmpty else {
            return .reject(.noCommonApplication, reason: "no application in common (Cx 16777216 expected)", peer: peer)
        }
        return .accept(peer: peer, commonApplications: common)
    }

    /// The CEA for a decision, echoing the CER's identifiers. A 3xxx refusal carries the E-bit
    /// (RFC 6733 §7.1.3).
    public static func answer(
        to cerHeader: DiameterHeader, decision: Decision, local: LocalPeer, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
        let result: ResultCode
        var errorMessage: String?
        var failedAVP: [AVP] = []
        switch decision {
        case .accept: result = .success
        case .reject(let code, let reason, _, let failed):
            result = code
            errorMessage = reason
            failedAVP = failed.map { [$0] } ?? []
        }
        let cea = CapabilitiesExchangeAnswer(resultCode: result, capabilities: local.capabilities, errorMessage: errorMessage, failedAVP: failedAVP)
        var flags: CommandFlags = []
        if result.isProtocolError { flags.insert(.error) }
        var w = DiameterMessageWriter(
            header: DiameterHeader(
                flags: flags, commandCode: CommandDefinition.capabilitiesExchange.code, applicationID: ApplicationID.base,
                hopByHopID: cerHeader.hopByHopID, endToEndID: cerHeader.endToEndID),
            allocator: allocator)
        cea.writeAVPs(into: &w)
        return w.finish()
    }
}
