public import DiameterCore

/// What this node says about itself in CER/CEA and answers (RFC 6733 §5.3), and whom it accepts.
public struct LocalPeer: Sendable, Hashable {
    public var originHost: String
    public var originRealm: String
    /// Host-IP-Address: the real local addresses (RFC 6733 §5.3.5).
    public var hostIPAddresses: [DiameterAddress]
    public var vendorID: UInt32
    public var productName: String
    public var firmwareRevision: UInt32?
    /// Origin-State-Id (RFC 6733 §8.16): changes on every restart.
    public var originStateID: UInt32
    public var supportedVendorIDs: [UInt32]
    /// The applications we serve, advertised as Vendor-Specific-Application-Id.
    public var applications: [VendorSpecificApplicationID] {
        didSet { applicationIDs = Self.ids(applications) }
    }
    /// The application ids we serve: kept, not computed per request (the router checks every request's).
    public private(set) var applicationIDs: Set<UInt32>
    /// When set, only these Origin-Hosts may connect (compared case-insensitively); others get 3010.
    public var allowedPeers: Set<String>?

    public init(
        originHost: String, originRealm: String, hostIPAddresses: [DiameterAddress], vendorID: UInt32 = 0,
        productName: String = "swift-ims-hss", firmwareRevision: UInt32? = 1, originStateID: UInt32,
        supportedVendorIDs: [UInt32] = [VendorID.tgpp], applications: [VendorSpecificApplicationID] = [.cx],
        allowedPeers: Set<String>? = nil
    ) {
        self.originHost = originHost
        self.originRealm = originRealm
        self.hostIPAddresses = hostIPAddresses
        self.vendorID = vendorID
        self.productName = productName
        self.firmwareRevision = firmwareRevision
        self.originStateID = originStateID
        self.supportedVendorIDs = supportedVendorIDs
        self.applications = applications
        self.applicationIDs = Self.ids(applications)
        self.allowedPeers = allowedPeers
    }

    static func ids(_ applications: [VendorSpecificApplicationID]) -> Set<UInt32> {
        Set(applications.compactMap { $0.authApplicationID ?? $0.acctApplicationID })
    }

    public var capabilities: PeerCapabilities {
        PeerCapabilities(
            originHost: originHost, originRealm: originRealm, hostIPAddresses: hostIPAddresses, vendorID: vendorID,
            productName: productName, originStateID: originStateID, supportedVendorIDs: supportedVendorIDs,
            vendorSpecificApplicationIDs: applications, firmwareRevision: firmwareRevision)
    }

    /// Whether `originHost` may connect (DiameterIdentity compares ASCII case-insensitively).
    public func isAllowed(_ originHost: String) -> Bool {
        guard let allowedPeers else { return true }
        let host = originHost.lowercased()
        return allowedPeers.contains { $0.lowercased() == host }
    }
}
