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

        /// The most bins an automatic bucket spans (12 hours by minute, 30 days by hour).
        public static let automaticBins: Int64 = 720
        /// The most bins a requested bucket may span; a finer one is coarsened (the answer's
        /// `bucket` says which was used).
        public static let maxBins: Int64 = 10_000

        /// The bucket for a histogram spanning `span` ms: `requested` when it gives at most
        /// ``maxBins`` bins (else the next coarser that does, at worst `day`); without a request,
        /// the finest giving at most ``automaticBins``.
        public static func resolve(_ requested: Bucket?, span: Int64) -> Bucket {
            let limit = requested == nil ? automaticBins : maxBins
            let finest = requested?.milliseconds ?? 0
            return allCases.first { $0.milliseconds >= finest && span / $0.milliseconds <= limit } ?? .day
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

    /// The fields `group_by` accepts: every indexed field with a value per event (not words);
    /// `ip` counts whole addresses (an IPv4 address and its `::ffff:` spelling as one).
    public enum GroupField: String, Sendable, CaseIterable {
        case action, category, outcome, severity, actor
        case actorName = "actor_name"
        case actorType = "actor_type"
        case resourceType = "resource_type"
        case resourceID = "resource_id"
        case correlationID = "correlation_id"
        case country, tag, compliance
        case riskScore = "risk_score"
        case ip

        /// The index kind whose keys are this field's values.
        public var kind: AuditIndexKey.Kind {
            switch self {
            case .action: .action
            case .category: .category
            case .outcome: .outcome
            case .severity: .severity
            case .actor: .actor
            case .actorName: .actorName
            case .actorType: .actorType
            case .resourceType: .resourceType
            case .resourceID: .resourceID
            case .correlationID: .correlationID
            case .country: .country
            case .tag: .tag
            case .compliance: .compliance
            case .riskScore: .risk
            case .ip: .ip
            }
        }

        /// Whether an index key of ``kind`` is one of this field's values (an `ip` key only when it
        /// holds a whole address, not a shorter prefix). Counted under the key's value; ``value(ofKey:)``
        /// turns that into the value shown, once per distinct value.
        public func counts(_ key: AuditIndexKey) -> Bool {
            self != .ip || AuditIndexTerms.isWholeAddressKey(key.value)
        }

        /// The value shown for a counted key's value: the address for `ip`, else the value itself.
        public func value(ofKey value: String) -> String {
            self == .ip ? AuditIndexTerms.address(ofIPKey: value) ?? value : value
        }
    }

    /// One value of the `group_by` field and its events.
    public struct Group: Sendable, Hashable {
        public var value: String
        public var count: Int64
        public init(value: String, count: Int64) {
            self.value = value
            self.count = count
        }

        /// Up to `limit` of `counts`, in the byte order of their values, those after `after`
        /// (exclusive) when it is set: a page of a list that is paged by value.
        public static func page(of counts: [String: Int64], after: String?, limit: Int) -> [Group] {
            let values = counts.keys.filter { after == nil || AuditIndexKey.compareBytes($0, after!) > 0 }
            return values.sorted { AuditIndexKey.compareBytes($0, $1) < 0 }.prefix(max(0, limit)).map { Group(value: $0, count: counts[$0]!) }
        }

        /// The order of ``AuditStats/groups``: most events first, ties by the value's bytes.
        static func ranksBefore(_ a: Group, _ b: Group) -> Bool {
            a.count != b.count ? a.count > b.count : AuditIndexKey.compareBytes(a.value, b.value) < 0
        }
    }

    public var total: Int64 = 0
    public var failures: Int64 = 0
    public var denied: Int64 = 0
    /// Distinct `actor.id`s (counted by 64-bit hash: see ``AuditChunkRollup/actorHash(_:)``).
    public var uniqueActors: Int64 = 0
    public var byAction: [String: Int64] = [:]
    public var byOutcome: [String: Int64] = [:]
    public var bySeverity: [String: Int64] = [:]
    public var byCategory: [String: Int64] = [:]
    /// The bucket of ``histogram``.
    public var bucket: Bucket = .hour
    /// Bins by event time, oldest first; empty bins are omitted.
    public var histogram: [HistogramBin] = []
    /// The grouped field, when asked.
    public var groupBy: GroupField?
    /// The `top` values of ``groupBy`` with the most events (ties by value), most first.
    public var groups: [Group] = []
    /// The distinct values of ``groupBy`` among the matching events.
    public var groupCount: Int64 = 0
    /// What ``capBreakdowns(to:)`` left out of ``byAction``: how many values, how many events.
    public var byActionOther: Omitted?
    /// What ``capBreakdowns(to:)`` left out of ``byCategory``.
    public var byCategoryOther: Omitted?
    /// Whether ``histogram`` holds only the newest ``Bucket/maxBins`` bins of a longer one.
    public var histogramTruncated = false

    /// The values a capped breakdown left out, and their events.
    public struct Omitted: Sendable, Hashable {
        public var values: Int64
        public var count: Int64
        public init(values: Int64, count: Int64) {
            self.values = values
            self.count = count
        }
    }

    /// Keeps the `limit` actions and categories with the most events (ties by the value's bytes)
    /// and sums up the rest in ``byActionOther`` and ``byCategoryOther``: the answer of
    /// `GET /v1/stats` stays bounded however many distinct actions producers invent.
    public mutating func capBreakdowns(to limit: Int) {
        func cap(_ counts: inout [String: Int64]) -> Omitted? {
            guard counts.count > limit else { return nil }
            let ranked = counts.map { Group(value: $0.key, count: $0.value) }.sorted(by: Group.ranksBefore)
            let dropped = ranked.dropFirst(max(0, limit))
            counts = Dictionary(uniqueKeysWithValues: ranked.prefix(max(0, limit)).map { ($0.value, $0.count) })
            return Omitted(values: Int64(dropped.count), count: dropped.reduce(0) { $0 + $1.count })
        }
        byActionOther = cap(&byAction)
        byCategoryOther = cap(&byCategory)
    }

    public init() {}

    /// The first millisecond of the bin of `time` (bins start at multiples of `width` since the
    /// Unix epoch: UTC minute, hour and day starts).
    public static func binStart(_ time: Int64, width: Int64) -> Int64 { time - time % width }

    /// Fills ``histogram`` and ``bucket`` from events per minute: the bucket resolved for the
    /// range `since ..< until` (each defaulting to the minutes' extent).
    public mutating func setHistogram(minutes: [Int64: Int64], requested: Bucket?, since: AuditTime?, until: AuditTime?) {
        let first = minutes.keys.min()
        let last = minutes.keys.max().map { $0 + Bucket.minute.milliseconds }
        let low = since?.milliseconds ?? first ?? 0
        let high = until?.milliseconds ?? max(last ?? low, low)
        bucket = Bucket.resolve(requested, span: max(0, high - low))
        var bins: [Int64: Int64] = [:]
        for (minute, count) in minutes { bins[Self.binStart(minute, width: bucket.milliseconds), default: 0] += count }
        // Even by day a range may hold more than `maxBins` bins (events dated over decades): the
        // newest are kept, and the answer says so.
        let starts = bins.keys.sorted()
        histogramTruncated = starts.count > Int(Bucket.maxBins)
        histogram = starts.suffix(Int(Bucket.maxBins)).map { HistogramBin(start: AuditTime(milliseconds: $0), count: bins[$0]!) }
    }

    /// Fills ``groups`` and ``groupCount`` from the events per value of `field` (`distinct`: the
    /// number of values when `counts` holds only some of them).
    public mutating func setGroups(_ counts: [String: Int64], field: GroupField, top: Int, distinct: Int? = nil) {
        groupBy = field
        groupCount = Int64(distinct ?? counts.count)
        groups = Array(counts.map { Group(value: $0.key, count: $0.value) }.sorted(by: Group.ranksBefore).prefix(top))
    }
}
