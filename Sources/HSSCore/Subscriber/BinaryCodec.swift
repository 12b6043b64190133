import DiameterCore

// A compact binary form of the subscriber model, for storage (LMDB) and the change log: field by field,
// in declaration order, no keys. Lengths and integers are LEB128 varints; strings UTF-8 with a length;
// optionals a presence byte. Encoding a typical subscription costs ~1 µs (JSON through Foundation: ~40 µs).
// Every record starts with a format version byte; a decoder refuses versions it does not know.

/// Appends binary fields.
public struct BinaryWriter: Sendable {
    public var bytes: [UInt8] = []
    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    public mutating func int(_ v: Int) { varint(UInt64(bitPattern: Int64(v)) << 1 ^ UInt64(bitPattern: Int64(v) >> 63)) }
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            varint(UInt64(u.count))
            bytes.append(contentsOf: u)
        }
    }
    public mutating func data(_ d: [UInt8]) {
        varint(UInt64(d.count))
        bytes.append(contentsOf: d)
    }
    public mutating func block(_ b: Block128) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: b.hi >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: b.lo >> UInt64(shift))) }
    }
    public mutating func optional<T>(_ v: T?, _ write: (inout BinaryWriter, T) -> Void) {
        if let v {
            bytes.append(1)
            write(&self, v)
        } else {
            bytes.append(0)
        }
    }
    public mutating func array<T>(_ a: [T], _ write: (inout BinaryWriter, T) -> Void) {
        varint(UInt64(a.count))
        for e in a { write(&self, e) }
    }
    public mutating func strings(_ a: [String]) { array(a) { $0.string($1) } }
}

/// Reads binary fields; every read checks bounds and throws on malformed input.
public struct BinaryReader {
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public init(offset: Int) { self.offset = offset }
        public var description: String { "malformed binary record at offset \(offset)" }
    }
    let bytes: UnsafeRawBufferPointer
    public var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func u8() throws(Malformed) -> UInt8 {
        guard offset < bytes.count else { throw Malformed(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }
    public mutating func bool() throws(Malformed) -> Bool {
        let b = try u8()
        guard b <= 1 else { throw Malformed(offset: offset - 1) }
        return b == 1
    }
    public mutating func varint() throws(Malformed) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            guard shift < 64 else { throw Malformed(offset: offset) }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    public mutating func int() throws(Malformed) -> Int {
        let z = try varint()
        return Int(truncatingIfNeeded: Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
    }
    mutating func length() throws(Malformed) -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.count - offset) else { throw Malformed(offset: offset) }
        return Int(n)
    }
    public mutating func string() throws(Malformed) -> String {
        let n = try length()
        defer { offset += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]), as: UTF8.self)
    }
    public mutating func data() throws(Malformed) -> [UInt8] {
        let n = try length()
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }
    public mutating func block() throws(Malformed) -> Block128 {
        guard bytes.count - offset >= 16 else { throw Malformed(offset: offset) }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<8 { hi = hi << 8 | UInt64(bytes[offset + i]) }
        for i in 8..<16 { lo = lo << 8 | UInt64(bytes[offset + i]) }
        offset += 16
        return Block128(hi: hi, lo: lo)
    }
    public mutating func optional<T>(_ read: (inout BinaryReader) throws(Malformed) -> T) throws(Malformed) -> T? {
        try bool() ? try read(&self) : nil
    }
    public mutating func array<T>(_ read: (inout BinaryReader) throws(Malformed) -> T) throws(Malformed) -> [T] {
        let n = try varint()
        guard n <= UInt64(bytes.count - offset) else { throw Malformed(offset: offset) }
        var out: [T] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<n { out.append(try read(&self)) }
        return out
    }
    public mutating func strings() throws(Malformed) -> [String] { try array { r throws(Malformed) in try r.string() } }
    public mutating func enumeration<E: RawRepresentable>(_: E.Type) throws(Malformed) -> E where E.RawValue == String {
        let at = offset
        guard let e = E(rawValue: try string()) else { throw Malformed(offset: at) }
        return e
    }
}

