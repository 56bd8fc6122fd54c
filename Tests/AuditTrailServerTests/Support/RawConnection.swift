import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A client that speaks no HTTP: it sends the bytes a test gives it, over TCP or TLS, and
/// reports what the server answered and whether (and when) the server closed the connection —
/// for what an HTTP client never does (a request head that never ends, a body sent before
/// reading).
///
/// ```swift
/// let outcome = try await RawConnection.exchange(port: port, tls: nil, within: .seconds(5)) { send in
///     try await send(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8))   // no blank line: never ends
/// }
/// #expect(outcome.closed)
/// ```
enum RawConnection {
    /// What the server did.
    struct Outcome: Sendable {
        /// Every byte the server sent.
        var received: [UInt8]
        /// Whether the server closed the connection (EOF or a reset) before the deadline.
        var closed: Bool
        /// Time from connecting to the close (or to the deadline), as the test's task saw it.
        var elapsed: Duration
        /// When the first byte of the answer and the close reached the connection's event loop,
        /// from the connection becoming active there: the server's own timing, which a test task starved of threads by the
        /// rest of a parallel suite sees only later (seconds later, on two loaded cores).
        var firstByteAt: Duration?
        var closedAt: Duration?
        /// Whether `send` wrote everything before the deadline (always false with
        /// `readWhileSending`).
        var sent: Bool
        /// How the reading ended when not by a clean EOF (a reset, a TLS alert).
        var readError: String?
        var text: String { String(decoding: received, as: UTF8.self) }
    }

    /// Connects to 127.0.0.1:`port` (through TLS with `tls`) and runs `send`, within `deadline`
    /// of connecting. By default it sends as a sender that writes everything before it reads,
    /// then reads until the server closes; with `readWhileSending` it reads from the start and
    /// stops sending when the server closes (the close is timed as it happens).
    static func exchange(
        port: Int,
        tls: NIOSSLContext?,
        within deadline: Duration,
        readWhileSending: Bool = false,
        send: @escaping @Sendable (_ write: @Sendable ([UInt8]) async throws -> Void) async throws -> Void
    ) async throws -> Outcome {
        let timing = Timing()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(TimingHandler(timing: timing))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let start = ContinuousClock.now
        timing.start(at: start)
        return try await channel.executeThenClose { inbound, outbound in
            let sending: @Sendable () async throws -> Void = {
                try await send { bytes in try await outbound.write(ByteBuffer(bytes: bytes)) }
            }
            let reading: @Sendable () async -> ([UInt8], String?) = {
                var received: [UInt8] = []
                do {
                    for try await buffer in inbound { received += buffer.readableBytesView }
                } catch {
                    // A reset or a TLS error: the server is gone all the same.
                    return (received, "\(error)")
                }
                return (received, nil)
            }
            guard readWhileSending else {
                let sent = await within(deadline) { try await sending() } != nil
                let read = await within(deadline - (.now - start)) { await reading() }
                return Outcome(
                    received: read?.0 ?? [],
                    closed: read != nil,
                    elapsed: .now - start,
                    firstByteAt: timing.firstByteAt,
                    closedAt: timing.closedAt,
                    sent: sent,
                    readError: read?.1
                )
            }
            let read = await within(deadline) {
                await withTaskGroup(of: ([UInt8], String?)?.self) { group in
                    group.addTask {
                        try? await sending()
                        return nil
                    }
                    group.addTask { await reading() }
                    var result: ([UInt8], String?) = ([], nil)
                    while let next = await group.next() {
                        guard let next else { continue }
                        result = next
                        group.cancelAll()
                    }
                    return result
                }
            }
            return Outcome(
                received: read?.0 ?? [],
                closed: read != nil,
                elapsed: .now - start,
                firstByteAt: timing.firstByteAt,
                closedAt: timing.closedAt,
                sent: false,
                readError: read?.1
            )
        }
    }

    /// When the first answer byte and the close reached the event loop, from the connection
    /// becoming active there.
    final class Timing: Sendable {
        private struct Marks {
            var start: ContinuousClock.Instant?
            var firstByte: ContinuousClock.Instant?
            var closed: ContinuousClock.Instant?
        }
        private let marks = Mutex(Marks())

        func start(at instant: ContinuousClock.Instant) { marks.withLock { $0.start = $0.start ?? instant } }
        func markFirstByte() { marks.withLock { $0.firstByte = $0.firstByte ?? .now } }
        func markClosed() { marks.withLock { $0.closed = $0.closed ?? .now } }
        var firstByteAt: Duration? { marks.withLock { marks in marks.start.flatMap { start in marks.firstByte.map { $0 - start } } } }
        var closedAt: Duration? { marks.withLock { marks in marks.start.flatMap { start in marks.closed.map { $0 - start } } } }
    }

    /// Stamps the first inbound bytes and the close on the event loop, as they happen.
    final class TimingHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let timing: Timing
        init(timing: Timing) { self.timing = timing }

        func channelActive(context: ChannelHandlerContext) {
            timing.start(at: .now)
            context.fireChannelActive()
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            timing.markFirstByte()
            context.fireChannelRead(data)
        }
        func channelInactive(context: ChannelHandlerContext) {
            timing.markClosed()
            context.fireChannelInactive()
        }
    }

    /// The result of `operation`, or nil when it throws or takes longer than `duration` (it is
    /// then cancelled).
    static func within<T: Sendable>(_ duration: Duration, _ operation: @escaping @Sendable () async throws -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { try? await operation() }
            group.addTask {
                try? await Task.sleep(for: duration)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A TLS client context that trusts only `certificate` (a PEM file).
    static func tlsContext(trusting certificate: String) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(certificate)
        configuration.certificateVerification = .noHostnameVerification
        return try NIOSSLContext(configuration: configuration)
    }
}
