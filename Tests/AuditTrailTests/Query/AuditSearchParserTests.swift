import AuditTrail
import Testing

@Suite("AuditSearchParser")
struct AuditSearchParserTests {
    func parse(_ text: String) throws(AuditTrailError) -> AuditSearchExpression {
        try AuditSearchParser.parse(text)
    }

    @Test(
        "every field term parses to its leaf",
        arguments: [
            ("action:user.login", AuditSearchTerm.action(.exact("user.login"))),
            ("action:user.*", .action(.prefix("user."))),
            ("category:authentication", .category("authentication")),
            ("actor:alice", .actor("alice")),
            ("actor.id:u-1", .actor("u-1")),
            ("user:u-2", .actor("u-2")),
            ("actor.name:alice", .actorName("alice")),
            ("actor_name:bob", .actorName("bob")),
            ("actor.type:service", .actorType("service")),
            ("resource.type:document", .resourceType("document")),
            ("resource_type:doc", .resourceType("doc")),
            ("resource:doc", .resourceType("doc")),
            ("resource.id:42", .resourceID("42")),
            ("resource_id:43", .resourceID("43")),
            ("outcome:failure", .outcome(.failure)),
            ("severity:warning", .severity(.equal, .warning)),
            ("severity:>=warning", .severity(.greaterOrEqual, .warning)),
            ("severity:>info", .severity(.greater, .info)),
            ("severity:<error", .severity(.less, .error)),
            ("severity:<=debug", .severity(.lessOrEqual, .debug)),
            ("severity:=critical", .severity(.equal, .critical)),
            ("time:>=2026-11-01", .time(.greaterOrEqual, AuditTime(milliseconds: 1_793_491_200_000))),
            ("time:<2026-11-22T08:00:00.123Z", .time(.less, AuditTime(milliseconds: 1_795_334_400_123))),
            ("created:2026-11-01", .time(.equal, AuditTime(milliseconds: 1_793_491_200_000))),
            ("ip:10.0.0.0/8", .ip(AuditCIDR("10.0.0.0/8")!)),
            ("ip:2001:db8::/32", .ip(AuditCIDR("2001:db8::/32")!)),
            ("ip:203.0.113.9", .ip(AuditCIDR("203.0.113.9/32")!)),
            ("tag:billing", .tag("billing")),
            ("compliance:SOC2", .compliance("SOC2")),
            ("correlation_id:c-1", .correlationID("c-1")),
            ("request.correlation_id:c-2", .correlationID("c-2")),
            ("country:de", .country("DE")),
            ("location.country:FR", .country("FR")),
            ("risk:>=50", .riskScore(.greaterOrEqual, 50)),
            ("risk_score:100", .riskScore(.equal, 100)),
            ("ACTION:user.login", .action(.exact("user.login"))),
            (#"actor.name:"Alice Smith""#, .actorName("Alice Smith")),
            (#"actor:"say \"hi\"""#, .actor(#"say "hi""#)),
            ("payroll", .text("payroll")),
            (#""free text here""#, .text("free text here")),
            ("über", .text("über")),
        ]
    )
    func parsesTerm(text: String, expected: AuditSearchTerm) throws {
        #expect(try parse(text) == .term(expected))
    }

    @Test("terms are ANDed, - negates, OR binds looser than AND, parentheses group")
    func combinesTerms() throws {
        #expect(try parse("action:user.login actor:alice") == .and([.term(.action(.exact("user.login"))), .term(.actor("alice"))]))
        #expect(try parse("-action:audit.query") == .not(.term(.action(.exact("audit.query")))))
        #expect(try parse("--tag:x") == .term(.tag("x")))  // a double negation cancels out (issue 12)
        #expect(try parse("a OR b") == .or([.term(.text("a")), .term(.text("b"))]))
        #expect(try parse("a b OR c") == .or([.and([.term(.text("a")), .term(.text("b"))]), .term(.text("c"))]))
        #expect(try parse("a (b OR c)") == .and([.term(.text("a")), .or([.term(.text("b")), .term(.text("c"))])]))
        #expect(
            try parse("-(outcome:success OR outcome:failure)")
                == .not(.or([.term(.outcome(.success)), .term(.outcome(.failure))]))
        )
        #expect(try parse("((a))") == .term(.text("a")))
        #expect(try parse("a or b") == .and([.term(.text("a")), .term(.text("or")), .term(.text("b"))]))
        #expect(try parse("  a\t\nb  ") == .and([.term(.text("a")), .term(.text("b"))]))
    }

    @Test("the API example parses to the expected tree")
    func parsesAPIExample() throws {
        let text =
            #"action:user.login actor:alice outcome:failure severity:>=warning time:>=2026-11-01 ip:10.0.0.0/8 resource.type:document -action:audit.query "free text""#
        #expect(
            try parse(text)
                == .and([
                    .term(.action(.exact("user.login"))), .term(.actor("alice")), .term(.outcome(.failure)),
                    .term(.severity(.greaterOrEqual, .warning)), .term(.time(.greaterOrEqual, AuditTime(milliseconds: 1_793_491_200_000))),
                    .term(.ip(AuditCIDR("10.0.0.0/8")!)), .term(.resourceType("document")),
                    .not(.term(.action(.exact("audit.query")))), .term(.text("free text")),
                ])
        )
    }

    @Test(
        "syntax errors name the q field and the column",
        arguments: [
            (#"actor:"alice"#, 7, "unterminated quote"),
            (#"a "free"#, 3, "unterminated quote"),
            ("colour:red", 1, "unknown field 'colour'"),
            ("a nope:1", 3, "unknown field 'nope'"),
            ("a OR", 5, "expected a search term"),
            ("OR a", 1, "expected a search term before this"),
            ("a OR OR b", 6, "expected a search term before this"),
            ("(a b", 5, "missing ')' for the '(' at column 1"),
            ("x (a OR (b)", 12, "missing ')' for the '(' at column 3"),
            ("a)", 2, "unexpected ')'"),
            ("()", 2, "expected a search term before this"),
            ("action:", 1, "'action:' needs a value"),
            ("action:(", 8, "'(' in the value of 'action:'"),
            ("x action:(user.login OR user.logout)", 10, "'(' in the value of 'action:'"),
            ("actor:u(1", 8, "'(' in the value of 'actor:'"),
            (#"a tag:"""#, 3, "'tag:' needs a value"),
            ("", 1, "expected a search term"),
            ("   ", 4, "expected a search term"),
            ("outcome:maybe", 1, "outcome must be success, failure or denied"),
            ("x severity:>=loud", 3, "severity must be debug"),
            ("time:>=tomorrow", 1, "time must be a date or RFC 3339 time"),
            ("risk:101", 1, "risk must be a number from 0 to 100"),
            ("risk:>=high", 1, "risk must be a number from 0 to 100"),
            ("ip:999.0.0.0/8", 1, "ip must be an address or CIDR block"),
            ("ünï colour:red", 5, "unknown field 'colour'"),
        ] as [(String, Int, String)]
    )
    func syntaxErrorsNameColumn(text: String, column: Int, message: String) throws {
        let error = try #require(caughtError { () throws(AuditTrailError) in try parse(text) })
        #expect(error.code == .invalidInput)
        #expect(error.fieldErrors.map(\.field) == ["q"])
        let detail = error.fieldErrors.first?.message ?? ""
        #expect(detail.hasPrefix(message), "\(detail)")
        #expect(detail.hasSuffix("at column \(column)"), "\(detail)")
    }

    @Test("the documented field list names every field the parser accepts")
    func fieldListIsAccepted() throws {
        for field in AuditSearchParser.fields {
            let value =
                switch field {
                case "outcome": "success"
                case "severity": "info"
                case "time": "2026-11-01"
                case "ip": "10.0.0.1"
                case "risk": "5"
                default: "x"
                }
            #expect(throws: Never.self) { try AuditSearchParser.parse("\(field):\(value)") }
        }
    }
}
