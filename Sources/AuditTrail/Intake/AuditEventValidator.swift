import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one validator: limits, formats, defaults, redaction and IP anonymisation, in that order.
///
/// Every entrance (HTTP, middleware, library, CLI, client spool) calls ``prepare(_:receivedAt:)``
/// and hands the result to the ``AuditWriter``.
///
/// ```swift
/// let validator = AuditEventValidator(configuration: .init(anonymizeIPs: true))
/// let prepared = try validator.prepare(AuditEventInput(action: "user.login"))
/// ```
public struct AuditEventValidator: Sendable {
    public struct Configuration: Sendable {
        /// Largest encoded event (API.md: 64 KiB).
        public var maxEventBytes = 64 * 1024
        /// Longest string or key anywhere in an event, in characters (Unicode code points, as
        /// JSON Schema's `maxLength` counts; API.md: 8 Ki). The JSON reader refuses a string of
        /// more than 4× as many UTF-8 bytes while it reads.
        public var maxStringLength = 8 * 1024
        /// Most entries in `files`, `tags` or `compliance`, and in any array of free-form JSON
        /// (`metadata`, `changes`, `request.headers`), checked while the event is read.
        public var maxListCount = 1000
        /// Most members of any one object of an event (the event itself, `metadata`, `changes`,
        /// `request.headers` and every object inside them), checked while the event is read.
        public var maxObjectMembers = 1000
        /// Truncate `actor.ip` to /24 (IPv4) or /48 (IPv6) before storing.
        public var anonymizeIPs = false
        /// Times further than this in the future are rejected (clock skew allowance).
        public var maxFutureSkewMilliseconds: Int64 = 24 * 3_600_000
        /// Times further than this in the past are rejected; nil (the default) accepts any past
        /// time (imports, replays of old logs). The server sets it (`--max-event-age`, 30 days by
        /// default), so that a producer cannot date events over decades and bloat every reader's
        /// histogram and time range.
        public var maxPastSkewMilliseconds: Int64?
        public var redactor = AuditRedactor.Configuration()
        public var catalog = AuditActionCatalog.standard

        public init(anonymizeIPs: Bool = false) { self.anonymizeIPs = anonymizeIPs }

        /// The limits above that the JSON reader checks while it reads an event, before the
        /// validator sees it: the event's bytes, string length, object members and array elements.
        public var jsonLimits: JSONParser.Limits {
            JSONParser.Limits(
                maxValueBytes: maxEventBytes,
                maxStringBytes: auditMaxUTF8Bytes(forLength: maxStringLength),
                maxObjectMembers: maxObjectMembers,
                maxArrayElements: maxListCount
            )
        }
    }

