extension AuditEventInput {
    /// The `audit.query` event that records a read of the log — by the server's read routes and
    /// by the CLI reading a data directory: who read, through what (`GET /v1/events`,
    /// `audittrail query`), with which parameters, and how many results came back.
    public static func logRead(by actor: AuditEvent.Actor, via route: String, parameters: [(String, String)], resultCount: Int) -> AuditEventInput {
        var filter: [String: JSONValue] = [:]
        for (name, value) in parameters { filter[name] = .string(value) }
        let metadata: JSONValue = .object([
            "route": .string(route), "parameters": .object(filter), "result_count": .int(Int64(resultCount)),
        ])
        return AuditEventInput(action: "audit.query", actor: actor, resource: .init(type: "audit_log", id: route), metadata: metadata)
    }
}