extension IMSSubscription {
    /// The provisioned part (everything but ``state``): format version 1, or 2 (version 1 followed by the
    /// EPS data) when there is EPS data, so that a record without it is what older binaries wrote.
    public func encodeProvisioned(into w: inout BinaryWriter) {
        w.u8(eps == nil ? 1 : 2)
        w.string(id)
        w.array(privateIdentities) { w, p in
            w.string(p.identity)
            w.array(p.authenticationSchemes) { $0.string($1.rawValue) }
            w.optional(p.aka) { w, a in
                w.block(a.k)
                w.block(a.opc)
                w.varint(UInt64(a.amf))
                w.varint(a.initialSQN)
            }
            w.optional(p.digest) { w, d in
                w.string(d.realm)
                w.string(d.ha1)
                w.string(d.algorithm)
                w.string(d.qop)
            }
            w.strings(p.lineIdentifiers)
            w.optional(p.framedIPAddress) { $0.string($1) }
        }
        w.array(publicIdentities) { w, p in
            w.string(p.identity)
            w.string(p.type.rawValue)
            w.bool(p.barred)
            w.string(p.serviceProfile)
            w.int(p.implicitSet)
            w.strings(p.privateIdentities)
            w.strings(p.allowedVisitedNetworks)
            w.optional(p.displayName) { $0.string($1) }
            w.bool(p.psiActivated)
            w.optional(p.psiApplicationServer) { $0.string($1) }
            w.bool(p.servicesWhenUnregistered)
        }
        w.array(serviceProfiles) { w, p in
            w.string(p.id)
            w.optional(p.subscribedMediaProfileId) { $0.int($1) }
            w.array(p.sharedIFCSetIDs) { $0.int($1) }
            w.array(p.initialFilterCriteria) { w, f in
                w.int(f.priority)
                w.optional(f.triggerPoint) { w, t in
                    w.bool(t.conditionTypeCNF)
                    w.array(t.spts) { w, s in
                        w.bool(s.conditionNegated)
                        w.array(s.groups) { $0.int($1) }
                        w.array(s.registrationTypes) { $0.int($1) }
                        switch s.condition {
                        case .requestURI(let v): w.u8(0); w.string(v)
                        case .method(let v): w.u8(1); w.string(v)
                        case .sipHeader(let h, let c): w.u8(2); w.string(h); w.optional(c) { $0.string($1) }
                        case .sessionCase(let c): w.u8(3); w.string(c.rawValue)
                        case .sessionDescription(let l, let c): w.u8(4); w.string(l); w.optional(c) { $0.string($1) }
                        }
                    }
                }
                let a = f.applicationServer
                w.string(a.serverName)
                w.optional(a.defaultHandling) { $0.string($1.rawValue) }
                w.optional(a.serviceInfo) { $0.string($1) }
                w.bool(a.includeRegisterRequest)
                w.bool(a.includeRegisterResponse)
                w.optional(f.profilePartIndicator) { $0.string($1.rawValue) }
            }
        }
        w.optional(chargingInformation) { w, c in
            w.optional(c.primaryEventChargingFunctionName) { $0.string($1) }
            w.optional(c.secondaryEventChargingFunctionName) { $0.string($1) }
            w.optional(c.primaryChargingCollectionFunctionName) { $0.string($1) }
            w.optional(c.secondaryChargingCollectionFunctionName) { $0.string($1) }
        }
        w.optional(capabilities) { w, c in
            w.array(c.mandatory) { $0.varint(UInt64($1)) }
            w.array(c.optional) { $0.varint(UInt64($1)) }
            w.strings(c.serverNames)
        }
        w.bool(imsBarred)
        if let eps { eps.encode(into: &w) }
    }

