import AuditTrail
import Testing

@Suite("AuditEventCanonicalParts")
struct AuditEventCanonicalPartsTests {
    /// The stored event as a plain JSON object, built field by field from the API's names,
    /// independently of the encoder under test.
    static func expectedObject(_ e: AuditEvent, seq: Int64, receivedAt: AuditTime) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(e.id), "time": .string(e.time.rfc3339), "action": .string(e.action),
            "category": .string(e.category), "severity": .string(e.severity.rawValue),
            "outcome": .string(e.outcome.rawValue), "seq": .int(seq), "received_at": .string(receivedAt.rfc3339),
            "redacted": .array(e.redacted.map { .string($0) }),
        ]
        func put(_ key: String, _ value: String?, in object: inout [String: JSONValue]) {
            if let value { object[key] = .string(value) }
        }
        put("description", e.description, in: &o)
        put("comment", e.comment, in: &o)
        put("ingested_by", e.ingestedBy, in: &o)
        if let a = e.actor {
            var x: [String: JSONValue] = [:]
            put("id", a.id, in: &x)
            put("name", a.name, in: &x)
            put("type", a.type, in: &x)
            put("ip", a.ip, in: &x)
            put("user_agent", a.userAgent, in: &x)
            put("session_id", a.sessionID, in: &x)
            o["actor"] = .object(x)
        }
        if let r = e.resource {
            var x: [String: JSONValue] = [:]
            put("type", r.type, in: &x)
            put("id", r.id, in: &x)
            put("name", r.name, in: &x)
            put("namespace", r.namespace, in: &x)
            o["resource"] = .object(x)
        }
        if let c = e.changes {
            var x: [String: JSONValue] = [:]
            if let before = c.before { x["before"] = before }
            if let after = c.after { x["after"] = after }
            o["changes"] = .object(x)
        }
        if let r = e.request {
            var x: [String: JSONValue] = [:]
            put("method", r.method, in: &x)
            put("path", r.path, in: &x)
            put("correlation_id", r.correlationID, in: &x)
            if let status = r.status { x["status"] = .int(Int64(status)) }
            if let duration = r.durationMS { x["duration_ms"] = .double(duration) }
            if let headers = r.headers { x["headers"] = .object(headers) }
            o["request"] = .object(x)
        }
        if let l = e.location {
            var x: [String: JSONValue] = [:]
            put("country", l.country, in: &x)
            put("region", l.region, in: &x)
            put("city", l.city, in: &x)
            o["location"] = .object(x)
        }
        if let risk = e.riskScore { o["risk_score"] = .int(Int64(risk)) }
        for (key, list) in [("files", e.files), ("tags", e.tags), ("compliance", e.compliance)] where !list.isEmpty {
            o[key] = .array(list.map { .string($0) })
        }
        if let metadata = e.metadata { o["metadata"] = metadata }
        return .object(o)
    }

    static func fullEvent() throws -> AuditEvent {
        var input = try AuditEventInput(json: JSONParser.parse(fullEventJSON))
        input.metadata = ["password": "p", "seq": 99, "quote\"key": "line\nbreak", "ünï": ["a", 1.25]]
        input.request?.durationMS = 12.0
        return try AuditEventValidator().validate(input, receivedAt: fixedReceipt)
    }

    @Test("assembled bytes equal the canonical encoding of the equivalent JSON object", arguments: [0, 1])
    func assembledBytesMatchCanonicalJSON(which: Int) throws {
        let event =
            which == 0
            ? try Self.fullEvent()
            : try AuditEventValidator().validate(AuditEventInput(action: "a.b"), receivedAt: fixedReceipt)
        let receivedAt = AuditTime(milliseconds: fixedReceipt.milliseconds + 5)
        for seq: Int64 in [1, 10, 1_234_567, Int64.max] {
            let assembled = AuditEventCanonicalParts(event).assemble(seq: seq, receivedAt: receivedAt)
            let expected = CanonicalJSON.encode(Self.expectedObject(event, seq: seq, receivedAt: receivedAt))
            #expect(String(decoding: assembled, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }

    @Test("the full event has every field and its secrets redacted in the bytes")
    func fullEventBytes() throws {
        let event = try Self.fullEvent()
        var stored = event
        stored.seq = 3
        let text = String(decoding: stored.canonicalBytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"action":"user.login","actor":{"id":"u-123","ip":"203.0.113.9","#))
        #expect(text.contains(#""metadata":{"password":"[REDACTED]","quote\"key":"line\nbreak","seq":99,"ünï":["a",1.25]}"#))
        #expect(text.contains(#""redacted":["metadata.password"],"request":{"correlation_id":"c-9","duration_ms":12,"#))
        #expect(text.hasSuffix(#""seq":3,"severity":"warning","tags":["billing"],"time":"2026-11-22T07:59:58.500Z"}"#))
    }

    @Test("AuditEvent(canonical:) decodes what was encoded", arguments: [0, 1])
    func decodesCanonicalBytes(which: Int) throws {
        var event =
            which == 0
            ? try Self.fullEvent()
            : try AuditEventValidator().validate(AuditEventInput(action: "a.b"), receivedAt: fixedReceipt)
        let sealed = AuditSealer.seal(
            PreparedAuditEvent(event: event, parts: AuditEventCanonicalParts(event), clientID: false),
            seq: 42,
            receivedAt: fixedReceipt.adding(milliseconds: 9),
            previousHash: AuditChain.genesis
        )
        event.seq = 42
        event.receivedAt = fixedReceipt.adding(milliseconds: 9)
        #expect(sealed.event == event)
        #expect(sealed.canonical == event.canonicalBytes)
        #expect(sealed.hash == AuditChain.next(previous: AuditChain.genesis, leaf: AuditMerkle.leafHash(sealed.canonical)))

        let hex = sealed.hash.hex
        var expected = event
        expected.hash = hex
        #expect(try AuditEvent(canonical: sealed.canonical, hash: hex) == expected)
        let stored = AuditStoredEvent(seq: 42, id: event.id, canonical: sealed.canonical, hash: sealed.hash)
        #expect(try stored.decoded() == expected)
        #expect(stored.hashHex == hex)
        let response = try JSONParser.parse(stored.responseJSON)
        #expect(response["hash"] == .string(hex))
        #expect(response["seq"] == 42)
        #expect(CanonicalJSON.encode(.object(response.objectValue!.filter { $0.key != "hash" })) == sealed.canonical)
    }

    @Test("decoding rejects bytes that are not a stored event")
    func rejectsNonEvents() {
        for text in [#"[1]"#, #"{"action":"a.b"}"#, #"{"action":"a.b","seq":1,"received_at":"x","id":"i","time":"2026-01-01","category":"a"}"#] {
            #expect(caughtError { () throws(AuditTrailError) in try AuditEvent(canonical: Array(text.utf8)) } != nil)
        }
    }

    @Test("embeddedSeq finds the top-level seq even when metadata has a seq key")
    func embeddedSeqIgnoresMetadata() throws {
        let event = try Self.fullEvent()
        let parts = AuditEventCanonicalParts(event)
        for seq: Int64 in [1, 7, 99, 100, 9_007_199_254_740_993] {
            let bytes = parts.assemble(seq: seq, receivedAt: fixedReceipt)
            #expect(String(decoding: bytes, as: UTF8.self).contains(#","seq":99"#))
            #expect(AuditChain.embeddedSeq(in: bytes) == seq)
        }
        #expect(AuditChain.embeddedSeq(in: Array(#"{"a":1}"#.utf8)) == nil)
        #expect(AuditChain.embeddedSeq(in: Array(#"{"a":1,"seq":}"#.utf8)) == nil)
        #expect(AuditChain.embeddedSeq(in: []) == nil)
    }

    @Test("estimatedSize is an upper bound of the assembled size")
    func estimatedSizeIsUpperBound() throws {
        let parts = AuditEventCanonicalParts(try Self.fullEvent())
        #expect(parts.assemble(seq: Int64.max, receivedAt: AuditTime(milliseconds: AuditTime.validRange.upperBound)).count <= parts.estimatedSize)
    }
}
