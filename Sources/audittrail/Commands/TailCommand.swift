import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

/// `audittrail tail`: follow a server's live tail (`GET /v1/stream`, Server-Sent Events) — the
/// events matching the filters as they are committed, reconnecting with `Last-Event-ID` so that
/// nothing is missed or repeated across a restart or a dropped connection.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow new events on a running server as they are committed (GET /v1/stream).",
        usage: """
            audittrail tail --server http://host:port [--api-key-file FILE] [--action A] [--actor ID] [-q EXPR] [the other filters]
                            [--after SEQ] [--count N] [--format line|json] [--no-reconnect]
            """,
        discussion: """
            Prints each event matching the filters (those of audittrail query: --action, --actor, --outcome, \
            -q for the search language, …) as soon as the server commits it: one line per event, or the \
            stored event's JSON with --format json. --after SEQ replays from the store what came after that \
            seq first. When the stream breaks (the server restarts, the network drops, the server ends a \
            client that fell too far behind) the tail reconnects and resumes exactly where it stopped; \
            --no-reconnect exits instead (status 3). A viewer key sees only its own events. The server \
            records the tail as audit.query.
            """
    )

    @OptionGroup var filters: QueryFilterOptions
    @Option(help: "Replay the events after this seq first (default: only new events).") var after: String?
    @Option(help: "Exit after this many events.") var count: Int?
    @Option(help: "line (one line per event, default) or json (the stored event, one per line).") var format: String = "line"
    @Flag(name: .customLong("no-reconnect"), help: "Exit (status 3) when the stream ends instead of reconnecting.")
    var noReconnect = false
    @OptionGroup var remote: ServerOptions

    func validate() throws {
        guard ["line", "json"].contains(format) else { throw ValidationError("--format: must be line or json") }
        guard remote.server != nil else {
            throw ValidationError("--server: required: tail follows a running server's GET /v1/stream (start one with audittrail serve)")
        }
        if let count, count < 1 { throw ValidationError("--count: must be at least 1") }
        if let after, AuditCursor.seq(decimal: after) == nil { throw ValidationError("--after: must be a seq: an integer from 0") }
        do {
            _ = try AuditQuery(parameters: filters.parameters)
        } catch {
            throw ValidationError(cliMessage(error).replacingOccurrences(of: "--q:", with: "-q:"))
        }
    }

    func run() async throws {
        let key = try remote.resolvedKey(role: "any key that may read events")
        let connection = try remote.connection(key: key)
        var tail = AuditLiveTail(parameters: filters.parameters, after: after.flatMap { AuditCursor.seq(decimal: $0) })
        tail.reconnects = !noReconnect
        var printed = 0
        let format = format
        let count = count
        do {
            try await tail.run(on: connection, notice: Self.report) { event in
                FileHandleOutput.standardOutputLine(format == "json" ? String(decoding: event.json, as: UTF8.self) : Self.line(event))
                printed += 1
                return count.map { printed < $0 } ?? true
            }
        } catch let error as AuditClientError {
            try? await connection.shutdown()
            throw ValidationError("--server: \(error.message)")
        }
        try? await connection.shutdown()
        if noReconnect, count.map({ printed < $0 }) ?? true { throw ExitCode(3) }
    }

    /// What the tail says besides events, on standard error.
    static func report(_ notice: AuditLiveTail.Notice) {
        switch notice {
        case .connected(let after):
            FileHandleOutput.standardError("tail: following" + (after.map { " from after seq \($0)" } ?? " new events"))
        case .disconnected(let reason, let detail):
            FileHandleOutput.standardError("tail: the server ended the stream (\(reason)): \(detail)")
        case .reconnecting(let delay, let reason):
            FileHandleOutput.standardError("tail: \(reason); reconnecting in \(delay.components.seconds) s")
        }
    }

    /// One event as a line: seq, time, action, outcome, severity, actor, resource, description.
    static func line(_ event: AuditLiveTail.Event) -> String {
        guard let value = try? JSONParser.parse(event.json), let stored = try? AuditStoredEvent(response: value), let decoded = try? stored.decoded()
        else { return String(decoding: event.json, as: UTF8.self) }
        return QueryCommand.cells(decoded, descriptionLimit: nil).joined(separator: "  ")
    }
}
