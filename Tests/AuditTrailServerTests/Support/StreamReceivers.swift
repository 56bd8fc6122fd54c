import AuditTrail
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

@testable import AuditTrailServer

/// What a receiver got: one request body, or the frames of one syslog connection.
struct ReceivedBatch: Sendable {
    var body: [UInt8]
    var headers: [String: String] = [:]
}

/// A real webhook receiver on 127.0.0.1: a Hummingbird server that keeps every POSTed body
/// with its headers, answers as told (accept, fail with a status, or hang), and can be stopped
/// and started again on the same port (an outage).
final class WebhookReceiver: Sendable {
    enum Mode: Sendable {
        case accept
        case fail(Int)
        case hang
    }

    let mode = Mutex(Mode.accept)
    let received = Mutex<[ReceivedBatch]>([])
    /// Every request seen, answered or not.
    let attempts = Atomic<Int>(0)
    private let running = Mutex<Task<Void, any Error>?>(nil)
    private let boundPort = Mutex(0)

    var port: Int { boundPort.withLock { $0 } }
    var url: String { "http://127.0.0.1:\(port)/ingest" }
    var batches: [ReceivedBatch] { received.withLock { $0 } }

    /// Starts listening (on the port of the last start, or a free one the first time).
    func start() async throws {
        let router = Router()
        router.post("/ingest") { [self] request, _ -> Response in
            attempts.add(1, ordering: .relaxed)
            let body = try await request.body.collect(upTo: 64 << 20)
            switch mode.withLock({ $0 }) {
            case .hang:
                try await Task.sleep(for: .seconds(600))
                return Response(status: .ok)
            case .fail(let status):
                return Response(status: .init(code: status))
            case .accept:
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                received.withLock { $0.append(ReceivedBatch(body: Array(body.readableBytesView), headers: headers)) }
                return Response(status: .ok)
            }
        }
        let (ready, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "receiver"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver") { _ in SwiftLogNoOpLogHandler() }
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        running.withLock { $0 = task }
        var iterator = ready.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else { throw TestFailure("the webhook receiver did not start") }
        boundPort.withLock { $0 = bound }
    }

    /// Stops listening; connections close.
    func stop() async {
        guard
            let task = running.withLock({ state in
                defer { state = nil }
                return state
            })
        else { return }
        task.cancel()
        _ = await task.result
    }
}

/// A real syslog receiver on 127.0.0.1 (TCP, or TLS with a certificate): reads RFC 5425
/// octet-counted frames and, at the end of each connection, keeps them as one batch (the lines
/// joined with `\n`); it closes its side when the sender closes its own, as syslog receivers do.
final class SyslogReceiver: Sendable {
    let received = Mutex<[ReceivedBatch]>([])
    private let channel = Mutex<(any Channel)?>(nil)
    private let boundPort = Mutex(0)
    let tls: NIOSSLContext?

    init(certificate: TestCertificate? = nil) throws {
        if let certificate {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
            )
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
    }

    var port: Int { boundPort.withLock { $0 } }
    var batches: [ReceivedBatch] { received.withLock { $0 } }

    func start() async throws {
        let tls = self.tls
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] child in
                child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try child.pipeline.syncOperations.addHandler(FrameReader(receiver: self))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        channel.withLock { $0 = bound }
        boundPort.withLock { $0 = bound.localAddress?.port ?? 0 }
    }

    func stop() async {
        guard
            let bound = channel.withLock({ state in
                defer { state = nil }
                return state
            })
        else { return }
        try? await bound.close()
    }

    /// Splits one connection's bytes into frames; at its end keeps them as a batch.
    final class FrameReader: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let receiver: SyslogReceiver
        var pending: [UInt8] = []
        var lines: [[UInt8]] = []

        init(receiver: SyslogReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += Array(unwrapInboundIn(data).readableBytesView)
            while let space = pending.firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: pending[..<space], as: UTF8.self)),
                pending.count >= space + 1 + length
            {
                lines.append(Array(pending[(space + 1)..<(space + 1 + length)]))
                pending.removeFirst(space + 1 + length)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !lines.isEmpty, pending.isEmpty {
                let body: [UInt8] = lines.flatMap { line -> [UInt8] in line + [0x0A] }
                receiver.received.withLock { $0.append(ReceivedBatch(body: body)) }
            }
            context.fireChannelInactive()
        }
    }
}

extension [ReceivedBatch] {
    /// Each batch verified alone with `key`, for ``AuditStreamBatchChain``.
    func verified(with key: AuditSignerPublicKey) -> [AuditStreamBatchChain.Batch] {
        enumerated().map { index, batch in ("batch \(index)", AuditExportVerifier.verify(chunks: [batch.body], publicKey: key)) }
    }
}
