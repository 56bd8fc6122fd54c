import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import NIOCore

extension AuditAPI {
    /// `POST /v1/events`: one event → `201 {"id","seq","hash","received_at"}`; a re-sent id → `200`
    /// with the stored event's answer.
    @Sendable func ingestOne(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "ingest events") { $0.canIngest }
        let limit = validator.configuration.maxEventBytes
        let body = try await AuditRequestInput.body(request, limit: limit, field: "event")
        // The body is already within the event size limit (`readBody`), the one check `prepare(json:)`
        // adds before parsing.
        let prepared = try validator.prepare(
            scored(AuditEventInput(jsonBytes: body.readableBytesView, limits: validator.configuration.jsonLimits)),
            producer: .key(principal.keyID)
        )
        let result = try await writer.append(prepared)
        var w = AuditJSONWriter(capacity: 192)
        w.object { o in
            o.string("id", result.id)
            o.int("seq", result.seq)
            o.string("hash", result.hash.hex)
            o.time("received_at", result.receivedAt)
        }
        return json(w.bytes, status: result.created ? .created : .ok)
    }

    /// `POST /v1/events/batch`: a JSON array, or NDJSON (`Content-Type: application/x-ndjson`).
    /// All or nothing: every bad event is named by its index (`[3].actor.ip`) and nothing is stored.
    /// Reading stops at the first ``AuditTrailError/maxFieldErrors`` errors, so the answer to a
    /// bad batch stays small and quick whatever its size.
    @Sendable func ingestBatch(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "ingest events") { $0.canIngest }
        let stream = try AuditIngestStream(request.headers, keyID: principal.keyID)
        let body = try await AuditRequestInput.body(request, limit: Self.maxBatchBytes, field: "body")
        let isNDJSON = request.headers[.contentType].map { Self.isNDJSON($0) } ?? false
        let receivedAt = AuditTime.now()
        var prepared: [PreparedAuditEvent] = []
        var errors: [AuditTrailError.FieldError] = []
        var tooLarge = false
        var count = 0
        func failure(stopped: Bool) -> AuditTrailError {
            let bad = Set(errors.map { $0.field.prefix(while: { $0 != "." }) }).count
            return AuditTrailError(
                tooLarge ? .tooLarge : .invalidInput,
                stopped
                    ? "\(bad) of the first \(count) events are invalid (reading stopped at \(errors.count) errors); nothing was stored"
                    : "\(bad) of \(count) events are invalid; nothing was stored",
                fieldErrors: errors
            )
        }
        // Each event is validated as soon as it is read; its errors are named by its index.
        func add(_ index: Int, _ input: Result<AuditEventInput, AuditTrailError>) throws(AuditTrailError) {
            count = index + 1
            do throws(AuditTrailError) {
                prepared.append(
                    try validator.prepare(scored(input.get()), receivedAt: receivedAt, fieldPrefix: "[\(index)].", producer: .key(principal.keyID))
                )
            } catch {
                let named = error.fieldErrors.isEmpty ? [.init(field: "[\(index)]", message: error.message)] : error.fieldErrors
                errors += named.prefix(AuditTrailError.maxFieldErrors - errors.count)
                if error.code == .tooLarge { tooLarge = true }
                if errors.count >= AuditTrailError.maxFieldErrors { throw failure(stopped: true) }
            }
        }
        prepared.reserveCapacity(min(Self.maxBatchEvents, body.readableBytes / 256 + 1))
        try AuditEventInput.readBatch(
            body.readableBytesView,
            ndjson: isNDJSON,
            maxCount: Self.maxBatchEvents,
            limits: validator.configuration.jsonLimits,
            add
        )
        guard count > 0 else { throw AuditTrailError.invalid("body", "must hold at least one event") }
        guard errors.isEmpty else { throw failure(stopped: false) }
        let results: [AuditAppendResult]
        if let stream {
            guard await sequencer.awaitTurn(stream.id, first: stream.first) else { throw stream.outOfOrder(wait: sequencer.configuration.wait) }
            let end = stream.first + UInt64(prepared.count)
            results = try await writer.append(contentsOf: prepared) { sequencer.queued(stream.id, first: stream.first, end: end) }
        } else {
            results = try await writer.append(contentsOf: prepared)
        }
        let created = results.filter(\.created)
        var w = AuditJSONWriter(capacity: 96)
        w.object { o in
            o.int("accepted", Int64(created.count))
            o.int("first_seq", created.first?.seq)
            o.int("last_seq", created.last?.seq)
        }
        return json(w.bytes, status: created.isEmpty ? .ok : .created)
    }

    static func isNDJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1)[0].trimmingSpaces.lowercased()
        return media == "application/x-ndjson" || media == "application/ndjson" || media == "application/jsonl"
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}

extension AuditAPI {
    /// With risk scoring on (`--risk-scoring`), an event posted without a `risk_score` gets the
    /// scorer's score and `risk:<reason>` tags; a producer's own score is kept and not assessed.
    func scored(_ input: AuditEventInput) -> AuditEventInput {
        guard let riskScorer, input.riskScore == nil else { return input }
        var input = input
        riskScorer.assess(input).apply(to: &input)
        return input
    }
}
