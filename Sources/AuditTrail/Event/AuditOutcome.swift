/// How the action ended.
public enum AuditOutcome: String, Sendable, CaseIterable, Codable {
    case success, failure, denied

    /// Stored as this number.
    public var code: Int {
        switch self {
        case .success: 0
        case .failure: 1
        case .denied: 2
        }
    }

    public init?(code: Int) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }
}
