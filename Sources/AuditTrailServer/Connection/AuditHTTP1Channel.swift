import AuditTrail
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 child channel with ``AuditLingeringCloseHandler`` added right after
/// NIO's request decoder, ``AuditStalledWriteHandler`` closing a connection whose client stopped
/// taking its response for `writeTimeout`, and every request handled within the connection's
/// ``AuditReadBudget``, which ``AuditClientGoneHandler`` cancels when the client goes away: what
/// ``AuditServerConfiguration/httpServer()`` serves, plain or wrapped in TLS.
///
/// Everything else — the idle timeout, the decoder's limits, the request loop — is
/// `HTTP1Channel`'s own.
///
/// ```swift
/// let server = HTTPServerBuilder { responder in
///     AuditHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .seconds(30))),
///                       writeTimeout: .seconds(60))
/// }
/// ```
struct AuditHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    /// The channel whose pipeline and request handling this one uses.
    let base: HTTP1Channel
    /// How long a response may wait for its client to take any of it.
    let writeTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(AuditLingeringCloseHandler(), position: .after(decoder))
            try pipeline.addHandler(AuditStalledWriteHandler(timeout: writeTimeout), position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        let budget = AuditReadBudget(limit: nil, parent: nil)
        let channel = value.channel
        _ = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(AuditClientGoneHandler(budget: budget), position: .first)
        }.get()
        await AuditReadBudget.$current.withValue(budget) {
            await base.handle(value: value, logger: logger)
        }
    }
}
