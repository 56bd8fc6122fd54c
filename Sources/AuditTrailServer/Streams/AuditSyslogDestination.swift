import AuditTrail
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A stream's syslog destination: RFC 5425 framing (each line of a batch as `LEN SP MSG`) over
/// TCP, or TLS when a TLS context is given — one connection per batch.
///
/// Syslog has no acknowledgement, and a TCP write that succeeds may still be lost when the
/// receiver dies before reading it. So a batch is acknowledged only by the end of its
/// connection: after the last frame the sender closes its side (a TLS `close_notify` and a FIN),
/// and the batch counts as delivered once the receiver, having read to that end, closes the
/// connection cleanly. A reset, an error or no close within the timeout fails the batch, which is
/// sent again (at least once). Receivers close on end of stream (rsyslog, syslog-ng, Fluent Bit
/// do); one that never does times every batch out.
struct AuditSyslogDestination: AuditStreamDestination {
    let host: String
    let port: Int
    /// The client TLS context (nil: plain TCP).
    let tls: NIOSSLContext?
    let timeout: Duration

    func deliver(_ batch: AuditStreamBatch) async throws {
        let watcher = CloseWatcher()
        let serverName = tls != nil && !Self.isIPAddress(host) ? host : nil
        let tls = self.tls
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(min(10, timeout.components.seconds))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try channel.pipeline.syncOperations.addHandler(watcher)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw AuditTrailError(.storeFailure, "syslog \(host):\(port): cannot connect: \(error)")
        }
        let buffer = Self.frames(batch, allocator: channel.allocator)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await channel.writeAndFlush(buffer).get()
                    try await channel.close(mode: .output).get()
                    try await channel.closeFuture.get()
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw AuditTrailError(.storeFailure, "the receiver did not close the connection within \(timeout) of the batch's end")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            channel.close(promise: nil)
            throw AuditTrailError(.storeFailure, "syslog \(host):\(port): \(watcher.error ?? "\(error)")")
        }
        if let error = watcher.error { throw AuditTrailError(.storeFailure, "syslog \(host):\(port): \(error)") }
    }

    /// Every line of the batch as an RFC 5425 frame (`LEN SP MSG`).
    static func frames(_ batch: AuditStreamBatch, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: batch.bytes.count + 8 * Int(batch.count) + 64)
        for line in batch.lines { buffer.writeBytes(AuditSyslogFormat.octetCounted(Array(line))) }
        return buffer
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// Remembers the first error of the connection (a reset, a TLS failure) and drops what the
    /// receiver sends.
    final class CloseWatcher: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let first = Mutex<String?>(nil)

        /// The first error's description.
        var error: String? { first.withLock { $0 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            first.withLock { if $0 == nil { $0 = "\(error)" } }
            context.close(promise: nil)
        }
    }
}
