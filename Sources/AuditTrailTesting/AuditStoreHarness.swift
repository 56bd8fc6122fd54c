import AuditTrail

/// What every conformance suite needs: a fresh store per check, closed afterwards (also when the
/// check throws), and a way to append generated events.
struct AuditStoreHarness<Store: AuditStore>: Sendable {
    let makeStore: @Sendable () async throws -> Store
    let closeStore: @Sendable (Store) async throws -> Void
    let validator = AuditEventValidator()

    /// Runs `body` with a new, empty store and closes it afterwards.
    func withStore(_ body: (Store) async throws -> Void) async throws {
        let store = try await makeStore()
        do {
            try await body(store)
        } catch {
            try? await closeStore(store)
            throw error
        }
        try await closeStore(store)
    }

    /// Appends `count` generated events (``AuditFixtures/events(count:seed:start:clientIDs:)``).
    func append(_ count: Int, seed: UInt64, to store: Store) async throws {
        _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: count, seed: seed), validator: validator))
    }
}
