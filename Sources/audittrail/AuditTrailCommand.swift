import ArgumentParser

/// `audittrail`: the command-line entry point. Parsing only; the work is in the libraries.
@main
struct AuditTrailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audittrail",
        abstract: "A tamper-evident audit log: server, keys, queries and verification.",
        subcommands: [
            ServeCommand.self, KeysCommand.self, QueryCommand.self, ExportCommand.self, VerifyCommand.self, RetentionCommand.self, BenchCommand.self,
        ]
    )
}
