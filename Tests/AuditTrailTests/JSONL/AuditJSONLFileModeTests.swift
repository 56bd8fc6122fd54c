import AuditTrail
import Foundation
import Testing

/// Issue 12, finding 6, for the JSONL log: its directory is 0700 and its day files 0600.
@Suite("AuditJSONLLog file modes", .timeLimit(.minutes(1)))
struct AuditJSONLFileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("Finding 6: the JSONL log's directory is 0700 and its day files 0600, an old 0644 one tightened")
    func theLogIsReadableByItsOwnerOnly() throws {
        let base = try JSONLTestDirectory()
        defer { base.remove() }
        let directory = JSONLTestDirectory(existing: base.path + "/audit")
        let log = try JSONLTests.open(directory)
        _ = try log.appendSynchronously((1...3).map { JSONLTests.event($0) })
        log.close()
        #expect(try Self.mode(directory.path) == 0o700)
        let files = try directory.dayFiles()
        #expect(files.count == 1)
        for file in files { #expect(try Self.mode(directory.path + "/" + file) == 0o600, "\(file)") }

        // A day file written by an earlier version with 0644 is tightened when appended to.
        #expect(chmod(directory.path + "/" + files[0], 0o644) == 0)
        let reopened = try JSONLTests.open(directory)
        _ = try reopened.appendSynchronously([JSONLTests.event(4)])
        reopened.close()
        #expect(try Self.mode(directory.path + "/" + files[0]) == 0o600)
    }
}

extension JSONLTestDirectory {
    /// A directory at `path`, not created: the log makes it.
    init(existing path: String) { self.path = path }
}
