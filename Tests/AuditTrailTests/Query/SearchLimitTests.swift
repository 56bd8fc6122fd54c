import AuditTrail
import Testing

/// Issue 12, finding 4 ("a reader, a viewer included, can make the server answer 500"): the
/// search language has limits on its length, terms and nesting, checked while parsing, and a
/// chain of negations is normalised rather than nested.
@Suite struct SearchLimitTests {
    /// The field error of a refused search.
    func refusal(_ text: String) -> AuditTrailError.FieldError? {
        caughtError { () throws(AuditTrailError) in try AuditSearchParser.parse(text) }?.fieldErrors.first
    }

    @Test func stackedNegationsAreNormalised() throws {
        let word = AuditSearchExpression.term(.text("payroll"))
        #expect(try AuditSearchParser.parse(String(repeating: "-", count: 600) + "payroll") == word)
        #expect(try AuditSearchParser.parse(String(repeating: "-", count: 601) + "payroll") == .not(word))
        #expect(try AuditSearchParser.parse("-(-payroll)") == word)
        #expect(try AuditSearchParser.parse("-(--(-payroll))") == word)
        #expect(try AuditSearchParser.parse("-(a b)") == .not(.and([.term(.text("a")), .term(.text("b"))])))
    }

    @Test func searchWithMoreThanTheMostTermsIsRefused() throws {
        let most = (1...AuditSearchParser.maximumTerms).map { "w\($0)" }
        #expect(throws: Never.self) { try AuditSearchParser.parse(most.joined(separator: " OR ")) }
        let over = (most + ["action:user.login"]).joined(separator: " ")
        let column = over.count - "action:user.login".count + 1
        #expect(refusal(over) == .init(field: "q", message: "more than \(AuditSearchParser.maximumTerms) terms at column \(column)"))
    }

    @Test func searchNestedDeeperThanTheLimitIsRefused() throws {
        let n = AuditSearchParser.maximumNesting
        let deepest = String(repeating: "-(a ", count: n) + "b" + String(repeating: ")", count: n)
        #expect(throws: Never.self) { try AuditSearchParser.parse(deepest) }
        let over = String(repeating: "(", count: n + 1) + "a" + String(repeating: ")", count: n + 1)
        #expect(refusal(over) == .init(field: "q", message: "more than \(n) nested parentheses at column \(n + 1)"))
    }

    @Test func searchLongerThanTheLimitIsRefused() throws {
        // One quoted phrase of 1,024 bytes.
        let longest = "\"" + String(repeating: "abc ", count: (AuditSearchParser.maximumLength - 4) / 4) + "ab\""
        #expect(longest.utf8.count == AuditSearchParser.maximumLength)
        #expect(throws: Never.self) { try AuditSearchParser.parse(longest) }
        #expect(refusal(longest + "a") == .init(field: "q", message: "must be at most \(AuditSearchParser.maximumLength) characters"))
        // A million '-' signs are refused before they are read.
        let start = ContinuousClock.now
        #expect(refusal(String(repeating: "-", count: 1_000_000) + "a")?.message.contains("at most") == true)
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func searchLimitsAreNamedThroughTheQueryParameters() {
        let error = caughtError { () throws(AuditTrailError) in
            try AuditQuery(parameters: [("q", String(repeating: "(", count: 9) + "a" + String(repeating: ")", count: 9))])
        }
        #expect(error?.fieldErrors.map(\.field) == ["q"])
        #expect(error?.fieldErrors.first?.message.hasPrefix("more than \(AuditSearchParser.maximumNesting) nested parentheses") == true)
    }
}

/// A term with no word the index keeps matches no event instead of being refused: the OpenAPI
/// document cannot describe the search language, so no well-formed string of q fails for it.
@Suite struct SearchTermsWithoutWords {
    @Test(arguments: ["!!!", String(repeating: "0", count: 1024), "\"--\""])
    func aTermWithoutAnIndexedWordMatchesNothing(text: String) throws {
        let expression = try AuditSearchParser.parse(text)
        var input = AuditEventInput(action: "doc.view")
        input.description = text + " report"
        let event = try AuditEventValidator().validate(input)
        #expect(!AuditEventMatcher.matches(expression, event))
        #expect(AuditEventMatcher.matches(.not(expression), event))
    }
}
