import Synchronization

/// The process-wide default sink, for apps that want one (as swift-log's `LoggingSystem`).
///
/// Libraries never bootstrap; the app does, once, at start-up. ``AuditLogger/init(label:)`` reads
/// the sink bootstrapped here; before the bootstrap it gets a sink that refuses every event with an
/// error saying so, never one that drops events silently.
///
/// ```swift
/// AuditLoggingSystem.bootstrap(system.sink)
/// let audit = AuditLogger(label: "shop")
/// ```
public enum AuditLoggingSystem {
    private static let state = Mutex<(any AuditEventSink)?>(nil)

    /// Sets the default sink. A second call replaces the first (tests may rebootstrap).
    public static func bootstrap(_ sink: any AuditEventSink) {
        state.withLock { $0 = sink }
    }

    /// The bootstrapped sink, or one that refuses every event until the bootstrap.
    public static var sink: any AuditEventSink {
        state.withLock { $0 } ?? Unbootstrapped()
    }

    private struct Unbootstrapped: AuditEventSink {
        var error: AuditTrailError {
            AuditTrailError(.storeFailure, "no audit sink: call AuditLoggingSystem.bootstrap(_:) at start-up")
        }
        func enqueue(_ input: AuditEventInput) throws(AuditTrailError) { throw error }
        func write(_ input: AuditEventInput) async throws { throw error }
    }
}
