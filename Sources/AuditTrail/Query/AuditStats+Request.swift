/// What `GET /v1/stats` and `audittrail stats` ask: the filters of `GET /v1/events`, the
/// histogram's bucket (nil: chosen from the range), and an optional `group_by` field with the
/// number of its values to list.
///
/// ```swift
/// let request = try AuditStatsRequest(parameters: [("hours", "24"), ("group_by", "actor"), ("top", "5")])
/// let stats = try await store.stats(request)
/// print(CanonicalJSON.encode(stats.jsonObject))
/// ```
public struct AuditStatsRequest: Sendable, Hashable {
    public var query: AuditQuery
    /// The histogram's bucket; nil picks one from the range (``AuditStats/Bucket/resolve(_:span:)``).
    public var bucket: AuditStats.Bucket?
    public var groupBy: AuditStats.GroupField?
    /// How many values of ``groupBy`` to list, 1…``maxTop``.
    public var top: Int

    /// The default of `top`.
    public static let defaultTop = 10
    /// The most values `top` may ask for.
    public static let maxTop = 1_000

    public init(query: AuditQuery = AuditQuery(), bucket: AuditStats.Bucket? = nil, groupBy: AuditStats.GroupField? = nil, top: Int = defaultTop) {
        self.query = query
        self.bucket = bucket
        self.groupBy = groupBy
        self.top = top
    }

    /// Reads the parameters: the filters of ``AuditQuery/init(parameters:now:allowed:)`` plus
    /// `bucket=minute|hour|day|auto` (default auto), `group_by=<field>` and `top=1…1000`
    /// (default 10; only with `group_by`).
    /// - Throws: ``AuditTrailError`` naming each bad parameter and its rule.
    public init(parameters: [(String, String)], now: AuditTime = .now()) throws(AuditTrailError) {
        let query = try AuditQuery(parameters: parameters, now: now, allowed: ["bucket", "group_by", "top"])
        func value(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }
        var bucket: AuditStats.Bucket?
        if let text = value("bucket"), text != "auto" {
            guard let chosen = AuditStats.Bucket(rawValue: text) else {
                throw AuditTrailError.invalid("bucket", "must be one of auto, minute, hour, day")
            }
            bucket = chosen
        }
        var groupBy: AuditStats.GroupField?
        if let text = value("group_by") {
            guard let field = AuditStats.GroupField(rawValue: text) else {
                throw AuditTrailError.invalid("group_by", "must be one of \(AuditStats.GroupField.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            groupBy = field
        }
        var top = Self.defaultTop
        // Without group_by, top has nothing to limit and is ignored (no pair of parameters is
        // refused: the OpenAPI document cannot relate two).
        if let text = value("top") {
            guard text.utf8.count <= 4, let number = Int(text), (1...Self.maxTop).contains(number) else {
                throw AuditTrailError.invalid("top", "must be an integer from 1 to \(Self.maxTop)")
            }
            top = number
        }
        // Any range is accepted: the histogram holds only bins with events, at most
        // ``AuditStats/Bucket/maxBins`` of them (the newest; ``AuditStats/histogramTruncated``).
        self.init(query: query, bucket: bucket, groupBy: groupBy, top: top)
    }
}

extension AuditStats {
    /// The body of `GET /v1/stats` (and of `audittrail stats --format json`):
    /// `{"total","failures","denied","unique_actors","by_action","by_outcome","by_severity",
    /// "by_category","bucket","histogram":[{"start","count"}]}`, plus
    /// `"group_by","groups":[{"value","count"}],"group_count"` when grouped,
    /// `"by_action_other"` / `"by_category_other"` (`{"values","count"}`) when
    /// ``capBreakdowns(to:)`` left values out, and `"histogram_truncated":true` when the
    /// histogram holds only its newest bins.
    public var jsonObject: JSONValue {
        var members: [String: JSONValue] = [
            "total": .int(total), "failures": .int(failures), "denied": .int(denied), "unique_actors": .int(uniqueActors),
            "by_action": .object(byAction.mapValues(JSONValue.int)), "by_outcome": .object(byOutcome.mapValues(JSONValue.int)),
            "by_severity": .object(bySeverity.mapValues(JSONValue.int)), "by_category": .object(byCategory.mapValues(JSONValue.int)),
            "bucket": .string(bucket.rawValue),
            "histogram": .array(histogram.map { .object(["start": .string($0.start.rfc3339), "count": .int($0.count)]) }),
        ]
        if let other = byActionOther { members["by_action_other"] = other.jsonObject }
        if let other = byCategoryOther { members["by_category_other"] = other.jsonObject }
        if histogramTruncated { members["histogram_truncated"] = .bool(true) }
        if let groupBy {
            members["group_by"] = .string(groupBy.rawValue)
            members["groups"] = .array(groups.map { .object(["value": .string($0.value), "count": .int($0.count)]) })
            members["group_count"] = .int(groupCount)
        }
        return .object(members)
    }
}

extension AuditStats.Omitted {
    /// `{"values","count"}`.
    public var jsonObject: JSONValue { .object(["values": .int(values), "count": .int(count)]) }
}
