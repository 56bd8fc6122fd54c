import AuditTrail
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import AuditTrailServer

/// `/v1/alert-rules`: rules checked field by field, the built-in ones listed and switchable, a
/// firing recorded once per window per group with its triggering seqs and POSTed to the rule's
/// webhook — retried while the webhook fails, without slowing ingest.
@Suite struct AlertRuleTests {
    static func configure(_ configuration: inout AuditServerConfiguration) {
        StreamDeliveryTests.configure(&configuration)
        configuration.options.alerts.poll = .milliseconds(200)
        configuration.options.alerts.reload = .milliseconds(200)
        configuration.options.alerts.maxBackoff = .milliseconds(300)
    }

    static func alerts(_ api: TestAPI, rule: String) async throws -> [JSONValue] {
        let events = try await api.send(.get, "/v1/events?action=security.alert&order=asc").json["events"]?.arrayValue ?? []
        return events.filter { $0["metadata"]?["rule"]?.stringValue == rule }
    }

    static let badBodies: [(String, String)] = [
        (#"{"query":"action:x"}"#, "name"),
        (#"{"name":"a"}"#, "query"),
        (#"{"name":"a","query":"action:("}"#, "query"),
        (#"{"name":"a","query":"x","threshold":0}"#, "threshold"),
        (#"{"name":"a","query":"x","window_seconds":86401}"#, "window_seconds"),
        (#"{"name":"a","query":"x","group_by":"metadata.x"}"#, "group_by"),
        (#"{"name":"a","query":"x","kind":"new_value"}"#, "value_field"),
        (#"{"name":"a","query":"x","kind":"burst"}"#, "kind"),
        (#"{"name":"a","query":"x","value_field":"actor.ip"}"#, "value_field"),
        (#"{"name":"a","query":"x","webhook_url":"http://pager.example/x"}"#, "webhook_url"),
        (#"{"name":"a","query":"x","secret":"0123456789abcdefg"}"#, "secret"),
        (#"{"name":"a","query":"x","colour":1}"#, "colour"),
    ]

    @Test("a bad rule is a 400 naming the field", arguments: badBodies)
    func badRulesNameTheField(body: String, field: String) async throws {
        try await withServer { _, api in
            let reply = try await api.send(.post, "/v1/alert-rules", body: body)
            #expect(reply.status == .badRequest && reply.errorFields.contains(field), "\(field): \(reply.text)")
        }
    }

    @Test("built-in rules are listed and switchable, not deletable; rules are admin-only and recorded")
    func manageRules() async throws {
        try await withServer { _, api in
            let listed = try #require(try await api.send(.get, "/v1/alert-rules").json["rules"]?.arrayValue)
            #expect(listed.compactMap { $0["id"]?.stringValue } == AuditAlertRule.builtIn.map(\.id))
            #expect(listed.allSatisfy { $0["enabled"] == .bool(true) && $0["built_in"] == .bool(true) })
            let id = AuditAlertRule.keyNewAddressID
            let off = try await api.send(.patch, "/v1/alert-rules/\(id)", body: #"{"enabled":false}"#)
            #expect(off.status == .ok && off.json["enabled"] == .bool(false), "\(off.text)")
            #expect(try await api.send(.delete, "/v1/alert-rules/\(id)").status == .conflict)
            #expect(try await api.send(.patch, "/v1/alert-rules/alr_nope", body: #"{"enabled":true}"#).status == .notFound)
            #expect(try await api.send(.patch, "/v1/alert-rules/\(id)", body: #"{"enabled":"yes"}"#).status == .badRequest)

            let created = try await api.send(
                .post,
                "/v1/alert-rules",
                body:
                    #"{"name":"exports","query":"action:audit.export","threshold":2,"window_seconds":300,"group_by":"actor.id","webhook_url":"https://pager.example/hook"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let rule = try #require(created.json["id"]?.stringValue)
            let secret = try #require(created.json["secret"]?.stringValue)
            let again = try await api.send(.get, "/v1/alert-rules")
            #expect(!again.text.contains(secret))
            #expect(again.json["rules"]?.arrayValue?.last?["id"]?.stringValue == rule)
            let writer = try await api.createKey(role: "auditor")
            #expect(try await api.send(.get, "/v1/alert-rules", key: writer.secret).status == .forbidden)
            #expect(try await api.send(.post, "/v1/alert-rules", key: writer.secret, body: #"{"name":"a","query":"x"}"#).status == .forbidden)
            #expect(try await api.send(.delete, "/v1/alert-rules/\(rule)").status == .noContent)
            #expect(try await api.send(.delete, "/v1/alert-rules/\(rule)").status == .notFound)
            let records = try await api.send(.get, "/v1/events?q=action:audit.alert_rule.*&order=asc").json["events"]?.arrayValue ?? []
            #expect(
                records.map { $0["action"]?.stringValue } == ["audit.alert_rule.changed", "audit.alert_rule.created", "audit.alert_rule.deleted"]
            )
        }
    }

    @Test("a rule fires exactly once per window per group, linking its events; its webhook gets it, retried", arguments: TestStore.available)
    func fireOncePerWindowPerGroup(store: TestStore) async throws {
        let receiver = WebhookReceiver()
        receiver.mode.withLock { $0 = .fail(500) }
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await withServer(setup: .live, on: store, Self.configure) { server, api in
            let created = try await api.send(
                .post,
                "/v1/alert-rules",
                body:
                    #"{"name":"doc burst","query":"action:doc.delete","threshold":3,"window_seconds":600,"group_by":"actor.ip","webhook_url":"\#(receiver.url)"}"#
            )
            let rule = try #require(created.json["id"]?.stringValue, "\(created.text)")
            let secret = try #require(created.json["secret"]?.stringValue)
            try await StreamDeliveryTests.waitUntil("the rule to run") {
                try await api.send(.get, "/v1/alert-rules").json["rules"]?.arrayValue?.last?["status"]?["evaluated_through"] != nil
            }
            func delete(_ ip: String, _ count: Int) async throws -> [Int64] {
                var seqs: [Int64] = []
                for _ in 0..<count {
                    let reply = try await api.ingest(#"{"action":"doc.delete","actor":{"id":"u-1","ip":"\#(ip)"}}"#)
                    seqs.append(try #require(reply.json["seq"]?.int64Value))
                }
                return seqs
            }
            let first = try await delete("198.51.100.7", 3)
            try await StreamDeliveryTests.waitUntil("the first alert") { try await !Self.alerts(api, rule: rule).isEmpty }
            // More from the same address within the window, and a little from another: no alert.
            _ = try await delete("198.51.100.7", 4)
            _ = try await delete("198.51.100.8", 2)
            try await Task.sleep(for: .seconds(1))
            var alerts = try await Self.alerts(api, rule: rule)
            #expect(alerts.count == 1)
            #expect(alerts[0]["metadata"]?["seqs"] == .array(first.map(JSONValue.int)))
            #expect(alerts[0]["metadata"]?["group"] == "198.51.100.7" && alerts[0]["metadata"]?["count"] == .int(3))
            #expect(alerts[0]["actor"]?["id"] == "audittrail.alerts" && alerts[0]["resource"]?["id"]?.stringValue == rule)
            // The other address's third event fires for that group.
            let other = try await delete("198.51.100.8", 1)
            try await StreamDeliveryTests.waitUntil("the second alert") { try await Self.alerts(api, rule: rule).count == 2 }
            alerts = try await Self.alerts(api, rule: rule)
            #expect(alerts[1]["metadata"]?["group"] == "198.51.100.8" && alerts[1]["metadata"]?["seqs"]?.arrayValue?.last == .int(other[0]))

            // The webhook failed all along (retried); once it answers, both alerts arrive, signed.
            try await StreamDeliveryTests.waitUntil("the webhook retried") { receiver.attempts.load(ordering: .relaxed) >= 2 }
            receiver.mode.withLock { $0 = .accept }
            try await StreamDeliveryTests.waitUntil("both alerts at the webhook") { receiver.batches.count >= 2 }
            let now = AuditTime.now().milliseconds / 1000
            let seqs = receiver.batches.map { (try? JSONParser.parse($0.body))?["seq"]?.int64Value }
            #expect(Set(seqs) == Set(alerts.map { $0["seq"]?.int64Value }))
            for batch in receiver.batches {
                #expect(AuditStreamSignature.isValid(try #require(batch.headers["audittrail-signature"]), secret: secret, body: batch.body, now: now))
            }
            _ = server
        }
    }

    @Test("the built-in burst rules fire on failed sign-ins and denials")
    func builtInBursts() async throws {
        try await withServer(setup: .live, Self.configure) { _, api in
            try await StreamDeliveryTests.waitUntil("the built-in rules to run") {
                try await api.send(.get, "/v1/alert-rules").json["rules"]?.arrayValue?.first?["status"]?["evaluated_through"] != nil
            }
            for _ in 0..<5 { try await api.ingest(#"{"action":"user.login_failed","actor":{"id":"u-9","ip":"203.0.113.5"}}"#) }
            for _ in 0..<10 { try await api.ingest(#"{"action":"doc.view","outcome":"denied","actor":{"id":"u-8"}}"#) }
            try await StreamDeliveryTests.waitUntil("both built-in alerts") {
                let logins = try await Self.alerts(api, rule: "builtin.failed-login-burst")
                let denials = try await Self.alerts(api, rule: "builtin.denied-burst")
                return logins.count == 1 && denials.count == 1
            }
            #expect(try await Self.alerts(api, rule: "builtin.failed-login-burst").first?["metadata"]?["group"] == "203.0.113.5")
            #expect(try await Self.alerts(api, rule: "builtin.denied-burst").first?["metadata"]?["group"] == "u-8")
        }
    }

    @Test("a key used from a new address records an alert after its first address; switched off, none")
    func keyFromANewAddress() async throws {
        try await withServer(setup: .live, Self.configure) { server, api in
            let key = try await api.createKey(role: "writer", name: "ci")
            try await api.ingest(#"{"action":"doc.view"}"#, key: key.secret)
            // The request above came from 127.0.0.1: the key's baseline.
            try await StreamDeliveryTests.waitUntil("the key's first address kept") {
                try await server.store.settings(prefix: "key_addresses.\(key.id)")["key_addresses.\(key.id)"]?.contains("127.0.0.1") == true
            }
            #expect(try await Self.alerts(api, rule: AuditAlertRule.keyNewAddressID).isEmpty)
            // The same key from another address (what the middleware reports for each request).
            server.api.outbound.keyAddresses.used(keyID: key.id, keyName: "ci", address: "192.0.2.44")
            try await StreamDeliveryTests.waitUntil("the alert") { try await !Self.alerts(api, rule: AuditAlertRule.keyNewAddressID).isEmpty }
            let alert = try #require(try await Self.alerts(api, rule: AuditAlertRule.keyNewAddressID).first)
            #expect(alert["metadata"]?["group"]?.stringValue == key.id && alert["metadata"]?["value"] == "192.0.2.44")
            #expect(alert["metadata"]?["known"] == ["127.0.0.1"])
            server.api.outbound.keyAddresses.used(keyID: key.id, keyName: "ci", address: "192.0.2.44")
            _ = try await api.send(.patch, "/v1/alert-rules/\(AuditAlertRule.keyNewAddressID)", body: #"{"enabled":false}"#)
            server.api.outbound.keyAddresses.used(keyID: key.id, keyName: "ci", address: "192.0.2.45")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await Self.alerts(api, rule: AuditAlertRule.keyNewAddressID).count == 1)
        }
    }
}
