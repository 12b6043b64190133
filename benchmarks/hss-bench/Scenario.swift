import DiameterCore
import Foundation
import NIOCore

/// What the generator sends and what it accepts back.
enum ScenarioKind: String, CaseIterable, Sendable {
    /// MAR, Digest-AKAv1-MD5, `--vectors` items.
    case mar
    case uar
    /// SAR alternating REGISTRATION and USER_DEREGISTRATION per subscriber: every SAR is a state change
    /// (a durable commit with --data-dir).
    case sar
    /// LIR on registered subscribers (the run registers them first).
    case lir
    /// A registration mix: first UAR → MAR → UAR → SAR(REGISTRATION) per subscriber, then repeated
    /// re-registrations (UAR → MAR → UAR → SAR(RE_REGISTRATION)) with one LIR each (a call per
    /// re-registration: ~2 re-registrations and ~2 terminating calls per subscriber per hour).
    case mix
    /// S6a AIR, `--vectors` E-UTRAN vectors (TS 29.272 §5.2.3.1).
    case air
    /// S6a ULR from the connection's MME, alternating the Initial-Attach-Indicator so that every ULR
    /// changes the stored registration (a durable commit with --data-dir); no CLR (the MME stays).
    case ulr
    /// An attach mix per subscriber: AIR → ULR (initial attach) → AIR → PUR, repeated (PUR and the next
    /// ULR are writes, the AIRs mostly not).
    case attach
    /// Sh UDR as a TAS asks on a call: IMSUserState, S-CSCFName and the iFCs of its AS (reads only).
    case udr
    /// Sh as a TAS keeps its data (GET-heavy): per subscriber, PUR creating MMTEL-style repository data,
    /// UDRs, SNR, UDRs, PUR updating it, UDRs, SNR unsubscribing, PUR deleting it: 12 UDR, 3 PUR, 2 SNR
    /// in 17 requests. The service indication is new per planner, so runs never see each other's data.
    case shMix = "sh-mix"
    /// A registration storm (`hss-bench storm`): each subscriber's first registration, UAR → MAR (which
    /// assigns the S-CSCF, a write) → SAR(REGISTRATION) (a write), once; the run ends when all are done.
    case storm
}

/// One request to send: its bytes and how to check the answer.
struct PlannedRequest {
    var bytes: ByteBuffer
    var command: UInt32
    var check: Check
    /// Storm: the planner's slot of the subscriber.
    var slot: Int?

    enum Check {
        case result([ResultCode])
        case mar(items: Int)
        case air(items: Int)
    }
}

/// Builds requests for subscribers: each connection owns the subscribers i ≡ c (mod connections) and
/// walks them round-robin, so with more subscribers per connection than its window, a subscriber's next
/// step is sent only after its previous one was answered.
struct RequestPlanner {
    let kind: ScenarioKind
    let vectors: UInt32
    let origin: String
    let subscribers: [Int]
    var cursor = 0
    /// Per subscriber (by position in `subscribers`): the next step of its sequence.
    var steps: [UInt8]
    var session: UInt64 = 0
    let allocator = ByteBufferAllocator()
    /// RFC 6733 §3: End-to-End ids unique per origin over time (high 12 bits from the clock, the rest
    /// random + counter), so consecutive runs never look like duplicates (§6.2 duplicate detection).
    let endToEndBase = UInt32(truncatingIfNeeded: UInt64(Date().timeIntervalSince1970)) << 20 | UInt32.random(in: 0..<(1 << 20))

    /// sh-mix: this planner's service indication.
    let serviceIndication = Array("bench-\(UInt32.random(in: 0...UInt32.max))".utf8)

    /// MAR: per subscriber (by position), the request encoded once (``RequestTemplate``): each MAR is then
    /// written by copying, with a new Session-Id and identifiers, instead of being built and encoded.
    var marTemplates: [RequestTemplate?]
    let originOctets: [UInt8]

    init(kind: ScenarioKind, vectors: UInt32, origin: String, subscribers: [Int]) {
        self.kind = kind
        self.vectors = vectors
        self.origin = origin
        self.subscribers = subscribers
        steps = Array(repeating: 0, count: subscribers.count)
        marTemplates = Array(repeating: nil, count: kind == .mar ? subscribers.count : 0)
        originOctets = Array(origin.utf8)
    }

    static let serverName = "sip:scscf.bench.test:6060"

