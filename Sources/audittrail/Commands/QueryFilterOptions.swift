import ArgumentParser

/// The filter flags of `GET /v1/events`, shared by `audittrail query` and `audittrail export`;
/// each maps to the API parameter of the same name with `_` for `-`.
struct QueryFilterOptions: ParsableArguments {
    @Option var action: String?
    @Option var category: String?
    @Option(help: "actor.id") var actor: String?
    @Option(name: .customLong("actor-name")) var actorName: String?
    @Option(name: .customLong("resource-type")) var resourceType: String?
    @Option(name: .customLong("resource-id")) var resourceID: String?
    @Option(help: "success, failure or denied.") var outcome: String?
    @Option(help: "Exact severity.") var severity: String?
    @Option(name: .customLong("min-severity")) var minSeverity: String?
    @Option(help: "An address or CIDR block.") var ip: String?
    @Option(name: .customLong("correlation-id")) var correlationID: String?
    @Option var tag: String?
    @Option(help: "RFC 3339 time or date.") var since: String?
    @Option(help: "RFC 3339 time or date.") var until: String?
    @Option(help: "Look back this many hours.") var hours: String?
    @Option(name: [.customShort("q"), .customLong("search")], help: "Search language expression.") var search: String?

    /// The given filters as API query parameters, in a fixed order.
    var parameters: [(String, String)] {
        let pairs: [(String, String?)] = [
            ("action", action), ("category", category), ("actor", actor), ("actor_name", actorName),
            ("resource_type", resourceType), ("resource_id", resourceID), ("outcome", outcome), ("severity", severity),
            ("min_severity", minSeverity), ("ip", ip), ("correlation_id", correlationID), ("tag", tag),
            ("since", since), ("until", until), ("hours", hours), ("q", search),
        ]
        return pairs.compactMap { name, value in value.map { (name, $0) } }
    }
}
