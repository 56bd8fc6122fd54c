/// The streams of a log and their positions, kept in the store's settings
/// (``AuditSettingsStore``): `stream.<id>` holds a definition (with its secret) and
/// `stream.<id>.position` its ``AuditStreamPosition``. A deleted stream's definition is replaced
/// by a tombstone without the secret (`deleted_at`), so it stops everywhere and leaves a trace.
///
/// ```swift
/// let catalog = AuditStreamCatalog(store: store)
/// try await catalog.create(definition)
/// for stream in try await catalog.streams() { … }
/// ```
public struct AuditStreamCatalog: Sendable {
    let store: any AuditSettingsStore

    public init(store: any AuditSettingsStore) {
        self.store = store
    }

    static let prefix = "stream."
    static let positionSuffix = ".position"

    /// The streams not deleted, oldest first, each with its position (nil before its first save).
    public func streams() async throws -> [(definition: AuditStreamDefinition, position: AuditStreamPosition?)] {
        let settings = try await store.jsonSettings(prefix: Self.prefix)
        var found: [(AuditStreamDefinition, AuditStreamPosition?)] = []
        for (name, value) in settings where !name.hasSuffix(Self.positionSuffix) {
            guard let definition = AuditStreamDefinition(stored: value) else { continue }
            found.append((definition, settings[name + Self.positionSuffix].flatMap(AuditStreamPosition.init(json:))))
        }
        return found.sorted { ($0.0.createdAt, $0.0.id) < ($1.0.createdAt, $1.0.id) }
    }

    /// One stream not deleted, with its position.
    public func stream(id: String) async throws -> (definition: AuditStreamDefinition, position: AuditStreamPosition?)? {
        try await streams().first { $0.definition.id == id }
    }

    /// Stores a new stream and its starting position.
    public func create(_ definition: AuditStreamDefinition) async throws {
        try await save(AuditStreamPosition(startingAfter: definition.startAfter), of: definition.id)
        try await store.setJSON(Self.prefix + definition.id, definition.stored)
    }

    /// Replaces the stream's definition with a tombstone; returns what was deleted (nil: no such stream).
    @discardableResult
    public func delete(id: String, by keyID: String, at time: AuditTime = .now()) async throws -> AuditStreamDefinition? {
        guard let (definition, _) = try await stream(id: id) else { return nil }
        try await store.bury(Self.prefix + id, publicJSON: definition.publicJSON, by: keyID, at: time)
        return definition
    }

    /// The stored position of a stream.
    public func position(of id: String) async throws -> AuditStreamPosition? {
        let name = Self.prefix + id + Self.positionSuffix
        return try await store.jsonSettings(prefix: name)[name].flatMap(AuditStreamPosition.init(json:))
    }

    /// Stores a stream's position.
    public func save(_ position: AuditStreamPosition, of id: String) async throws {
        try await store.setJSON(Self.prefix + id + Self.positionSuffix, position.json)
    }

    /// A new stream id: `str_` and 16 random hex digits.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "str_" + AuditHex.string((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
