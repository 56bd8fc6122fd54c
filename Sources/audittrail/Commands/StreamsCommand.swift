import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

/// `audittrail streams create|list|delete`: the streams of a running server (`/v1/streams`,
/// admin key) — the events matching filters pushed to a webhook, syslog or a directory of files.
struct StreamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams",
        abstract: "Create, list and delete the streams of a running server (admin key).",
        discussion: """
            A stream pushes the events matching its filters, in a format, in batches to a destination: an HTTPS \
            webhook (POSTs signed with AuditTrail-Signature), syslog over TCP or TLS (RFC 5425), or a directory of \
            files under the server's --stream-files-dir. Delivery is at least once and in seq order from a position \
            kept in the store, with backfill after an outage. Each jsonl batch carries its seq range, the chain hash \
            before it and a signed checkpoint: check a receiver's copy with `audittrail verify --stream-batch FILE…`.
            """,
        subcommands: [Create.self, List.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a stream; a webhook's secret is printed once.",
            discussion: "Give exactly one of --webhook, --syslog and --files. Filters are those of `query` (--action, -q, …)."
        )

        @Option(help: "A name for the stream.")
        var name: String

        @Option(help: "The batches' format: \(AuditExportEncoding.names) (syslog takes jsonl, ocsf, cef, syslog).")
        var format: String = "jsonl"

        @Option(help: "POST each batch to this URL (https://, or http:// to a loopback host).")
        var webhook: String?

        @Option(name: .customLong("secret-file"), help: "With --webhook: the HMAC secret's file (16+ characters; default: the server makes one).")
        var secretFile: String?

        @Option(help: "Send each batch to this syslog receiver, host:port (RFC 5425 framing).")
        var syslog: String?

        @Option(help: "With --syslog: tcp or tls.")
        var transport: String = "tls"

        @Option(help: "Write each batch as a file in this directory, relative to the server's --stream-files-dir.")
        var files: String?

        @Option(help: "With --files: keep only the newest N files (0: all).")
        var keep: Int = 0

        @Option(name: .customLong("batch-events"), help: "Most events in one batch (1–10000).")
        var batchEvents: Int = 1000

        @Option(name: .customLong("linger-ms"), help: "How long a caught-up stream waits to fill a batch (0–60000 ms).")
        var lingerMs: Int = 1000

        @Option(help: "beginning (backfill the whole log) or now (only new events).")
        var start: String = "beginning"

        @Flag(help: "Print the server's JSON answer.")
        var json = false

        @OptionGroup var filters: QueryFilterOptions
        @OptionGroup var remote: ServerOptions

        func validate() throws {
            guard remote.server != nil else { throw ValidationError("--server: required (streams run in a server)") }
            guard [webhook, syslog, files].compactMap({ $0 }).count == 1 else {
                throw ValidationError("--webhook, --syslog, --files: give exactly one destination")
            }
            if secretFile != nil, webhook == nil { throw ValidationError("--secret-file: only with --webhook") }
            if let syslog, Self.hostPort(syslog) == nil { throw ValidationError("--syslog: must be host:port") }
        }

        static func hostPort(_ text: String) -> (String, Int)? {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return host.isEmpty ? nil : (host, port)
        }

        func run() async throws {
            var destination: [String: JSONValue]
            if let webhook {
                destination = ["type": "webhook", "url": .string(webhook)]
                if let secretFile { destination["secret"] = .string(try ServerOptions.readKey(file: secretFile, flag: "--secret-file")) }
            } else if let syslog, let (host, port) = Self.hostPort(syslog) {
                destination = ["type": "syslog", "host": .string(host), "port": .int(Int64(port)), "transport": .string(transport)]
            } else {
                destination = ["type": "files", "directory": .string(files ?? ""), "keep": .int(Int64(keep))]
            }
            var filterValues: [String: JSONValue] = [:]
            for (name, value) in filters.parameters {
                // `hours` is a number in a stream's filters; a value that is none goes as given, for the server to name.
                let number = name == "hours" ? Double(value).flatMap { $0.isFinite ? JSONValue.double($0) : nil } : nil
                filterValues[name] = number ?? .string(value)
            }
            let body: JSONValue = .object([
                "name": .string(name), "format": .string(format), "destination": .object(destination),
                "filters": .object(filterValues),
                "batch_events": .int(Int64(batchEvents)), "linger_ms": .int(Int64(lingerMs)), "start": .string(start),
            ])
            let key = try remote.resolvedKey(role: "an admin key")
            let response: AuditServerResponse
            do {
                response = try await remote.request(
                    "POST",
                    "/v1/streams",
                    key: key,
                    json: String(decoding: CanonicalJSON.encode(body), as: UTF8.self)
                )
            } catch let error as ValidationError {
                throw ValidationError(StreamsCommand.flagNames(error.message))
            }
            if json {
                print(String(decoding: response.body, as: UTF8.self))
                return
            }
            let answer = (try? JSONParser.parse(response.body))?.objectValue ?? [:]
            print("Stream \(answer["id"]?.stringValue ?? "?") created; it starts after seq \(answer["start_after"]?.int64Value ?? 0).")
            if let secret = answer["secret"]?.stringValue {
                print("Webhook secret (shown once; the receiver checks AuditTrail-Signature with it): \(secret)")
            }
        }
    }

    /// The server's field names as this command's flags (`destination.url` → `--webhook`).
    static func flagNames(_ message: String) -> String {
        let names = [
            "--destination.url": "--webhook", "--destination.secret": "--secret-file", "--destination.host": "--syslog",
            "--destination.port": "--syslog", "--destination.transport": "--transport", "--destination.directory": "--files",
            "--destination.keep": "--keep", "--destination.type": "--format", "--filters.q": "-q", "--filters.": "--",
        ]
        var text = message
        for (field, flag) in names.sorted(by: { $0.key.count > $1.key.count }) { text = text.replacingOccurrences(of: field, with: flag) }
        return text
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the streams with their state, position and lag.")

        @Flag(help: "Print the server's JSON answer.")
        var json = false

        @OptionGroup var remote: ServerOptions

        func validate() throws {
            guard remote.server != nil else { throw ValidationError("--server: required (streams run in a server)") }
        }

        func run() async throws {
            let key = try remote.resolvedKey(role: "an admin key")
            let response = try await remote.request("GET", "/v1/streams", key: key)
            if json {
                print(String(decoding: response.body, as: UTF8.self))
                return
            }
            let streams = (try? JSONParser.parse(response.body))?.objectValue?["streams"]?.arrayValue ?? []
            if streams.isEmpty {
                print("No streams.")
                return
            }
            for stream in streams {
                let object = stream.objectValue ?? [:]
                let status = object["status"]?.objectValue ?? [:]
                let destination = object["destination"]?.objectValue ?? [:]
                let target =
                    destination["url"]?.stringValue ?? destination["directory"]?.stringValue
                    ?? "\(destination["host"]?.stringValue ?? "?"):\(destination["port"]?.int64Value ?? 0)"
                var line = "\(object["id"]?.stringValue ?? "?")  \(object["name"]?.stringValue ?? "")  \(object["format"]?.stringValue ?? "")"
                line += " → \(destination["type"]?.stringValue ?? "?") \(target)  \(status["state"]?.stringValue ?? "?")"
                line += "  delivered through \(status["delivered_through"]?.int64Value ?? 0), lag \(status["lag_events"]?.int64Value ?? 0)"
                if let error = status["last_error"]?.stringValue { line += "  last error: \(error)" }
                print(line)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a stream: it stops on every server.")

        @Argument(help: "The stream's id (str_…).")
        var id: String

        @OptionGroup var remote: ServerOptions

        func validate() throws {
            guard remote.server != nil else { throw ValidationError("--server: required (streams run in a server)") }
        }

        func run() async throws {
            let key = try remote.resolvedKey(role: "an admin key")
            _ = try await remote.request(
                "DELETE",
                AuditServerConnection.path("/v1/streams/" + AuditServerConnection.percentEncoded(id), []),
                key: key
            )
            print("Stream \(id) deleted.")
        }
    }
}
