/// The canonical encoding of an event, prepared before it has a `seq`.
///
/// Keys sort as `action … outcome, received_at, redacted … risk_score, seq, severity … time`, so the
/// bytes are three pre-encoded runs with `received_at` and `seq` spliced between them. The
/// expensive part of encoding runs on the caller's task; the writer only concatenates.
/// `package`: only the sealer and the stores assemble events from their parts.
package struct AuditEventCanonicalParts: Sendable, Hashable {
    /// `{"action":…` through `"outcome":…`.
    package var head: [UInt8]
    /// `,"redacted":…` through `"risk_score":…`.
    package var middle: [UInt8]
    /// `,"severity":…` through `"time":…}`.
    package var tail: [UInt8]

    /// Upper bound of the final size: the runs plus `,"received_at":"…"` (41 bytes) and
    /// `,"seq":…` (at most 27 bytes).
    package var estimatedSize: Int { head.count + middle.count + tail.count + 68 }

    /// The canonical bytes with `seq` and `received_at` filled in.
    package func assemble(seq: Int64, receivedAt: AuditTime) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(estimatedSize)
        out += head
        out += #","received_at":""#.utf8
        receivedAt.write(into: &out)
        out.append(UInt8(ascii: "\""))
        out += middle
        out += #","seq":"#.utf8
        CanonicalJSON.writeInt(seq, into: &out)
        out += tail
        return out
    }

    package init(_ event: AuditEvent) {
        self.init(event, metadataJSON: event.metadata.map(CanonicalJSON.encode))
    }

    /// With the event's metadata already encoded canonically (the preparing validator shares those
    /// bytes with the search text instead of encoding the metadata twice).
    init(_ event: AuditEvent, metadataJSON: [UInt8]?) {
        var w = KeyWriter(capacity: 256)
        w.string("action", event.action)
        w.actor(event.actor)
        w.string("category", event.category)
        w.changes(event.changes)
        w.optional("comment", event.comment)
        w.list("compliance", event.compliance)
        w.optional("description", event.description)
        w.list("files", event.files)
        w.string("id", event.id)
        w.optional("ingested_by", event.ingestedBy)
        w.location(event.location)
        if let metadataJSON {
            w.key("metadata")
            w.out += metadataJSON
        }
        w.string("outcome", event.outcome.rawValue)
        head = w.out
        w = KeyWriter(first: false, capacity: 160)
        w.key("redacted")
        if event.redacted.isEmpty {
            w.out += "[]".utf8
        } else {
            CanonicalJSON.write(.array(event.redacted.map(JSONValue.string)), into: &w.out)
        }
        w.request(event.request)
        w.resource(event.resource)
        w.int("risk_score", event.riskScore)
        middle = w.out
        w = KeyWriter(first: false, capacity: 96)
        w.string("severity", event.severity.rawValue)
        w.list("tags", event.tags)
        w.time("time", event.time)
        w.out.append(UInt8(ascii: "}"))
        tail = w.out
    }

    /// Writes `"key":value` pairs in the order it is called (callers call in sorted order).
    struct KeyWriter {
        var out: [UInt8] = []
        var first: Bool

        init(first: Bool = true, capacity: Int) {
            self.first = first
            out.reserveCapacity(capacity)
            if first { out.append(UInt8(ascii: "{")) }
        }

        mutating func key(_ key: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }

        mutating func string(_ name: StaticString, _ value: String) {
            key(name)
            CanonicalJSON.writeString(value, into: &out)
        }

        mutating func optional(_ name: StaticString, _ value: String?) {
            if let value { string(name, value) }
        }

        mutating func json(_ name: StaticString, _ value: JSONValue?) {
            if let value {
                key(name)
                CanonicalJSON.write(value, into: &out)
            }
        }

        mutating func list(_ name: StaticString, _ values: [String]) {
            guard !values.isEmpty else { return }
            key(name)
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                CanonicalJSON.writeString(value, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }

        mutating func int(_ name: StaticString, _ value: Int?) {
            guard let value else { return }
            key(name)
            CanonicalJSON.writeInt(Int64(value), into: &out)
        }

        mutating func time(_ name: StaticString, _ value: AuditTime?) {
            guard let value else { return }
            key(name)
            out.append(UInt8(ascii: "\""))
            value.write(into: &out)
            out.append(UInt8(ascii: "\""))
        }

        // The event's nested objects, each written where its key sorts (the canonical encoding
        // and the API's JSON text of an input share them).

        mutating func actor(_ actor: AuditEvent.Actor?) {
            guard let actor else { return }
            object("actor") { o in
                o.optional("id", actor.id)
                o.optional("ip", actor.ip)
                o.optional("name", actor.name)
                o.optional("session_id", actor.sessionID)
                o.optional("type", actor.type)
                o.optional("user_agent", actor.userAgent)
            }
        }

        mutating func changes(_ changes: AuditEvent.Changes?) {
            guard let changes else { return }
            object("changes") { o in
                o.json("after", changes.after)
                o.json("before", changes.before)
            }
        }

        mutating func location(_ location: AuditEvent.Location?) {
            guard let location else { return }
            object("location") { o in
                o.optional("city", location.city)
                o.optional("country", location.country)
                o.optional("region", location.region)
            }
        }

        mutating func request(_ request: AuditEvent.Request?) {
            guard let request else { return }
            object("request") { o in
                o.optional("correlation_id", request.correlationID)
                if let duration = request.durationMS {
                    o.key("duration_ms")
                    CanonicalJSON.writeDouble(duration, into: &o.out)
                }
                o.json("headers", request.headers.map(JSONValue.object))
                o.optional("method", request.method)
                o.optional("path", request.path)
                o.int("status", request.status)
            }
        }

        mutating func resource(_ resource: AuditEvent.Resource?) {
            guard let resource else { return }
            object("resource") { o in
                o.optional("id", resource.id)
                o.optional("name", resource.name)
                o.optional("namespace", resource.namespace)
                o.optional("type", resource.type)
            }
        }

        /// A nested object, written in place.
        mutating func object(_ name: StaticString, _ body: (inout KeyWriter) -> Void) {
            key(name)
            out.append(UInt8(ascii: "{"))
            first = true
            body(&self)
            first = false
            out.append(UInt8(ascii: "}"))
        }
    }
}

