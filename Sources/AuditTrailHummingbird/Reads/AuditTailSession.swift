import AuditTrail
import ServiceLifecycle

/// One live tail's loop (``AuditReadRoutes/stream(_:context:)``): read a page of matching events
/// after the position, send it as Server-Sent Events, and when caught up wait for a commit, the
/// poll interval or the heartbeat — until the client goes, the server shuts down, or the client
/// falls too far behind.
struct AuditTailSession: Sendable {
    /// Why a tail ended (recorded in its closing `audit.query`).
    enum End: String, Sendable {
        case clientGone = "client_gone"
        case shutdown
        case slowConsumer = "slow_consumer"
        case failed
    }

    var follower: AuditFollower
    let subscription: AuditCommitSignal.Subscription
    let options: AuditTailOptions
    /// The time budget of each page read (the query timeout); nil: none.
    let budget: Duration?
    /// Events sent.
    private(set) var sent = 0

    init(follower: AuditFollower, subscription: AuditCommitSignal.Subscription, options: AuditTailOptions, budget: Duration?) {
        self.follower = follower
        self.subscription = subscription
        self.options = options
        self.budget = budget
    }

    /// Whether the connection's client has gone (the server cancels the connection's budget).
    private var clientGone: Bool { AuditReadBudget.current?.isCancelled ?? false }

    /// Runs the tail, sending through `write`, and says why it ended.
    mutating func run(write: ([UInt8]) async throws -> Void) async -> End {
        let subscription = subscription
        var end = End.failed
        var detail = ""
        do {
            try await write(Array("retry: 2000\n: audittrail live tail after seq \(follower.position)\n\n".utf8))
            try await withTaskCancellationOrGracefulShutdownHandler {
                (end, detail) = try await loop(write: write)
            } onCancelOrGracefulShutdown: {
                subscription.stop()
            }
        } catch {
            return .clientGone
        }
        guard end != .clientGone, !clientGone else { return .clientGone }
        var w = AuditJSONWriter()
        w.object { o in
            o.string("reason", end.rawValue)
            o.string("detail", detail)
            o.string("last_event_id", String(follower.position))
        }
        let message = Array("event: disconnect\nid: \(follower.position)\ndata: ".utf8) + w.bytes + Array("\n\n".utf8)
        do { try await write(message) } catch { return .clientGone }
        return end
    }

    private mutating func loop(write: ([UInt8]) async throws -> Void) async throws -> (End, String) {
        let clock = ContinuousClock()
        var lastWrite = clock.now
        var caughtUpOnce = false
        while true {
            if clientGone { return (.clientGone, "") }
            if subscription.isStopped { return (.shutdown, "the server is shutting down; reconnect with Last-Event-ID to resume") }
            let read: AuditFollower.Read
            do {
                read = try await AuditReadBudget.within(budget) { try await follower.next() }
            } catch let error as AuditTrailError where error.code == .cancelled {
                return (.clientGone, "")
            } catch let error as AuditTrailError where Self.isTransient(error) {
                // The store cannot answer now (an index being built, a database restarting):
                // the stream stays open and tries again.
                await subscription.wait(beyond: .max, timeout: options.poll)
                continue
            } catch {
                return (.failed, "the log could not be read: \((error as? AuditTrailError)?.message ?? "internal error")")
            }
            if !read.events.isEmpty {
                var out: [UInt8] = []
                out.reserveCapacity(read.events.reduce(0) { $0 + $1.canonical.count + 120 })
                for event in read.events {
                    out += Array("id: \(event.seq)\ndata: ".utf8)
                    out += event.responseJSON
                    out += [10, 10]
                }
                try await write(out)
                sent += read.events.count
                lastWrite = clock.now
            }
            if read.caughtUp {
                caughtUpOnce = true
            } else if caughtUpOnce, let last = read.events.last, let lag = Self.lag(of: last), lag > options.maxLag {
                let behind = Int64(lag.components.seconds)
                return (
                    .slowConsumer,
                    "this stream fell \(behind) s behind the log (more than the \(options.maxLag.components.seconds) s allowed); reconnect with Last-Event-ID to resume"
                )
            }
            guard read.caughtUp else { continue }
            if clock.now - lastWrite >= options.heartbeat {
                try await write(Array("id: \(follower.position)\n: heartbeat\n\n".utf8))
                lastWrite = clock.now
            }
            let untilHeartbeat = options.heartbeat - (clock.now - lastWrite)
            await subscription.wait(beyond: follower.position, timeout: max(.milliseconds(1), min(options.poll, untilHeartbeat)))
        }
    }

    /// How long ago `event` was received, when it can be told.
    private static func lag(of event: AuditStoredEvent) -> Duration? {
        guard let received = try? event.decoded().receivedAt else { return nil }
        return .milliseconds(max(0, AuditTime.now().milliseconds - received.milliseconds))
    }

    /// Errors a tail waits out instead of ending: the store unavailable for now (its index being
    /// built, its database restarting). A page over its time budget ends the tail: it would
    /// overrun again on every try.
    private static func isTransient(_ error: AuditTrailError) -> Bool { error.code == .unavailable }
}