    /// Reads what ``encodeProvisioned(into:)`` wrote, with `state` as given.
    public init(provisioned r: inout BinaryReader, state: SubscriptionState) throws(BinaryReader.Malformed) {
        let at = r.offset
        let version = try r.u8()
        guard version == 1 || version == 2 else { throw BinaryReader.Malformed(offset: at) }
        let id = try r.string()
        let impis = try r.array { r throws(BinaryReader.Malformed) in
            let identity = try r.string()
            let schemes = try r.array { r throws(BinaryReader.Malformed) in try r.enumeration(AuthenticationScheme.self) }
            let aka = try r.optional { r throws(BinaryReader.Malformed) in
                AKACredentials(k: try r.block(), opc: try r.block(), amf: UInt16(truncatingIfNeeded: try r.varint()), initialSQN: try r.varint())
            }
            let digest = try r.optional { r throws(BinaryReader.Malformed) in
                DigestCredentials(realm: try r.string(), ha1: try r.string(), algorithm: try r.string(), qop: try r.string())
            }
            return PrivateIdentity(
                identity: identity, authenticationSchemes: schemes, aka: aka, digest: digest, lineIdentifiers: try r.strings(),
                framedIPAddress: try r.optional { r throws(BinaryReader.Malformed) in try r.string() })
        }
        let impus = try r.array { r throws(BinaryReader.Malformed) in
            PublicIdentity(
                identity: try r.string(), type: try r.enumeration(PublicIdentityType.self), barred: try r.bool(), serviceProfile: try r.string(),
                implicitSet: try r.int(), privateIdentities: try r.strings(), allowedVisitedNetworks: try r.strings(),
                displayName: try r.optional { r throws(BinaryReader.Malformed) in try r.string() }, psiActivated: try r.bool(),
                psiApplicationServer: try r.optional { r throws(BinaryReader.Malformed) in try r.string() }, servicesWhenUnregistered: try r.bool())
        }
        let profiles = try r.array { r throws(BinaryReader.Malformed) in
            let pid = try r.string()
            let media = try r.optional { r throws(BinaryReader.Malformed) in try r.int() }
            let shared = try r.array { r throws(BinaryReader.Malformed) in try r.int() }
            let ifcs = try r.array { r throws(BinaryReader.Malformed) in
                let priority = try r.int()
                let tp = try r.optional { r throws(BinaryReader.Malformed) in
                    TriggerPoint(conditionTypeCNF: try r.bool(), spts: try r.array { r throws(BinaryReader.Malformed) in
                        let negated = try r.bool()
                        let groups = try r.array { r throws(BinaryReader.Malformed) in try r.int() }
                        let regTypes = try r.array { r throws(BinaryReader.Malformed) in try r.int() }
                        let kindAt = r.offset
                        let condition: ServicePointTrigger.Condition
                        switch try r.u8() {
                        case 0: condition = .requestURI(try r.string())
                        case 1: condition = .method(try r.string())
                        case 2: condition = .sipHeader(header: try r.string(), content: try r.optional { r throws(BinaryReader.Malformed) in try r.string() })
                        case 3: condition = .sessionCase(try r.enumeration(SessionCase.self))
                        case 4: condition = .sessionDescription(line: try r.string(), content: try r.optional { r throws(BinaryReader.Malformed) in try r.string() })
                        default: throw BinaryReader.Malformed(offset: kindAt)
                        }
                        return ServicePointTrigger(conditionNegated: negated, groups: groups, condition: condition, registrationTypes: regTypes)
                    })
                }
                let server = ApplicationServer(
                    serverName: try r.string(), defaultHandling: try r.optional { r throws(BinaryReader.Malformed) in try r.enumeration(DefaultHandling.self) },
                    serviceInfo: try r.optional { r throws(BinaryReader.Malformed) in try r.string() }, includeRegisterRequest: try r.bool(),
                    includeRegisterResponse: try r.bool())
                return InitialFilterCriteria(
                    priority: priority, triggerPoint: tp, applicationServer: server,
                    profilePartIndicator: try r.optional { r throws(BinaryReader.Malformed) in try r.enumeration(ProfilePartIndicator.self) })
            }
            return ServiceProfile(id: pid, subscribedMediaProfileId: media, initialFilterCriteria: ifcs, sharedIFCSetIDs: shared)
        }
        let charging = try r.optional { r throws(BinaryReader.Malformed) in
            ChargingAddresses(
                primaryEventChargingFunctionName: try r.optional { r throws(BinaryReader.Malformed) in try r.string() },
                secondaryEventChargingFunctionName: try r.optional { r throws(BinaryReader.Malformed) in try r.string() },
                primaryChargingCollectionFunctionName: try r.optional { r throws(BinaryReader.Malformed) in try r.string() },
                secondaryChargingCollectionFunctionName: try r.optional { r throws(BinaryReader.Malformed) in try r.string() })
        }
        let caps = try r.optional { r throws(BinaryReader.Malformed) in
            CapabilitySet(
                mandatory: try r.array { r throws(BinaryReader.Malformed) in UInt32(truncatingIfNeeded: try r.varint()) },
                optional: try r.array { r throws(BinaryReader.Malformed) in UInt32(truncatingIfNeeded: try r.varint()) },
                serverNames: try r.strings())
        }
        let barred = try r.bool()
        self.init(
            id: id, privateIdentities: impis, publicIdentities: impus, serviceProfiles: profiles, chargingInformation: charging,
            capabilities: caps, imsBarred: barred, eps: version == 2 ? try EPSSubscription(binary: &r) : nil, state: state)
    }
}

