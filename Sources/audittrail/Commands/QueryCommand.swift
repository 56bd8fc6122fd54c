import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// `audittrail query`: the same filters as `GET /v1/events`, straight on a data directory.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query events in a data directory (table or JSON lines).",
        discussion: """
            Filters are the API's: --action user.login or --action 'user.*', --actor, --outcome failure, \
            --min-severity warning, --ip 10.0.0.0/8, --since 2026-11-01, --hours 24, and -q for the search \
            language, e.g. -q 'action:user.* -outcome:success "payroll"'. Follow --cursor to page.
            """
    )

    @OptionGroup var filters: QueryFilterOptions
    @Option(help: "Events per page, 1–1000 (default 100).") var limit: String?
    @Option var cursor: String?
    @Option(help: "desc (newest first, default) or asc.") var order: String?
    @Option(help: "table or json (one event per line).") var format: String = "table"
    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format: must be table or json") }
    }

    var parameters: [(String, String)] {
        let paging: [(String, String?)] = [("limit", limit), ("cursor", cursor), ("order", order)]
        return filters.parameters + paging.compactMap { name, value in value.map { (name, $0) } }
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
