import Logging
import ServiceLifecycle
import Synchronization

/// The built-in rule `builtin.key-new-ip`, evaluated where it can be: the address an API key is
/// used from is in no event, so the server reports each authenticated request here
/// (``used(keyID:keyName:address:)``, which never waits). The addresses each key was used from are
/// kept in the store's settings (`key_addresses.<key id>`, at most 1,000 per key); a key's first
/// address is its baseline, and each later new one records a `security.alert` (while the rule
/// is switched on). Pairs already known are remembered in memory, so the common request costs a
/// set lookup.
public final class AuditKeyAddressWatch: Service, Sendable {
    private let known = Mutex<Set<String>>([])
    private let queue: AsyncStream<(String, String, String)>.Continuation
    private let reports: AsyncStream<(String, String, String)>
    private let settings: any AuditSettingsStore
    private let catalog: AuditAlertCatalog
    private let recorder: any AuditEventSink
    private let logger: Logger

    static let prefix = "key_addresses."
    static let maxAddresses = 1000
    static let maxKnown = 100_000

    public init(settings: any AuditSettingsStore, recorder: any AuditEventSink, logger: Logger) {
        (reports, queue) = AsyncStream.makeStream(of: (String, String, String).self, bufferingPolicy: .bufferingNewest(10_000))
        self.settings = settings
        self.catalog = AuditAlertCatalog(store: settings)
        self.recorder = recorder
        self.logger = logger
    }

    /// Reports that key `keyID` was used from `address`.
    public func used(keyID: String, keyName: String, address: String) {
        let pair = keyID + " " + address
        guard !known.withLock({ $0.contains(pair) }) else { return }
        queue.yield((keyID, keyName, address))
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await (keyID, keyName, address) in self.reports {
                do {
                    try await self.check(keyID: keyID, keyName: keyName, address: address)
                } catch {
                    if Task.isCancelled { return }
                    self.logger.warning("audit key address not checked", metadata: ["audit.key.id": "\(keyID)", "audit.error": "\(error)"])
                }
            }
        }
    }

    func check(keyID: String, keyName: String, address: String) async throws {
        let pair = keyID + " " + address
        guard !known.withLock({ $0.contains(pair) }) else { return }
        let name = Self.prefix + keyID
        var addresses = try await settings.jsonSettings(prefix: name)[name]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !addresses.contains(address) {
            if !addresses.isEmpty, let rule = try await catalog.rule(id: AuditAlertRule.keyNewAddressID), rule.enabled {
                try await recorder.write(alert(rule, keyID: keyID, keyName: keyName, address: address, known: addresses))
            }
            if addresses.count < Self.maxAddresses {
                addresses.append(address)
                try await settings.setJSON(name, .array(addresses.map(JSONValue.string)))
            }
        }
        known.withLock { known in
            if known.count >= Self.maxKnown { known.removeAll() }
            known.insert(pair)
        }
    }

    func alert(_ rule: AuditAlertRule, keyID: String, keyName: String, address: String, known: [String]) -> AuditEventInput {
        AuditEventInput(
            action: "security.alert",
            severity: .error,
            outcome: .success,
            description: "\(rule.name): key \(keyID) used from \(address)",
            actor: AuditAlertRunner.actor,
            resource: .init(type: "alert_rule", id: rule.id, name: rule.name),
            metadata: .object([
                "alert": "rule", "rule": .string(rule.id), "rule_name": .string(rule.name), "kind": "new_value",
                "group_by": "key", "group": .string(keyID), "key_name": .string(keyName), "value_field": "actor.ip",
                "value": .string(address), "known": .array(known.suffix(10).map(JSONValue.string)),
            ])
        )
    }
}
