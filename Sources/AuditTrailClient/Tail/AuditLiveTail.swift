import AuditTrail

/// Follows a server's live tail (`GET /v1/stream`): every event committed after the start that
/// matches the filters, oldest first, as they are committed. When the stream ends — the server
/// restarts, the network drops, the server says this client fell behind — it reconnects with
/// `Last-Event-ID` and the server replays what was missed, so nothing is skipped and nothing
/// repeated.
///
/// ```swift
/// let connection = try AuditServerConnection(configuration: .init(server: url, apiKey: key))
/// var tail = AuditLiveTail(parameters: [("action", "user.*")])
/// try await tail.run(on: connection) { event in
///     print(event.seq, String(decoding: event.json, as: UTF8.self))
///     return true  // false stops
/// }
/// ```
public struct AuditLiveTail: Sendable {
    /// One event of the stream.
    public struct Event: Sendable {
        /// Its seq (the stream's `id:`).
        public var seq: Int64
        /// The stored event's JSON, as `GET /v1/events/{id}` answers it.
        public var json: [UInt8]
    }

    /// What the tail sees besides events, for a caller that reports it.
    public enum Notice: Sendable {
        /// Connected; events follow from after `after`.
        case connected(after: Int64?)
        /// The server ended the stream with a `disconnect` event (`slow_consumer`, `shutdown`, `failed`).
        case disconnected(reason: String, detail: String)
        /// The stream broke; a reconnect follows after the delay.
        case reconnecting(after: Duration, because: String)
    }

    /// The filters of `GET /v1/events` (no paging).
    public var parameters: [(String, String)]
    /// Start after this seq; nil: at the head (only new events). A reconnect uses the last id seen.
    public var after: Int64?
    /// Whether to reconnect when the stream ends. Default true.
    public var reconnects = true
    /// The wait before a reconnect (doubled while the server stays away, up to 30 s). Default 1 s.
    public var reconnectDelay: Duration = .seconds(1)
    /// The last event id seen (an event's seq, or a heartbeat's position): where a reconnect resumes.
    public private(set) var lastEventID: Int64?

    /// A tail of the events matching `parameters` after `after` (nil: from now).
    public init(parameters: [(String, String)] = [], after: Int64? = nil) {
        self.parameters = parameters
        self.after = after
    }

    private struct Stop: Error {}

    /// Runs until `onEvent` returns false, reconnecting as needed (unless ``reconnects`` is
    /// off: then it returns when the stream ends). A 4xx (a bad filter, a bad key) is thrown as
    /// an ``AuditClientError``; a 503 is retried after the delay.
    public mutating func run(
        on connection: AuditServerConnection,
        notice: (Notice) -> Void = { _ in },
        onEvent: (Event) async throws -> Bool
    ) async throws {
        var delay = reconnectDelay
        while true {
            var query = parameters
            var headers: [(String, String)] = [("Accept", "text/event-stream")]
            if let lastEventID {
                headers.append(("Last-Event-ID", String(lastEventID)))
            } else if let after {
                query.append(("after", String(after)))
            }
            var parser = AuditSSEParser()
            var ended: (reason: String, detail: String)?
            var received = false
            let path = AuditServerConnection.path("/v1/stream", query)
            do {
                let response = try await connection.stream(path, headers: headers) { bytes in
                    if !received {
                        received = true
                        notice(.connected(after: lastEventID ?? after))
                    }
                    for message in try parser.feed(bytes) {
                        if let id = message.id.flatMap({ Int64($0) }) { lastEventID = id }
                        switch message.event {
                        case "message":
                            guard let seq = message.id.flatMap({ Int64($0) }) else { continue }
                            guard try await onEvent(Event(seq: seq, json: Array(message.data.utf8))) else { throw Stop() }
                        case "disconnect":
                            let body = try? JSONParser.parse(Array(message.data.utf8))
                            ended = (body?["reason"]?.stringValue ?? "unknown", body?["detail"]?.stringValue ?? "")
                        default:
                            continue
                        }
                    }
                    if let id = parser.lastEventID.flatMap({ Int64($0) }) { lastEventID = id }
                }
                if response.status == 503 {
                    notice(.reconnecting(after: delay, because: "the server answered 503"))
                } else if !(200..<300).contains(response.status) {
                    _ = try response.requireSuccess("GET /v1/stream")
                } else {
                    delay = reconnectDelay
                    if let ended { notice(.disconnected(reason: ended.reason, detail: ended.detail)) }
                    guard reconnects else { return }
                    notice(.reconnecting(after: delay, because: ended.map { "the server ended the stream (\($0.reason))" } ?? "the stream ended"))
                }
            } catch is Stop {
                return
            } catch let error as AuditClientError where error.code == .httpStatus || error.code == .tlsFailed {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                guard reconnects else { throw error }
                notice(.reconnecting(after: delay, because: (error as? AuditClientError)?.message ?? "\(error)"))
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
    }
}