extension EPSSubscription {
    func encode(into w: inout BinaryWriter) {
        w.string(imsi)
        w.optional(akaIdentity) { $0.string($1) }
        w.optional(msisdn) { $0.string($1) }
        w.int(Int(subscriberStatus.rawValue))
        w.varint(UInt64(operatorDeterminedBarring))
        w.int(Int(networkAccessMode.rawValue))
        ambr.encode(into: &w)
        w.array(accessRestrictions) { $0.varint(UInt64($1.rawValue)) }
        w.strings(allowedVisitedPLMNs)
        w.optional(allowedRATTypes) { w, a in w.array(a) { $0.int(Int($1.rawValue)) } }
        w.varint(UInt64(defaultContextIdentifier))
        w.array(apns) { w, a in
            w.varint(UInt64(a.contextIdentifier))
            w.string(a.name)
            w.int(Int(a.pdnType.rawValue))
            w.u8(a.qci)
            w.u8(a.arp.priorityLevel)
            w.bool(a.arp.preemptionCapability)
            w.bool(a.arp.preemptionVulnerability)
            a.ambr.encode(into: &w)
            w.strings(a.staticAddresses)
            w.bool(a.vplmnDynamicAddressAllowed)
        }
    }

    init(binary r: inout BinaryReader) throws(BinaryReader.Malformed) {
        imsi = try r.string()
        akaIdentity = try r.optional { r throws(BinaryReader.Malformed) in try r.string() }
        msisdn = try r.optional { r throws(BinaryReader.Malformed) in try r.string() }
        subscriberStatus = SubscriberStatus(rawValue: try r.int32())
        operatorDeterminedBarring = try r.uint32()
        networkAccessMode = NetworkAccessMode(rawValue: try r.int32())
        ambr = try SubscribedAMBR(binary: &r)
        accessRestrictions = try r.array { r throws(BinaryReader.Malformed) in
            let at = r.offset
            guard let a = AccessRestriction(rawValue: try r.uint32()) else { throw BinaryReader.Malformed(offset: at) }
            return a
        }
        allowedVisitedPLMNs = try r.strings()
        allowedRATTypes = try r.optional { r throws(BinaryReader.Malformed) in
            try r.array { r throws(BinaryReader.Malformed) in RATType(rawValue: try r.int32()) }
        }
        defaultContextIdentifier = try r.uint32()
        apns = try r.array { r throws(BinaryReader.Malformed) in
            SubscribedAPN(
                contextIdentifier: try r.uint32(), name: try r.string(), pdnType: PDNType(rawValue: try r.int32()), qci: try r.u8(),
                arp: SubscribedARP(priorityLevel: try r.u8(), preemptionCapability: try r.bool(), preemptionVulnerability: try r.bool()),
                ambr: try SubscribedAMBR(binary: &r), staticAddresses: try r.strings(), vplmnDynamicAddressAllowed: try r.bool())
        }
    }
}

extension SubscribedAMBR {
    func encode(into w: inout BinaryWriter) {
        w.varint(UInt64(uplink))
        w.varint(UInt64(downlink))
    }

    init(binary r: inout BinaryReader) throws(BinaryReader.Malformed) {
        self.init(uplink: try r.uint32(), downlink: try r.uint32())
    }
}

extension MMERegistration {
    func encode(into w: inout BinaryWriter) {
        w.string(originHost)
        w.string(originRealm)
        w.optional(mmeNumber) { $0.data($1) }
        w.data(visitedPLMN)
        w.int(Int(ratType))
        w.varint(UInt64(ulrFlags))
        w.optional(imei) { $0.string($1) }
        w.optional(softwareVersion) { $0.string($1) }
        w.optional(ueSRVCCCapability) { $0.int(Int($1)) }
        w.optional(imsVoiceOverPS) { $0.int(Int($1)) }
        w.bool(purged)
    }

    init(binary r: inout BinaryReader) throws(BinaryReader.Malformed) {
        self.init(
            originHost: try r.string(), originRealm: try r.string(), mmeNumber: try r.optional { r throws(BinaryReader.Malformed) in try r.data() },
            visitedPLMN: try r.data(), ratType: try r.int32(), ulrFlags: try r.uint32(),
            imei: try r.optional { r throws(BinaryReader.Malformed) in try r.string() },
            softwareVersion: try r.optional { r throws(BinaryReader.Malformed) in try r.string() },
            ueSRVCCCapability: try r.optional { r throws(BinaryReader.Malformed) in try r.int32() },
            imsVoiceOverPS: try r.optional { r throws(BinaryReader.Malformed) in try r.int32() }, purged: try r.bool())
    }
}

extension BinaryReader {
    /// A varint that must fit 32 bits.
    mutating func uint32() throws(Malformed) -> UInt32 {
        let at = offset
        guard let v = UInt32(exactly: try varint()) else { throw Malformed(offset: at) }
        return v
    }

