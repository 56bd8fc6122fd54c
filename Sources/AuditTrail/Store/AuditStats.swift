/// Aggregates for `GET /v1/stats`.
public struct AuditStats: Sendable, Hashable {
    public enum Bucket: String, Sendable, CaseIterable {
        case minute, hour, day
        public var milliseconds: Int64 {
            switch self {
            case .minute: 60_000
            case .hour: 3_600_000
            case .day: 86_400_000
            }
        }
    }
    public struct HistogramBin: Sendable, Hashable {
        public var start: AuditTime
        public var count: Int64
        public init(start: AuditTime, count: Int64) {
            self.start = start
            self.count = count
        }
    }
    public var total: Int64 = 0
    public var failures: Int64 = 0
    public var denied: Int64 = 0
    public var uniqueActors: Int64 = 0
    public var byAction: [String: Int64] = [:]
    public var byOutcome: [String: Int64] = [:]
    public var bySeverity: [String: Int64] = [:]
    public var byCategory: [String: Int64] = [:]
    /// Bins by event time, oldest first; empty bins are omitted.
    public var histogram: [HistogramBin] = []
    public init() {}
}
