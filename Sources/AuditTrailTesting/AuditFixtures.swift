import AuditTrail

/// Varied, realistic events made deterministically from a seed, for tests and benchmarks.
///
/// The same `(seed, index)` always gives the same input. Times start at ``baseTime`` and advance
/// about 37 seconds per index (so a few thousand events span hours and days), wrapping after
/// 300 days.
///
/// ```swift
/// let inputs = AuditFixtures.events(count: 10_000, seed: 7)
/// let prepared = try AuditFixtures.prepare(inputs)
/// _ = try await store.append(prepared)
/// ```
public enum AuditFixtures {
    /// The time of index 0: 2026-01-05T00:00:00.000Z.
    public static let baseTime = AuditTime(milliseconds: 1_767_571_200_000)

    /// Times wrap after 300 days (about 700,000 events), so they never reach the future.
    static let timeSpan: Int64 = 300 * 86_400_000

    static let actions = [
        "user.login", "user.login", "user.login", "user.logout", "user.login_failed", "data.read", "data.read",
        "data.create", "data.update", "data.delete", "data.export", "authz.denied", "authz.role.changed",
        "auth.token.created", "config.changed", "billing.invoice.paid",
    ]
    static let resourceTypes = ["document", "project", "invoice", "user", "repository"]
    static let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
    static let words = ["payroll", "quarterly report", "Berlin office", "rotation", "Zürich", "migration", "backup"]
    static let countries = ["DE", "US", "FR", "JP", "BR"]
    static let tagSets: [[String]] = [[], ["billing"], ["prod", "eu"], ["prod"], ["staging", "nightly"]]
    static let complianceSets: [[String]] = [[], ["SOC2"], ["SOC2", "GDPR"], ["HIPAA"]]

    /// The `index`-th event of the sequence named by `seed`. With `clientID`, it carries a
    /// deterministic UUID (so re-sending it is idempotent).
    public static func event(seed: UInt64, index: Int, clientID: Bool = false) -> AuditEventInput {
        var random = SplitMix64(seed: seed &* 0x9E37_79B9 &+ UInt64(index))
        let action = actions[random.below(actions.count)]
        let actorIndex = random.below(40)
        var input = AuditEventInput(action: action)
        input.time = baseTime.adding(milliseconds: (Int64(index) * 37_000) % timeSpan + Int64(random.below(1000)))
        if clientID { input.id = uuid(seed: seed, index: index) }
        let roll = random.below(100)
        input.outcome =
            action.hasSuffix("failed")
            ? .failure
            : action == "authz.denied"
                ? .denied
                : roll < 8 ? .failure : roll < 12 ? .denied : .success
        if random.below(3) == 0 { input.severity = AuditSeverity.allCases[random.below(5)] }
        if actorIndex < 38 {
            let name = names[actorIndex % names.count]
            input.actor = AuditEvent.Actor(
                id: "u-\(actorIndex)",
                name: name,
                type: actorIndex % 7 == 0 ? "service" : "user",
                ip: ip(&random),
                userAgent: random.below(2) == 0 ? "Mozilla/5.0 (X11; Linux x86_64)" : nil,
                sessionID: random.below(2) == 0 ? "s-\(random.below(1000))" : nil
            )
        }
        if random.below(5) != 0 {
            let type = resourceTypes[random.below(resourceTypes.count)]
            input.resource = AuditEvent.Resource(
                type: type,
                id: "\(random.below(60))",
                name: "\(type) \(random.below(60))",
                namespace: random.below(2) == 0 ? "acme" : nil
            )
        }
        if random.below(3) == 0 { input.description = "\(names[random.below(names.count)]) touched the \(words[random.below(words.count)])" }
        if random.below(6) == 0 { input.comment = "ticket \(words[random.below(words.count)])" }
        if random.below(2) == 0 {
            input.request = AuditEvent.Request(
                method: ["GET", "POST", "PUT", "DELETE"][random.below(4)],
                path: "/api/v1/items/\(random.below(500))",
                status: [200, 201, 204, 400, 403, 404, 500][random.below(7)],
                durationMS: Double(random.below(5000)) / 10,
                correlationID: "corr-\(random.below(200))"
            )
        }
        if random.below(4) == 0 { input.riskScore = random.below(101) }
        if random.below(3) == 0 { input.location = AuditEvent.Location(country: countries[random.below(countries.count)], city: nil) }
        input.tags = tagSets[random.below(tagSets.count)]
        input.compliance = complianceSets[random.below(complianceSets.count)]
        if random.below(2) == 0 {
            input.metadata = [
                "plan": .string(["free", "pro", "enterprise"][random.below(3)]), "seats": .int(Int64(random.below(500))),
                "note": .string(words[random.below(words.count)]),
            ]
        }
        if action == "authz.role.changed" {
            input.changes = AuditEvent.Changes(before: ["role": "user"], after: ["role": "admin"])
        }
        return input
    }

