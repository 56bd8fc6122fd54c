import Logging

/// `serve`'s log handler: swift-log's `StreamLogHandler` on standard error, with the logger's
/// metadata kept as it is set and formatted only when a line is written. `StreamLogHandler`
/// formats its whole metadata (sorting and joining every pair) each time one key is set, and
/// every request sets two (Hummingbird's `hb.request.id`, then `audit.key.id`) on a logger that
/// rarely writes a line: 2.6 % of the server's CPU under single-event POSTs (`perf`).
struct LazyMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = level
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // The logger's own metadata first, the call's on top (as StreamLogHandler merges them).
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit } }
        stream.log(event: event)
    }
}
