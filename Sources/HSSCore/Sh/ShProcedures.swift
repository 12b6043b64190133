public import DiameterCore

/// What an Sh procedure knows about its request beyond the message: the operator's policy, which AS
/// sent it (the connection's Diameter identity: permissions are never taken from an AVP a relay could
/// copy), and the time (seconds since 1970).
public struct ShAccess: Sendable {
    public var policy: ShPolicy
    public var peer: String
    public var now: UInt64

    public init(policy: ShPolicy, peer: String, now: UInt64) {
        self.policy = policy
        self.peer = peer
        self.now = now
    }

    var server: ShApplicationServer? { policy.server(peer) }
}

extension AVP.Payload {
    /// An Enumerated (Integer32) value, network order (RFC 6733 §4.3.1): for a Failed-AVP.
    static func enumeratedValue(_ v: Int32) -> AVP.Payload {
        let u = UInt32(bitPattern: v)
        return .data([UInt8(u >> 24), UInt8(u >> 16 & 0xFF), UInt8(u >> 8 & 0xFF), UInt8(u & 0xFF)])
    }
}

/// The HSS side of Sh (TS 29.328 §6.1, TS 29.329 §6.1) as pure functions, like ``CxProcedures``:
/// (request, subscription, access) → (answer, new subscription, PNRs to send).
public enum ShProcedures {
    /// Seconds between 1900 (Diameter Time, RFC 6733 §4.3.1) and 1970.
    static let ntpOffset: UInt64 = 2_208_988_800

    static func envelope(_ request: ShEnvelope, _ context: HSSContext, _ result: ResultCode, failed: [AVP] = []) -> ShEnvelope {
        request.answer(originHost: context.originHost, originRealm: context.originRealm, result: result, failedAVP: failed)
    }

    /// The public identity a User-Identity (or Wildcarded-Public-Identity) names in `s`: its Public-Identity,
    /// else the tel: identity or EPS MSISDN its MSISDN (TBCD, TS 29.329 §6.3.2) names. nil: unknown
    /// (TS 29.328 §6.1.1: DIAMETER_ERROR_USER_UNKNOWN).
    public static func identity(_ u: UserIdentity, wildcarded: String?, in s: IMSSubscription?) -> String? {
        guard let s else { return nil }
        if let w = wildcarded { return s.publicIdentities.first { $0.identity == w }?.identity }
        if let p = u.publicIdentity { return s.publicIdentity(matching: p) != nil ? p : nil }
        guard let octets = u.msisdn, let digits = msisdnDigits(octets) else { return nil }
        if let tel = s.publicIdentities.first(where: { $0.identity == "tel:+\(digits)" }) { return tel.identity }
        if s.eps?.msisdn == digits { return s.publicIdentities.first { $0.type == .publicUserIdentity }?.identity }
        return nil
    }

    /// TBCD digits (TS 29.002 §17.7.8: low nibble first, 0xF filler); nil when a nibble is not a digit.
    public static func msisdnDigits(_ octets: [UInt8]) -> String? {
        var out = ""
        for (n, b) in octets.enumerated() {
            for nibble in [b & 0x0F, b >> 4] {
                if nibble == 0x0F, n == octets.count - 1, nibble == b >> 4 { continue }
                guard nibble <= 9 else { return nil }
                out.append(Character(Unicode.Scalar(UInt8(ascii: "0") + nibble)))
            }
        }
        return out.isEmpty ? nil : out
    }

