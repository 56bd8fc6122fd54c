import ArgumentParser
import AuditTrail
import AuditTrailClient
import AuditTrailSQLite
import Foundation

/// `audittrail query`: the filters of `GET /v1/events`, on a data directory or a running server.
/// Every read is recorded in the log as `audit.query`: by the server for `--server`, by the CLI
/// (actor `cli:<user>`) for a data directory.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query events in a data directory or a running server (table or JSON lines).",
        usage: """
            audittrail query [--action A] [--actor ID] [--outcome O] [--since T] [-q EXPR] [the other filters] [--limit N] [--cursor C]
                             [--order desc|asc] [--format table|json] [--data-dir DIR | --server http://host:port [--api-key-file FILE]]
            """,
        discussion: """
            The filters are the API's: --action user.login or --action 'user.*', --actor, --outcome failure, \
            --min-severity warning, --ip 10.0.0.0/8, --since 2026-11-01, --hours 24, and -q for the search \
            language, e.g. -q 'action:user.* -outcome:success "payroll"'. Follow --cursor to page. \
            With --server the query goes to GET /v1/events with the key of --api-key-file, --api-key, \
            $AUDITTRAIL_API_KEY or $AUDITTRAIL_API_KEY_FILE; otherwise it reads the data directory. Either way the read \
            is recorded in the log as audit.query (from a data directory with actor cli:<user>).
            """
    )

    @OptionGroup var filters: QueryFilterOptions
    @Option(help: "Events per page, 1–1000 (default 100).") var limit: String?
    @Option var cursor: String?
    @Option(help: "desc (newest first, default) or asc.") var order: String?
    @Option(help: "table or json (one event per line).") var format: String = "table"
    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var remote: ServerOptions

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format: must be table or json") }
        if remote.server != nil, data.dataDirectory != nil { throw ValidationError("--data-dir: give either --data-dir or --server, not both") }
        _ = try query()
    }

    var parameters: [(String, String)] {
        let paging: [(String, String?)] = [("limit", limit), ("cursor", cursor), ("order", order)]
        return filters.parameters + paging.compactMap { name, value in value.map { (name, $0) } }
    }

    /// The parameters as a query, checked here so that a bad one is named before anything is read.
    func query() throws -> AuditQuery {
        do {
            return try AuditQuery(parameters: parameters)
        } catch {
            throw ValidationError(cliMessage(error).replacingOccurrences(of: "--q:", with: "-q:"))
        }
    }

    func run() async throws {
        let events: [AuditStoredEvent]
        let next: String?
        if remote.server != nil {
            let key = try remote.resolvedKey(role: "any key that may read events")
            let response = try await remote.request("GET", ServerOptions.path("/v1/events", parameters), key: key)
            let body = try? JSONParser.parse(response.body).objectValue
            guard let list = body?["events"]?.arrayValue else { throw ValidationError("--server: GET /v1/events answered without an events list") }
            var read: [AuditStoredEvent] = []
            for value in list {
                do throws(AuditTrailError) {
                    read.append(try AuditStoredEvent(response: value))
                } catch {
                    throw ValidationError("--server: GET /v1/events answered an event that does not read back: \(error.message)")
                }
            }
            events = read
            next = body?["next_cursor"]?.stringValue
        } else {
            let query = try query()
            let page = try await withStore(data) { store in
                let page = try await store.events(matching: query)
                try await recordOperatorEvent(
                    .logRead(by: operatorActor(), via: "audittrail query", parameters: parameters, resultCount: page.events.count),
                    in: store
                )
                return page
            }
            events = page.events
            next = page.nextCursor?.token
        }
        if format == "json" {
            for event in events { print(String(decoding: event.responseJSON, as: UTF8.self)) }
        } else {
            print(try Self.table(events))
        }
        if let next { FileHandleOutput.standardError("next page: --cursor \(next)") }
    }

    /// The events as a text table, one row each (the description cut at 60 characters).
    static func table(_ events: [AuditStoredEvent]) throws -> String {
        var rows: [[String]] = []
        for stored in events { rows.append(cells(try stored.decoded(), descriptionLimit: 60)) }
        let table = renderTable(header: ["SEQ", "TIME", "ACTION", "OUTCOME", "SEVERITY", "ACTOR", "RESOURCE", "DESCRIPTION"], rows: rows)
        return events.isEmpty ? table + "\n(no events)" : table
    }

    /// An event's row of the table (and of `tail`'s lines): seq, time, action, outcome, severity,
    /// actor, resource, and the description cut at `descriptionLimit` characters when one is given.
    static func cells(_ event: AuditEvent, descriptionLimit: Int?) -> [String] {
        let resource = [event.resource?.type, event.resource?.id].compactMap { $0 }.joined(separator: "/")
        let description = event.description ?? ""
        return [
            String(event.seq), event.time.rfc3339, event.action, event.outcome.rawValue, event.severity.rawValue,
            event.actor?.id ?? event.actor?.name ?? "-", resource.isEmpty ? "-" : resource,
            descriptionLimit.map { String(description.prefix($0)) } ?? description,
        ]
    }
}
