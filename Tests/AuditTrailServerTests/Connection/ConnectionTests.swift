import AuditTrail
import Foundation
import HummingbirdTesting
import NIOSSL
import Testing

@testable import AuditTrailServer

/// Issue 12, finding 5: connections that never finish a request, and uploads answered before
/// they are read, over plain HTTP and over HTTPS.
@Suite struct ConnectionTests {
    /// Runs a live server (HTTPS with a fresh self-signed certificate when `tls`; the default
    /// idle timeout unless `idleTimeout` is given), and `body` with its port and the client TLS
    /// context to reach it.
    func withLiveServer(
        tls: Bool,
        idleTimeout: Duration? = nil,
        _ body: @escaping @Sendable (_ port: Int, _ tls: NIOSSLContext?) async throws -> Void
    ) async throws {
        let certificate = tls ? try TestCertificate() : nil
        defer { certificate?.remove() }
        let context = try certificate.map { try RawConnection.tlsContext(trusting: $0.certificate) }
        let configure: (inout AuditServerConfiguration) -> Void = { configuration in
            configuration.tlsCertificateFile = certificate?.certificate
            configuration.tlsKeyFile = certificate?.key
            if let idleTimeout { configuration.options.idleTimeout = idleTimeout }
        }
        try await withServer(setup: .live, configure) { _, api in
            try await body(try #require(api.client.port), context)
        }
    }

    @Test("Finding 5: a request head that never finishes is closed after the idle timeout", arguments: [false, true])
    func aRequestHeadThatNeverFinishesIsClosedAfterTheIdleTimeout(tls: Bool) async throws {
        try await withLiveServer(tls: tls, idleTimeout: .milliseconds(500)) { port, context in
            // A slow-loris: a header line every 100 ms, never the blank line that ends the head.
            let outcome = try await RawConnection.exchange(port: port, tls: context, within: .seconds(30), readWhileSending: true) { write in
                try await write(Array("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8))
                for index in 0..<12 {
                    try await Task.sleep(for: .milliseconds(100))
                    try await write(Array("X-Slow-\(index): 1\r\n".utf8))
                }
            }
            // Timed on the connection's event loop from connecting, as the server's idle clock
            // is. Without the timeout it never closes; with it, it closes after the timeout —
            // once in a loaded full-suite run in CI 8.9 s after, so no tighter upper bound than
            // the deadline (the cause of that delay is open, see the stop note).
            let closed = try #require(outcome.closedAt, "the connection was still open after 30 s")
            #expect(closed >= .milliseconds(400), "closed after \(closed), before the timeout")
            #expect(!outcome.text.hasPrefix("HTTP/1.1 2"))
        }
    }

    @Test("Finding 5: a kept-alive connection is closed after the idle timeout once its response is sent", arguments: [false, true])
    func anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout(tls: Bool) async throws {
        // Six seconds: the server must read the request within them, and on a loaded machine
        // (the whole suite, a debug build, a TLS handshake, other builds) that took over three.
        try await withLiveServer(tls: tls, idleTimeout: .seconds(6)) { port, context in
            let outcome = try await RawConnection.exchange(port: port, tls: context, within: .seconds(60), readWhileSending: true) { write in
                try await write(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            }
            #expect(outcome.text.hasPrefix("HTTP/1.1 200"), "\(outcome.text) \(outcome.readError ?? "")")
            // Timed on the connection's event loop, from the answer to the close. The idle clock
            // starts when the response's end is written, from the request's task on the
            // cooperative pool, which the rest of the parallel suite can starve for seconds (14 s
            // measured on two cores): so the close comes at least the timeout after the answer,
            // and without the timeout it never comes.
            let answered = try #require(outcome.firstByteAt, "no answer")
            let closed = try #require(outcome.closedAt, "not closed within 60 s")
            #expect(closed - answered >= .milliseconds(5900), "closed \(closed - answered) after the answer, before the timeout")
        }
    }

    @Test("Finding 5: a body over the limit sent with Connection: close gets its 413, then EOF", arguments: [false, true])
    func aBodyOverTheLimitWithConnectionCloseGets413ThenEOF(tls: Bool) async throws {
        // 32 MiB against the 8 MiB batch limit: more than the socket buffers hold, so a server
        // that stops reading leaves the sender blocked in write. The bounds are loose: a debug
        // build decrypting TLS while the whole suite runs on two shared cores is slow.
        let bodySize = 32 << 20
        try await withLiveServer(tls: tls) { port, context in
            let outcome = try await RawConnection.exchange(port: port, tls: context, within: .seconds(120)) { write in
                let head =
                    "POST /v1/events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(adminSecret)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(bodySize)\r\nConnection: close\r\n\r\n"
                try await write(Array(head.utf8))
                let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 16)
                for _ in 0..<(bodySize >> 16) { try await write(chunk) }
            }
            #expect(outcome.sent, "the sender could not write its whole body: the server stopped reading or closed first")
            #expect(outcome.text.hasPrefix("HTTP/1.1 413"), "\(outcome.text.prefix(200))")
            #expect(outcome.closed, "the server did not close the connection")
            #expect(outcome.elapsed < .seconds(110), "took \(outcome.elapsed)")
        }
    }
}
