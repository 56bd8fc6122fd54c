import ArgumentParser
import AuditTrail
import Foundation

/// `audittrail export`: downloads a verifiable export ("AuditTrail export v1") from a running
/// server to a file or standard output, streaming: the download is never held in memory.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Download a verifiable export (AuditTrail export v1, JSON Lines) from a running server.",
        discussion: """
            The filters are those of `audittrail query` and GET /v1/events. Without a filter the export is contiguous: \
            every event from the first one kept to a checkpoint signed for the export, with what is needed to rebuild \
            the signed Merkle root; with filters, each event carries its inclusion proof. Check the file offline with \
            `audittrail verify --export FILE --public-key KEY`. With --output, the download goes to FILE.partial and is \
            renamed to FILE only when it is complete. Needs an admin or auditor key.
            """
    )

    @Option(help: "The server: http://host[:port].")
    var server: String

    @Option(name: .customLong("api-key"), help: "An admin or auditor key (default $AUDITTRAIL_API_KEY).")
    var apiKey: String?

    @OptionGroup var filters: QueryFilterOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write (default: standard output).")
    var output: String?

    @Flag(help: "No summary on standard error.")
    var quiet = false

    func validate() throws {
        _ = try VerifyCommand.ServerAddress(server)
        do {
            _ = try AuditQuery(parameters: filters.parameters)
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
        let address = try VerifyCommand.ServerAddress(server)
        guard let apiKey = apiKey ?? ProcessInfo.processInfo.environment["AUDITTRAIL_API_KEY"], !apiKey.isEmpty else {
            throw ValidationError("--api-key: required (or $AUDITTRAIL_API_KEY): an admin or auditor key")
        }
        let query = filters.parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        let path = "/v1/export" + (query.isEmpty ? "" : "?" + query)
        let partial = output.map { $0 + ".partial" }
        let handle: FileHandle
        if let partial {
            guard FileManager.default.createFile(atPath: partial, contents: nil), let opened = FileHandle(forWritingAtPath: partial) else {
                throw ValidationError("--output: cannot create \(partial)")
            }
            handle = opened
        } else {
            handle = FileHandle.standardOutput
        }
        var written: Int64 = 0
        let response: LoopbackHTTP.StreamedResponse
        do {
            response = try LoopbackHTTP.stream(
                host: address.host,
                port: address.port,
                path: path,
                headers: [("Authorization", "Bearer \(apiKey)")]
            ) { piece in
                try handle.write(contentsOf: piece)
                written += Int64(piece.count)
            }
        } catch {
            if let partial { try? FileManager.default.removeItem(atPath: partial) }
            throw ValidationError("--server: \(error)")
        }
        if partial != nil { try handle.close() }
        guard response.status == 200 else {
            if let partial { try? FileManager.default.removeItem(atPath: partial) }
            throw ValidationError(Self.problemMessage(response))
        }
        guard response.complete else {
            if let partial { try? FileManager.default.removeItem(atPath: partial) }
            throw ValidationError("--server: the download was cut off after \(written) bytes; nothing was written to --output")
        }
        if let output, let partial {
            _ = try? FileManager.default.removeItem(atPath: output)
            try FileManager.default.moveItem(atPath: partial, toPath: output)
            if !quiet { FileHandleOutput.standardError("exported \(written) bytes to \(output)") }
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
