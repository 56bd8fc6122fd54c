import AuditTrail

/// Deterministic, realistic events for benchmarks: ~400 bytes of input each (~720 bytes stored,
/// canonical), 10,000 actors, 40 actions, 100,000 resources, IPs from a few networks.
struct BenchEventGenerator {
    private var state: UInt64
    private static let actions = AuditActionCatalog.standard.entries.prefix(40).map(\.action)
    private static let resourceTypes = ["document", "project", "invoice", "user", "repository", "dataset"]
    private static let countries = ["DE", "US", "FR", "GB", "JP", "BR", "IN", "NL"]

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(bound))
    }

    mutating func input() -> AuditEventInput {
        let user = next(10_000)
        let action = Self.actions[next(Self.actions.count)]
        let outcomeRoll = next(100)
        let resourceType = Self.resourceTypes[next(Self.resourceTypes.count)]
        return AuditEventInput(
            action: action,
            outcome: outcomeRoll < 90 ? .success : outcomeRoll < 97 ? .failure : .denied,
            description: "User u-\(user) performed \(action) on \(resourceType)",
            actor: .init(
                id: "u-\(user)",
                name: "user\(user)",
                type: "user",
                ip: "10.\(next(4)).\(next(256)).\(next(256))",
                userAgent: "Mozilla/5.0 (X11; Linux x86_64) bench/1.0"
            ),
            resource: .init(type: resourceType, id: String(next(100_000)), namespace: "tenant-\(next(20))"),
            request: .init(
                method: "POST",
                path: "/api/\(resourceType)s",
                status: 200,
                durationMS: Double(next(5000)) / 100,
                correlationID: "req-\(next(1_000_000_000))"
            ),
            riskScore: next(100),
            location: .init(country: Self.countries[next(Self.countries.count)]),
            tags: ["bench"],
            metadata: ["plan": "pro", "items": .int(Int64(next(50)))]
        )
    }

    /// A minimal event (action, actor id, outcome): ~280 bytes stored, the size the verification
    /// target of the provable-log issue assumes (SHA-256 of 256-byte messages).
    mutating func smallInput() -> AuditEventInput {
        AuditEventInput(
            action: Self.actions[next(Self.actions.count)],
            outcome: next(10) < 9 ? .success : .failure,
            actor: .init(id: "u-\(next(10_000))")
        )
    }

    /// A JSON body for one event, as a producer would POST it.
    mutating func json() -> String {
        let user = next(10_000)
        return
            #"{"action":"user.login","outcome":"success","description":"User u-\#(user) signed in","actor":{"id":"u-\#(user)","name":"user\#(user)","type":"user","ip":"10.1.\#(next(256)).\#(next(256))","user_agent":"Mozilla/5.0 (X11; Linux x86_64) bench/1.0"},"resource":{"type":"session","id":"\#(next(100_000))"},"request":{"method":"POST","path":"/login","status":200,"duration_ms":12.5},"location":{"country":"DE"},"tags":["bench"],"metadata":{"plan":"pro"}}"#
    }
}