    func envelope(_ session: UInt64) -> CxEnvelope {
        CxEnvelope(sessionID: "\(origin);\(session)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm)
    }

    /// Storm: subscribers whose registration is done (their step is 3), and how many.
    var finished = 0

    /// The next request, or nil when a storm has registered every subscriber of this planner. A storm
    /// sends a subscriber's next step only after the previous one was answered (`answered(slot:)`).
    mutating func next(hopByHop: UInt32) -> PlannedRequest? {
        if kind == .storm {
            guard let slot = nextStormSlot() else { return nil }
            return request(slot: slot, hopByHop: hopByHop)
        }
        let slot = cursor
        cursor = (cursor + 1) % subscribers.count
        return request(slot: slot, hopByHop: hopByHop)
    }

    /// Storm: slots in flight (a step sent, not answered).
    var inFlight: Set<Int> = []

    mutating func nextStormSlot() -> Int? {
        guard finished < subscribers.count else { return nil }
        for _ in 0..<subscribers.count {
            let slot = cursor
            cursor = (cursor + 1) % subscribers.count
            if steps[slot] < 3 && !inFlight.contains(slot) {
                inFlight.insert(slot)
                return slot
            }
        }
        return nil
    }

    /// Storm: `slot`'s step is to be sent again.
    mutating func retry(slot: Int) { inFlight.remove(slot) }

    /// Storm: the answer to `slot`'s step arrived; the subscriber moves on (after SAR: done).
    mutating func answered(slot: Int) {
        guard kind == .storm, inFlight.remove(slot) != nil else { return }
        steps[slot] += 1
        if steps[slot] == 3 { finished += 1 }
    }

    mutating func request(slot: Int, hopByHop: UInt32) -> PlannedRequest {
        if kind == .mar, let template = marTemplates[slot] {
            session &+= 1
            let bytes = template.write(
                hopByHopID: hopByHop, endToEndID: endToEndBase &+ hopByHop, origin: originOctets, session: session, allocator: allocator)
            return PlannedRequest(bytes: bytes, command: 303, check: .mar(items: Int(vectors)))
        }
        let i = subscribers[slot]
        session &+= 1
        let env = envelope(session)
        let impi = Population.impi(i), impu = Population.impu(i)
        let endToEnd = endToEndBase &+ hopByHop
        func encode(_ m: some CxMessage) -> ByteBuffer { m.encode(hopByHopID: hopByHop, endToEndID: endToEnd, allocator: allocator) }
        func uar() -> PlannedRequest {
            PlannedRequest(
                bytes: encode(UserAuthorizationRequest(envelope: env, userName: impi, publicIdentity: impu, visitedNetworkIdentifier: Array(Population.realm.utf8))),
                command: 300, check: .result([.firstRegistration, .subsequentRegistration, .success]))
        }
        func mar() -> PlannedRequest {
            PlannedRequest(
                bytes: encode(MultimediaAuthRequest(
                    envelope: env, userName: impi, publicIdentity: impu, sipAuthDataItem: SIPAuthDataItem(sipAuthenticationScheme: "Digest-AKAv1-MD5"),
                    sipNumberAuthItems: vectors, serverName: Self.serverName)),
                command: 303, check: .mar(items: Int(vectors)))
        }
        func sar(_ type: ServerAssignmentType) -> PlannedRequest {
            PlannedRequest(
                bytes: encode(ServerAssignmentRequest(
                    envelope: env, userName: impi, publicIdentities: [impu], serverName: Self.serverName, serverAssignmentType: type,
                    userDataAlreadyAvailable: type == .registration ? .userDataNotAvailable : .userDataAlreadyAvailable)),
                command: 301, check: .result([.success]))
        }
        func lir() -> PlannedRequest {
            PlannedRequest(bytes: encode(LocationInfoRequest(envelope: env, publicIdentity: impu)), command: 302, check: .result([.success]))
        }
        func s6a() -> S6aEnvelope {
            S6aEnvelope(sessionID: "\(origin);\(session)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm)
        }
        func s6aEncode(_ m: some S6aMessage) -> ByteBuffer { m.encode(hopByHopID: hopByHop, endToEndID: endToEnd, allocator: allocator) }
        func air() -> PlannedRequest {
            PlannedRequest(
                bytes: s6aEncode(AuthenticationInformationRequest(
                    envelope: s6a(), userName: Population.imsi(i),
                    requestedEUTRANAuthenticationInfo: RequestedEUTRANAuthenticationInfo(numberOfRequestedVectors: vectors),
                    visitedPLMNID: Population.homePLMN)),
                command: 318, check: .air(items: Int(vectors)))
        }
        func ulr(initialAttach: Bool) -> PlannedRequest {
            PlannedRequest(
                bytes: s6aEncode(UpdateLocationRequest(
                    envelope: s6a(), userName: Population.imsi(i), ratType: .eutran,
                    ulrFlags: initialAttach ? 0b10_0010 : 0b10, visitedPLMNID: Population.homePLMN)),
                command: 316, check: .result([.success]))
        }
        func pur() -> PlannedRequest {
            PlannedRequest(bytes: s6aEncode(PurgeUERequest(envelope: s6a(), userName: Population.imsi(i))), command: 321, check: .result([.success]))
        }
        func sh() -> ShEnvelope {
            ShEnvelope(sessionID: "\(origin);\(session)", originHost: origin, originRealm: Population.realm, destinationRealm: Population.realm)
        }
        func shEncode(_ m: some ShMessage) -> ByteBuffer { m.encode(hopByHopID: hopByHop, endToEndID: endToEnd, allocator: allocator) }
        let user = UserIdentity(publicIdentity: impu)
        func udr(_ refs: [DataReference]) -> PlannedRequest {
            PlannedRequest(
                bytes: shEncode(UserDataRequest(
                    envelope: sh(), userIdentity: user, serverName: "sip:mmtel.bench.test",
                    serviceIndications: refs.contains(.repositoryData) ? [serviceIndication] : [], dataReferences: refs)),
                command: 306, check: .result([.success]))
        }
        func pur(seq: Int, data: String?) -> PlannedRequest {
            let si = String(decoding: serviceIndication, as: UTF8.self)
            let xml = "<Sh-Data><RepositoryData><ServiceIndication>\(si)</ServiceIndication><SequenceNumber>\(seq)</SequenceNumber>"
                + (data.map { "<ServiceData>\($0)</ServiceData>" } ?? "") + "</RepositoryData></Sh-Data>"
            return PlannedRequest(
                bytes: shEncode(ProfileUpdateRequest(envelope: sh(), userIdentity: user, dataReference: .repositoryData, shUserData: Array(xml.utf8))),
                command: 307, check: .result([.success]))
        }
        func snr(_ type: SubsReqType) -> PlannedRequest {
            PlannedRequest(
                bytes: shEncode(SubscribeNotificationsRequest(
                    envelope: sh(), userIdentity: user, serviceIndications: [serviceIndication], subsReqType: type, dataReferences: [.repositoryData])),
                command: 308, check: .result([.success]))
        }
        switch kind {
        case .udr: return udr([.imsUserState, .scscfName, .initialFilterCriteria])
        case .shMix:
            let s = steps[slot]
            steps[slot] = (s + 1) % 17
            switch s {
            case 0: return pur(seq: 0, data: "<cdiv active=\"true\"><target>tel:+19990000001</target></cdiv>")
            case 5: return snr(.subscribe)
            case 10: return pur(seq: 1, data: "<cdiv active=\"false\"/>")
            case 15: return snr(.unsubscribe)
            case 16: return pur(seq: 2, data: nil)
            default: return udr([.repositoryData, .imsUserState])
            }
        case .storm:
            var r: PlannedRequest
            switch steps[slot] {
            case 0: r = uar()
            case 1: r = mar()
            default: r = sar(.registration)
            }
            r.slot = slot
            return r
        case .air: return air()
        case .ulr:
            let s = steps[slot]
            steps[slot] = s == 0 ? 1 : 0
            return ulr(initialAttach: s == 0)
        case .attach:
            let s = steps[slot]
            steps[slot] = (s + 1) % 4
            switch s {
            case 0, 2: return air()
            case 1: return ulr(initialAttach: true)
            default: return pur()
            }
        case .mar:
            let r = mar()
            // Kept only when it writes this very request again, octet for octet.
            if let t = RequestTemplate(r.bytes),
                t.write(hopByHopID: hopByHop, endToEndID: endToEnd, origin: originOctets, session: session, allocator: allocator) == r.bytes
            {
                marTemplates[slot] = t
            }
            return r
        case .uar: return uar()
        case .lir:
            // Register once, then LIR.
            if steps[slot] == 0 {
                steps[slot] = 1
                return sar(.registration)
            }
            return lir()
        case .sar:
            let s = steps[slot]
            steps[slot] = s == 0 ? 1 : 0
            return sar(s == 0 ? .registration : .userDeregistration)
        case .mix:
            let s = steps[slot]
            steps[slot] = s == 8 ? 4 : s + 1
            switch s {
            case 0, 2, 4, 6: return uar()
            case 1, 5: return mar()
            case 3: return sar(.registration)
            case 7: return sar(.reRegistration)
            default: return lir()
            }
        }
    }
}

/// Checks an answer; returns nil when it is right, else a label for the error table.
func verify(_ answer: DiameterMessage, against plan: PlannedRequest.Check, command: UInt32) -> String? {
    guard answer.commandCode == command, !answer.isRequest else { return "wrong command \(answer.commandCode)" }
    let rc: ResultCode?
    if let v = answer.first(.resultCode)?.unsigned32 {
        rc = ResultCode(v)
    } else if let e = answer.first(.experimentalResult), let v = e.first(.experimentalResultCode)?.unsigned32 {
        rc = ResultCode(v, vendorID: e.first(.vendorID)?.unsigned32)
    } else {
        rc = nil
    }
    switch plan {
    case .result(let ok):
        guard let rc, ok.contains(rc) else { return "\(command) \(rc?.description ?? "no result")" }
        return nil
    case .mar(let items):
        guard rc == .success else { return "303 \(rc?.description ?? "no result")" }
        let got = answer.all(.sipAuthDataItem)
        guard got.count == items, answer.first(.sipNumberAuthItems)?.unsigned32 == UInt32(items),
            got.allSatisfy({ $0.first(.sipAuthenticate)?.bytes.count == 32 && $0.first(.sipAuthorization) != nil })
        else { return "303 wrong vectors" }
        return nil
    case .air(let items):
        guard rc == .success else { return "318 \(rc?.description ?? "no result")" }
        let vectors = answer.first(.authenticationInfo)?.all(.eutranVector) ?? []
        guard vectors.count == items, vectors.allSatisfy({ $0.first(.kasme)?.bytes.count == 32 }) else { return "318 wrong vectors" }
        return nil
    }
}

/// A request encoded once, written again with another Session-Id ("origin;session", as the typed envelope
/// writes it) and other Hop-by-Hop and End-to-End identifiers: the header's flags, command and application,
/// the Session-Id AVP's flags, and every AVP after it, as encoded. The generator offers twice the
/// capacity of a server on a core of its own from one core, and building and encoding each MAR took a
/// fifth of that core (docs/benchmarks.md "Refusals at half the cost").
struct RequestTemplate {
    let flagsAndCommand: UInt32
    let applicationID: UInt32
    let sessionIDFlags: UInt8
    /// The AVPs after Session-Id, padded.
    let tail: [UInt8]

    /// Nil unless the encoded request's first AVP is Session-Id (RFC 6733 §8.8: it comes first) and its
    /// lengths are sound.
    init?(_ encoded: ByteBuffer) {
        let at = encoded.readerIndex
        guard let word = encoded.getInteger(at: at, as: UInt32.self), Int(word & 0xFF_FFFF) == encoded.readableBytes,
            let flagsAndCommand = encoded.getInteger(at: at + 4, as: UInt32.self),
            let applicationID = encoded.getInteger(at: at + 8, as: UInt32.self),
            encoded.getInteger(at: at + 20, as: UInt32.self) == AVPDefinition.sessionID.code,
            let avpWord = encoded.getInteger(at: at + 24, as: UInt32.self), avpWord & 0x8000_0000 == 0
        else { return nil }
        let padded = (Int(avpWord & 0xFF_FFFF) + 3) & ~3
        guard let tail = encoded.getBytes(at: at + 20 + padded, length: encoded.readableBytes - 20 - padded) else { return nil }
        self.flagsAndCommand = flagsAndCommand
        self.applicationID = applicationID
        self.sessionIDFlags = UInt8(avpWord >> 24)
        self.tail = tail
    }

    func write(hopByHopID: UInt32, endToEndID: UInt32, origin: [UInt8], session: UInt64, allocator: ByteBufferAllocator) -> ByteBuffer {
        var digits = 1
        var rest = session / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let avpLength = 8 + origin.count + 1 + digits
        let padded = (avpLength + 3) & ~3
        let length = 20 + padded + tail.count
        var b = allocator.buffer(capacity: length)
        b.writeInteger(UInt32(1) << 24 | UInt32(length))
        b.writeInteger(flagsAndCommand)
        b.writeInteger(applicationID)
        b.writeInteger(hopByHopID)
        b.writeInteger(endToEndID)
        b.writeInteger(AVPDefinition.sessionID.code)
        b.writeInteger(UInt32(sessionIDFlags) << 24 | UInt32(avpLength))
        b.writeBytes(origin)
        b.writeInteger(UInt8(ascii: ";"))
        b.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            var v = session
            for i in stride(from: digits - 1, through: 0, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            return digits
        }
        b.writeRepeatingByte(0, count: padded - avpLength)
        b.writeBytes(tail)
        return b
    }
}
