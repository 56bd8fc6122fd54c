import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct RequestDetailsTests {
    static let correlation = HTTPField.Name("X-Correlation-ID")!
    static let traceparent = HTTPField.Name("traceparent")!

    /// A `POST /status/201` through a middleware over a fresh sink: the echoed correlation id and the event.
    func post(
        headers: HTTPFields = [:],
        uri: String = "/status/201",
        _ configure: (inout AuditMiddleware<BasicRequestContext>.Configuration) -> Void = { _ in }
    ) async throws -> (echoed: String?, event: AuditEventInput) {
        let sink = CollectingSink()
        var configuration = AuditMiddleware<BasicRequestContext>.Configuration()
        configure(&configuration)
        let router = statusRouter(AuditMiddleware(sink: sink, configuration: configuration), context: BasicRequestContext.self)
        let echoed = Box<String?>(nil)
        try await withApp(router) { client in
            let response = try await client.executeRequest(uri: uri, method: .post, headers: headers, body: nil)
            echoed.set(response.headers[Self.correlation])
        }
        return (echoed.value, try sink.only())
    }

    @Test func correlationIDFromTheHeaderIsKeptAndEchoed() async throws {
        let (echoed, event) = try await post(headers: [Self.correlation: "req-42.a:b_c"])
        #expect(echoed == "req-42.a:b_c")
        #expect(event.request?.correlationID == "req-42.a:b_c")
    }

    @Test func unsafeOrLongCorrelationIDsAreIgnored() async throws {
        for bad in ["has space", "semi;colon", String(repeating: "a", count: 129), "ünïcode"] {
            let (echoed, event) = try await post(headers: [Self.correlation: bad])
            #expect(echoed != bad)
            #expect(event.request?.correlationID == echoed)
            #expect(echoed.map { AuditEventID.normalizedUUID($0) != nil } == true)  // a new UUID instead
        }
    }

    @Test func traceparentGivesTheTraceID() async throws {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let (echoed, event) = try await post(headers: [Self.traceparent: parent])
        #expect(echoed == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(event.request?.correlationID == echoed)
        // The correlation header wins over traceparent; a malformed or all-zero traceparent is ignored.
        #expect(try await post(headers: [Self.correlation: "mine", Self.traceparent: parent]).echoed == "mine")
        let zero = "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
        for bad in [zero, "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "garbage"] {
            let (fresh, _) = try await post(headers: [Self.traceparent: bad])
            #expect(fresh.map { AuditEventID.normalizedUUID($0) != nil } == true)
        }
    }

    @Test func newCorrelationIDsDiffer() async throws {
        let first = try await post().echoed
        let second = try await post().echoed
        #expect(first != nil && second != nil && first != second)
    }

    @Test func secretQueryParametersAreRedacted() async throws {
        let (_, event) = try await post(uri: "/status/201?page=2&token=abc&API_KEY=k1&code=xyz&q=ok")
        #expect(event.request?.path == "/status/201?page=2&token=[REDACTED]&API_KEY=[REDACTED]&code=[REDACTED]&q=ok")
        let custom = try await post(uri: "/status/201?ticket=t1&token=abc") { $0.secretQueryParameters = ["ticket"] }
        // Own list replaced, but the core's redactor still removes a secret-looking key.
        #expect(custom.event.request?.path == "/status/201?ticket=[REDACTED]&token=abc")
        #expect(try AuditEventValidator().validate(custom.event).request?.path == "/status/201?ticket=[REDACTED]&token=[REDACTED]")
        let cased = try await post(uri: "/status/201?Ticket=t1&TICKETS=t2") { $0.secretQueryParameters = ["tICKET"] }
        #expect(cased.event.request?.path == "/status/201?Ticket=[REDACTED]&TICKETS=t2")
    }

    @Test func userAgentAndDurationAreRecordedAndClipped() async throws {
        let long = String(repeating: "é", count: 5000)  // 10,000 bytes: over the 8 KiB limit
        let (_, event) = try await post(headers: [.userAgent: long])
        let agent = try #require(event.actor?.userAgent)
        #expect(agent.utf8.count <= 8192 && agent.utf8.count >= 8190)
        #expect(agent.unicodeScalars.allSatisfy { $0 == "é" })
        #expect((event.request?.durationMS ?? -1) >= 0)
        #expect(event.time != nil)
    }

    @Test func bodyCaptureKeepsRedactedJSONOnlyWhenOn() async throws {
        let sink = CollectingSink()
        var configuration = AuditMiddleware<BasicRequestContext>.Configuration()
        configuration.bodyCapture = .init(maxBytes: 64)
        let router = Router()
        router.add(middleware: AuditMiddleware(sink: sink, configuration: configuration))
        router.post("/echo") { request, _ -> Response in
            // The handler still reads the whole body after the capture.
            let body = try await request.body.collect(upTo: 1024)
            return Response(status: .ok, body: .init(byteBuffer: body))
        }
        try await withApp(router) { client in
            let json: HTTPFields = [.contentType: "application/json"]
            let small = try await client.executeRequest(
                uri: "/echo",
                method: .post,
                headers: json,
                body: .init(string: #"{"name":"a","password":"p"}"#)
            )
            #expect(String(buffer: small.body) == #"{"name":"a","password":"p"}"#)
            let large = String(repeating: "x", count: 100)
            _ = try await client.executeRequest(uri: "/echo", method: .post, headers: json, body: .init(string: #"{"big":"\#(large)"}"#))
            _ = try await client.executeRequest(uri: "/echo", method: .post, headers: [.contentType: "text/plain"], body: .init(string: "{}"))
        }
        let events = sink.inputs
        #expect(events.count == 3)
        #expect(events[0].metadata?["request_body"] == .object(["name": .string("a"), "password": .string(AuditRedactor.marker)]))
        #expect(events[1].metadata?["request_body"] == nil)
        #expect(events[2].metadata?["request_body"] == nil)
    }
}
