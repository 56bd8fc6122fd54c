/// `=`, `>`, `>=`, `<`, `<=`.
public enum AuditSearchComparison: String, Sendable, Hashable {
    case equal = "="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
}
