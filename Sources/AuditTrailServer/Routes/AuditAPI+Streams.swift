import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird

extension AuditAPI {
    /// Most streams of one log.
    static let maxStreams = 64

    /// `POST /v1/streams` (admin): a stream's definition (``AuditStreamDefinition``) → `201` with
    /// the stream, its status and — for a webhook, in this response only — its `secret`. Recorded
    /// as `audit.stream.created` (who, the filters, the format, where to); a stream whose creation
    /// cannot be recorded is deleted again.
    @Sendable func createStream(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage streams") { $0.canAdminister }
        _ = try AuditRequestInput.integerParameters(request, [])
        let body = try await AuditRequestInput.body(request, limit: Self.maxSmallBodyBytes, field: "body")
        var (definition, start) = try AuditStreamDefinition.parse(
            request: JSONParser.parse(body.readableBytesView, limits: .request),
            id: AuditStreamCatalog.newID(),
            createdAt: .now(),
            createdBy: principal.keyID
        )
        guard try await outbound.streamCatalog.streams().count < Self.maxStreams else {
            throw AuditProblem(
                .conflict,
                slug: "too-many-streams",
                title: "Too many streams",
                detail: "a log has at most \(Self.maxStreams) streams: delete one first"
            )
        }
        let head = try await store.head().seq
        definition.startAfter = start == .now ? head : try await store.chainStart().seq
        try await outbound.streamCatalog.create(definition)
        do {
            let event = AuditEventInput(
                action: "audit.stream.created",
                actor: Self.actor(principal),
                resource: .init(type: "audit_stream", id: definition.id, name: definition.name),
                metadata: definition.publicJSON
            )
            _ = try await writer.append(validator.prepare(event, producer: .server))
        } catch {
            // A stream whose creation is not in the log must not send anything.
            _ = try? await outbound.streamCatalog.delete(id: definition.id, by: principal.keyID)
            throw error
        }
        outbound.streams.reload()
        var object = definition.publicJSON.objectValue ?? [:]
        object["status"] = AuditStreamPosition(startingAfter: definition.startAfter).statusJSON(headSeq: head)
        if let secret = definition.secret { object["secret"] = .string(secret) }
        return json(CanonicalJSON.encode(.object(object)), status: .created)
    }

    /// `GET /v1/streams` (admin): `{"streams":[…]}`, oldest first, each with its `status` (from
    /// this server's delivery loop when it runs the stream, else as last stored): `state`, the
    /// delivered and scanned seqs, `lag_events`, counts, the last failure. Never a secret.
    @Sendable func listStreams(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "manage streams") { $0.canAdminister }
        _ = try AuditQuery(parameters: try AuditRequestInput.queryParameters(request), allowed: [])
        let head = try await store.head().seq
        let live = outbound.streams.positions
        let list = try await outbound.streamCatalog.streams()
        let items: [JSONValue] = list.map { definition, stored in
            var object = definition.publicJSON.objectValue ?? [:]
            let position = live[definition.id] ?? stored ?? AuditStreamPosition(startingAfter: definition.startAfter)
            object["status"] = position.statusJSON(headSeq: head)
            return .object(object)
        }
        return json(CanonicalJSON.encode(.object(["streams": .array(items)])))
    }

    /// `DELETE /v1/streams/{id}` (admin): stops the stream on every server → `204`, or `404` for no
    /// such stream. Recorded as `audit.stream.deleted`. The definition stays in the store as a
    /// tombstone without its secret.
    @Sendable func deleteStream(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage streams") { $0.canAdminister }
        let id = context.parameters.get("id") ?? ""
        guard !id.isEmpty, id.utf8.count <= 64, let deleted = try await outbound.streamCatalog.delete(id: id, by: principal.keyID) else {
            throw AuditProblem.notFound("no stream with this id")
        }
        outbound.streams.reload()
        let event = AuditEventInput(
            action: "audit.stream.deleted",
            actor: Self.actor(principal),
            resource: .init(type: "audit_stream", id: deleted.id, name: deleted.name),
            metadata: deleted.publicJSON
        )
        _ = try await writer.append(validator.prepare(event, producer: .server))
        return Response(status: .noContent)
    }
}
