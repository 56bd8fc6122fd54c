import Foundation
import Hummingbird
import Logging
import NotesApp

/// `swift run notes-app`: the example on 127.0.0.1:8080 (`PORT`), its audit log in `./notes-audit`
/// (`NOTES_AUDIT_DIR`).
@main
struct NotesAppMain {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = NotesConfiguration()
        if let port = environment["PORT"].flatMap(Int.init) { configuration.port = port }
        if let directory = environment["NOTES_AUDIT_DIR"] { configuration.auditDirectory = directory }
        let app = try await buildNotesApplication(configuration: configuration, logger: Logger(label: "notes-app"))
        try await app.runService()
    }
}
