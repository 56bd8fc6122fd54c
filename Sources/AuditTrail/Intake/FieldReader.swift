/// Reads typed fields out of a JSON object and collects every type error with its field path,
/// up to ``AuditTrailError/maxFieldErrors`` (the rest are counted, not listed).
struct FieldReader {
    var prefix: String
    var errors: [AuditTrailError.FieldError] = []
    /// Broken rules past ``AuditTrailError/maxFieldErrors``, counted but not listed.
    var unlisted = 0

    init(prefix: String) { self.prefix = prefix }

    /// Whether as many errors as one error lists were collected: a reader stops here.
    var isFull: Bool { errors.count >= AuditTrailError.maxFieldErrors }

    /// Thrown by a nested reader whose errors and its parent's fill the list
    /// (``isFull``): the event's reader catches it and throws the errors it collected.
    static let full = AuditTrailError(.invalidInput, "too many invalid fields")

    mutating func fail(_ field: String, _ rule: String) {
        guard !isFull else {
            unlisted += 1
            return
        }
        errors.append(.init(field: prefix + field, message: rule))
    }

    func nested(_ field: String) -> FieldReader { FieldReader(prefix: prefix + field + ".") }

    mutating func merge(_ other: FieldReader) {
        let room = max(0, AuditTrailError.maxFieldErrors - errors.count)
        errors += other.errors.prefix(room)
        unlisted += other.unlisted + max(0, other.errors.count - room)
    }

    mutating func string(_ value: JSONValue, _ key: String) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        default:
            fail(key, "must be a string, not \(value.typeName)")
            return nil
        }
    }

    mutating func integer(_ value: JSONValue, _ key: String) -> Int64? {
        if value == .null { return nil }
        if let int = value.int64Value { return int }
        fail(key, "must be an integer")
        return nil
    }

    mutating func number(_ value: JSONValue, _ key: String) -> Double? {
        if value == .null { return nil }
        if let double = value.doubleValue { return double }
        fail(key, "must be a number")
        return nil
    }

    mutating func object(_ value: JSONValue, _ key: String) -> [String: JSONValue]? {
        switch value {
        case .null: return nil
        case .object(let o): return o
        default:
            fail(key, "must be a JSON object, not \(value.typeName)")
            return nil
        }
    }

    mutating func stringArray(_ value: JSONValue, _ key: String) -> [String] {
        switch value {
        case .null: return []
        case .array(let array):
            var out: [String] = []
            out.reserveCapacity(array.count)
            for (index, element) in array.enumerated() {
                if case .string(let s) = element { out.append(s) } else { fail("\(key)[\(index)]", "must be a string") }
            }
            return out
        default:
            fail(key, "must be an array of strings, not \(value.typeName)")
            return []
        }
    }

    /// Deterministic error order: unknown fields first by name, then by `order` of the top-level
    /// field (nested fields sort under their parent), then by name.
    mutating func sortErrors(order: [String: Int]) {
        guard errors.count > 1 else { return }
        func rank(_ error: AuditTrailError.FieldError) -> (Int, String) {
            let field = error.field.dropFirst(prefix.count)
            let top = field.prefix { $0 != "." && $0 != "[" }
            let unknown = error.message == "unknown field" || error.message.hasPrefix("is set by the log")
            return (unknown && !field.contains(".") ? 0 : order[String(top)] ?? 99, String(field))
        }
        errors = errors.enumerated().sorted { a, b in
            let (ra, rb) = (rank(a.element), rank(b.element))
            if ra.0 != rb.0 { return ra.0 < rb.0 }
            if ra.0 == 0 { return ra.1 < rb.1 }
            return a.offset < b.offset
        }.map(\.element)
    }

    func throwIfFailed() throws(AuditTrailError) {
        guard !errors.isEmpty else { return }
        let count = errors.count + unlisted
        var summary = count == 1 ? "\(errors[0].field): \(errors[0].message)" : "\(count) fields are invalid"
        if isFull { summary += " (the list stops at \(errors.count))" }
        throw AuditTrailError(.invalidInput, summary, fieldErrors: errors)
    }
}

/// Typed reads for the streaming event reader: each reads exactly one value and records a type
/// error in the ``FieldReader`` (with the same wording as the ``JSONValue`` readers) instead of throwing.
extension JSONParser.Parser {
    /// A string or null; anything else is read and named as a type error.
    mutating func string(_ r: inout FieldReader, _ key: String, depth: Int) throws(AuditTrailError) -> String? {
        if peek == UInt8(ascii: "\"") { return try parseString() }
        return r.string(try parseValue(depth: depth), key)
    }

    /// An array of strings (null is empty).
    mutating func stringArray(_ r: inout FieldReader, _ key: String, depth: Int) throws(AuditTrailError) -> [String] {
        guard peek == UInt8(ascii: "[") else { return r.stringArray(try parseValue(depth: depth), key) }
        var out: [String] = []
        try elements(depth: depth) { (p: inout JSONParser.Parser, index: Int) throws(AuditTrailError) in
            if p.peek == UInt8(ascii: "\"") {
                out.append(try p.parseString())
            } else {
                _ = try p.parseValue(depth: depth + 1)
                r.fail("\(key)[\(index)]", "must be a string")
                if r.isFull { throw FieldReader.full }
            }
        }
        return out
    }

    /// A nested object read member by member with `body` (errors named `key.member`). Returns
    /// false, having read the value, when it is null or not an object (the latter recorded).
    mutating func object(
        _ r: inout FieldReader,
        _ key: String,
        depth: Int,
        _ body: (inout JSONParser.Parser, inout FieldReader, String) throws(AuditTrailError) -> Void
    ) throws(AuditTrailError) -> Bool {
        guard peek == UInt8(ascii: "{") else {
            _ = r.object(try parseValue(depth: depth), key)
            return false
        }
        var sub = r.nested(key)
        try members(depth: depth) { (p: inout JSONParser.Parser, name: String) throws(AuditTrailError) in
            do throws(AuditTrailError) { try body(&p, &sub, name) } catch {
                throw error.code == .tooLarge ? error : error.namingLimit(sub.prefix + name)
            }
            if r.errors.count + sub.errors.count >= AuditTrailError.maxFieldErrors {
                r.merge(sub)
                throw FieldReader.full
            }
        }
        r.merge(sub)
        return true
    }

    /// A member the event does not have: read its value and name it.
    mutating func unknown(_ r: inout FieldReader, _ key: String, depth: Int) throws(AuditTrailError) {
        _ = try parseValue(depth: depth)
        r.fail(key, "unknown field")
    }
}
