import AuditTrail
import AuditTrailClient
import Foundation
import Logging
import Testing

/// Issue 12, finding 6, for the client's spool: events waiting for the server are private.
@Suite struct AuditClientSpoolFileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("Finding 6: the spool directory is 0700 and every spool file 0600, an existing 0755 directory tightened")
    func theSpoolIsReadableByItsOwnerOnly() throws {
        let directory = temporaryDirectory("spool-modes")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        for existing in [false, true] {
            if existing { #expect(chmod(directory, 0o755) == 0) }
            let spool = try AuditClientSpool(configuration: .init(directory: directory), logger: logger)
            _ = try spool.append(Array(#"{"action":"doc.view"}"#.utf8))
            spool.close()
            #expect(try Self.mode(directory) == 0o700)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(!files.isEmpty)
            for file in files { #expect(try Self.mode(directory + "/" + file) == 0o600, "\(file)") }
        }
    }

    /// One client per spool: a second one on the same directory is refused (after waiting up to
    /// two seconds for a lock that a forked child may hold for a moment), and the spool opens
    /// again once the first is closed.
    @Test func aSecondClientOnTheSameSpoolIsRefused() throws {
        let directory = temporaryDirectory("spool-lock")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let first = try AuditClientSpool(configuration: .init(directory: directory), logger: logger)
        let started = ContinuousClock.now
        #expect(throws: AuditClientError.self) { try AuditClientSpool(configuration: .init(directory: directory), logger: logger) }
        #expect(ContinuousClock.now - started >= .seconds(1.9))
        first.close()
        let again = try AuditClientSpool(configuration: .init(directory: directory), logger: logger)
        again.close()
    }
}