    /// What every data reference of a request needs (TS 29.328 §7.6, TS 29.329 §6.1.1): served here,
    /// permitted for the AS (`refused` for that operation), and the AVPs that qualify it present.
    static func check(
        _ refs: [DataReference], permitted: Set<UInt32>?, refused: ResultCode, serviceIndications: [[UInt8]], dsaiTags: [[UInt8]],
        requestedDomain: Bool, server: ShApplicationServer?
    ) -> (ResultCode, [AVP])? {
        guard !refs.isEmpty else { return (.missingAVP, [AVP(.dataReference, .enumeratedValue(0))]) }
        for d in refs {
            let failed = [AVP(.dataReference, .enumeratedValue(d.rawValue))]
            guard d.name != nil else { return (.errorUserDataNotRecognized, failed) }
            guard let server, (permitted ?? server.read).contains(d.code) else { return (refused, failed) }
            switch d {
            case .repositoryData:
                guard !serviceIndications.isEmpty else { return (.missingAVP, [AVP(.serviceIndication, .data([]))]) }
                if let si = serviceIndications.first(where: { !server.allows(serviceIndication: $0) }) {
                    return (.errorUserDataNotRecognized, [AVP(.serviceIndication, .data(si))])
                }
            case .dsai:
                guard !dsaiTags.isEmpty else { return (.missingAVP, [AVP(.dsaiTag, .data([]))]) }
                if let tag = dsaiTags.first(where: { !server.allows(dsaiTag: $0) }) { return (.errorDSAINotAvailable, [AVP(.dsaiTag, .data(tag))]) }
            case .locationInformation, .userState:
                guard requestedDomain else { return (.missingAVP, [AVP(.requestedDomain, .enumeratedValue(0))]) }
            default: break
            }
        }
        return nil
    }

    // MARK: UDR (TS 29.328 §6.1.1)

