/// Parses the search language into an ``AuditSearchExpression``. A syntax error names the
/// column (1-based) where it was found.
///
/// A search is bounded — at most ``maximumLength`` characters, ``maximumTerms`` terms and
/// ``maximumNesting`` levels of parentheses — and checked while it is read, so no `q` can make a
/// reader, a viewer included, cost the server more than the largest such search: past a limit
/// it is refused with a 400 naming the limit. A chain of `-` is normalised as it is read (`--a`
/// is `a`, `---a` is `-a`), as is a negated negation (`-(-a)`), so negations never nest.
///
/// ```swift
/// let expr = try AuditSearchParser.parse(#"action:user.* -outcome:success "payroll""#)
/// ```
public enum AuditSearchParser {
    /// Field names the language knows, for documentation and error messages.
    public static let fields = [
        "action", "category", "actor", "actor.id", "actor.name", "actor.type", "resource.type", "resource.id",
        "outcome", "severity", "time", "ip", "tag", "compliance", "correlation_id", "country", "risk",
    ]

    /// The longest search, in UTF-8 bytes: that of every query parameter
    /// (``AuditQuery/maximumParameterLength``), so the web page's search box and the API agree.
    public static let maximumLength = AuditQuery.maximumParameterLength
    /// The most terms of one search: words, quoted phrases and `field:value` terms.
    public static let maximumTerms = 50
    /// The deepest nesting of parentheses.
    public static let maximumNesting = 8

    /// Parses one search; a syntax error or a broken limit throws, naming `q`.
    public static func parse(_ text: String) throws(AuditTrailError) -> AuditSearchExpression {
        guard !text.exceedsLength(maximumLength) else { throw AuditTrailError.invalid("q", "must be at most \(maximumLength) characters") }
        let scalars = Array(text.unicodeScalars)
        var tokens = try tokenize(scalars)
        tokens.append(Token(kind: .end, column: scalars.count + 1))
        var parser = Parser(tokens: tokens)
        let expression = try parser.parseOr()
        guard parser.peek.kind == .end else { throw parser.error("unexpected ')'", parser.peek.column) }
        return expression
    }

    struct Token {
        enum Kind: Equatable {
            case word(String, quoted: Bool)
            case field(String, String)
            case minus, or, open, close, end
        }
        var kind: Kind
        var column: Int
    }

    static func error(_ message: String, _ column: Int) -> AuditTrailError {
        AuditTrailError(
            .invalidInput,
            "q: \(message) at column \(column)",
            fieldErrors: [.init(field: "q", message: "\(message) at column \(column)")]
        )
    }

