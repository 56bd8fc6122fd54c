import AuditTrailServer
import Foundation
import Testing

@testable import audittrail

/// The first-start hint names a command that runs as typed.
@Suite("the first-start hint")
struct CommandInvocationTests {
    @Test func theBinaryIsNamedAsItCanBeTypedFromTheWorkingDirectory() {
        #expect(CommandInvocation.current(arguments: ["audittrail"], directory: "/work") == "audittrail")
        #expect(CommandInvocation.current(arguments: ["/opt/at/bin/audittrail"], directory: "/work") == "/opt/at/bin/audittrail")
        #expect(CommandInvocation.current(arguments: ["/work/tools/audittrail"], directory: "/work") == "tools/audittrail")
        #expect(CommandInvocation.current(arguments: ["/work/audittrail"], directory: "/work/") == "./audittrail")
        #expect(CommandInvocation.current(arguments: ["bin/../audittrail"], directory: "/w") == "./audittrail")
        #expect(CommandInvocation.current(arguments: ["/my dir/audittrail"], directory: "/work") == "'/my dir/audittrail'")
        #expect(CommandInvocation.shellWord("it's") == #"'it'\''s'"#)
    }

    @Test func swiftRunsBuildIsNamedByItsShortLink() throws {
        // SwiftPM's .build/debug is a link to the platform's folder; the hint uses the link.
        let root = NSTemporaryDirectory() + "audittrail-invocation-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let platform = root + "/.build/x86_64-unknown-linux-gnu/debug"
        try FileManager.default.createDirectory(atPath: platform, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: platform + "/audittrail", contents: Data(), attributes: [.posixPermissions: 0o755])
        try FileManager.default.createSymbolicLink(atPath: root + "/.build/debug", withDestinationPath: "x86_64-unknown-linux-gnu/debug")
        #expect(CommandInvocation.current(arguments: [platform + "/audittrail"], directory: root) == ".build/debug/audittrail")
    }

    @Test func theHintNamesTheDataDirectoryOnlyWhenItIsNotTheDefault() {
        let address = AuditServerAddress(host: "127.0.0.1", port: 8080)
        let first = ServeCommand.announcement(
            .init(address: address, dataDirectory: "./audittrail-data", needsAdminKey: true),
            invocation: ".build/debug/audittrail"
        )
        #expect(first.hasPrefix("listening on http://127.0.0.1:8080\n"))
        #expect(first.contains("\n    .build/debug/audittrail keys create --role admin --name admin\n"), "\(first)")
        let elsewhere = ServeCommand.announcement(
            .init(address: address, dataDirectory: "/var/lib/audit trail", needsAdminKey: true),
            invocation: "audittrail"
        )
        #expect(elsewhere.contains("\n    audittrail keys create --role admin --name admin --data-dir '/var/lib/audit trail'\n"), "\(elsewhere)")
        let later = ServeCommand.announcement(.init(address: address, dataDirectory: "x", needsAdminKey: false), invocation: "audittrail")
        #expect(later == "listening on http://127.0.0.1:8080\n")
    }
}
