/// Definitions kept as JSON settings (streams, alert rules): one stored form, one tombstone.
extension AuditSettingsStore {
    /// Stores `value` as canonical JSON under `name`.
    func setJSON(_ name: String, _ value: JSONValue) async throws {
        try await setSetting(name, to: String(decoding: CanonicalJSON.encode(value), as: UTF8.self))
    }

    /// The settings under `prefix` that parse as JSON, by name.
    func jsonSettings(prefix: String) async throws -> [String: JSONValue] {
        try await settings(prefix: prefix).compactMapValues { try? JSONParser.parse($0) }
    }

    /// Replaces the definition under `name` with its tombstone: what readers saw of it
    /// (`publicJSON`, no secret) with `deleted_at` and `deleted_by` — it stops everywhere and
    /// leaves a trace.
    func bury(_ name: String, publicJSON: JSONValue, by keyID: String, at time: AuditTime) async throws {
        var object = publicJSON.objectValue ?? [:]
        object["deleted_at"] = .int(time.milliseconds)
        object["deleted_by"] = .string(keyID)
        try await setJSON(name, .object(object))
    }
}

/// The stored form of a definition: what readers see (`publicJSON`) with the creation time in
/// milliseconds and the secret.
func storedDefinition(_ publicJSON: JSONValue, createdAt: AuditTime, secret: String?) -> JSONValue {
    var object = publicJSON.objectValue ?? [:]
    object["created_at"] = .int(createdAt.milliseconds)
    object["secret"] = secret.map(JSONValue.string) ?? .null
    return .object(object)
}
