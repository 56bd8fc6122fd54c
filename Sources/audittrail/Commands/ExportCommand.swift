import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail export`: a verifiable export ("AuditTrail export v1") to a file or standard output,
/// streamed (never held in memory): from a running server (`--server`), or straight from a data
/// directory with the same core exporter the server uses (`--data-dir`, the default).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an export of a data directory or a running server: verifiable (AuditTrail export v1, JSON Lines), or for a SIEM.",
        usage: """
            audittrail export [--format jsonl|json|csv|cef|ocsf|syslog] [--action A] [--actor ID] [--since T] [-q EXPR] [the other filters of query]
                              [--after SEQ] [--output FILE] [--quiet]
                              [--data-dir DIR [--signing-key FILE] | --server http://host:port [--api-key-file FILE]]
            """,
        discussion: """
            --format jsonl (the default) writes the verifiable export; json (one array), csv (RFC 4180, the columns \
            listed in the README), cef (ArcSight CEF), ocsf (OCSF 1.3.0, one object per line) and syslog (RFC 5424, one \
            message per line) hold the same events up to the same signed checkpoint, without proofs, for a SIEM or a \
            spreadsheet. The filters are those of `audittrail query` and GET /v1/events. Without a filter the export is contiguous: \
            every event from the first one kept to a signed checkpoint, with what is needed to rebuild the signed Merkle \
            root; with filters, each event carries its inclusion proof. Check the file offline with \
            `audittrail verify --export FILE --public-key KEY`. --after SEQ exports only the events after that seq \
            (an incremental export: pass the last seq of the previous one); the file's header carries the range, and \
            `audittrail verify --stream-batch OLD --stream-batch NEW --public-key KEY` proves the two meet with no gap \
            and, without filters, an unbroken chain. With --output, the export goes to a new temporary file \
            beside FILE (mode 0600, an unpredictable name) and is \
            renamed to FILE only when it is complete. With --server it needs an admin or auditor key; from a data \
            directory it signs a checkpoint of the current head when the latest one is older, with the log's signing \
            key (signing.key in the data directory, or --signing-key). Every export is recorded in the log as \
            audit.export (from a data directory with actor cli:<user>).
            """
    )

    @OptionGroup var remote: ServerOptions

    @OptionGroup var data: DataDirectoryOptions

    @Option(
        name: .customLong("signing-key"),
        help: "From a data directory: the log's signing key file (default signing.key in the data directory, or $AUDITTRAIL_SIGNING_KEY_FILE)."
    )
    var signingKey: String?

    @OptionGroup var filters: QueryFilterOptions

    @Option(help: "The format: jsonl (default, verifiable), json, csv, cef, ocsf or syslog.")
    var format: String?

    @Option(help: "Export only the events after this seq (an incremental export; see verify --stream-batch).")
    var after: String?

    /// The filters, the format and the start, as request parameters.
    var parameters: [(String, String)] {
        filters.parameters + (format.map { [("format", $0)] } ?? []) + (after.map { [("after", $0)] } ?? [])
    }

    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write (default: standard output).")
    var output: String?

    @Flag(help: "No summary on standard error.")
    var quiet = false

    func validate() throws {
        if remote.server != nil {
            if data.dataDirectory != nil { throw ValidationError("--data-dir: give either --data-dir or --server, not both") }
            if signingKey != nil { throw ValidationError("--signing-key: only with --data-dir (a server signs with its own key)") }
        }
        if let after, AuditCursor.seq(decimal: after) == nil {
            throw ValidationError("--after: must be a seq, an integer from 0")
        }
        do {
            _ = try AuditExporter.query(parameters: parameters.filter { $0.0 != "after" })
        } catch {
            throw ValidationError(cliMessage(error).replacingOccurrences(of: "--q:", with: "-q:"))
        }
        if let output {
            guard !output.isEmpty, !output.hasSuffix("/") else { throw ValidationError("--output: must be a file path") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ValidationError("--output: \(output) is a directory; give a file path")
            }
            let parent = (output as NSString).deletingLastPathComponent
            if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
                throw ValidationError("--output: the directory \(parent) does not exist")
            }
        }
    }

    func run() async throws {
        let destination = try ExportDestination(output: output)
        destination.showsProgress = !quiet
        do {
            if remote.server != nil {
                try await exportFromServer(to: destination)
            } else {
                try await exportFromDataDirectory(to: destination)
            }
            try destination.finish(quiet: quiet)
        } catch {
            destination.discard()
            throw error
        }
    }

    /// Downloads `GET /v1/export` from a running server.
    /// A download whose body is cut off (the connection dropped) throws, and nothing is written
    /// to `--output`.
    func exportFromServer(to destination: ExportDestination) async throws {
        let apiKey = try remote.resolvedKey(role: "an admin or auditor key")
        try await remote.stream(ServerOptions.path("/v1/export", parameters), key: apiKey) { piece in
            try destination.write(piece)
        }
    }
}
