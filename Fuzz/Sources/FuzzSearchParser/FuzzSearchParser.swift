import AuditTrail
import FuzzSupport

/// An event to match parsed searches against.
let event = try! AuditEventValidator().validate(
    AuditEventInput(
        action: "user.login",
        description: "Payroll export by alice",
        actor: .init(id: "alice", ip: "10.1.2.3"),
        tags: ["hr"],
        metadata: ["note": "invoice 42"]
    ),
    receivedAt: AuditTime(milliseconds: 1_795_000_000_000)
)

/// The search language (`q`): a search that parses stays within the limits — its terms and its
/// nesting — and can be planned for the index and matched against an event.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSearchParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let expression: AuditSearchExpression
    do {
        expression = try AuditSearchParser.parse(text)
    } catch {
        precondition(error.fieldErrors.map(\.field) == ["q"], "a search error names q")
        return 0
    }
    let (terms, depth) = measure(expression, negated: false)
    precondition(terms <= AuditSearchParser.maximumTerms, "more terms than the limit")
    precondition(depth <= 3 * (AuditSearchParser.maximumNesting + 1), "deeper than the nesting limit allows")
    var query = AuditQuery()
    query.search = expression
    _ = AuditIndexPlan(query)
    _ = AuditEventMatcher.matches(expression, event)
    return 0
}

/// The terms and the depth of an expression; a negation directly inside a negation is an error.
func measure(_ expression: AuditSearchExpression, negated: Bool) -> (terms: Int, depth: Int) {
    switch expression {
    case .term: return (1, 1)
    case .not(let inner):
        precondition(!negated, "a negation of a negation was not normalised")
        let (terms, depth) = measure(inner, negated: true)
        return (terms, depth + 1)
    case .and(let parts), .or(let parts):
        let measured = parts.map { measure($0, negated: false) }
        return (measured.map(\.terms).reduce(0, +), (measured.map(\.depth).max() ?? 0) + 1)
    }
}

/// The program: libFuzzer's driver on ``fuzzSearchParser(_:_:)``.
@main
enum FuzzSearchParser {
    static func main() { runFuzzer(fuzzSearchParser) }
}
