import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

/// `--server`, `--api-key` and `--api-key-file`: shared by every command that can talk to a
/// running server instead of opening a data directory (`query`, `stats`, `export`, `verify`).
///
/// The key is `--api-key`, else the file `--api-key-file`, else `$AUDITTRAIL_API_KEY`, else the
/// file `$AUDITTRAIL_API_KEY_FILE`. A key on the command line shows in the process list (`ps`);
/// the file and the variable do not, so no key ever needs to be on the command line.
struct ServerOptions: ParsableArguments {
    @Option(help: "A running server to ask instead of a data directory: http://host[:port] or https://host[:port].")
    var server: String?

    @Option(
        name: .customLong("ca-file"),
        help: "With an https --server: trust only the CA certificates in this PEM file (default: the system's roots)."
    )
    var caFile: String?

    @Option(help: "With --server: seconds a request may take (connect, send, answer; a download's body is exempt).")
    var timeout: Double = 30

    @Option(
        name: .customLong("api-key"),
        help: "With --server: the API key. Visible to every user in `ps`: prefer --api-key-file or $AUDITTRAIL_API_KEY."
    )
    var apiKey: String?

    @Option(name: .customLong("api-key-file"), help: "With --server: a file holding the API key (default $AUDITTRAIL_API_KEY_FILE).")
    var apiKeyFile: String?

    func validate() throws {
        if let server {
            do {
                _ = try AuditServerConnection.checkedBaseURL(server)
            } catch {
                throw ValidationError("--server: must be http://host[:port] or https://host[:port] without a path")
            }
        }
        if caFile != nil, server == nil { throw ValidationError("--ca-file: only with --server") }
        if !(timeout > 0 && timeout <= 3600) { throw ValidationError("--timeout: must be more than 0 and at most 3600 seconds") }
        if apiKey != nil, apiKeyFile != nil { throw ValidationError("--api-key-file: give either --api-key or --api-key-file, not both") }
        if server == nil, apiKey != nil || apiKeyFile != nil { throw ValidationError("--api-key, --api-key-file: only with --server") }
    }

    /// The key to send, by the rule above; `role` says which key is needed, for the error.
    func resolvedKey(role: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let apiKey {
            guard !apiKey.isEmpty else { throw ValidationError("--api-key: must not be empty") }
            return apiKey
        }
        if let apiKeyFile { return try Self.readKey(file: apiKeyFile, flag: "--api-key-file") }
        if let key = environment["AUDITTRAIL_API_KEY"], !key.isEmpty { return key }
        if let file = environment["AUDITTRAIL_API_KEY_FILE"], !file.isEmpty { return try Self.readKey(file: file, flag: "AUDITTRAIL_API_KEY_FILE") }
        throw ValidationError("--api-key-file: required with --server (or --api-key, $AUDITTRAIL_API_KEY, $AUDITTRAIL_API_KEY_FILE): \(role)")
    }

    /// The key in `file` (``AuditSecretFile``: its first line, surrounding white space removed);
    /// an error names `flag`.
    static func readKey(file: String, flag: String) throws -> String {
        do {
            return try AuditSecretFile.load(file)
        } catch {
            throw ValidationError("\(flag): \(error.message)")
        }
    }

    /// One request to the server with the key; a non-2xx answer becomes an error naming the
    /// flag of each bad parameter (or the status and the problem's detail).
    func request(_ method: String = "GET", _ path: String, key: String, json body: String? = nil) async throws -> AuditServerResponse {
        let response = try await connected(key: key) { connection async throws(AuditClientError) in
            try await connection.send(
                method,
                path,
                headers: body == nil ? [] : [("Content-Type", "application/json")],
                body: body.map { Array($0.utf8) }
            )
        }
        guard response.isSuccess else {
            throw ValidationError(
                Self.problemMessage(status: response.status, body: response.body, request: "\(method) \(path.prefix { $0 != "?" })")
            )
        }
        return response
    }

    /// A streamed GET with the key: each piece of a 2xx answer's body goes to `body` as it
    /// arrives (never held whole); any other answer becomes the error ``request(_:_:key:json:)``
    /// throws, and a body cut off (the connection dropped) an error naming `--server`.
    func stream(_ path: String, key: String, body: ([UInt8]) throws -> Void) async throws {
        let connection = try connection(key: key)
        let response: AuditServerResponse
        do {
            response = try await connection.stream(path) { piece in try body(piece) }
            try? await connection.shutdown()
        } catch let error as AuditClientError {
            try? await connection.shutdown()
            throw ValidationError("--server: the download was cut off or failed: \(error.message)")
        } catch {
            try? await connection.shutdown()
            throw error
        }
        guard response.isSuccess else {
            throw ValidationError(Self.problemMessage(status: response.status, body: response.body, request: "GET \(path.prefix { $0 != "?" })"))
        }
    }

    /// A connection to `--server` with the key, `--ca-file` and `--timeout`.
    func connection(key: String?) throws -> AuditServerConnection {
        guard let server else { throw ValidationError("--server: required") }
        var configuration = AuditServerConnection.Configuration(server: server, apiKey: key)
        if let caFile { configuration.trust = .caFile(caFile) }
        configuration.requestTimeout = .milliseconds(Int64((timeout * 1000).rounded()))
        do {
            return try AuditServerConnection(configuration: configuration)
        } catch {
            throw ValidationError((error.code == .tlsFailed ? "--ca-file: " : "--server: ") + error.message)
        }
    }

    /// Runs `exchange` on a connection to `--server` (shut down after it); a failure to connect
    /// or to talk names `--server`.
    private func connected<Result: Sendable>(
        key: String? = nil,
        _ exchange: (AuditServerConnection) async throws(AuditClientError) -> Result
    ) async throws -> Result {
        let connection = try connection(key: key)
        do {
            let result = try await exchange(connection)
            try? await connection.shutdown()
            return result
        } catch {
            try? await connection.shutdown()
            throw ValidationError("--server: \(error.message)")
        }
    }

    static func authorization(_ key: String) -> [(String, String)] { [("Authorization", "Bearer \(key)")] }

    /// A server's problem answer as a CLI error: field errors name the flag of the parameter.
    static func problemMessage(status: Int, body: [UInt8], request: String) -> String {
        let problem = (try? JSONParser.parse(body))?.objectValue
        let fields =
            problem?["errors"]?.arrayValue?.compactMap { error -> String? in
                guard let field = error["field"]?.stringValue, let message = error["message"]?.stringValue else { return nil }
                let flag = field == "q" ? "-q" : "--" + field.replacingOccurrences(of: "_", with: "-")
                return "\(flag): \(message)"
            } ?? []
        if !fields.isEmpty { return fields.joined(separator: "\n") }
        let detail = problem?["detail"]?.stringValue ?? String(decoding: body.prefix(200), as: UTF8.self)
        return "--server: \(request) answered \(status): \(detail)"
    }

    /// `path` with `parameters` as its percent-encoded query.
    static func path(_ path: String, _ parameters: [(String, String)]) -> String {
        AuditServerConnection.path(path, parameters)
    }
}
