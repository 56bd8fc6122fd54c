import ArgumentParser
import AuditTrail
import AuditTrailServer
import Foundation
import Hummingbird
import Logging

/// `audittrail serve`: runs the HTTP server on the embedded SQLite store.
///
/// Its flags are not declared here: they are the settings table of the server module
/// (`AuditServerSetting.all`), which also reads the `AUDITTRAIL_*` variables and writes the
/// help. The command captures its arguments and parses them through that table.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the AuditTrail HTTP server (SQLite store in the data directory).",
        usage: "audittrail serve [--<setting> <value> ...]",
        discussion: """
            Checkpoints are signed with signing.key in the data directory (made with mode
            0600 on first start) unless --signing-key names another key file;
            `audittrail keys public` prints the public key. The admin key and the
            metrics key are only taken from the environment (AUDITTRAIL_ADMIN_KEY,
            AUDITTRAIL_METRICS_KEY) or from a file (--admin-key-file, --metrics-key-file),
            never from a flag, so that they never show in `ps`. Once listening, the server prints the address it is bound to:
            `listening on http://127.0.0.1:8080` (with --port 0, the port it picked).

            \(AuditServerSetting.helpText())
            """
    )

    /// The arguments after `serve`, parsed by ``serverConfiguration(environment:)``.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    /// The server's configuration: these flags over the `AUDITTRAIL_*` variables of
    /// `environment` over the defaults.
    ///
    /// - Throws: `ValidationError` naming each bad flag or variable and its rule.
    func serverConfiguration(environment: [String: String]) throws -> AuditServerConfiguration {
        do {
            return try AuditServerConfiguration.fromSettings(arguments: settings, environment: environment)
        } catch {
            throw ValidationError(cliMessage(error, flagNames: false))
        }
    }

    /// Checks the flags while the command line is parsed (the environment is read in `run`).
    func validate() throws {
        _ = try serverConfiguration(environment: [:])
    }

    func run() async throws {
        AuditServerMemory.limitArenas(environment: ProcessInfo.processInfo.environment)
        let configuration = try serverConfiguration(environment: ProcessInfo.processInfo.environment)
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in LazyMetadataLogHandler(label: label, level: level) }
        let logger = Logger(label: "audittrail")
        try await runAuditServer(configuration: configuration, logger: logger) { started in
            FileHandle.standardOutput.write(Data(Self.announcement(started).utf8))
        }
    }

    /// What serve prints on standard output once it listens: the address, and on a first start
    /// (no admin key yet) the command that creates one, typed as it runs from this directory —
    /// this binary's path as invoked, and `--data-dir` unless it is the default.
    static func announcement(_ started: AuditServerStarted, invocation: String = CommandInvocation.current()) -> String {
        var text = "listening on \(started.url)\n"
        guard started.needsAdminKey else { return text }
        var command = "\(invocation) keys create --role admin --name admin"
        let defaultDirectory = AuditServerConfiguration().dataDirectory  // ./audittrail-data
        if started.usesDatabase {
            command = "AUDITTRAIL_DATABASE_URL=<the server's URL> " + command
        } else if ![defaultDirectory, String(defaultDirectory.dropFirst(2)), defaultDirectory + "/"].contains(started.dataDirectory) {
            command += " --data-dir " + CommandInvocation.shellWord(started.dataDirectory)
        }
        text += """

            No admin key exists yet. Create the first one in a second terminal, in this folder
            (it prints the key's secret once; keep it):

                \(command)


            """
        return text
    }
}
