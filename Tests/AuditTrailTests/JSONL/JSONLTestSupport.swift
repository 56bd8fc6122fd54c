import AuditTrail
import Foundation
import Logging
import Synchronization

/// A fresh directory per JSONL test, removed afterwards, and the helpers the JSONL tests share.
struct JSONLTestDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/audittrail-jsonl-test-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The day files, oldest first.
    func dayFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix("events-") && $0.hasSuffix(".jsonl") }.sorted()
    }

    /// The complete lines of a day file.
    func lines(_ name: String) throws -> [String] {
        let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Replaces a day file's lines.
    func write(_ name: String, lines: [String]) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    /// Appends raw bytes to a day file (a torn write).
    func appendRaw(_ name: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/" + name))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func size(_ name: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? NSNumber)?.intValue ?? -1
    }
}

/// A clock the test moves by hand.
final class JSONLTestClock: Sendable {
    private let time: Mutex<AuditTime>
    init(_ start: AuditTime) { time = Mutex(start) }
    func now() -> AuditTime { time.withLock { $0 } }
    func advance(milliseconds: Int64) { time.withLock { $0 = $0.adding(milliseconds: milliseconds) } }
}

enum JSONLTests {
    static let logger = Logger(label: "audittrail.tests.jsonl", factory: { _ in SwiftLogNoOpLogHandler() })
    /// 2026-12-01T23:59:58.000Z: two seconds before a UTC midnight.
    static let beforeMidnight = AuditTime(rfc3339: "2026-12-01T23:59:58.000Z")!

    static func event(_ index: Int, id: String? = nil, actor: String = "u-1") -> PreparedAuditEvent {
        try! AuditEventValidator().prepare(
            AuditEventInput(id: id, action: "data.read", actor: .init(id: actor), metadata: ["i": .int(Int64(index))])
        )
    }

    static func open(_ directory: JSONLTestDirectory, clock: JSONLTestClock? = nil) throws -> AuditJSONLLog {
        var configuration = AuditJSONLLog.Configuration(directory: directory.path)
        if let clock { configuration.now = { clock.now() } }
        return try AuditJSONLLog.open(configuration: configuration, logger: logger)
    }
}
