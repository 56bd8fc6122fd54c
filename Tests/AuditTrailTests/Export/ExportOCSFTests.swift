import AuditTrail
import Foundation
import Testing

/// OCSF objects checked against the 1.3.0 schema (`Fixtures/ocsf-1.3.0-classes.json`, derived
/// from the schema's class and object files by `Fixtures/ocsf-fixture.py`): every attribute is
/// one the class or object defines, of its type; every required attribute and at-least-one
/// constraint is met; `type_uid` is `class_uid * 100 + activity_id`.
struct ExportOCSFTests {
    struct Schema: Decodable {
        struct Attribute: Decodable {
            var type: String?
            var array: Bool
        }
        struct Shape: Decodable {
            var required: [String]
            var attributes: [String: Attribute]
            var at_least_one: [String]?
        }
        var classes: [String: Shape]
        var objects: [String: Shape]
    }

    static let schema: Schema = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ocsf-1.3.0-classes.json")
        return try! JSONDecoder().decode(Schema.self, from: Data(contentsOf: url))
    }()

    /// What is wrong with `value` as an instance of `shape` (empty when nothing), by path.
    static func problems(_ value: [String: JSONValue], _ shape: Schema.Shape, at path: String) -> [String] {
        var out: [String] = []
        for name in shape.required where value[name] == nil || value[name] == .null { out.append("\(path).\(name): required") }
        if let any = shape.at_least_one, !any.isEmpty, !any.contains(where: { value[$0] != nil }) {
            out.append("\(path): needs one of \(any)")
        }
        for (name, member) in value {
            guard let attribute = shape.attributes[name] else {
                out.append("\(path).\(name): not an attribute")
                continue
            }
            let items: [JSONValue]
            if attribute.array {
                guard case .array(let array) = member else {
                    out.append("\(path).\(name): must be an array")
                    continue
                }
                items = array
            } else {
                items = [member]
            }
            for item in items { out += problems(item, type: attribute.type ?? "", at: "\(path).\(name)") }
        }
        return out
    }

    static func problems(_ item: JSONValue, type: String, at path: String) -> [String] {
        switch type {
        case "integer_t", "long_t", "timestamp_t", "port_t":
            return item.int64Value != nil && !(item.stringValue != nil) ? [] : ["\(path): must be an integer"]
        case "float_t": return item.doubleValue != nil ? [] : ["\(path): must be a number"]
        case "boolean_t": return item == .bool(true) || item == .bool(false) ? [] : ["\(path): must be a boolean"]
        case "json_t": return []
        // `unmapped` and the like: any object.
        case "object": return item.objectValue != nil ? [] : ["\(path): must be an object"]
        case let primitive where primitive.hasSuffix("_t"): return item.stringValue != nil ? [] : ["\(path): must be a string"]
        default:
            guard let object = item.objectValue else { return ["\(path): must be an object"] }
            guard let shape = schema.objects[type] else { return ["\(path): object \(type) not in the fixture"] }
            return problems(object, shape, at: path)
        }
    }

    static func ocsf(_ input: AuditEventInput) throws -> [String: JSONValue] {
        let row = try ExportEncodingTests.stored(input)
        let line = try AuditRecordEncoder(.ocsf).encode(row, index: 0)
        #expect(line.last == 0x0A && line.filter { $0 == 0x0A }.count == 1)
        let value = try JSONParser.parse(Array(line.dropLast()))
        return try #require(value.objectValue)
    }

    static let ip = "203.0.113.9"

    static let cases: [(AuditEventInput, classUID: Int64, activityID: Int64)] = [
        (AuditEventInput(action: "user.login", actor: .init(id: "u-1", name: "ann", type: "user", ip: ip, sessionID: "s-1")), 3002, 1),
        (AuditEventInput(action: "user.login_failed", outcome: .failure, actor: .init(id: "u-1", ip: ip)), 3002, 1),
        (AuditEventInput(action: "auth.logout", actor: .init(id: "u-1")), 3002, 2),
        (AuditEventInput(action: "auth.mfa.failed", outcome: .failure, actor: .init(name: "ann")), 3002, 1),
        (AuditEventInput(action: "user.created", actor: .init(id: "admin-1", ip: ip), resource: .init(type: "user", id: "u-7")), 3001, 1),
        (AuditEventInput(action: "user.password.reset", actor: .init(id: "u-7")), 3001, 4),
        (AuditEventInput(action: "user.deactivated", actor: .init(id: "admin-1"), resource: .init(type: "user", name: "bob")), 3001, 5),
        (AuditEventInput(action: "user.2fa.enabled", actor: .init(id: "u-7")), 3001, 10),
        (AuditEventInput(action: "user.updated", actor: .init(id: "u-7")), 3001, 99),
        (AuditEventInput(action: "authz.denied", outcome: .denied, actor: .init(id: "u-7", ip: ip)), 3003, 1),
        (AuditEventInput(action: "authz.role.changed", actor: .init(id: "admin-1")), 3003, 1),
        (AuditEventInput(action: "data.create", actor: .init(id: "u-1", ip: ip), resource: .init(type: "doc", id: "d-1", namespace: "t-1")), 6003, 1),
        (AuditEventInput(action: "data.read", actor: .init(id: "u-1", ip: ip)), 6003, 2),
        (
            AuditEventInput(
                action: "document.updated",
                actor: .init(id: "u-1", ip: ip, userAgent: "curl/8"),
                request: .init(method: "PATCH", path: "/docs/1", status: 200, correlationID: "req-1"),
                location: .init(country: "DE", city: "Berlin")
            ), 6003, 3
        ),
        (AuditEventInput(action: "http.delete", actor: .init(id: "u-1", ip: ip), request: .init(method: "DELETE", path: "/x")), 6003, 4),
        (AuditEventInput(action: "config.updated", actor: .init(id: "u-1", ip: ip)), 6003, 3),
        (AuditEventInput(action: "api.call", actor: .init(id: "u-1", ip: ip), request: .init(method: "OPTIONS")), 6003, 99),
        // API events without an actor or an ip cannot fill API Activity's required attributes.
        (AuditEventInput(action: "data.read", actor: .init(id: "u-1")), 0, 99),
        (AuditEventInput(action: "billing.purchase.completed", actor: .init(id: "u-1", ip: ip), resource: .init(type: "order", id: "o-1")), 0, 99),
        (AuditEventInput(action: "auth.token.created", actor: .init(id: "u-1")), 0, 99),
        (AuditEventInput(action: "user.login"), 0, 99),
        (AuditEventInput(action: "security.alert", severity: .critical), 0, 99),
    ]

    @Test(arguments: cases.indices)
    func eachEventIsAValidInstanceOfItsClass(_ index: Int) throws {
        let (input, classUID, activityID) = Self.cases[index]
        let object = try Self.ocsf(input)
        #expect(object["class_uid"] == .int(classUID) && object["activity_id"] == .int(activityID), "\(input.action)")
        #expect(object["type_uid"] == .int(classUID * 100 + activityID))
        let shape = try #require(Self.schema.classes[String(classUID)])
        let problems = Self.problems(object, shape, at: input.action)
        #expect(problems.isEmpty, "\(problems)")
        #expect(classUID != 3005)
    }

    @Test func theEventsIdentityAndProofFieldsAreKept() throws {
        let row = try ExportEncodingTests.stored(Self.cases[13].0)
        let object = try #require(try JSONParser.parse(Array(try AuditRecordEncoder(.ocsf).encode(row, index: 0).dropLast())).objectValue)
        let event = try row.decoded()
        let metadata = try #require(object["metadata"]?.objectValue)
        #expect(metadata["uid"] == .string(event.id) && metadata["sequence"] == .int(7) && metadata["version"] == .string("1.3.0"))
        #expect(metadata["correlation_uid"] == .string("req-1") && metadata["logged_time"] == .int(1_767_225_601_000))
        let unmapped = try #require(object["unmapped"]?.objectValue)
        #expect(unmapped["seq"] == .int(7) && unmapped["hash"] == .string(row.hashHex))
        #expect(object["time"] == .int(1_767_225_600_123) && object["status_id"] == .int(1))
        #expect(object["src_endpoint"]?.objectValue?["location"]?.objectValue?["country"] == .string("DE"))
        #expect(object["http_request"]?.objectValue?["http_method"] == .string("PATCH"))
        let denied = try Self.ocsf(Self.cases[9].0)
        #expect(denied["status_id"] == .int(2) && denied["status_detail"] == .string("denied"))
    }
}
