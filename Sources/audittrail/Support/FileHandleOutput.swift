import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// Writes to standard error.
enum FileHandleOutput {
    static func standardError(_ text: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((text + terminator).utf8))
    }
}
