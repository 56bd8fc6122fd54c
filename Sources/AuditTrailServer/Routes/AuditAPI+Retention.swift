import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird

extension AuditAPI {
    /// `GET /v1/retention` (admin): the window and what was removed →
    /// `{"days","removed_through_seq","first_seq","last_removed_at"}`; `days` is null when off.
    @Sendable func getRetention(_ request: Request, context: AuditRequestContext) async throws -> Response {
        _ = try require(context, "manage retention") { $0.canAdminister }
        _ = try AuditRequestInput.integerParameters(request, [])
        let window = try await store.retentionWindow() ?? retentionDefault
        return json(try await retentionBody(window))
    }

    /// `PUT /v1/retention` (admin): `{"days": 1…36500}`, or `{"days": 0}` / `{"days": null}` for
    /// off → the same body as `GET`. Stored, so it survives restarts; the next run uses it.
    /// Recorded as `audit.retention.changed`.
    @Sendable func putRetention(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let principal = try require(context, "manage retention") { $0.canAdminister }
        _ = try AuditRequestInput.integerParameters(request, [])
        let body = try await AuditRequestInput.body(request, limit: Self.maxSmallBodyBytes, field: "body")
        let window = try Self.retentionRequest(JSONParser.parse(body.readableBytesView, limits: .request))
        let previous = try await store.retentionWindow() ?? retentionDefault
        try await store.setRetentionWindow(window, replacing: true)
        do {
            let event = try validator.prepare(
                AuditEventInput(
                    action: "audit.retention.changed",
                    actor: Self.actor(principal),
                    resource: .init(type: "audit_log", id: "events"),
                    metadata: .object([
                        "days": window.days.map { .int(Int64($0)) } ?? .null,
                        "previous_days": previous.days.map { .int(Int64($0)) } ?? .null,
                    ])
                ),
                producer: .server
            )
            _ = try await writer.append(event)
        } catch {
            // A change that is not in the log must not take effect.
            _ = try? await store.setRetentionWindow(previous, replacing: true)
            throw error
        }
        return json(try await retentionBody(window))
    }

    /// The response body of both routes.
    func retentionBody(_ window: AuditRetentionWindow) async throws -> [UInt8] {
        let anchor = try await store.retentionAnchor()
        var w = AuditJSONWriter()
        w.object { o in
            o.int("days", window.days.map(Int64.init))
            o.int("removed_through_seq", anchor?.seq ?? 0)
            o.int("first_seq", (anchor?.seq ?? 0) + 1)
            o.time("last_removed_at", anchor?.removedAt)
        }
        return w.bytes
    }

    /// Reads `{"days": n | null}`, naming the field and the rule.
    static func retentionRequest(_ value: JSONValue) throws(AuditTrailError) -> AuditRetentionWindow {
        guard case .object(let object) = value else { throw AuditTrailError.invalid("body", "must be a JSON object") }
        var errors: [AuditTrailError.FieldError] = []
        for key in object.keys.sorted() where key != "days" { errors.append(.init(field: key, message: "unknown field")) }
        var window: AuditRetentionWindow?
        switch object["days"] {
        case nil: errors.append(.init(field: "days", message: "is required and \(AuditRetentionWindow.rule)"))
        case .null?: window = .off
        case let number? where number.int64Value != nil || number.doubleValue != nil:
            // JSON Schema's integer: any number without a fractional part (30, 30.0, 3e1).
            if let days = number.int64Value.flatMap({ Int(exactly: $0) }), let parsed = try? AuditRetentionWindow(days: days) {
                window = parsed
            } else {
                errors.append(.init(field: "days", message: AuditRetentionWindow.rule))
            }
        case let other?: errors.append(.init(field: "days", message: "\(AuditRetentionWindow.rule), not \(other.typeName)"))
        }
        guard errors.isEmpty, let window else {
            let listed = Array(errors.prefix(AuditTrailError.maxFieldErrors))
            throw AuditTrailError(.invalidInput, listed.map { "\($0.field): \($0.message)" }.joined(separator: "; "), fieldErrors: listed)
        }
        return window
    }
}
