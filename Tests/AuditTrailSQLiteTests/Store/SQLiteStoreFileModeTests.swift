import AuditTrail
import AuditTrailTesting
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import AuditTrailSQLite

/// Issue 12, finding 6: the data directory and every file of the store are private, whatever
/// the umask, and an existing directory or file that others could read is tightened.
@Suite struct SQLiteStoreFileModeTests {
    /// The permission bits of `path`.
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// The store's database files: the events, the index, and each one's WAL and shared memory.
    static func storeFiles(_ directory: String) -> [String] {
        ["audit.sqlite", "audit-index.sqlite"].flatMap { name in ["", "-wal", "-shm"].map { directory + "/" + name + $0 } }
    }

    @Test("Finding 6: a new data directory is 0700, the databases and their WAL and SHM files 0600")
    func aNewStoreIsReadableByItsOwnerOnly() async throws {
        let base = try TemporaryDirectory()
        defer { base.remove() }
        let directory = base.path + "/nested/data"
        let store = try await SQLiteAuditStore.open(configuration: .init(directory: directory), logger: .quiet)
        do {
            _ = try await store.append(AuditFixtures.prepare(AuditFixtures.events(count: 20, seed: 1)))
            _ = try await store.indexSnapshot()
            #expect(try Self.mode(directory) == 0o700)
            for file in Self.storeFiles(directory) {
                #expect(FileManager.default.fileExists(atPath: file), "\(file) is missing")
                #expect(try Self.mode(file) == 0o600, "\(file)")
            }
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        // Parents made on the way are ordinary directories; only the data directory is private.
        #expect(try Self.mode(base.path + "/nested") == 0o755)
    }

    @Test("Finding 6: an existing directory and files that others could read are tightened, with a warning")
    func looserModesAreTightenedWithAWarning() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await directory.open().close()
        #expect(chmod(directory.path, 0o755) == 0)
        for file in Self.storeFiles(directory.path) where FileManager.default.fileExists(atPath: file) {
            #expect(chmod(file, 0o644) == 0)
        }
        let handler = InMemoryLogHandler()
        let store = try await directory.open(logger: Logger(label: "test") { _ in handler })
        #expect(try Self.mode(directory.path) == 0o700)
        for file in Self.storeFiles(directory.path) where FileManager.default.fileExists(atPath: file) {
            #expect(try Self.mode(file) == 0o600, "\(file)")
        }
        try await store.close()
        let warnings = handler.entries.filter { $0.level == .warning && $0.message.description.hasPrefix("tightened the mode") }
        let paths = warnings.compactMap { $0.metadata["audit.path"]?.description }
        #expect(paths.contains(directory.path) && paths.contains(directory.databasePath), "\(handler.entries)")
        #expect(warnings.first?.metadata["audit.mode.old"] == "0755")
        #expect(warnings.first?.metadata["audit.mode.new"] == "0700")
    }
}
