import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import AuditTrailServer
import Foundation
import Logging

/// `audittrail retention show|set|run`: the retention window and removal, straight on the data
/// directory (the server may be running: it reads the window at every run).
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show or set the retention window of a data directory, or remove old events now.",
        discussion: """
            Events older than the window (default 90 days; off turns retention off) are removed in batches of at most \
            10000 by the server every hour, or now by `retention run`. Only events covered by a signed checkpoint are \
            removed, and never the newest one; an anchor (the last removed seq, its chain hash and the Merkle subtree \
            hashes of the removed prefix) keeps the rest verifiable, and each run is recorded as an audit.retention.run event.
            """,
        subcommands: [Show.self, SetWindow.self, Run.self]
    )

    /// The window used while none is stored: `AUDITTRAIL_RETENTION_DAYS`, else 90 days.
    static func initialWindow() throws -> AuditRetentionWindow {
        try environmentSetting(.retentionDays).retention.initialWindow
    }

    static var logger: Logger {
        var logger = Logger(label: "audittrail.cli")
        logger.logLevel = .warning
        return logger
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the window and what retention removed so far.")

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let initial = try RetentionCommand.initialWindow()
            let (stored, anchor, head) = try await withStore(data) { store in
                (try await store.retentionWindow(), try await store.retentionAnchor(), try await store.head())
            }
            let window = stored ?? initial
            let removed = anchor?.seq ?? 0
            if json {
                let days = window.days.map(String.init) ?? "null"
                let removedAt = anchor.map { "\"\($0.removedAt.rfc3339)\"" } ?? "null"
                print(
                    #"{"days":\#(days),"stored":\#(stored != nil),"removed_through_seq":\#(removed),"first_seq":\#(removed + 1),"last_removed_at":\#(removedAt),"head_seq":\#(head.seq)}"#
                )
            } else {
                print("Retention: \(window)" + (stored == nil ? " (not stored yet: the server stores it on first start)" : ""))
                if let anchor {
                    print(
                        "Removed: events 1…\(anchor.seq), last at \(anchor.removedAt.rfc3339); oldest remaining seq \(anchor.seq + 1), head seq \(head.seq)"
                    )
                } else {
                    print("Removed: none; head seq \(head.seq)")
                }
            }
        }
    }

    struct SetWindow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the window: a number of days (1–36500), or off (also 0). Recorded as audit.retention.changed."
        )

        @Argument(help: "Days to keep events (1–36500), or off.")
        var days: String

        @OptionGroup var data: DataDirectoryOptions

        func validate() throws {
            do {
                _ = try AuditRetentionWindow(parsing: days)
            } catch {
                throw ValidationError("days: must be an integer from 1 to 36500, or 0 or off")
            }
        }

        func run() async throws {
            let window = try AuditRetentionWindow(parsing: days)
            let initial = try RetentionCommand.initialWindow()
            try await withStore(data) { store in
                let previous = try await store.retentionWindow() ?? initial
                try await store.setRetentionWindow(window, replacing: true)
                do {
                    let event = try AuditEventValidator().prepare(
                        AuditEventInput(
                            action: "audit.retention.changed",
                            actor: RetentionCommand.cliActor,
                            resource: .init(type: "audit_log", id: "events"),
                            metadata: .object([
                                "days": window.days.map { .int(Int64($0)) } ?? .null,
                                "previous_days": previous.days.map { .int(Int64($0)) } ?? .null,
                            ])
                        ),
                        producer: operatorProducer()
                    )
                    _ = try await store.append([event])
                } catch {
                    // A change that is not in the log must not take effect.
                    _ = try? await store.setRetentionWindow(previous, replacing: true)
                    throw error
                }
            }
            print("Retention set to \(window).")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the events older than the window now (what the server does every hour)."
        )

        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            var configuration = AuditRetention.Configuration()
            configuration.initialWindow = try RetentionCommand.initialWindow()
            let logger = RetentionCommand.logger
            let (run, checkpoint) = try await withStore(data) { store in
                let writer = AuditWriter(store: store, logger: logger)
                let retention = try AuditRetention(
                    store: store,
                    writer: writer,
                    validator: AuditEventValidator(),
                    producer: operatorProducer(),
                    configuration: configuration,
                    logger: logger
                )
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await writer.run() }
                    let run = try await retention.runOnce()
                    // The writer commits what it was given, then returns.
                    group.cancelAll()
                    try await group.waitForAll()
                    return (run, try await store.latestCheckpoint())
                }
            }
            if run.window.isOff {
                print("Retention is off; nothing removed.")
            } else if run.removed > 0 {
                print(
                    "Removed \(run.removed) events in \(run.batches) batch\(run.batches == 1 ? "" : "es") (window \(run.window)); oldest remaining seq \(run.firstSeq)"
                        + (run.recordedSeq.map { "; recorded as event seq \($0)" } ?? "") + "."
                )
            } else if checkpoint == nil {
                print("Nothing removed: no checkpoint is signed yet (start the server once; only checkpointed events are removed).")
            } else {
                print("Nothing to remove (window \(run.window)).")
            }
        }
    }

    /// The actor of events the CLI records.
    static let cliActor = AuditEvent.Actor(id: "audittrail.cli", name: "audittrail retention", type: "system")
}
