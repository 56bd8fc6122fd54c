/// The alert rules of a log — the built-in ones (``AuditAlertRule/builtIn``) and those admins
/// made — kept in the store's settings (``AuditSettingsStore``): `alert_rule.<id>` holds a rule
/// (with its webhook secret; a deleted one becomes a tombstone without it), `alert_switch.<id>`
/// whether a rule is on (`on`/`off`, overriding its `enabled`), `alert_state.<id>` how far it
/// evaluated the log and which groups fired lately (``AuditAlertState``).
public struct AuditAlertCatalog: Sendable {
    let store: any AuditSettingsStore

    public init(store: any AuditSettingsStore) {
        self.store = store
    }

    static let rulePrefix = "alert_rule."
    static let switchPrefix = "alert_switch."
    static let statePrefix = "alert_state."

    /// Every rule, built-in ones first, then the others oldest first, each with its switch applied.
    public func rules() async throws -> [AuditAlertRule] {
        let switches = try await store.settings(prefix: Self.switchPrefix)
        var custom = try await store.jsonSettings(prefix: Self.rulePrefix).values.compactMap(AuditAlertRule.init(stored:))
        custom.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return (AuditAlertRule.builtIn + custom).map { rule in
            var rule = rule
            if let flag = switches[Self.switchPrefix + rule.id] { rule.enabled = flag == "on" }
            return rule
        }
    }

    public func rule(id: String) async throws -> AuditAlertRule? {
        try await rules().first { $0.id == id }
    }

    public func create(_ rule: AuditAlertRule) async throws {
        try await store.setJSON(Self.rulePrefix + rule.id, rule.stored)
    }

    /// Switches a rule on or off; false when there is no such rule.
    @discardableResult
    public func setEnabled(_ enabled: Bool, id: String) async throws -> Bool {
        guard try await rule(id: id) != nil else { return false }
        try await store.setSetting(Self.switchPrefix + id, to: enabled ? "on" : "off")
        return true
    }

    /// Replaces a rule made by an admin with a tombstone (a built-in rule is switched off
    /// instead); returns the rule deleted, nil when there is none.
    public func delete(id: String, by keyID: String, at time: AuditTime = .now()) async throws -> AuditAlertRule? {
        guard let rule = try await rule(id: id), !rule.isBuiltIn else { return nil }
        try await store.bury(Self.rulePrefix + id, publicJSON: rule.publicJSON, by: keyID, at: time)
        return rule
    }

    public func state(of id: String) async throws -> AuditAlertState? {
        let name = Self.statePrefix + id
        return try await store.jsonSettings(prefix: name)[name].flatMap(AuditAlertState.init(json:))
    }

    /// Every rule's stored state, by rule id (one read).
    public func states() async throws -> [String: AuditAlertState] {
        var found: [String: AuditAlertState] = [:]
        for (name, value) in try await store.jsonSettings(prefix: Self.statePrefix) {
            found[String(name.dropFirst(Self.statePrefix.count))] = AuditAlertState(json: value)
        }
        return found
    }

    public func save(_ state: AuditAlertState, of id: String) async throws {
        try await store.setJSON(Self.statePrefix + id, state.json)
    }

    /// A new rule id: `alr_` and 16 random hex digits.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "alr_" + AuditHex.string((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

/// How far a rule evaluated the log, which groups fired within its window (so a restart does not
/// fire them again), and how often it fired.
public struct AuditAlertState: Sendable, Hashable {
    /// Every event up to this seq was evaluated.
    public var evaluatedThrough: Int64
    /// Per group, when it last fired (milliseconds), within the window.
    public var firings: [String: Int64] = [:]
    /// Firings since the rule was made.
    public var fired: Int64 = 0
    public var lastFiredAt: AuditTime?

    public init(evaluatedThrough: Int64) {
        self.evaluatedThrough = evaluatedThrough
    }

    var json: JSONValue {
        .object([
            "evaluated_through": .int(evaluatedThrough), "firings": .object(firings.mapValues(JSONValue.int)), "fired": .int(fired),
            "last_fired_at": lastFiredAt.map { .int($0.milliseconds) } ?? .null,
        ])
    }

    init?(json value: JSONValue) {
        guard let object = value.objectValue, let through = object["evaluated_through"]?.int64Value else { return nil }
        evaluatedThrough = through
        firings = (object["firings"]?.objectValue ?? [:]).compactMapValues(\.int64Value)
        fired = object["fired"]?.int64Value ?? 0
        lastFiredAt = object["last_fired_at"]?.int64Value.map(AuditTime.init(milliseconds:))
    }

    /// What `GET /v1/alert-rules` shows of it.
    public var statusJSON: JSONValue {
        .object([
            "evaluated_through": .int(evaluatedThrough), "fired": .int(fired),
            "last_fired_at": lastFiredAt.map { .string($0.rfc3339) } ?? .null,
        ])
    }
}
