import ArgumentParser
import AuditTrail
import AuditTrailClient
import AuditTrailSQLite
import Foundation

/// `audittrail stats`: the aggregates of `GET /v1/stats` — totals, counts by action, outcome,
/// severity and category, and a histogram — over the same filters as `query`, on a data directory
/// or a running server; recorded as `audit.query` like every read.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract:
            "Counts over the filtered events of a data directory or a running server: totals, by action, outcome, severity, category, and a histogram.",
        usage: """
            audittrail stats [--action A] [--actor ID] [--since T] [-q EXPR] [the other filters of query] [--bucket auto|minute|hour|day]
                             [--group-by FIELD [--top N]] [--format table|json] [--data-dir DIR | --server http://host:port [--api-key-file FILE]]
            """,
        discussion: """
            The filters are those of `audittrail query` and GET /v1/events; --format json prints the body of \
            GET /v1/stats. The read is recorded in the log as audit.query (from a data directory with actor cli:<user>).
            """
    )

    @OptionGroup var filters: QueryFilterOptions
    @Option(help: "The histogram's bins: auto (default: from the range), minute, hour or day.") var bucket: String?
    @Option(
        name: .customLong("group-by"),
        help: "Also count the events per value of this field: \(AuditStats.GroupField.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var groupBy: String?
    @Option(help: "With --group-by: how many values to list, most events first (1…1000, default 10).") var top: String?
    @Option(help: "table or json.") var format: String = "table"
    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var remote: ServerOptions

    var parameters: [(String, String)] {
        filters.parameters + (bucket.map { [("bucket", $0)] } ?? []) + (groupBy.map { [("group_by", $0)] } ?? [])
            + (top.map { [("top", $0)] } ?? [])
    }

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format: must be table or json") }
        if remote.server != nil, data.dataDirectory != nil { throw ValidationError("--data-dir: give either --data-dir or --server, not both") }
        if top != nil, groupBy == nil { throw ValidationError("--top: needs --group-by") }
        _ = try request()
    }

    func request() throws -> AuditStatsRequest {
        do {
            return try AuditStatsRequest(parameters: parameters)
        } catch {
            throw ValidationError(
                cliMessage(error).replacingOccurrences(of: "--q:", with: "-q:")
            )
        }
    }

    func run() async throws {
        let body: [UInt8]
        if remote.server != nil {
            let key = try remote.resolvedKey(role: "any key that may read events")
            body = try await remote.request("GET", ServerOptions.path("/v1/stats", parameters), key: key).body
        } else {
            let request = try request()
            body = try await withStore(data) { store in
                let stats = try await store.stats(request)
                try await recordOperatorEvent(
                    .logRead(by: operatorActor(), via: "audittrail stats", parameters: parameters, resultCount: Int(stats.total)),
                    in: store
                )
                return CanonicalJSON.encode(stats.jsonObject)
            }
        }
        if format == "json" {
            print(String(decoding: body, as: UTF8.self))
        } else {
            guard let stats = try? JSONParser.parse(body).objectValue else {
                throw ValidationError("--server: GET /v1/stats answered no JSON object")
            }
            print(Self.table(stats))
        }
    }

    /// The stats body as text: the totals, each breakdown by count (largest first), the histogram.
    static func table(_ stats: [String: JSONValue]) -> String {
        func count(_ name: String) -> String { stats[name]?.int64Value.map(String.init) ?? "0" }
        var sections = [
            renderTable(
                header: ["EVENTS", "FAILURES", "DENIED", "UNIQUE ACTORS"],
                rows: [[count("total"), count("failures"), count("denied"), count("unique_actors")]]
            )
        ]
        for (name, title) in [("by_action", "ACTION"), ("by_outcome", "OUTCOME"), ("by_severity", "SEVERITY"), ("by_category", "CATEGORY")] {
            let counts = (stats[name]?.objectValue ?? [:]).map { ($0.key, $0.value.int64Value ?? 0) }
            guard !counts.isEmpty else { continue }
            let sorted = counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            sections.append(renderTable(header: [title, "COUNT"], rows: sorted.map { [$0.0, String($0.1)] }))
        }
        let bins = (stats["histogram"]?.arrayValue ?? []).compactMap { bin -> (String, Int64)? in
            guard let start = bin["start"]?.stringValue, let count = bin["count"]?.int64Value else { return nil }
            return (start, count)
        }
        if let field = stats["group_by"]?.stringValue {
            let groups = (stats["groups"]?.arrayValue ?? []).compactMap { group -> [String]? in
                guard let value = group["value"]?.stringValue, let count = group["count"]?.int64Value else { return nil }
                return [value, String(count)]
            }
            sections.append(renderTable(header: [field.uppercased().replacingOccurrences(of: "_", with: " "), "COUNT"], rows: groups))
            sections.append("\(count("group_count")) distinct values of \(field)")
        }
        if !bins.isEmpty {
            let largest = max(bins.map(\.1).max() ?? 1, 1)
            let bucket = stats["bucket"]?.stringValue ?? "hour"
            sections.append(
                renderTable(
                    header: ["\(bucket.uppercased()) FROM", "COUNT", ""],
                    rows: bins.map { [$0.0, String($0.1), String(repeating: "#", count: Int(($0.1 * 40 + largest - 1) / largest))] }
                )
            )
        }
        return sections.joined(separator: "\n\n")
    }
}