    public static func userData(_ r: UserDataRequest, subscription s: IMSSubscription?, context: HSSContext, access: ShAccess) -> ProcedureOutcome<UserDataAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<UserDataAnswer> {
            ProcedureOutcome(UserDataAnswer(envelope: envelope(r.envelope, context, rc, failed: failed)))
        }
        guard let s, let identity = identity(r.userIdentity, wildcarded: r.wildcardedPublicIdentity ?? r.wildcardedIMPU, in: s) else {
            return answer(.errorUserUnknown)
        }
        if let (rc, failed) = check(
            r.dataReferences, permitted: nil, refused: .errorUserDataCannotBeRead, serviceIndications: r.serviceIndications, dsaiTags: r.dsaiTags,
            requestedDomain: r.requestedDomain != nil, server: access.server)
        {
            return answer(rc, failed: failed)
        }
        // TS 29.328 §7.6.10: PSI activation is data of a PSI.
        if r.dataReferences.contains(.psiActivation), s.publicIdentity(matching: identity)?.type.isPSI != true { return answer(.errorOperationNotAllowed) }
        let q = ShQuery(
            identity: identity, dataReferences: r.dataReferences, serviceIndications: r.serviceIndications, identitySets: r.identitySets.map { UInt32(bitPattern: $0.rawValue) },
            serverName: r.serverName, requestedDomain: r.requestedDomain.map { UInt32(bitPattern: $0.rawValue) }, requestedNodes: r.requestedNodes, dsaiTags: r.dsaiTags)
        switch ShDataDocument.xml(q, subscription: s) {
        case .failure(let e): return answer(e.resultCode)
        case .success(let xml):
            return ProcedureOutcome(UserDataAnswer(envelope: envelope(r.envelope, context, .success), shUserData: xml))
        }
    }

    // MARK: PUR (TS 29.328 §6.1.3)

    public static func profileUpdate(_ r: ProfileUpdateRequest, subscription s: IMSSubscription?, context: HSSContext, access: ShAccess) -> ProcedureOutcome<ProfileUpdateAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<ProfileUpdateAnswer> {
            ProcedureOutcome(ProfileUpdateAnswer(envelope: envelope(r.envelope, context, rc, failed: failed)))
        }
        guard let s, let identity = identity(r.userIdentity, wildcarded: r.wildcardedPublicIdentity ?? r.wildcardedIMPU, in: s) else {
            return answer(.errorUserUnknown)
        }
        let d = r.dataReference
        let dataAVP = [AVP(.dataReference, .enumeratedValue(d.rawValue))]
        guard d.name != nil else { return answer(.errorUserDataNotRecognized, failed: dataAVP) }
        guard DataReference.updatable.contains(d.code), let server = access.server, server.update.contains(d.code) else {
            return answer(.errorUserDataCannotBeModified, failed: dataAVP)
        }
        // The User-Data must be an Sh-Data document (Annex D); anything else is refused, nothing stored.
        let userDataAVP = [AVP(.shUserData, .data(r.shUserData))]
        guard let doc = XMLReader.parse(r.shUserData), doc.name == "Sh-Data" else { return answer(.invalidAVPValue, failed: userDataAVP) }
        var next = s
        // Service indications whose repository data the update deletes (§6.1.3: their subscriptions end).
        var removed: [[UInt8]] = []
        switch d {
        case .repositoryData:
            let items = doc.all("RepositoryData")
            guard !items.isEmpty else { return answer(.invalidAVPValue, failed: userDataAVP) }
            for item in items {
                guard let siText = item.value("ServiceIndication"), !siText.isEmpty, let seqText = item.value("SequenceNumber"),
                    let seq = UInt32(seqText), seq <= 65535
                else { return answer(.invalidAVPValue, failed: userDataAVP) }
                let si = Array(siText.utf8)
                guard server.allows(serviceIndication: si) else { return answer(.errorUserDataNotRecognized, failed: [AVP(.serviceIndication, .data(si))]) }
                let data = item.child("ServiceData").map { Array($0.content) }
                let index = next.state.sh.repository.firstIndex { $0.identity == identity && $0.serviceIndication == si }
                if let index {
                    // §6.1.3: the AS sends the stored sequence number plus one; after 65535 comes 1 (0 only creates).
                    let stored = next.state.sh.repository[index].sequenceNumber
                    guard seq == (stored >= 65535 ? 1 : stored + 1) else { return answer(.errorTransparentDataOutOfSync) }
                } else {
                    guard seq == 0 else { return answer(.errorTransparentDataOutOfSync) }
                    // Nothing stored under it: nothing to delete.
                    guard data != nil else { return answer(.errorOperationNotAllowed) }
                }
                if let data {
                    guard data.count <= access.policy.maxRepositoryDataBytes else { return answer(.errorTooMuchData) }
                    let stored = RepositoryItem(identity: identity, serviceIndication: si, sequenceNumber: seq, serviceData: data)
                    if let index { next.state.sh.repository[index] = stored } else { next.state.sh.repository.append(stored) }
                } else if let index {
                    next.state.sh.repository.remove(at: index)
                    removed.append(si)
                }
            }
        case .psiActivation:
            // TS 29.328 §7.6.10: only a distinct PSI has an activation state.
            guard next.publicIdentity(matching: identity)?.type == .distinctPSI else { return answer(.errorOperationNotAllowed) }
            guard let v = doc.child("Sh-IMS-Data")?.child("Extension")?.value("PSIActivation"), v == "0" || v == "1" else {
                return answer(.invalidAVPValue, failed: userDataAVP)
            }
            next.state.sh.psiActivation[identity] = v == "1"
        default:  // .dsai (TS 29.328 §7.14)
            guard let list = doc.child("Sh-IMS-Data")?.child("Extension")?.child("Extension")?.all("DSAI"), !list.isEmpty else {
                return answer(.invalidAVPValue, failed: userDataAVP)
            }
            for e in list {
                guard let tagText = e.value("DSAI-Tag"), let v = e.value("DSAI-Value"), v == "0" || v == "1" else { return answer(.invalidAVPValue, failed: userDataAVP) }
                let tag = Array(tagText.utf8)
                guard server.allows(dsaiTag: tag) else { return answer(.errorDSAINotAvailable, failed: [AVP(.dsaiTag, .data(tag))]) }
                next.state.sh.dsai.removeAll { $0.identity == identity && $0.tag == tag }
                if v == "1" { next.state.sh.dsai.append(DSAIValue(identity: identity, tag: tag, active: false)) }
            }
        }
        var outcome = ProcedureOutcome(ProfileUpdateAnswer(envelope: envelope(r.envelope, context, .success)), updated: next)
        ShNotifications.attach(&outcome, old: s, now: access.now, except: access.peer)
        // §6.1.3: deleting the data ends the subscriptions to it (after their PNR said so).
        if !removed.isEmpty, var u = outcome.updated {
            u.state.sh.subscriptions.removeAll { sub in
                sub.identity == identity && sub.dataReference == DataReference.repositoryData.code && sub.serviceIndications.contains { removed.contains($0) }
            }
            outcome.updated = u
        }
        return outcome
    }

    // MARK: SNR (TS 29.328 §6.1.4)

    public static func subscribeNotifications(
        _ r: SubscribeNotificationsRequest, subscription s: IMSSubscription?, context: HSSContext, access: ShAccess
    ) -> ProcedureOutcome<SubscribeNotificationsAnswer> {
        func answer(_ rc: ResultCode, failed: [AVP] = []) -> ProcedureOutcome<SubscribeNotificationsAnswer> {
            ProcedureOutcome(SubscribeNotificationsAnswer(envelope: envelope(r.envelope, context, rc, failed: failed)))
        }
        guard let s, let identity = identity(r.userIdentity, wildcarded: r.wildcardedPublicIdentity ?? r.wildcardedIMPU, in: s) else {
            return answer(.errorUserUnknown)
        }
        if let d = r.dataReferences.first(where: { $0.name != nil && !DataReference.notifiable.contains($0.code) }) {
            return answer(.errorUserDataCannotBeNotified, failed: [AVP(.dataReference, .enumeratedValue(d.rawValue))])
        }
        if let (rc, failed) = check(
            r.dataReferences, permitted: access.server?.subscribe ?? [], refused: .errorUserDataCannotBeNotified, serviceIndications: r.serviceIndications,
            dsaiTags: r.dsaiTags, requestedDomain: true, server: access.server)
        {
            return answer(rc, failed: failed)
        }
        let wantsData = r.sendDataIndication == .userDataRequested
        if wantsData, let server = access.server, let d = r.dataReferences.first(where: { !server.read.contains($0.code) }) {
            return answer(.errorUserDataCannotBeRead, failed: [AVP(.dataReference, .enumeratedValue(d.rawValue))])
        }
        if r.dataReferences.contains(.psiActivation), s.publicIdentity(matching: identity)?.type.isPSI != true { return answer(.errorOperationNotAllowed) }
        var next = s
        let sets = r.identitySets.map { UInt32(bitPattern: $0.rawValue) }
        // One subscription per data reference (the PNR says what changed of it).
        let wanted = r.dataReferences.map { d in
            ShSubscription(
                applicationServer: access.peer, realm: r.envelope.originRealm, identity: identity, dataReference: d.code,
                serviceIndications: d == .repositoryData ? r.serviceIndications : [], identitySets: d == .imsPublicIdentity ? sets : [],
                serverName: d == .initialFilterCriteria ? r.serverName : nil, dsaiTags: d == .dsai ? r.dsaiTags : [],
                oneTime: r.oneTimeNotification != nil)
        }
        var expiry: UInt32?
        if r.subsReqType == .unsubscribe {
            let before = next.state.sh.subscriptions.count
            next.state.sh.subscriptions.removeAll { have in wanted.contains { $0.sameTarget(have) } }
            // TS 29.328 §6.1.4: nothing to end.
            guard next.state.sh.subscriptions.count < before else { return answer(.errorNoSubscriptionToData) }
        } else {
            // §6.1.4: subscribing to repository data the HSS does not hold is DIAMETER_ERROR_SUBS_DATA_ABSENT.
            if r.dataReferences.contains(.repositoryData),
                let si = r.serviceIndications.first(where: { s.state.sh.repositoryItem(identity, $0) == nil })
            {
                return answer(.errorSubsDataAbsent, failed: [AVP(.serviceIndication, .data(si))])
            }
            // Expiry-Time (NTP seconds): as asked, cut to the operator's longest; absent means none unless the
            // operator sets one. The SNA says what was granted.
            var expires: UInt64? = r.expiryTime.map { UInt64($0) >= ntpOffset ? UInt64($0) - ntpOffset : 0 }
            // (`now` 0: no clock was given; nothing is cut rather than everything expired.) Saturating: the
            // limit is the operator's and may be huge.
            if let max = access.policy.maxSubscriptionSeconds, access.now > 0 {
                let (end, overflow) = access.now.addingReportingOverflow(max)
                expires = min(expires ?? .max, overflow ? .max : end)
            }
            next.state.sh.subscriptions.removeAll { have in wanted.contains { $0.sameTarget(have) } || !have.isLive(at: access.now) }
            for var w in wanted {
                w.expires = expires
                next.state.sh.subscriptions.append(w)
            }
            // Expiry-Time is Time (NTP seconds, 32 bits): a later end says the latest it can.
            expiry = expires.map { end in
                let (t, overflow) = end.addingReportingOverflow(ntpOffset)
                return UInt32(clamping: overflow ? .max : t)
            }
        }
        var data: [UInt8]?
        if wantsData {
            let q = ShQuery(
                identity: identity, dataReferences: r.dataReferences, serviceIndications: r.serviceIndications, identitySets: sets,
                serverName: r.serverName, dsaiTags: r.dsaiTags)
            if case .success(let xml) = ShDataDocument.xml(q, subscription: next) { data = xml }
        }
        return ProcedureOutcome(
            SubscribeNotificationsAnswer(envelope: envelope(r.envelope, context, .success), shUserData: data, expiryTime: expiry), updated: next)
    }
}

