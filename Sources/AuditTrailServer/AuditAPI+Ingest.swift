import AuditTrail
import HTTPTypes
import Hummingbird
import NIOCore

extension AuditAPI {
    /// `POST /v1/events`: one event → `201 {"id","seq","hash","received_at"}`; a re-sent id → `200`
    /// with the stored event's answer.
    @Sendable func ingestOne(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "ingest events") { $0.canIngest }
        let limit = validator.configuration.maxEventBytes
        let body = try await readBody(request, limit: limit, field: "event")
        let prepared = try validator.prepare(json: body.readableBytesView)
        let result = try await writer.append(prepared)
        var w = AuditJSONWriter(capacity: 192)
        w.object { o in
            o.string("id", result.id)
            o.int("seq", result.seq)
            o.string("hash", AuditChain.hex(result.hash))
            o.time("received_at", result.receivedAt)
        }
        return json(w.bytes, status: result.created ? .created : .ok)
    }

    /// `POST /v1/events/batch`: a JSON array, or NDJSON (`Content-Type: application/x-ndjson`).
    /// All or nothing: every bad event is named by its index (`[3].actor.ip`) and nothing is stored.
    @Sendable func ingestBatch(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "ingest events") { $0.canIngest }
        let body = try await readBody(request, limit: Self.maxBatchBytes, field: "body")
        let isNDJSON = request.headers[.contentType].map { Self.isNDJSON($0) } ?? false
        let items = try isNDJSON ? Self.ndjsonItems(body) : Self.arrayItems(body)
        guard !items.isEmpty else { throw AuditTrailError.invalid("body", "must hold at least one event") }
        guard items.count <= Self.maxBatchEvents else {
            throw AuditTrailError(.tooLarge, "body: more than \(Self.maxBatchEvents) events",
                                  fieldErrors: [.init(field: "body", message: "must hold at most \(Self.maxBatchEvents) events")])
        }
        let receivedAt = AuditTime.now()
        var prepared: [PreparedAuditEvent] = []
        prepared.reserveCapacity(items.count)
        var errors: [AuditTrailError.FieldError] = []
        var tooLarge = false
        for (index, item) in items.enumerated() {
            let prefix = "[\(index)]."
            do throws(AuditTrailError) {
                let value: JSONValue
                switch item {
                case .parsed(let parsed): value = parsed
                case .line(let bytes):
                    guard bytes.count <= validator.configuration.maxEventBytes else {
                        throw AuditTrailError(.tooLarge, "[\(index)]: too large", fieldErrors: [
                            .init(field: "[\(index)]", message: "must be at most \(validator.configuration.maxEventBytes) bytes encoded"),
                        ])
                    }
                    do throws(AuditTrailError) { value = try JSONParser.parse(bytes) } catch {
                        throw AuditTrailError(.invalidInput, "[\(index)]: invalid JSON", fieldErrors: error.fieldErrors.map {
                            .init(field: "[\(index)]", message: $0.message)
                        })
                    }
                }
                let input = try AuditEventInput(json: value, fieldPrefix: prefix)
                prepared.append(try validator.prepare(input, receivedAt: receivedAt, fieldPrefix: prefix))
            } catch {
                errors += error.fieldErrors.isEmpty ? [.init(field: "[\(index)]", message: error.message)] : error.fieldErrors
                if error.code == .tooLarge { tooLarge = true }
            }
        }
        guard errors.isEmpty else {
            let bad = Set(errors.map { $0.field.prefix(while: { $0 != "." }) }).count
            throw AuditTrailError(tooLarge ? .tooLarge : .invalidInput,
                                  "\(bad) of \(items.count) events are invalid; nothing was stored", fieldErrors: errors)
        }
        let results = try await writer.append(contentsOf: prepared)
        let created = results.filter(\.created)
        var w = AuditJSONWriter(capacity: 96)
        w.object { o in
            o.int("accepted", Int64(created.count))
            o.int("first_seq", created.first?.seq)
            o.int("last_seq", created.last?.seq)
        }
        return json(w.bytes, status: created.isEmpty ? .ok : .created)
    }

    /// One event of a batch before validation.
    enum BatchItem {
        case parsed(JSONValue)
        /// An NDJSON line, parsed later so that its errors name its index.
        case line(ArraySlice<UInt8>)
    }

    static func isNDJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1)[0].trimmingSpaces.lowercased()
        return media == "application/x-ndjson" || media == "application/ndjson" || media == "application/jsonl"
    }

    static func arrayItems(_ body: ByteBuffer) throws(AuditTrailError) -> [BatchItem] {
        let value = try JSONParser.parse(body.readableBytesView)
        guard case .array(let elements) = value else {
            throw AuditTrailError.invalid("body", "must be a JSON array of events (or NDJSON with Content-Type: application/x-ndjson)")
        }
        guard elements.count <= maxBatchEvents else {
            throw AuditTrailError(.tooLarge, "body: more than \(maxBatchEvents) events",
                                  fieldErrors: [.init(field: "body", message: "must hold at most \(maxBatchEvents) events")])
        }
        return elements.map(BatchItem.parsed)
    }

    /// Splits NDJSON into its non-blank lines (`\n` or `\r\n`).
    static func ndjsonItems(_ body: ByteBuffer) -> [BatchItem] {
        let bytes = Array(body.readableBytesView)
        var items: [BatchItem] = []
        var start = 0
        func add(_ end: Int) {
            var line = bytes[start..<end]
            while let last = line.last, last == 0x0D || last == 0x20 || last == 0x09 { line = line.dropLast() }
            while let first = line.first, first == 0x20 || first == 0x09 { line = line.dropFirst() }
            if !line.isEmpty { items.append(.line(line)) }
        }
        for index in bytes.indices where bytes[index] == 0x0A {
            add(index)
            start = index + 1
            if items.count > maxBatchEvents { return items }
        }
        add(bytes.count)
        return items
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
