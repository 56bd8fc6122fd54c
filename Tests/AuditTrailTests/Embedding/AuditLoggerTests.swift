import AuditTrail
import InMemoryLogging
import Logging
import Synchronization
import Testing

/// A sink that validates like every sink and keeps what it was given.
final class CollectingSink: AuditEventSink {
    let events = Mutex<[AuditEvent]>([])
    let validator = AuditEventValidator()

    func enqueue(_ input: AuditEventInput) throws(AuditTrailError) {
        let prepared = try validator.prepare(input)
        events.withLock { $0.append(prepared.event) }
    }

    func write(_ input: AuditEventInput) async throws { try enqueue(input) }

    var collected: [AuditEvent] { events.withLock { $0 } }
}

@Suite("AuditLogger")
struct AuditLoggerTests {
    @Test func emptyFieldsComeFromTheLoggerAndTheEventsOwnWin() async throws {
        let sink = CollectingSink()
        let alice = AuditEvent.Actor(id: "u-1", name: "alice")
        let audit = AuditLogger(sink: sink, tags: ["web"], compliance: ["SOC2"]).with(actor: alice).with(correlationID: "req-9")

        #expect(audit.record(.dataRead(.init(type: "invoice", id: "7"))))
        try await audit.write(.logout(.init(id: "u-2")))
        var tagged = AuditEventInput.configChange("smtp.host", before: "a", after: "b")
        tagged.tags = ["web", "ops"]
        tagged.request = .init(correlationID: "own")
        audit.record(tagged)

        let events = sink.collected
        try #require(events.count == 3)
        #expect(events[0].actor?.id == "u-1")
        #expect(events[0].request?.correlationID == "req-9")
        #expect(events[0].tags == ["web"])
        #expect(events[0].compliance == ["SOC2"])
        #expect(events[1].actor?.id == "u-2")
        #expect(events[2].tags == ["web", "ops"])
        #expect(events[2].request?.correlationID == "own")
    }

    @Test func aRefusedEventIsLoggedWithTheFieldNeverDroppedSilently() {
        let logs = InMemoryLogHandler()
        let audit = AuditLogger(sink: CollectingSink(), logger: Logger(label: "test", factory: { _ in logs }))
        var bad = AuditEventInput.login(.init(id: "u-1"))
        bad.actor?.ip = "not-an-ip"
        #expect(audit.record(bad) == false)
        let entry = logs.entries.first
        #expect(entry?.level == .error)
        #expect(entry?.metadata["audit.error.fields"]?.description == "actor.ip")
        #expect(entry?.metadata["audit.event.action"]?.description == "auth.login")
    }

    @Test func writeThrowsTheValidationError() async {
        let audit = AuditLogger(sink: CollectingSink())
        await #expect(throws: AuditTrailError.self) {
            try await audit.write(.tokenCreated("t-1", by: .init(id: "u-1", ip: "999.1.1.1")))
        }
    }

    @Test func beforeTheBootstrapEveryEventIsRefusedThenItIsDelivered() async throws {
        // The only test that touches the process-wide bootstrap.
        let before = AuditLogger(label: "unbootstrapped")
        await #expect(throws: AuditTrailError.self) { try await before.write(.logout(.init(id: "u-1"))) }
        #expect(before.record(.logout(.init(id: "u-1"))) == false)

        let sink = CollectingSink()
        AuditLoggingSystem.bootstrap(sink)
        try await AuditLogger(label: "app").write(.logout(.init(id: "u-1")))
        #expect(sink.collected.map(\.action) == ["auth.logout"])
    }

    @Test func theWriterSinkReturnsAfterTheCommit() async throws {
        let store = WriterTestStore()
        let writer = AuditWriterTests.makeWriter(store)
        let audit = AuditLogger(sink: AuditWriterSink(writer: writer), actor: .init(id: "svc", type: "service"))
        try await AuditWriterTests.withRunningWriter(writer) {
            try await audit.write(.adminAction("Rotated the signing key", on: .init(type: "key", id: "k1")))
            let rows = await store.rows
            #expect(rows.count == 1)
            #expect(try rows.first?.decoded().actor?.id == "svc")
        }
    }
}
