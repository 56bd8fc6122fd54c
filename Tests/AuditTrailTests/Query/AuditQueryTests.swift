import AuditTrail
import Testing

@Suite("AuditQuery(parameters:)")
struct AuditQueryTests {
    let now = fixedReceipt

    func query(_ parameters: [(String, String)], allowed: Set<String> = []) throws(AuditTrailError) -> AuditQuery {
        try AuditQuery(parameters: parameters, now: now, allowed: allowed)
    }

    func failures(_ parameters: [(String, String)], allowed: Set<String> = []) -> [String]? {
        fieldNames { () throws(AuditTrailError) in try query(parameters, allowed: allowed) }
    }

    @Test("no parameters give the defaults")
    func defaults() throws {
        let q = try query([])
        #expect(q == AuditQuery())
        #expect(q.limit == 100)
        #expect(q.order == .desc)
        #expect(q.cursor == nil)
        #expect(q.visibleActor == nil)
    }

    @Test("reads every filter parameter")
    func readsEveryFilter() throws {
        let q = try query([
            ("action", "user.login"), ("category", "authentication"), ("actor", "u-1"), ("actor_name", "alice"),
            ("resource_type", "document"), ("resource_id", "42"), ("outcome", "denied"), ("min_severity", "warning"),
            ("ip", "10.0.0.0/8"), ("correlation_id", "c-9"), ("tag", "billing"), ("since", "2026-11-01"),
            ("until", "2026-11-22T09:00:00+01:00"), ("q", "actor:bob"), ("limit", "1000"), ("cursor", "c2s"),
            ("order", "asc"),
        ])
        #expect(q.action == .exact("user.login"))
        #expect(q.category == "authentication")
        #expect(q.actor == "u-1")
        #expect(q.actorName == "alice")
        #expect(q.resourceType == "document")
        #expect(q.resourceID == "42")
        #expect(q.outcome == .denied)
        #expect(q.minSeverity == .warning)
        #expect(q.severity == nil)
        #expect(q.ip == AuditCIDR("10.0.0.0/8"))
        #expect(q.correlationID == "c-9")
        #expect(q.tag == "billing")
        #expect(q.since == AuditTime(rfc3339: "2026-11-01T00:00:00Z"))
        #expect(q.until == AuditTime(rfc3339: "2026-11-22T08:00:00Z"))
        #expect(q.search == .term(.actor("bob")))
        #expect(q.limit == 1000)
        #expect(q.cursor == AuditCursor(afterSeq: 100))
        #expect(q.order == .asc)
        #expect(try query([("severity", "error")]).severity == .error)
    }

    @Test(
        "action matches exactly or by prefix",
        arguments: [
            ("user.login", AuditQuery.ActionMatch.exact("user.login")), ("user.*", .prefix("user.")), ("user*", .prefix("user")),
            ("*", .prefix("")), ("audit", .exact("audit")),
        ]
    )
    func actionMatches(text: String, expected: AuditQuery.ActionMatch) throws {
        #expect(try query([("action", text)]).action == expected)
    }

    @Test("ActionMatch matches actions")
    func actionMatchMatches() {
        #expect(AuditQuery.ActionMatch("user.*").matches("user.login"))
        #expect(!AuditQuery.ActionMatch("user.*").matches("users.login"))
        #expect(AuditQuery.ActionMatch("user.login").matches("user.login"))
        #expect(!AuditQuery.ActionMatch("user.login").matches("user.login_failed"))
    }

    @Test(
        "a bad value is rejected naming the parameter",
        arguments: [
            ("action", "User.Login"), ("action", "user..*"), ("action", "a b"), ("outcome", "ok"), ("severity", "fatal"),
            ("min_severity", "INFO"), ("ip", "10.0.0.0/33"), ("ip", "host"), ("since", "yesterday"), ("until", "2026-13-01"),
            ("hours", "0"), ("hours", "-1"), ("hours", "abc"), ("hours", "nan"), ("hours", "inf"), ("hours", "100000"),
            ("q", "foo:bar"), ("q", "(a"), ("limit", "0"), ("limit", "1001"), ("limit", "ten"), ("limit", "1.5"),
            ("cursor", "garbage"), ("cursor", "c-5"), ("cursor", "c"), ("cursor", "c+5"), ("cursor", "C5"), ("cursor", "c12345678901234"),
            ("order", "newest"), ("order", "DESC"),
            ("category", ""), ("actor", ""), ("tag", ""), ("action", ""), ("q", ""), ("actor", String(repeating: "a", count: 1025)),
        ]
    )
    func rejectsBadValues(name: String, value: String) {
        #expect(failures([(name, value)]) == [name])
    }