    /// `count` events of the sequence `seed`, starting at `start`.
    public static func events(count: Int, seed: UInt64 = 1, start: Int = 0, clientIDs: Bool = false) -> [AuditEventInput] {
        (start..<(start + count)).map { event(seed: seed, index: $0, clientID: clientIDs) }
    }

    /// An event with every field set (a secret in metadata, so `redacted` is set too).
    public static func fullyPopulated(id: String = "0193f7e2-6c1a-7b0e-9d3c-2a1b4c5d6e7f") -> AuditEventInput {
        AuditEventInput(
            id: id,
            time: baseTime.adding(milliseconds: 123),
            action: "authz.role.changed",
            category: "authorization",
            severity: .warning,
            outcome: .success,
            description: "Alice promoted Bob — \"admin\" ✓",
            actor: .init(id: "u-123", name: "alice", type: "user", ip: "2001:db8::7", userAgent: "curl/8.5", sessionID: "sess-9"),
            resource: .init(type: "user", id: "u-456", name: "bob", namespace: "acme"),
            changes: .init(before: ["role": "user", "flags": [1, 2.5, true, nil]], after: ["role": "admin"]),
            files: ["roles.yaml", "a/b.txt"],
            comment: "approved by HR\nticket 42",
            request: .init(
                method: "patch",
                path: "/api/users/u-456?token=abc&x=1",
                status: 200,
                durationMS: 12.5,
                correlationID: "corr-1",
                headers: ["user-agent": "curl/8.5", "authorization": "Bearer x"]
            ),
            riskScore: 40,
            location: .init(country: "de", region: "BE", city: "Berlin"),
            tags: ["billing", "prod"],
            compliance: ["SOC2", "GDPR"],
            metadata: ["plan": "pro", "password": "hunter2", "nested": ["k": [1, 2]]]
        )
    }

    /// Validates and prepares inputs (as every entrance does before the writer).
    public static func prepare(
        _ inputs: [AuditEventInput],
        validator: AuditEventValidator = .init(),
        receivedAt: AuditTime = .now()
    ) throws -> [PreparedAuditEvent] {
        try inputs.enumerated().map { index, input in
            try validator.prepare(input, receivedAt: receivedAt, fieldPrefix: "[\(index)].")
        }
    }

    /// A batch that must fail as a whole: a new event, then one whose generated id (not marked as
    /// the client's, so the store does not treat it as a re-send) repeats the stored `storedID`.
    public static func clashingBatch(storedID: String, seed: UInt64, validator: AuditEventValidator = .init()) throws -> [PreparedAuditEvent] {
        let good = PreparedAuditEvent(event: try validator.prepare(event(seed: seed, index: 0)).event, clientID: false)
        var clashing = try validator.prepare(event(seed: seed, index: 1)).event
        clashing.id = storedID
        return [good, PreparedAuditEvent(event: clashing, clientID: false)]
    }

    /// A deterministic UUID (version 4 layout) for `(seed, index)`.
    public static func uuid(seed: UInt64, index: Int) -> String {
        var random = SplitMix64(seed: seed ^ 0xA5A5_5A5A_1234_5678 &+ UInt64(index) &* 0x1_0000_0001)
        var bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = AuditHex.string(bytes)
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }

    static func ip(_ random: inout SplitMix64) -> String? {
        switch random.below(10) {
        case 0: return nil
        case 1, 2: return "2001:db8:\(String(random.below(16), radix: 16))::\(random.below(90) + 1)"
        case 3, 4, 5: return "10.\(random.below(4)).\(random.below(256)).\(random.below(254) + 1)"
        default: return "203.0.113.\(random.below(254) + 1)"
        }
    }
}

/// A small deterministic generator (SplitMix64), so fixtures and property tests do not depend on
/// the platform.
///
/// ```swift
/// var random = SplitMix64(seed: 42)
/// let n = random.below(10)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
