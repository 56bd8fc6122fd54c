import AuditTrail
import AuditTrailPostgres
import AuditTrailTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditTrailServer

/// Several servers on one PostgreSQL log: a stream created on one is delivered by exactly one of
/// them at a time (the lease `stream.<id>`), and by another once that one stops.
@Suite struct StreamLeaseTests {
    @Test(.enabled(if: AuditTestPostgres.isAvailable, AuditTestPostgres.unavailable))
    func oneServerDeliversAndAnotherTakesOver() async throws {
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let schema = AuditTestPostgres.newSchema()
        let keyFile = NSTemporaryDirectory() + "audittrail-stream-shared-\(UUID().uuidString).key"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        _ = try AuditSigner.loadOrCreate(at: keyFile, name: "shared")
        let onSchema: @Sendable (inout AuditServerConfiguration) -> Void = {
            StreamDeliveryTests.configure(&$0)
            $0.database?.schema = schema
            $0.database?.leaseSeconds = 2
            $0.signingKeyFile = keyFile
        }
        try await withServer(setup: .live, on: .postgres, onSchema) { second, secondAPI in
            let id = try await withServer(setup: .live, on: .postgres, keepsSchema: true, onSchema) { first, firstAPI in
                let (id, _) = try await StreamDeliveryTests.createStream(
                    firstAPI,
                    #"{"name":"shared","destination":{"type":"webhook","url":"\#(receiver.url)"},"batch_events":50,"linger_ms":20}"#
                )
                for round in 0..<10 {
                    _ = try await StreamDeliveryTests.ingest(round.isMultiple(of: 2) ? firstAPI : secondAPI, batches: 2, every: .zero)
                }
                let head = try await first.store.head().seq
                try await StreamDeliveryTests.waitUntil("delivery while both run") {
                    Set(StreamDeliveryTests.seqs(receiver.batches)).count >= Int(head)
                }
                // One delivery loop at a time: the batches' starts never go back, beyond a batch sent
                // again after a lease ran out under load (at least once).
                try StreamDeliveryTests.checkCopy(receiver.batches, head: head, key: first.api.publicKey)
                return id
            }
            // The first server stopped (whichever held the lease, the second delivers now).
            _ = try await StreamDeliveryTests.ingest(secondAPI, batches: 3, every: .zero)
            let head = try await second.store.head().seq
            try await StreamDeliveryTests.waitUntil("delivery by the remaining server") {
                Set(StreamDeliveryTests.seqs(receiver.batches)).count >= Int(head)
            }
            try StreamDeliveryTests.checkCopy(receiver.batches, head: head, key: second.api.publicKey)
            let status = try await StreamDeliveryTests.status(secondAPI, id)
            #expect(status["delivered_through"] == .int(head), "\(status)")
        }
    }
}
