/// Reads of a small request object's members (a stream's or an alert rule's definition), each
/// recording the rule it breaks under the member's dotted name.
extension FieldReader {
    /// Names every member of `object` not in `allowed` an unknown field.
    mutating func refuseUnknown(_ object: [String: JSONValue], allowed: Set<String>) {
        for key in object.keys.sorted() where !allowed.contains(key) { fail(key, "unknown field") }
    }

    /// A string member of 1…`maxLength` characters without control characters; nil when absent.
    /// An optional member is left out, never null.
    mutating func text(_ object: [String: JSONValue], _ key: String, required: Bool, maxLength: Int = 1000) -> String? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard case .string(let text) = value else {
            fail(key, "must be a string, not \(value.typeName)")
            return nil
        }
        guard !text.isEmpty, !text.exceedsLength(maxLength), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            fail(key, "must be 1 to \(maxLength) characters without control characters")
            return nil
        }
        return text
    }

    /// An integer member in `range` (JSON Schema's integer: a number without a fraction part);
    /// `value` when absent or broken.
    mutating func integer(_ object: [String: JSONValue], _ key: String, in range: ClosedRange<Int64>, default value: Int64) -> Int64 {
        guard let member = object[key] else { return value }
        guard let parsed = member.int64Value, range.contains(parsed) else {
            fail(key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return value
        }
        return parsed
    }

    /// An object member whose values are all strings (filters), in name order — but for those
    /// named in `numeric`, which are numbers (kept as their decimal text).
    mutating func stringMap(_ object: [String: JSONValue], _ key: String, maxCount: Int, numeric: Set<String> = []) -> [(String, String)] {
        guard let member = object[key] else { return [] }
        guard case .object(let members) = member else {
            fail(key, "must be an object of strings, not \(member.typeName)")
            return []
        }
        guard members.count <= maxCount else {
            fail(key, "must have at most \(maxCount) members")
            return []
        }
        var pairs: [(String, String)] = []
        for name in members.keys.sorted() {
            switch members[name] {
            case .string(let text)? where !numeric.contains(name): pairs.append((name, text))
            case .int(let number)? where numeric.contains(name): pairs.append((name, String(number)))
            case .double(let number)? where numeric.contains(name): pairs.append((name, String(number)))
            default: fail("\(key).\(name)", numeric.contains(name) ? "must be a number" : "must be a string")
            }
        }
        return pairs
    }
}