extension AuditEvent {
    /// The canonical bytes of this event as stored (needs `seq` and `receivedAt` set).
    public var canonicalBytes: [UInt8] {
        AuditEventCanonicalParts(self).assemble(seq: seq, receivedAt: receivedAt)
    }

    /// Decodes an event from its stored canonical bytes; `hash` is set when given.
    public init(canonical bytes: some Collection<UInt8>, hash: String? = nil) throws(AuditTrailError) {
        var stored: AuditEventInput.StoredFields? = AuditEventInput.StoredFields()
        let input: AuditEventInput
        do throws(AuditTrailError) {
            input = try JSONParser.read(bytes) { (parser: inout JSONParser.Parser) throws(AuditTrailError) in
                guard parser.peek == UInt8(ascii: "{") else { throw AuditTrailError(.tampered, "stored event is not a JSON object") }
                return try AuditEventInput.read(&parser, depth: 0, fieldPrefix: "", stored: &stored).get()
            }
        } catch  where error.code == .tampered {
            throw error
        } catch {
            throw AuditTrailError(.tampered, "stored event does not decode: \(error.message)")
        }
        let seq = stored?.seq
        let received = stored?.receivedAt
        let redacted = stored?.redacted ?? []
        let ingestedBy = stored?.ingestedBy
        guard let seq, let received, let id = input.id, let time = input.time, let category = input.category else {
            throw AuditTrailError(.tampered, "stored event lacks seq, received_at, id, time or category")
        }
        self.init(
            id: id,
            time: time,
            action: input.action,
            category: category,
            severity: input.severity ?? .info,
            outcome: input.outcome ?? .success,
            description: input.description,
            actor: input.actor,
            resource: input.resource,
            changes: input.changes,
            files: input.files,
            comment: input.comment,
            request: input.request,
            riskScore: input.riskScore,
            location: input.location,
            tags: input.tags,
            compliance: input.compliance,
            metadata: input.metadata,
            redacted: redacted,
            ingestedBy: ingestedBy,
            seq: seq,
            receivedAt: received,
            hash: hash
        )
    }

    /// The JSON readers get: the canonical bytes with `"hash"` added.
    public static func responseJSON(canonical: [UInt8], hash: String) -> [UInt8] {
        var out = canonical
        guard out.last == UInt8(ascii: "}") else { return out }
        out.removeLast()
        out += #","hash":""#.utf8
        out += hash.utf8
        out += #""}"#.utf8
        return out
    }
}
