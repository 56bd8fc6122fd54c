import ArgumentParser
import Foundation

/// `audittrail`: the command-line entry point. Parsing only; the work is in the libraries.
@main
struct AuditTrailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audittrail",
        abstract: "A tamper-evident audit log: server, keys, queries and verification.",
        subcommands: [
            ServeCommand.self, KeysCommand.self, QueryCommand.self, StatsCommand.self, TailCommand.self, ExportCommand.self, VerifyCommand.self,
            StreamsCommand.self, AlertsCommand.self, RetentionCommand.self, ReindexCommand.self, MigrateCommand.self, BenchCommand.self,
        ]
    )

    /// Parses the command line and runs the chosen command. A bad argument found while parsing
    /// prints the error and that command's usage (ArgumentParser's way); an error a command finds
    /// while it runs (a server that answers 404, a file that is missing) prints only the error,
    /// with the same exit code (64 for a `ValidationError`), never the top-level usage.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}