    /// A zigzag integer that must fit 32 bits.
    mutating func int32() throws(Malformed) -> Int32 {
        let at = offset
        guard let v = Int32(exactly: try int()) else { throw Malformed(offset: at) }
        return v
    }
}

extension SubscriptionState {
    /// The Cx, S6a and Sh state: format version 1, or 2 (version 1 followed by the serving MME) when an
    /// MME is registered, or 3 (version 1, the MME if any, then the Sh state) when there is Sh state.
    /// `sqn` is written as given (storage writes the reserved high-water marks, not the live values).
    public func encode(into w: inout BinaryWriter) {
        w.u8(!sh.isEmpty ? 3 : mme == nil ? 1 : 2)
        w.optional(scscf) { w, a in
            w.string(a.serverName)
            w.string(a.originHost)
            w.string(a.originRealm)
            w.bool(a.authenticationPending)
            w.bool(a.reassignmentPending)
        }
        let regs = registrations.sorted { $0.key < $1.key }
        w.array(regs) { w, e in
            w.string(e.key)
            w.string(e.value.state.rawValue)
            w.strings(e.value.privateIdentities)
        }
        w.array(sqn.sorted { $0.key < $1.key }) { w, e in
            w.string(e.key)
            w.varint(e.value)
        }
        w.array(restoration.sorted { $0.key < $1.key }) { w, e in
            w.string(e.key)
            w.string(e.value.userName)
            w.array(e.value.flows) { w, f in
                w.data(f.path)
                w.data(f.contact)
                w.optional(f.initialCSeqSequenceNumber) { $0.varint(UInt64($1)) }
                w.optional(f.callIDSIPHeader) { $0.data($1) }
            }
            w.optional(e.value.registrationTimeOut) { $0.varint(UInt64($1)) }
            w.optional(e.value.sipAuthenticationScheme) { $0.string($1) }
        }
        if sh.isEmpty {
            if let mme { mme.encode(into: &w) }
        } else {
            w.optional(mme) { $1.encode(into: &$0) }
            sh.encode(into: &w)
        }
    }

    public init(binary r: inout BinaryReader) throws(BinaryReader.Malformed) {
        let at = r.offset
        let version = try r.u8()
        guard (1...3).contains(version) else { throw BinaryReader.Malformed(offset: at) }
        let scscf = try r.optional { r throws(BinaryReader.Malformed) in
            SCSCFAssignment(
                serverName: try r.string(), originHost: try r.string(), originRealm: try r.string(),
                authenticationPending: try r.bool(), reassignmentPending: try r.bool())
        }
        var registrations: [String: IdentityRegistration] = [:]
        for (k, v) in try r.array({ r throws(BinaryReader.Malformed) in
            (try r.string(), IdentityRegistration(state: try r.enumeration(RegistrationState.self), privateIdentities: try r.strings()))
        }) { registrations[k] = v }
        var sqn: [String: UInt64] = [:]
        for (k, v) in try r.array({ r throws(BinaryReader.Malformed) in (try r.string(), try r.varint()) }) { sqn[k] = v }
        var restoration: [String: StoredRestoration] = [:]
        for (k, v) in try r.array({ r throws(BinaryReader.Malformed) in
            let key = try r.string()
            let userName = try r.string()
            let flows = try r.array { r throws(BinaryReader.Malformed) in
                StoredRestoration.Flow(
                    path: try r.data(), contact: try r.data(),
                    initialCSeqSequenceNumber: try r.optional { r throws(BinaryReader.Malformed) in UInt32(truncatingIfNeeded: try r.varint()) },
                    callIDSIPHeader: try r.optional { r throws(BinaryReader.Malformed) in try r.data() })
            }
            let timeout = try r.optional { r throws(BinaryReader.Malformed) in UInt32(truncatingIfNeeded: try r.varint()) }
            let scheme = try r.optional { r throws(BinaryReader.Malformed) in try r.string() }
            return (key, StoredRestoration(userName: userName, flows: flows, registrationTimeOut: timeout, sipAuthenticationScheme: scheme))
        }) { restoration[k] = v }
        let mme = version == 2 ? try MMERegistration(binary: &r)
            : version == 3 ? try r.optional { r throws(BinaryReader.Malformed) in try MMERegistration(binary: &r) } : nil
        let sh = version == 3 ? try ShState(binary: &r) : ShState()
        self.init(scscf: scscf, registrations: registrations, sqn: sqn, restoration: restoration, mme: mme, sh: sh)
    }
}
