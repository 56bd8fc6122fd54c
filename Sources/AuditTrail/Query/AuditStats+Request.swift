extension AuditStats {
    /// The query and the histogram bucket of a stats request — the filters of `GET /v1/events`
    /// plus `bucket=minute|hour|day` (default hour) — as `GET /v1/stats` and `audittrail stats`
    /// read them.
    ///
    /// ```swift
    /// let (query, bucket) = try AuditStats.request(parameters: [("action", "user.*"), ("bucket", "day")])
    /// let stats = try await store.stats(matching: query, bucket: bucket)
    /// print(CanonicalJSON.encode(stats.jsonObject(bucket: bucket)))
    /// ```
    /// - Throws: ``AuditTrailError`` naming each bad parameter and its rule.
    public static func request(parameters: [(String, String)], now: AuditTime = .now()) throws(AuditTrailError) -> (AuditQuery, Bucket) {
        let query = try AuditQuery(parameters: parameters, now: now, allowed: ["bucket"])
        guard let text = parameters.first(where: { $0.0 == "bucket" })?.1 else { return (query, .hour) }
        guard let bucket = Bucket(rawValue: text) else { throw AuditTrailError.invalid("bucket", "must be one of minute, hour, day") }
        return (query, bucket)
    }

    /// The body of `GET /v1/stats` (and of `audittrail stats --format json`):
    /// `{"total","failures","denied","unique_actors","by_action","by_outcome","by_severity",
    /// "by_category","bucket","histogram":[{"start","count"}]}`.
    public func jsonObject(bucket: Bucket) -> JSONValue {
        .object([
            "total": .int(total), "failures": .int(failures), "denied": .int(denied), "unique_actors": .int(uniqueActors),
            "by_action": .object(byAction.mapValues(JSONValue.int)), "by_outcome": .object(byOutcome.mapValues(JSONValue.int)),
            "by_severity": .object(bySeverity.mapValues(JSONValue.int)), "by_category": .object(byCategory.mapValues(JSONValue.int)),
            "bucket": .string(bucket.rawValue),
            "histogram": .array(histogram.map { .object(["start": .string($0.start.rfc3339), "count": .int($0.count)]) }),
        ])
    }
}
