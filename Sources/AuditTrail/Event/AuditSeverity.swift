/// The five severity levels, ordered: `debug < info < warning < error < critical`.
public enum AuditSeverity: String, Sendable, CaseIterable, Comparable, Codable {
    case debug, info, warning, error, critical

    /// 0 for debug … 4 for critical; stored as this number so that `min_severity` is a range.
    public var level: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        case .critical: 4
        }
    }

    public init?(level: Int) {
        guard let match = Self.allCases.first(where: { $0.level == level }) else { return nil }
        self = match
    }

    public static func < (a: AuditSeverity, b: AuditSeverity) -> Bool { a.level < b.level }
}
