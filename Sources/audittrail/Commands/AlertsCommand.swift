import ArgumentParser
import AuditTrail
import AuditTrailClient
import Foundation

/// `audittrail alerts list|create|delete|enable|disable`: the alert rules of a running server
/// (`/v1/alert-rules`, admin key).
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List, create, switch and delete the alert rules of a running server (admin key).",
        discussion: """
            A rule is a search query and a threshold (N matching events of one --group-by value within --window \
            seconds) or --new-value FIELD (a group seen with a value it never had). A firing records a security.alert \
            event linking the triggering seqs and, with --webhook, POSTs it there. Built-in rules (on by default): \
            builtin.failed-login-burst, builtin.denied-burst, builtin.key-new-ip.
            """,
        subcommands: [List.self, Create.self, Enable.self, Disable.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules, whether each is on, and how often it fired.")

        @Flag(help: "Print the server's JSON answer.")
        var json = false

        @OptionGroup var remote: ServerOptions

        func validate() throws { try AlertsCommand.requireServer(remote) }

        func run() async throws {
            let response = try await remote.request("GET", "/v1/alert-rules", key: try remote.resolvedKey(role: "an admin key"))
            if json {
                print(String(decoding: response.body, as: UTF8.self))
                return
            }
            for rule in (try? JSONParser.parse(response.body))?["rules"]?.arrayValue ?? [] {
                let on = rule["enabled"] == .bool(true) ? "on " : "off"
                var what = "\(rule["kind"]?.stringValue ?? "?") by \(rule["group_by"]?.stringValue ?? "?")"
                if rule["kind"] == "threshold" {
                    what =
                        "\(rule["threshold"]?.int64Value ?? 0) in \(rule["window_seconds"]?.int64Value ?? 0) s by \(rule["group_by"]?.stringValue ?? "?")"
                }
                let fired = rule["status"]?["fired"]?.int64Value ?? 0
                print(
                    "\(rule["id"]?.stringValue ?? "?")  \(on)  \(rule["name"]?.stringValue ?? "")  [\(what)]  fired \(fired)×  q: \(rule["query"]?.stringValue ?? "")"
                )
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a rule; a webhook's secret is printed once.")

        @Option(help: "A name for the rule.") var name: String
        @Option(name: [.customShort("q"), .customLong("query")], help: "The search-language query the events must match.") var query: String
        @Option(help: "Events of one group that fire the rule.") var threshold: Int = 5
        @Option(help: "The window, in seconds (also the quiet time after a firing).") var window: Int = 60
        @Option(name: .customLong("group-by"), help: "\(AuditAlertField.names).") var groupBy: String = "actor.ip"
        @Option(name: .customLong("new-value"), help: "Fire when a group is seen with a new value of this field (instead of a threshold).")
        var newValue: String?
        @Option(help: "POST each firing to this URL (https://, or http:// to a loopback host).") var webhook: String?
        @Option(name: .customLong("secret-file"), help: "With --webhook: the HMAC secret's file (default: the server makes one).")
        var secretFile: String?
        @Flag(help: "Print the server's JSON answer.") var json = false
        @OptionGroup var remote: ServerOptions

        func validate() throws {
            try AlertsCommand.requireServer(remote)
            if secretFile != nil, webhook == nil { throw ValidationError("--secret-file: only with --webhook") }
        }

        func run() async throws {
            var body: [String: JSONValue] = [
                "name": .string(name), "query": .string(query), "threshold": .int(Int64(threshold)),
                "window_seconds": .int(Int64(window)), "group_by": .string(groupBy),
            ]
            if let newValue {
                body["kind"] = "new_value"
                body["value_field"] = .string(newValue)
            }
            if let webhook { body["webhook_url"] = .string(webhook) }
            if let secretFile { body["secret"] = .string(try ServerOptions.readKey(file: secretFile, flag: "--secret-file")) }
            let text = String(decoding: CanonicalJSON.encode(.object(body)), as: UTF8.self)
            let response: AuditServerResponse
            do {
                response = try await remote.request("POST", "/v1/alert-rules", key: try remote.resolvedKey(role: "an admin key"), json: text)
            } catch let error as ValidationError {
                let flags = [
                    "--window-seconds": "--window", "--value-field": "--new-value", "--webhook-url": "--webhook", "--secret:": "--secret-file:",
                ]
                throw ValidationError(flags.reduce(error.message) { $0.replacingOccurrences(of: $1.key, with: $1.value) })
            }
            if json {
                print(String(decoding: response.body, as: UTF8.self))
                return
            }
            let answer = (try? JSONParser.parse(response.body)) ?? .null
            print("Alert rule \(answer["id"]?.stringValue ?? "?") created; it watches events from now on.")
            if let secret = answer["secret"]?.stringValue { print("Webhook secret (shown once): \(secret)") }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a rule on.")
        @Argument(help: "The rule's id.") var id: String
        @OptionGroup var remote: ServerOptions
        func validate() throws { try AlertsCommand.requireServer(remote) }
        func run() async throws { try await AlertsCommand.switchRule(id, on: true, remote) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a rule off (a built-in one too).")
        @Argument(help: "The rule's id.") var id: String
        @OptionGroup var remote: ServerOptions
        func validate() throws { try AlertsCommand.requireServer(remote) }
        func run() async throws { try await AlertsCommand.switchRule(id, on: false, remote) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a rule (built-in rules can only be switched off).")
        @Argument(help: "The rule's id.") var id: String
        @OptionGroup var remote: ServerOptions
        func validate() throws { try AlertsCommand.requireServer(remote) }
        func run() async throws {
            let path = "/v1/alert-rules/" + AuditServerConnection.percentEncoded(id)
            _ = try await remote.request("DELETE", path, key: try remote.resolvedKey(role: "an admin key"))
            print("Alert rule \(id) deleted.")
        }
    }

    static func requireServer(_ remote: ServerOptions) throws {
        guard remote.server != nil else { throw ValidationError("--server: required (alert rules run in a server)") }
    }

    static func switchRule(_ id: String, on: Bool, _ remote: ServerOptions) async throws {
        let path = "/v1/alert-rules/" + AuditServerConnection.percentEncoded(id)
        _ = try await remote.request("PATCH", path, key: try remote.resolvedKey(role: "an admin key"), json: #"{"enabled":\#(on)}"#)
        print("Alert rule \(id) switched \(on ? "on" : "off").")
    }
}
