public import DiameterCore

/// Supported-Features negotiation on Cx (TS 29.229 §7.1.1 feature list, §7.2 procedure).
public enum CxFeatures {
    /// Feature list 1 bits this HSS implements: bit 0 SiFC (SharedIFCSetID in User-Data) and bit 2
    /// IMSRestorationInd (SCSCF-Restoration-Info stored and returned). Bit 1 (AliasInd) and bit 3
    /// (P-CSCF restoration) are not implemented.
    public static let featureList1: UInt32 = 0b0101

    public enum Negotiation: Hashable, Sendable {
        /// The Supported-Features to put in the answer: for each list the client named, the features
        /// both sides support (empty when the client named none).
        case answer([SupportedFeatures])
        /// A list sent with the M-bit (the client requires its features) shares none with ours →
        /// DIAMETER_ERROR_FEATURE_UNSUPPORTED (Experimental-Result 5011).
        case unsupported
    }

    /// `requested`: the request's Supported-Features with whether each had the M-bit set.
    public static func negotiate(_ requested: [(features: SupportedFeatures, mandatory: Bool)]) -> Negotiation {
        var answer: [SupportedFeatures] = []
        for (f, mandatory) in requested {
            let ours: UInt32 = (f.vendorID == VendorID.tgpp && f.featureListID == 1) ? featureList1 : 0
            let common = f.featureList & ours
            if mandatory && common == 0 && f.featureList != 0 { return .unsupported }
            if ours != 0 { answer.append(SupportedFeatures(vendorID: f.vendorID, featureListID: f.featureListID, featureList: common)) }
        }
        return .answer(answer)
    }
}
