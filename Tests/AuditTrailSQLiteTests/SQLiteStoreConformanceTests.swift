import AuditTrail
import AuditTrailSQLite
import AuditTrailTesting
import Synchronization
import Testing

/// The store-agnostic contract, run on SQLite: each check gets a new database in a new directory.
@Suite struct SQLiteStoreConformanceTests {
    @Test(arguments: AuditStoreConformanceCheck.allCases)
    func sqliteStoreConforms(_ check: AuditStoreConformanceCheck) async throws {
        let directories = Mutex<[String: TemporaryDirectory]>([:])
        let conformance = AuditStoreConformance<SQLiteAuditStore>(
            makeStore: {
                let directory = try TemporaryDirectory()
                let store = try await directory.open()
                directories.withLock { $0[ObjectIdentifier(store).debugDescription] = directory }
                return store
            },
            closeStore: { store in
                try await store.close()
                directories.withLock { $0.removeValue(forKey: ObjectIdentifier(store).debugDescription) }?.remove()
            })
        try await conformance.run(check)
    }
}
