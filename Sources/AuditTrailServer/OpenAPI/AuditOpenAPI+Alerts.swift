import AuditTrail

/// `/v1/alert-rules` in the OpenAPI document.
extension AuditOpenAPI {
    static var alertPaths: [String: JSONValue] {
        [
            "/v1/alert-rules": [
                "post": operation(
                    "createAlertRule",
                    "Create an alert rule: a search query and either a threshold (threshold events of one group_by value within window_seconds; not again for that group until the window passes) or new_value (a group seen with a value_field value it never had). A firing records security.alert with the triggering seqs and, with webhook_url, POSTs that event there (signed with AuditTrail-Signature, retried). It evaluates events committed from now on. Recorded as audit.alert_rule.created. At most 100 rules besides the built-in ones (409 beyond).",
                    roles: "admin",
                    body: requestBody(alertRuleRequestSchema, limit: "16 KiB"),
                    responses: ["201": response("The rule and (with a webhook, this once) its secret", alertRuleSchema(withSecret: true))],
                    problems: ["400", "401", "403", "409", "413"]
                ),
                "get": operation(
                    "listAlertRules",
                    "Every alert rule, the built-in ones first (builtin.failed-login-burst, builtin.denied-burst, builtin.key-new-ip), with its status",
                    roles: "admin",
                    responses: [
                        "200": response(
                            "The rules",
                            object(["rules": ["type": "array", "items": alertRuleSchema(withSecret: false)]], required: ["rules"])
                        )
                    ],
                    problems: ["400", "401", "403"]
                ),
            ],
            "/v1/alert-rules/{id}": [
                "patch": operation(
                    "switchAlertRule",
                    "Switch a rule (a built-in one too) on or off (recorded as audit.alert_rule.changed)",
                    roles: "admin",
                    parameters: [pathParameter("id", "The rule id")],
                    body: requestBody(object(["enabled": ["type": "boolean"]], required: ["enabled"]), limit: "16 KiB"),
                    responses: ["200": response("The rule", alertRuleSchema(withSecret: false))],
                    problems: ["400", "401", "403", "404", "413"]
                ),
                "delete": operation(
                    "deleteAlertRule",
                    "Delete a rule (recorded as audit.alert_rule.deleted); a built-in rule is switched off instead (409)",
                    roles: "admin",
                    parameters: [pathParameter("id", "The rule id")],
                    responses: ["204": ["description": "Deleted"]],
                    problems: ["401", "403", "404", "409"]
                ),
            ],
        ]
    }

    static var alertRuleRequestSchema: JSONValue {
        let fields: JSONValue = ["enum": .array(AuditAlertField.allCases.map { .string($0.rawValue) })]
        guard
            case .object(var schema) = object(
                [
                    "name": ["type": "string", "minLength": 1, "maxLength": 128, "pattern": #"^[^\x00-\x1f\x7f]+$"#],
                    "query": [
                        "type": "string", "minLength": 1, "maxLength": 4096, "pattern": #"^[^\x00-\x1f\x7f]+$"#,
                        "description": "A search-language expression (as q)",
                    ],
                    "kind": ["enum": ["threshold", "new_value"]],
                    "threshold": ["type": "integer", "minimum": 1, "maximum": 10000],
                    "window_seconds": ["type": "integer", "minimum": 1, "maximum": 86400],
                    "group_by": fields, "value_field": fields,
                    "webhook_url": webhookURLSchema,
                    "secret": secretSchema,
                    "enabled": ["type": "boolean"],
                ],
                required: ["name", "query"]
            )
        else { return [:] }
        // value_field with kind new_value only (and then required); a secret only with a webhook.
        schema["if"] = ["properties": ["kind": ["const": "new_value"]], "required": ["kind"]]
        schema["then"] = ["required": ["value_field"]]
        schema["else"] = ["not": ["required": ["value_field"]]]
        schema["dependentRequired"] = ["secret": ["webhook_url"]]
        return .object(schema)
    }

    static func alertRuleSchema(withSecret: Bool) -> JSONValue {
        var properties: [String: JSONValue] = [
            "id": ["type": "string"], "name": ["type": "string"], "query": ["type": "string"], "kind": ["type": "string"],
            "threshold": ["type": "integer"], "window_seconds": ["type": "integer"], "group_by": ["type": "string"],
            "value_field": ["type": ["string", "null"]], "webhook_url": ["type": ["string", "null"]], "enabled": ["type": "boolean"],
            "built_in": ["type": "boolean"], "created_at": ["type": "string"], "created_by": ["type": "string"],
            "status": ["type": ["object", "null"]],
        ]
        if withSecret { properties["secret"] = ["type": "string"] }
        return object(properties, required: ["id", "name", "query", "kind", "enabled"])
    }
}