/// The content of a PNR (TS 29.329 §6.1.7) before it gets a Session-Id.
public struct PushNotification: Hashable, Sendable {
    public var subscriptionID: String
    public var destinationHost: String
    public var destinationRealm: String
    public var identity: String
    public var userData: [UInt8]

    public func message(context: HSSContext, sessionID: String) -> PushNotificationRequest {
        PushNotificationRequest(
            envelope: ShEnvelope(
                sessionID: sessionID, originHost: context.originHost, originRealm: context.originRealm,
                destinationHost: destinationHost, destinationRealm: destinationRealm),
            userIdentity: UserIdentity(publicIdentity: identity), shUserData: userData)
    }
}

/// TS 29.328 §6.1.5: when data an AS subscribed to changes, the HSS tells it with a PNR carrying the
/// data as it is now.
public enum ShNotifications {
    /// The PNRs a change from `old` to `new` calls for: every live subscription whose document differs
    /// (a deleted repository item is reported by its service indication and sequence number), except
    /// to `except` (the AS whose PUR made the change). Expired subscriptions and one-time ones that fired
    /// are dropped from the returned subscription.
    public static func due(old: IMSSubscription, new: IMSSubscription, now: UInt64, except: String? = nil) -> (requests: [PushNotification], updated: IMSSubscription) {
        // No AS subscribed: nothing to tell and nothing to prune (no comparison of the two either).
        guard !old.state.sh.subscriptions.isEmpty else { return ([], new) }
        var next = new
        var requests: [PushNotification] = []
        var fired: [ShSubscription] = []
        // Nothing but the SQN changed (a MAR within its reserved block): no document can differ.
        var same = old
        same.state.sqn = new.state.sqn
        let unchanged = same == new
        for sub in old.state.sh.subscriptions where !unchanged && (now == 0 || sub.isLive(at: now)) && sub.applicationServer != except {
            guard new.state.sh.subscriptions.contains(sub) else { continue }
            var documents: [[UInt8]] = []
            if sub.dataReference == DataReference.repositoryData.code {
                for si in sub.serviceIndications {
                    let before = old.state.sh.repositoryItem(sub.identity, si), after = new.state.sh.repositoryItem(sub.identity, si)
                    guard before != after else { continue }
                    if let after {
                        documents.append(ShDataDocument.repositoryDocument(after))
                    } else if let before {
                        documents.append(ShDataDocument.repositoryDocument(before, withData: false))
                    }
                }
            } else {
                let q = ShQuery(sub)
                let a = try? ShDataDocument.xml(q, subscription: old).get(), b = try? ShDataDocument.xml(q, subscription: new).get()
                if let b, a != b { documents.append(b) }
            }
            guard !documents.isEmpty else { continue }
            for d in documents {
                requests.append(PushNotification(subscriptionID: new.id, destinationHost: sub.applicationServer, destinationRealm: sub.realm, identity: sub.identity, userData: d))
            }
            if sub.oneTime { fired.append(sub) }
        }
        if now > 0 || !fired.isEmpty {
            next.state.sh.subscriptions.removeAll { fired.contains($0) || (now > 0 && !$0.isLive(at: now)) }
        }
        return (requests, next)
    }

    /// Adds the PNRs a procedure's change calls for to its outcome (nothing to do, and nothing read, when
    /// no AS subscribed: the MAR path pays one emptiness check).
    public static func attach<A>(_ outcome: inout ProcedureOutcome<A>, old: IMSSubscription?, now: UInt64, except: String? = nil) {
        guard let old, !old.state.sh.subscriptions.isEmpty, let new = outcome.updated else { return }
        let (requests, updated) = due(old: old, new: new, now: now, except: except)
        outcome.requests += requests.map(HSSInitiatedRequest.pushNotification)
        if updated != new { outcome.updated = updated }
    }
}
