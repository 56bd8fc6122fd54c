import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird

extension AuditAPI {
    /// Most alert rules an admin may make (the built-in ones aside).
    static let maxAlertRules = 100

    /// `POST /v1/alert-rules` (admin): a rule (``AuditAlertRule/parse(request:id:createdAt:createdBy:)``)
    /// → `201` with the rule and — with a webhook, in this answer only — its `secret`. Recorded as
    /// `audit.alert_rule.created`; a rule whose creation cannot be recorded is deleted again. It
    /// evaluates the events committed from now on.
    @Sendable func createAlertRule(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage alert rules") { $0.canAdminister }
        _ = try AuditRequestInput.integerParameters(request, [])
        let body = try await AuditRequestInput.body(request, limit: Self.maxSmallBodyBytes, field: "body")
        let rule = try AuditAlertRule.parse(
            request: JSONParser.parse(body.readableBytesView, limits: .request),
            id: AuditAlertCatalog.newID(),
            createdAt: .now(),
            createdBy: principal.keyID
        )
        guard try await outbound.alertCatalog.rules().filter({ !$0.isBuiltIn }).count < Self.maxAlertRules else {
            throw AuditProblem(
                .conflict,
                slug: "too-many-alert-rules",
                title: "Too many alert rules",
                detail: "a log has at most \(Self.maxAlertRules) alert rules besides the built-in ones: delete one first"
            )
        }
        try await outbound.alertCatalog.create(rule)
        do {
            try await record("audit.alert_rule.created", rule, principal)
        } catch {
            _ = try? await outbound.alertCatalog.delete(id: rule.id, by: principal.keyID)
            throw error
        }
        outbound.alerts.reload()
        var object = rule.publicJSON.objectValue ?? [:]
        object["status"] = AuditAlertState(evaluatedThrough: try await store.head().seq).statusJSON
        if let secret = rule.secret { object["secret"] = .string(secret) }
        return json(CanonicalJSON.encode(.object(object)), status: .created)
    }

    /// `GET /v1/alert-rules` (admin): `{"rules":[…]}`, the built-in ones first, each with its
    /// `status` (how far it evaluated, how often it fired). Never a secret.
    @Sendable func listAlertRules(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "manage alert rules") { $0.canAdminister }
        _ = try AuditQuery(parameters: try AuditRequestInput.queryParameters(request), allowed: [])
        let states = try await outbound.alertCatalog.states().merging(outbound.alerts.states) { _, live in live }
        let items: [JSONValue] = try await outbound.alertCatalog.rules().map { rule in
            var object = rule.publicJSON.objectValue ?? [:]
            object["status"] = states[rule.id]?.statusJSON ?? .null
            return .object(object)
        }
        return json(CanonicalJSON.encode(.object(["rules": .array(items)])))
    }

    /// `PATCH /v1/alert-rules/{id}` (admin): `{"enabled": true|false}` switches a rule (a built-in
    /// one too) on or off → the rule; recorded as `audit.alert_rule.changed`.
    @Sendable func switchAlertRule(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage alert rules") { $0.canAdminister }
        let id = context.parameters.get("id") ?? ""
        let body = try await AuditRequestInput.body(request, limit: Self.maxSmallBodyBytes, field: "body")
        let value = try JSONParser.parse(body.readableBytesView, limits: .request)
        guard case .object(let object) = value else { throw AuditTrailError.invalid("body", "must be a JSON object") }
        if let unknown = object.keys.sorted().first(where: { $0 != "enabled" }) { throw AuditTrailError.invalid(unknown, "unknown field") }
        guard case .bool(let enabled)? = object["enabled"] else { throw AuditTrailError.invalid("enabled", "is required: true or false") }
        guard id.utf8.count <= 64, try await outbound.alertCatalog.setEnabled(enabled, id: id),
            let rule = try await outbound.alertCatalog.rule(id: id)
        else { throw AuditProblem.notFound("no alert rule with this id") }
        try await record("audit.alert_rule.changed", rule, principal)
        outbound.alerts.reload()
        return json(CanonicalJSON.encode(rule.publicJSON))
    }

    /// `DELETE /v1/alert-rules/{id}` (admin): `204`; `404` for no such rule; `409` for a built-in
    /// one (switch it off instead). Recorded as `audit.alert_rule.deleted`.
    @Sendable func deleteAlertRule(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage alert rules") { $0.canAdminister }
        let id = context.parameters.get("id") ?? ""
        guard id.utf8.count <= 64, let rule = try await outbound.alertCatalog.rule(id: id) else {
            throw AuditProblem.notFound("no alert rule with this id")
        }
        guard !rule.isBuiltIn else {
            throw AuditProblem(
                .conflict,
                slug: "built-in-rule",
                title: "Built-in rule",
                detail: "a built-in rule cannot be deleted: switch it off with PATCH {\"enabled\": false}"
            )
        }
        _ = try await outbound.alertCatalog.delete(id: id, by: principal.keyID)
        outbound.alerts.reload()
        try await record("audit.alert_rule.deleted", rule, principal)
        return Response(status: .noContent)
    }

    /// Records a change of `rule` by `principal`, durably.
    private func record(_ action: String, _ rule: AuditAlertRule, _ principal: AuditPrincipal) async throws {
        let event = AuditEventInput(
            action: action,
            actor: Self.actor(principal),
            resource: .init(type: "alert_rule", id: rule.id, name: rule.name),
            metadata: rule.publicJSON
        )
        _ = try await writer.append(validator.prepare(event, producer: .server))
    }
}