    public var configuration: Configuration
    let redactor: AuditRedactor

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        self.redactor = AuditRedactor(configuration: configuration.redactor)
    }

    /// Parses, validates and prepares one event from JSON bytes (the HTTP single-event path).
    public func prepare(json bytes: some Collection<UInt8>, receivedAt: AuditTime = .now()) throws(AuditTrailError) -> PreparedAuditEvent {
        guard bytes.count <= configuration.maxEventBytes else {
            throw AuditTrailError(
                .tooLarge,
                "event: larger than \(configuration.maxEventBytes) bytes",
                fieldErrors: [.init(field: "event", message: "must be at most \(configuration.maxEventBytes) bytes encoded")]
            )
        }
        return try prepare(AuditEventInput(jsonBytes: bytes, limits: configuration.jsonLimits), receivedAt: receivedAt)
    }

    /// Validates `input` and returns it ready for the writer, or throws naming every bad field.
    ///
    /// - Parameter producer: who hands the event over (its `ingested_by`; an API key may not write
    ///   the reserved actions). Default ``AuditProducer/application``.
    public func prepare(
        _ input: AuditEventInput,
        receivedAt: AuditTime = .now(),
        fieldPrefix prefix: String = "",
        producer: AuditProducer = .application
    ) throws(AuditTrailError) -> PreparedAuditEvent {
        let event = try validate(input, receivedAt: receivedAt, fieldPrefix: prefix, producer: producer)
        let prepared = PreparedAuditEvent(event: event, clientID: input.id != nil)
        guard prepared.parts.estimatedSize <= configuration.maxEventBytes else {
            throw AuditTrailError(
                .tooLarge,
                "\(prefix)event: larger than \(configuration.maxEventBytes) bytes",
                fieldErrors: [
                    .init(
                        field: prefix.isEmpty ? "event" : String(prefix.dropLast()),
                        message: "must be at most \(configuration.maxEventBytes) bytes encoded"
                    )
                ]
            )
        }
        return prepared
    }

    /// Checks every rule and fills every default; redacts secrets and anonymises the IP.
    public func validate(
        _ input: AuditEventInput,
        receivedAt: AuditTime = .now(),
        fieldPrefix prefix: String = "",
        producer: AuditProducer = .application
    ) throws(AuditTrailError) -> AuditEvent {
        var r = FieldReader(prefix: prefix)
        var actorIP: AuditIPAddress?
        let maxString = configuration.maxStringLength
        // The field name is built only when a rule is broken (list entries would allocate one each).
        func check(_ value: String?, _ field: @autoclosure () -> String, maxLength: Int? = nil, nonEmpty: Bool = false) {
            guard let value else { return }
            let limit = maxLength ?? maxString
            if value.exceedsLength(limit) { r.fail(field(), "must be at most \(limit) characters") }
            if nonEmpty && value.isEmpty { r.fail(field(), "must not be empty") }
        }
        // action, category
        if input.action.isEmpty {
            r.fail("action", "is required")
        } else if input.action.exceedsLength(128) {
            r.fail("action", "must be at most 128 characters")
        } else if !Self.isDotted(input.action, minimumSegments: 2) {
            r.fail("action", "must be dotted lower case, <category>.<verb>[.<qualifier>] (a-z, 0-9, _)")
        } else if !producer.mayWriteReserved && AuditProducer.isReserved(input.action) {
            r.fail("action", "audit.* and security.alert are reserved for the records the log writes itself")
        }
        if let category = input.category,
            category.isEmpty || category.exceedsLength(64) || !Self.isDotted(category, minimumSegments: 1) || category.contains(".")
        {
            r.fail("category", "must be lower case a-z, 0-9 and _, at most 64 characters")
        }
        var id = input.id
        if let given = input.id {
            if let uuid = AuditEventID.normalizedUUID(given) {
                id = uuid
            } else {
                r.fail("id", "must be a UUID such as 0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f")
            }
        }
        if let time = input.time, time.milliseconds > receivedAt.milliseconds + configuration.maxFutureSkewMilliseconds {
            r.fail("time", "must not be more than \(configuration.maxFutureSkewMilliseconds / 3_600_000) hours in the future")
        }
        if let time = input.time, let past = configuration.maxPastSkewMilliseconds, time.milliseconds < receivedAt.milliseconds - past {
            let age = past % 86_400_000 == 0 ? "\(past / 86_400_000) days" : "\(past / 3_600_000) hours"
            r.fail("time", "must not be more than \(age) in the past")
        }
        check(input.description, "description")
        check(input.comment, "comment")
        if let actor = input.actor {
            check(actor.id, "actor.id", maxLength: 256, nonEmpty: true)
            check(actor.name, "actor.name", maxLength: 256)
            check(actor.type, "actor.type", maxLength: 64)
            check(actor.userAgent, "actor.user_agent")
            check(actor.sessionID, "actor.session_id", maxLength: 256)
            if let ip = actor.ip {
                if let parsed = AuditIPAddress(ip) { actorIP = parsed } else { r.fail("actor.ip", "must be an IPv4 or IPv6 address") }
            }
        }
        if let resource = input.resource {
            check(resource.type, "resource.type", maxLength: 128, nonEmpty: true)
            check(resource.id, "resource.id", maxLength: 256, nonEmpty: true)
            check(resource.name, "resource.name")
            check(resource.namespace, "resource.namespace", maxLength: 256)
        }
        // Field by field, not through an array of them: this runs for every event.
        func checkList(_ field: StaticString, _ list: [String], maxLength: Int) {
            if list.count > configuration.maxListCount { r.fail("\(field)", "must have at most \(configuration.maxListCount) entries") }
            for (index, value) in list.enumerated() { check(value, "\(field)[\(index)]", maxLength: maxLength, nonEmpty: true) }
        }
        checkList("files", input.files, maxLength: maxString)
        checkList("tags", input.tags, maxLength: 128)
        checkList("compliance", input.compliance, maxLength: 128)
        if let request = input.request {
            if let method = request.method,
                method.isEmpty || method.utf8.count > 16 || !method.utf8.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) || $0 == 45 })
            {
                r.fail("request.method", "must be an HTTP method token such as GET (letters, at most 16)")
            }
            check(request.path, "request.path", nonEmpty: true)
            if let status = request.status, !(100...599).contains(status) { r.fail("request.status", "must be an HTTP status between 100 and 599") }
            if let duration = request.durationMS, !(duration >= 0 && duration <= 86_400_000) {
                r.fail("request.duration_ms", "must be between 0 and 86400000")
            }
            check(request.correlationID, "request.correlation_id", maxLength: 256, nonEmpty: true)
        }
        if let risk = input.riskScore, !(0...100).contains(risk) { r.fail("risk_score", "must be an integer from 0 to 100") }
        if let location = input.location {
            if let country = location.country,
                country.utf8.count != 2 || !country.utf8.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) })
            {
                r.fail("location.country", "must be an ISO 3166-1 alpha-2 code such as DE")
            }
            check(location.region, "location.region", maxLength: 256)
            check(location.city, "location.city", maxLength: 256)
        }
        if let metadata = input.metadata { checkStrings(metadata, "metadata", maxString, &r) }
        if let before = input.changes?.before { checkStrings(before, "changes.before", maxString, &r) }
        if let after = input.changes?.after { checkStrings(after, "changes.after", maxString, &r) }
        if let headers = input.request?.headers { checkStrings(.object(headers), "request.headers", maxString, &r) }
        try r.throwIfFailed()

        // Defaults and taxonomy.
        let entry = configuration.catalog[input.action]
        let category = input.category ?? entry?.category ?? configuration.catalog.category(forUnknownAction: input.action)
        var redacted: [String] = []
        var actor = input.actor
        if let ip = actorIP {
            let stored = configuration.anonymizeIPs ? ip.anonymized : ip
            // The IPv4 parser accepts only the canonical dotted quad, so such input is kept as it is.
            if !(stored.isIPv4 && !configuration.anonymizeIPs) { actor?.ip = stored.description }
        }
        var changes = input.changes
        if let before = changes?.before { changes?.before = redactor.redact(before, at: "changes.before", paths: &redacted) }
        if let after = changes?.after { changes?.after = redactor.redact(after, at: "changes.after", paths: &redacted) }
        var request = input.request
        if let headers = request?.headers,
            case .object(let clean) = redactor.redact(.object(headers), at: "request.headers", paths: &redacted)
        {
            request?.headers = clean
        }
        if let path = request?.path { request?.path = redactor.redactQuery(inPath: path, at: "request.path", paths: &redacted) }
        if let method = request?.method, method.utf8.contains(where: { (97...122).contains($0) }) { request?.method = method.uppercased() }
        let metadata = input.metadata.map { redactor.redact($0, at: "metadata", paths: &redacted) }
        var location = input.location
        if let country = location?.country, country.utf8.contains(where: { (97...122).contains($0) }) { location?.country = country.uppercased() }

        return AuditEvent(
            id: id ?? AuditEventID.makeUUIDv7(at: receivedAt),
            time: input.time ?? receivedAt,
            action: input.action,
            category: category,
            severity: input.severity ?? entry?.defaultSeverity ?? .info,
            outcome: input.outcome ?? .success,
            description: input.description,
            actor: actor,
            resource: input.resource,
            changes: changes,
            files: input.files,
            comment: input.comment,
            request: request,
            riskScore: input.riskScore,
            location: location,
            tags: input.tags,
            compliance: input.compliance,
            metadata: metadata,
            redacted: redacted,
            ingestedBy: producer.name,
            receivedAt: receivedAt
        )
    }

    /// Checks the length of every string and key in free-form JSON; paths are built only for the
    /// values that break the limit.
    private func checkStrings(_ value: JSONValue, _ path: @autoclosure () -> String, _ limit: Int, _ r: inout FieldReader) {
        switch value {
        case .string(let s) where s.exceedsLength(limit): r.fail(path(), "strings must be at most \(limit) characters")
        case .array(let a): for (i, v) in a.enumerated() { checkStrings(v, "\(path())[\(i)]", limit, &r) }
        case .object(let o):
            for (k, v) in o {
                if k.exceedsLength(limit) { r.fail(path(), "keys must be at most \(limit) characters") }
                checkStrings(v, "\(path()).\(k)", limit, &r)
            }
        default: break
        }
    }

    /// `a.b_c.d`: segments of a-z, 0-9 and _, starting with a letter or digit.
    static func isDotted(_ text: String, minimumSegments: Int) -> Bool {
        var segments = 0
        var segmentLength = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "."):
                guard segmentLength > 0 else { return false }
                segments += 1
                segmentLength = 0
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): segmentLength += 1
            case UInt8(ascii: "_"):
                guard segmentLength > 0 else { return false }
                segmentLength += 1
            default: return false
            }
        }
        guard segmentLength > 0 else { return false }
        return segments + 1 >= minimumSegments
    }
}
