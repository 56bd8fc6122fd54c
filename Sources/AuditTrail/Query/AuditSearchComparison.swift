/// `=`, `>`, `>=`, `<`, `<=`.
public enum AuditSearchComparison: String, Sendable, Hashable {
    case equal = "="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
}

extension AuditSearchComparison {
    /// Whether `a <op> b`.
    public func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .equal: a == b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        case .less: a < b
        case .lessOrEqual: a <= b
        }
    }
}
