import ArgumentParser

/// `audittrail tail`: the name is reserved for live tail — following newly committed events over
/// Server-Sent Events (`GET /v1/stream`) — which is not built yet. Until it is, the command says
/// so and how to read new events meanwhile, and exits 2, so that no script mistakes it for a
/// working follower.
struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow new events as they are committed — not available yet (it comes with live tail, GET /v1/stream).",
        discussion: """
            Until live tail exists, read new events with `audittrail query --order asc --since <time>` and follow \
            the printed --cursor (also with --server).
            """
    )

    /// Whatever was given: the command does not run yet, so nothing is checked.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var arguments: [String] = []

    func run() throws {
        FileHandleOutput.standardError(
            """
            audittrail tail: live tail is not available yet (it comes with GET /v1/stream).
            Until then, read new events with: audittrail query --order asc --since <time>, and follow the printed --cursor.
            """
        )
        throw ExitCode(2)
    }
}
