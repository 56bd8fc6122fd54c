import AuditTrail
import AuditTrailClient
import Foundation
import Synchronization

/// Reads a live tail (`GET /v1/stream`) of a live test server in the background, as a client
/// would: the messages it has received so far can be awaited with ``waitUntil(_:within:_:)``.
final class StreamReader: Sendable {
    struct Seen: Sendable {
        /// Whether the answer's head arrived (and with which status).
        var status: Int?
        /// The body of a non-2xx answer.
        var problem = ""
        var messages: [AuditSSEParser.Message] = []
        /// Every `id:` seen, heartbeats included, in order.
        var lastEventID: String?
        /// Bytes of the body received.
        var bytes = 0
        var ended = false
        var error: String?

        /// The seqs of the events (messages of type `message`), in order.
        var seqs: [Int64] { messages.filter { $0.event == "message" }.compactMap { $0.id.flatMap { Int64($0) } } }
        /// The events' JSON.
        var events: [JSONValue] { messages.filter { $0.event == "message" }.compactMap { try? JSONParser.parse(Array($0.data.utf8)) } }
        /// The final `disconnect` message's data, parsed.
        var disconnect: JSONValue? {
            messages.last { $0.event == "disconnect" }.flatMap { try? JSONParser.parse(Array($0.data.utf8)) }
        }
    }

    private let seen = Mutex(Seen())
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let connection: AuditServerConnection

    /// Starts reading `path` on `port` with `key`; `pause` is awaited after each piece of the
    /// body is taken (a slow client).
    init(
        port: Int,
        key: String = adminSecret,
        path: String,
        headers: [(String, String)] = [],
        pause: (@Sendable (Int) async -> Void)? = nil
    ) throws {
        connection = try AuditServerConnection(configuration: .init(server: "http://127.0.0.1:\(port)", apiKey: key))
        let reading = Task { [self] in await read(path: path, headers: headers, pause: pause) }
        task.withLock { $0 = reading }
    }

    private func read(path: String, headers: [(String, String)], pause: (@Sendable (Int) async -> Void)?) async {
        var parser = AuditSSEParser()
        do {
            let response = try await connection.stream(path, headers: headers) { bytes in
                let messages = try parser.feed(bytes)
                let id = parser.lastEventID
                let total = seen.withLock { seen in
                    seen.status = 200
                    seen.messages += messages
                    seen.lastEventID = id
                    seen.bytes += bytes.count
                    return seen.bytes
                }
                if let pause { await pause(total) }
            }
            seen.withLock {
                $0.status = response.status
                $0.problem = String(decoding: response.body, as: UTF8.self)
            }
        } catch {
            seen.withLock { $0.error = "\(error)" }
        }
        seen.withLock { $0.ended = true }
    }

    var snapshot: Seen { seen.withLock { $0 } }

    /// Waits until `predicate` holds for what was received; throws, saying `what`, after `limit`.
    @discardableResult
    func waitUntil(_ what: String, within limit: Duration = .seconds(30), _ predicate: (Seen) -> Bool) async throws -> Seen {
        let deadline = ContinuousClock.now + limit
        while true {
            let now = snapshot
            if predicate(now) { return now }
            guard ContinuousClock.now < deadline else {
                throw TestFailure(
                    "\(what) did not happen within \(limit): status \(now.status.map(String.init) ?? "none"), seqs \(now.seqs), ended \(now.ended), error \(now.error ?? "none") \(now.problem)"
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until the stream has started (its preamble arrived).
    func waitUntilConnected() async throws {
        try await waitUntil("the stream's start") { $0.bytes > 0 || $0.ended }
    }

    /// Stops reading and closes the connection.
    func stop() async {
        task.withLock { $0 }?.cancel()
        await task.withLock { $0 }?.value
        try? await connection.shutdown()
    }
}
