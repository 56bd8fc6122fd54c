extension AuditEventInput {
    /// The `audit.query` event that records a read of the log — by the server's read routes and
    /// by the CLI reading a data directory: who read, through what (`GET /v1/events`,
    /// `audittrail query`), with which parameters, and how many results came back.
    /// `details` adds fields to the metadata (a live tail's `stage`, `after` and `last_event_id`).
    public static func logRead(
        by actor: AuditEvent.Actor,
        via route: String,
        parameters: [(String, String)],
        resultCount: Int,
        details: [String: JSONValue] = [:]
    ) -> AuditEventInput {
        var filter: [String: JSONValue] = [:]
        for (name, value) in parameters { filter[name] = .string(value) }
        var fields: [String: JSONValue] = details
        fields["route"] = .string(route)
        fields["parameters"] = .object(filter)
        fields["result_count"] = .int(Int64(resultCount))
        let metadata: JSONValue = .object(fields)
        return AuditEventInput(action: "audit.query", actor: actor, resource: .init(type: "audit_log", id: route), metadata: metadata)
    }
}
