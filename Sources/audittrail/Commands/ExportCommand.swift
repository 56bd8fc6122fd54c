import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail export`: a verifiable export ("AuditTrail export v1") to a file or standard output,
/// streamed (never held in memory): from a running server (`--server`), or straight from a data
/// directory with the same core exporter the server uses (`--data-dir`, the default).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a verifiable export (AuditTrail export v1, JSON Lines) of a data directory or a running server.",
        discussion: """
            The filters are those of `audittrail query` and GET /v1/events. Without a filter the export is contiguous: \
            every event from the first one kept to a signed checkpoint, with what is needed to rebuild the signed Merkle \
            root; with filters, each event carries its inclusion proof. Check the file offline with \
            `audittrail verify --export FILE --public-key KEY`. With --output, the export goes to FILE.partial and is \
            renamed to FILE only when it is complete. With --server it needs an admin or auditor key; from a data \
            directory it signs a checkpoint of the current head when the latest one is older, with the log's signing \
            key (signing.key in the data directory, or --signing-key). Every export is recorded in the log as \
            audit.export (from a data directory with actor cli:<user>).
            """
    )

    @Option(help: "A running server to export from: http://host[:port] (instead of --data-dir).")
    var server: String?

    @Option(name: .customLong("api-key"), help: "With --server: an admin or auditor key (default $AUDITTRAIL_API_KEY).")
    var apiKey: String?

    @OptionGroup var data: DataDirectoryOptions

    @Option(
        name: .customLong("signing-key"),
        help: "From a data directory: the log's signing key file (default signing.key in the data directory, or $AUDITTRAIL_SIGNING_KEY_FILE)."
    )
    var signingKey: String?

    @OptionGroup var filters: QueryFilterOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write (default: standard output).")
    var output: String?

    @Flag(help: "No summary on standard error.")
    var quiet = false

    func validate() throws {
        if let server {
            _ = try VerifyCommand.ServerAddress(server)
            if data.dataDirectory != nil { throw ValidationError("--data-dir: give either --data-dir or --server, not both") }
            if signingKey != nil { throw ValidationError("--signing-key: only with --data-dir (a server signs with its own key)") }
        } else if apiKey != nil {
            throw ValidationError("--api-key: only with --server")
        }
        do {
            _ = try AuditExporter.query(parameters: filters.parameters)
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
        do {
            if let server {
                try await exportFromServer(server, to: destination)
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
    func exportFromServer(_ server: String, to destination: ExportDestination) async throws {
        let address = try VerifyCommand.ServerAddress(server)
        guard let apiKey = apiKey ?? ProcessInfo.processInfo.environment["AUDITTRAIL_API_KEY"], !apiKey.isEmpty else {
            throw ValidationError("--api-key: required (or $AUDITTRAIL_API_KEY): an admin or auditor key")
        }
        let query = filters.parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        let path = "/v1/export" + (query.isEmpty ? "" : "?" + query)
        let response: LoopbackHTTP.StreamedResponse
        do {
            response = try LoopbackHTTP.stream(
                host: address.host,
                port: address.port,
                path: path,
                headers: [("Authorization", "Bearer \(apiKey)")]
            ) { piece in try destination.write(piece) }
        } catch {
            throw ValidationError("--server: \(error)")
        }
        guard response.status == 200 else { throw ValidationError(Self.problemMessage(response)) }
        guard response.complete else {
            throw ValidationError("--server: the download was cut off after \(destination.written) bytes; nothing was written to --output")
        }
    }

    /// A server's problem answer as a CLI error: field errors name the flag of the parameter.
    static func problemMessage(_ response: LoopbackHTTP.StreamedResponse) -> String {
        let body = (try? JSONParser.parse(response.errorBody))?.objectValue
        let fields =
            body?["errors"]?.arrayValue?.compactMap { error -> String? in
                guard let field = error["field"]?.stringValue, let message = error["message"]?.stringValue else { return nil }
                let flag = field == "q" ? "-q" : "--" + field.replacingOccurrences(of: "_", with: "-")
                return "\(flag): \(message)"
            } ?? []
        if !fields.isEmpty { return fields.joined(separator: "\n") }
        let detail = body?["detail"]?.stringValue ?? String(decoding: response.errorBody.prefix(200), as: UTF8.self)
        return "--server: GET /v1/export answered \(response.status): \(detail)"
    }

    /// A query parameter value, percent-encoded (RFC 3986 unreserved characters kept).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
