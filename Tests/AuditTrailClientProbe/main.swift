import AuditTrail
import AuditTrailClient
import Foundation
import Logging

// A test-only producer: writes `--count` events through `AuditClient.write` (each awaited, so
// each is fsynced in the spool before its id is printed as `ack <id>`), while the client's
// `run()` ships the spool; with `--drain` it then waits until the server has acknowledged
// everything. The client tests SIGKILL it mid-run and run it again on the same spool.
//
//   audittrail-client-probe --server URL --key KEY --spool DIR --count N [--drain] [--ca-file PEM]
//                           [--pause-ms N] [--prefix TEXT] [--batch N]

var options: [String: String] = [:]
var flags: Set<String> = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    guard argument.hasPrefix("--") else { continue }
    if argument == "--drain" {
        flags.insert("drain")
    } else if let value = arguments.popFirst() {
        options[String(argument.dropFirst(2))] = value
    }
}
guard let server = options["server"], let key = options["key"], let spool = options["spool"] else {
    FileHandle.standardError.write(Data("usage: audittrail-client-probe --server URL --key KEY --spool DIR --count N [--drain]\n".utf8))
    exit(2)
}
let count = Int(options["count"] ?? "0") ?? 0
let pause = Int(options["pause-ms"] ?? "0") ?? 0
let prefix = options["prefix"] ?? "probe"

var logger = Logger(label: "audittrail-client-probe")
logger.logLevel = .warning
var configuration = AuditClient.Configuration(server: server, apiKey: key, spoolDirectory: spool)
if let caFile = options["ca-file"] { configuration.trust = .caFile(caFile) }
if let batch = options["batch"].flatMap(Int.init) { configuration.batchSize = batch }
configuration.retryBackoffMax = .milliseconds(500)
configuration.flushInterval = .milliseconds(20)
let client = try AuditClient(configuration: configuration, logger: logger)

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await client.run() }
    for index in 0..<count {
        let id = try await client.writeReturningID(
            AuditEventInput(action: "data.create", actor: .init(id: "probe"), resource: .init(type: "probe", id: "\(prefix)-\(index)"))
        )
        FileHandle.standardOutput.write(Data("ack \(id) \(prefix)-\(index)\n".utf8))
        if pause > 0 { try await Task.sleep(for: .milliseconds(pause)) }
    }
    if flags.contains("drain") {
        while !client.spool.isDrained { try await Task.sleep(for: .milliseconds(20)) }
        FileHandle.standardOutput.write(Data("drained delivered=\(client.status.delivered) rejected=\(client.status.rejected)\n".utf8))
    }
    group.cancelAll()
}
