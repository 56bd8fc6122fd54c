import AuditTrail
import Testing

extension AuditStoreConformance {
    func settings(_ store: Store) async throws {
        let settings = try #require(store as? any AuditSettingsStore, "the store keeps settings (AuditSettingsStore)")
        #expect(try await settings.settings(prefix: "stream.").isEmpty)
        try await settings.setSetting("stream.a", to: "1")
        try await settings.setSetting("stream.a.position", to: #"{"x":"é"}"#)
        // Prefixes match exactly: no pattern characters, no case folding.
        try await settings.setSetting("stream_a", to: "2")
        try await settings.setSetting("Stream.b", to: "3")
        try await settings.setSetting("stream%c", to: "4")
        #expect(try await settings.settings(prefix: "stream.") == ["stream.a": "1", "stream.a.position": #"{"x":"é"}"#])
        #expect(try await settings.settings(prefix: "stream%") == ["stream%c": "4"])
        try await settings.setSetting("stream.a", to: "5")
        #expect(try await settings.settings(prefix: "stream.a") == ["stream.a": "5", "stream.a.position": #"{"x":"é"}"#])

        let catalog = AuditStreamCatalog(store: settings)
        let definition = AuditStreamDefinition(
            id: AuditStreamCatalog.newID(),
            name: "siem",
            filters: ["action": "user.*"],
            format: .cef,
            destination: .webhook(url: "https://siem.example/in", timeoutSeconds: 7),
            secret: "0123456789abcdef-secret",
            batchEvents: 250,
            lingerMilliseconds: 0,
            startAfter: 12,
            createdAt: AuditTime(milliseconds: 1_767_571_200_000),
            createdBy: "key_1"
        )
        try await catalog.create(definition)
        let stored = try await catalog.streams()
        #expect(stored.map(\.definition) == [definition])
        #expect(stored.first?.position == AuditStreamPosition(startingAfter: 12))
        var position = AuditStreamPosition(startingAfter: 12)
        position.deliveredThrough = 40
        position.scannedThrough = 44
        position.failingSince = AuditTime(milliseconds: 1_767_571_300_000)
        position.lastError = "webhook answered 503"
        try await catalog.save(position, of: definition.id)
        #expect(try await catalog.position(of: definition.id) == position)
        #expect(try await catalog.delete(id: definition.id, by: "key_2") == definition)
        #expect(try await catalog.streams().isEmpty)
        #expect(try await catalog.delete(id: definition.id, by: "key_2") == nil)
        let tombstone = try await settings.settings(prefix: "stream." + definition.id)["stream." + definition.id]
        #expect(tombstone?.contains("deleted_at") == true && tombstone?.contains("0123456789abcdef-secret") == false)
    }
}
