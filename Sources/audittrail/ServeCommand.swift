import ArgumentParser
import AuditTrailServer
import Foundation
import Hummingbird
import Logging

/// `audittrail serve`: runs the HTTP server on the embedded SQLite store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the AuditTrail HTTP server (SQLite store in the data directory).",
        discussion: """
            Every flag has an environment variable: AUDITTRAIL_HOST, AUDITTRAIL_PORT, AUDITTRAIL_DATA_DIR,
            AUDITTRAIL_ADMIN_KEY (an admin key, hashed at start), AUDITTRAIL_ANONYMIZE_IPS, AUDITTRAIL_LOG_LEVEL.
            Flags win over the environment.
            """
    )

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free port).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory (default ./audittrail-data).")
    var dataDirectory: String?

    @Flag(name: .customLong("anonymize-ips"), help: "Store actor IPs truncated to /24 (IPv4) or /48 (IPv6).")
    var anonymizeIPs = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port: must be from 0 to 65535") }
        if let host, host.isEmpty { throw ValidationError("--host: must not be empty") }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level: must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        var configuration: AuditServerConfiguration
        do {
            configuration = try AuditServerConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if anonymizeIPs { configuration.anonymizeIPs = true }
        let level = logLevel.flatMap(Logger.Level.init(rawValue:))
            ?? ProcessInfo.processInfo.environment["AUDITTRAIL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "audittrail")
        let app = try await buildAuditApplication(configuration: configuration, logger: logger)
        try await app.runService()
    }
}