    @Test("unknown parameters are rejected, never ignored", arguments: ["foo", "Action", "page", "format", "bucket", "visible_actor"])
    func rejectsUnknown(name: String) {
        #expect(failures([(name, "x")]) == [name])
    }

    @Test("route-specific parameters are accepted only when allowed and left to the caller")
    func allowsExtras() throws {
        let q = try query([("format", "csv"), ("bucket", "hour"), ("limit", "5")], allowed: ["format", "bucket"])
        #expect(q.limit == 5)
        #expect(failures([("format", "csv"), ("bucket", "hour")], allowed: ["format"]) == ["bucket"])
        #expect(failures([("format", "csv"), ("format", "json")], allowed: ["format"]) == ["format"])
    }

    @Test("a parameter given twice is rejected")
    func rejectsDuplicates() {
        #expect(failures([("actor", "a"), ("actor", "b")]) == ["actor"])
        #expect(failures([("limit", "5"), ("limit", "5")]) == ["limit"])
    }

    @Test("hours looks back from now; with since, the later start wins")
    func hoursLookBack() throws {
        #expect(try query([("hours", "24")]).since == now.adding(milliseconds: -86_400_000))
        #expect(try query([("hours", "0.5")]).since == now.adding(milliseconds: -1_800_000))
        #expect(try query([("hours", "1"), ("until", "2030-01-01")]).until == AuditTime(rfc3339: "2030-01-01"))
        #expect(try query([("hours", "1"), ("since", "2020-11-01")]).since == now.adding(milliseconds: -3_600_000))
        #expect(try query([("since", "2999-01-01"), ("hours", "1")]).since == AuditTime(rfc3339: "2999-01-01"))
        #expect(failures([("hours", "87841")]) == ["hours"])
    }

    /// The OpenAPI document cannot relate two parameters, so no pair is refused: every filter
    /// narrows (an empty range, or a severity below min_severity, matches nothing).
    @Test("filters combine: no pair of parameters is refused")
    func filtersCombine() throws {
        let empty = try query([("since", "2026-11-02"), ("until", "2026-11-01")])
        #expect(empty.since == AuditTime(rfc3339: "2026-11-02") && empty.until == AuditTime(rfc3339: "2026-11-01"))
        let both = try query([("severity", "info"), ("min_severity", "error")])
        #expect(both.severity == .info && both.minSeverity == .error)
    }

    @Test("every problem is reported at once")
    func collectsAllProblems() {
        #expect(Set(failures([("limit", "0"), ("order", "x"), ("nope", "1"), ("outcome", "y")]) ?? []) == ["limit", "order", "nope", "outcome"])
    }

    @Test("search errors keep the column", arguments: [("(a", 3), ("a OR", 5), ("foo:bar", 1)])
    func searchErrorsKeepColumn(text: String, column: Int) throws {
        let error = try #require(caughtError { () throws(AuditTrailError) in try query([("q", text)]) })
        #expect(error.fieldErrors.map(\.field) == ["q"])
        #expect(error.fieldErrors.first?.message.hasSuffix("at column \(column)") == true)
    }

    @Test("an empty cursor means the first page")
    func emptyCursor() throws {
        #expect(try query([("cursor", "")]).cursor == nil)
    }

    @Test("cursors round-trip through their opaque token", arguments: [0, 1, 35, 36, 100, 1_000_000_007, Int64.max])
    func cursorRoundTrips(seq: Int64) throws {
        let token = AuditCursor(afterSeq: seq).token
        #expect(AuditCursor(token: token) == AuditCursor(afterSeq: seq))
        #expect(try query([("cursor", token)]).cursor?.afterSeq == seq)
    }
}
