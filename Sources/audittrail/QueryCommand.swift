import ArgumentParser
import Foundation
import AuditTrail
import AuditTrailSQLite

/// `audittrail query`: the same filters as `GET /v1/events`, straight on a data directory.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query events in a data directory (table or JSON lines).",
        discussion: """
            Filters are the API's: --action user.login or --action 'user.*', --actor, --outcome failure,
            --min-severity warning, --ip 10.0.0.0/8, --since 2026-11-01, --hours 24, and -q for the search
            language, e.g. -q 'action:user.* -outcome:success "payroll"'. Follow --cursor to page.
            """
    )

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
    @Option(help: "Events per page, 1–1000 (default 100).") var limit: String?
    @Option var cursor: String?
    @Option(help: "desc (newest first, default) or asc.") var order: String?
    @Option(help: "table (default) or json (one event per line).") var format: String = "table"
    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format: must be table or json") }
    }

    var parameters: [(String, String)] {
        let pairs: [(String, String?)] = [
            ("action", action), ("category", category), ("actor", actor), ("actor_name", actorName),
            ("resource_type", resourceType), ("resource_id", resourceID), ("outcome", outcome), ("severity", severity),
            ("min_severity", minSeverity), ("ip", ip), ("correlation_id", correlationID), ("tag", tag),
            ("since", since), ("until", until), ("hours", hours), ("q", search), ("limit", limit),
            ("cursor", cursor), ("order", order),
        ]
        return pairs.compactMap { name, value in value.map { (name, $0) } }
    }

    func run() async throws {
        let query: AuditQuery
        do {
            query = try AuditQuery(parameters: parameters)
        } catch {
            throw ValidationError(cliMessage(error).replacingOccurrences(of: "--q:", with: "-q:"))
        }
        let page = try await withStore(data) { try await $0.events(matching: query) }
        if format == "json" {
            for event in page.events { print(String(decoding: event.responseJSON, as: UTF8.self)) }
        } else {
            var rows: [[String]] = []
            for stored in page.events {
                let event = try stored.decoded()
                let resource = [event.resource?.type, event.resource?.id].compactMap { $0 }.joined(separator: "/")
                rows.append([
                    String(event.seq), event.time.rfc3339, event.action, event.outcome.rawValue, event.severity.rawValue,
                    event.actor?.id ?? event.actor?.name ?? "-", resource.isEmpty ? "-" : resource,
                    String((event.description ?? "").prefix(60)),
                ])
            }
            print(renderTable(header: ["SEQ", "TIME", "ACTION", "OUTCOME", "SEVERITY", "ACTOR", "RESOURCE", "DESCRIPTION"], rows: rows))
            if page.events.isEmpty { print("(no events)") }
        }
        if let next = page.nextCursor {
            FileHandleOutput.standardError("next page: --cursor \(next.token)")
        }
    }
}