    static func tokenize(_ s: [Unicode.Scalar]) throws(AuditTrailError) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        func readQuoted(_ start: Int) throws(AuditTrailError) -> (String, Int) {
            var j = start + 1
            var value = ""
            while j < s.count, s[j] != "\"" {
                if s[j] == "\\", j + 1 < s.count { j += 1 }
                value.unicodeScalars.append(s[j])
                j += 1
            }
            guard j < s.count else { throw error("unterminated quote", start + 1) }
            return (value, j + 1)
        }
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" {
                i += 1
                continue
            }
            let column = i + 1
            if c == "(" {
                tokens.append(Token(kind: .open, column: column))
                i += 1
                continue
            }
            if c == ")" {
                tokens.append(Token(kind: .close, column: column))
                i += 1
                continue
            }
            if c == "-", i + 1 < s.count, s[i + 1] != " " {
                tokens.append(Token(kind: .minus, column: column))
                i += 1
                continue
            }
            if c == "\"" {
                let (value, next) = try readQuoted(i)
                tokens.append(Token(kind: .word(value, quoted: true), column: column))
                i = next
                continue
            }
            var j = i
            var word = ""
            while j < s.count, s[j] != " ", s[j] != "\t", s[j] != "\n", s[j] != ")", s[j] != "(", s[j] != ":" {
                word.unicodeScalars.append(s[j])
                j += 1
            }
            if j < s.count, s[j] == ":" {
                j += 1
                var value = ""
                if j < s.count, s[j] == "\"" {
                    let (quoted, next) = try readQuoted(j)
                    value = quoted
                    j = next
                } else {
                    while j < s.count, s[j] != " ", s[j] != "\t", s[j] != "\n", s[j] != ")" {
                        // `action:(a OR b)` is not grouping, and `action:(` a typo: refuse both
                        // rather than search for a value that holds a parenthesis.
                        guard s[j] != "(" else {
                            throw error("'(' in the value of '\(word):': group whole terms, as (\(word):a OR \(word):b), or quote the value", j + 1)
                        }
                        value.unicodeScalars.append(s[j])
                        j += 1
                    }
                }
                guard !value.isEmpty else { throw error("'\(word):' needs a value", column) }
                tokens.append(Token(kind: .field(word.lowercased(), value), column: column))
            } else if word == "OR" {
                tokens.append(Token(kind: .or, column: column))
            } else {
                tokens.append(Token(kind: .word(word, quoted: false), column: column))
            }
            i = j
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var index = 0
        /// Terms read so far (``maximumTerms``).
        var terms = 0
        /// Parentheses open here (``maximumNesting``).
        var nesting = 0
        var peek: Token { tokens[index] }

        func error(_ message: String, _ column: Int) -> AuditTrailError { AuditSearchParser.error(message, column) }

        mutating func parseOr() throws(AuditTrailError) -> AuditSearchExpression {
            var alternatives = [try parseAnd()]
            while peek.kind == .or {
                index += 1
                alternatives.append(try parseAnd())
            }
            return alternatives.count == 1 ? alternatives[0] : .or(alternatives)
        }

        mutating func parseAnd() throws(AuditTrailError) -> AuditSearchExpression {
            var terms: [AuditSearchExpression] = []
            while true {
                switch peek.kind {
                case .end, .close, .or:
                    guard !terms.isEmpty else {
                        throw error(peek.kind == .end ? "expected a search term" : "expected a search term before this", peek.column)
                    }
                    return terms.count == 1 ? terms[0] : .and(terms)
                default:
                    terms.append(try parseUnary())
                }
            }
        }

        /// A term, a group or a negation. A chain of `-` is read in a loop and normalised (an even
        /// number cancels out), and the negation of a negation is its inner term, so no chain of
        /// negations reaches the evaluator.
        mutating func parseUnary() throws(AuditTrailError) -> AuditSearchExpression {
            var negated = false
            while peek.kind == .minus {
                negated.toggle()
                index += 1
            }
            let operand = try parseOperand()
            guard negated else { return operand }
            if case .not(let inner) = operand { return inner }
            return .not(operand)
        }

        mutating func parseOperand() throws(AuditTrailError) -> AuditSearchExpression {
            let token = peek
            index += 1
            switch token.kind {
            case .word, .field: try countTerm(token)
            default: break
            }
            switch token.kind {
            case .minus:
                preconditionFailure("parseUnary reads every '-'")
            case .open:
                nesting += 1
                guard nesting <= AuditSearchParser.maximumNesting else {
                    throw error("more than \(AuditSearchParser.maximumNesting) nested parentheses", token.column)
                }
                let inner = try parseOr()
                guard peek.kind == .close else { throw error("missing ')' for the '(' at column \(token.column)", peek.column) }
                index += 1
                nesting -= 1
                return inner
            case .word(let text, let quoted):
                // A term with no word the index keeps (only punctuation, or one run of letters
                // and digits longer than AuditTokenizer.maximumWordBytes) matches no event: no
                // event has such a word. The planner and the matcher both read it so.
                if !quoted, text.hasSuffix("*") { return .term(.textPrefix(String(text.dropLast()))) }
                return .term(.text(text))
            case .field(let name, let value):
                return .term(try AuditSearchParser.term(name, value, column: token.column))
            case .or, .close, .end:
                throw error("expected a search term", token.column)
            }
        }

        mutating func countTerm(_ token: Token) throws(AuditTrailError) {
            terms += 1
            guard terms <= AuditSearchParser.maximumTerms else {
                throw error("more than \(AuditSearchParser.maximumTerms) terms", token.column)
            }
        }
    }

    static func comparison(_ value: String) -> (AuditSearchComparison, String) {
        for op in [AuditSearchComparison.greaterOrEqual, .lessOrEqual, .greater, .less, .equal] where value.hasPrefix(op.rawValue) {
            return (op, String(value.dropFirst(op.rawValue.count)))
        }
        return (.equal, value)
    }

    static func term(_ name: String, _ value: String, column: Int) throws(AuditTrailError) -> AuditSearchTerm {
        switch name {
        case "action": return .action(AuditQuery.ActionMatch(value))
        case "category": return .category(value)
        case "actor", "actor.id", "user": return .actor(value)
        case "actor.name", "actor_name": return .actorName(value)
        case "actor.type": return .actorType(value)
        case "resource.type", "resource_type", "resource": return .resourceType(value)
        case "resource.id", "resource_id": return .resourceID(value)
        case "tag": return .tag(value)
        case "compliance": return .compliance(value)
        case "correlation_id", "request.correlation_id": return .correlationID(value)
        case "country", "location.country": return .country(value.uppercased())
        case "outcome":
            guard let outcome = AuditOutcome(rawValue: value) else { throw error("outcome must be success, failure or denied", column) }
            return .outcome(outcome)
        case "severity":
            let (op, rest) = comparison(value)
            guard let severity = AuditSeverity(rawValue: rest) else {
                throw error("severity must be debug, info, warning, error or critical", column)
            }
            return .severity(op, severity)
        case "time", "created":
            let (op, rest) = comparison(value)
            guard let time = AuditTime(rfc3339: rest) else { throw error("time must be a date or RFC 3339 time", column) }
            return .time(op, time)
        case "risk", "risk_score":
            let (op, rest) = comparison(value)
            guard let score = Int(rest), (0...100).contains(score) else { throw error("risk must be a number from 0 to 100", column) }
            return .riskScore(op, score)
        case "ip":
            guard let cidr = AuditCIDR(value) else { throw error("ip must be an address or CIDR block", column) }
            return .ip(cidr)
        default:
            throw error("unknown field '\(name)' (known: \(fields.joined(separator: ", ")))", column)
        }
    }
}
