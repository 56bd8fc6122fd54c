import AuditTrail

/// The pieces every operation of the OpenAPI document is built from: an operation with its roles
/// and problem answers, references, responses, bodies and parameters.
extension AuditOpenAPI {
    static func operation(
        _ id: String,
        _ summary: String,
        roles: String?,
        parameters: [JSONValue] = [],
        body: JSONValue? = nil,
        responses: [String: JSONValue],
        problems: [String]
    ) -> JSONValue {
        var object: [String: JSONValue] = ["operationId": .string(id), "summary": .string(summary)]
        if let roles {
            object["description"] = .string("Roles: \(roles).")
        } else {
            object["security"] = []
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body { object["requestBody"] = body }
        var all = responses
        for status in problems { all[status] = ["$ref": .string("#/components/responses/Problem\(status)")] }
        object["responses"] = .object(all)
        return .object(object)
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func response(_ description: String, _ schema: JSONValue) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func requestBody(_ schema: JSONValue, limit: String) -> JSONValue {
        ["required": true, "description": .string("At most \(limit)."), "content": ["application/json": ["schema": schema]]]
    }

    static func pathParameter(_ name: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": ["type": "string"]]
    }

    static func headerParameter(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "header", "required": false, "description": .string(description), "schema": schema]
    }

    static func requiredQueryParameter(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": true, "description": .string(description), "schema": schema]
    }

    /// A seq or tree size: a positive 64-bit integer.
    static let seqSchema: JSONValue = ["type": "integer", "minimum": 1, "maximum": .int(Int64.max)]

    static func queryParameter(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
    }
}
