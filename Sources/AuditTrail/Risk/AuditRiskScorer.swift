import Synchronization

/// Scores events from 0 to 100 with the signals the Python systems used: a sensitive endpoint or
/// resource, a failure, a denial, an admin action, an unusual hour, a new IP for a known actor and
/// a burst of failures by an actor or from an IP.
///
/// Deterministic: the same events in the same order at the same times give the same scores. The
/// memory behind the last two signals is bounded (an LRU of ``Configuration/maxActors`` actors with
/// ``Configuration/ipsPerActor`` IPs each, and LRUs of actors and IPs with their last
/// ``Configuration/burstThreshold`` failure times), and lives in one `Mutex`: each assessment costs
/// a few dictionary look-ups and no formatting. The first event of an actor sets its baseline and
/// is not a new IP. State is per process: a restart forgets it.
///
/// ```swift
/// let scorer = AuditRiskScorer()
/// var input = AuditEventInput(action: "auth.login", outcome: .failure,
///                             actor: .init(id: "u-7", ip: "203.0.113.9"))
/// scorer.assess(input).apply(to: &input)   // risk_score and risk:<reason> tags
/// ```
public final class AuditRiskScorer: Sendable {
    private struct State {
        var actorIPs: AuditLRUCache<String, [String]>
        var actorFailures: AuditLRUCache<String, [Int64]>
        var ipFailures: AuditLRUCache<String, [Int64]>
    }

    /// The configuration it was made with.
    public let configuration: Configuration
    private let state: Mutex<State>
    /// The path and action prefixes as UTF-8, compiled once: they are matched for every event.
    private let pathPrefixes: [[UInt8]]
    private let adminPrefixes: [[UInt8]]

    /// A scorer with this configuration (defaults: ``Configuration/init()``).
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        self.pathPrefixes = configuration.sensitivePathPrefixes.map { Array($0.utf8) }
        self.adminPrefixes = configuration.adminActionPrefixes.map { Array($0.utf8) }
        self.state = Mutex(
            State(
                actorIPs: AuditLRUCache(capacity: configuration.maxActors),
                actorFailures: AuditLRUCache(capacity: configuration.maxBurstKeys),
                ipFailures: AuditLRUCache(capacity: configuration.maxBurstKeys)
            )
        )
    }

    /// Scores `input` and remembers its actor, IP and outcome for the events that follow.
    ///
    /// - Parameters:
    ///   - input: the event; its `time` (else `now`) is the time of day judged and remembered.
    ///   - sensitive: the caller already knows the endpoint is sensitive (the middleware's own
    ///     path patterns); otherwise the path and resource type are checked against the configuration.
    ///   - now: the time used when the event has none.
    public func assess(_ input: AuditEventInput, sensitive: Bool = false, now: AuditTime = .now()) -> AuditRiskAssessment {
        let weights = configuration.weights
        let time = (input.time ?? now).milliseconds
        var score = 0
        var reasons: [AuditRiskReason] = []
        func add(_ reason: AuditRiskReason, _ weight: Int) {
            reasons.append(reason)
            score += weight
        }
        if sensitive || isSensitive(path: input.request?.path) || isSensitive(resourceType: input.resource?.type) {
            add(.sensitiveEndpoint, weights.sensitiveEndpoint)
        }
        let outcome = input.outcome ?? .success
        if outcome == .failure { add(.failure, weights.failure) }
        if outcome == .denied { add(.denied, weights.denied) }
        if isAdmin(action: input.action) { add(.adminAction, weights.adminAction) }
        if isUnusual(milliseconds: time) { add(.unusualHour, weights.unusualHour) }
        let (newIP, burst) = remember(
            actor: input.actor?.id,
            ip: input.actor?.ip,
            failed: outcome != .success,
            at: time
        )
        if newIP { add(.newIP, weights.newIP) }
        if burst { add(.failureBurst, weights.failureBurst) }
        return AuditRiskAssessment(score: score, reasons: reasons)
    }

    /// How many actors (with their IPs) and failure histories are remembered: each at most its
    /// configured bound.
    var memoryCounts: (actors: Int, actorFailures: Int, ipFailures: Int) {
        state.withLock { ($0.actorIPs.count, $0.actorFailures.count, $0.ipFailures.count) }
    }

    /// Whether `path` (query string ignored) starts with a sensitive prefix at a segment boundary.
    public func isSensitive(path: String?) -> Bool {
        guard let path else { return false }
        let bare = path.utf8.firstIndex(of: UInt8(ascii: "?")).map { path.utf8[..<$0] } ?? path.utf8[...]
        for prefix in pathPrefixes where bare.starts(with: prefix) {
            let rest = bare.dropFirst(prefix.count)
            if rest.isEmpty || rest.first == UInt8(ascii: "/") || prefix.last == UInt8(ascii: "/") { return true }
        }
        return false
    }

    private func isSensitive(resourceType: String?) -> Bool {
        resourceType.map { configuration.sensitiveResourceTypes.contains($0) } ?? false
    }

    private func isAdmin(action: String) -> Bool {
        adminPrefixes.contains { action.utf8.starts(with: $0) }
    }

    /// Whether the local time of `milliseconds` falls outside business hours or days.
    func isUnusual(milliseconds: Int64) -> Bool {
        let day: Int64 = 86_400_000
        let local = milliseconds + Int64(configuration.utcOffsetMinutes) * 60_000
        let days = local >= 0 ? local / day : (local - day + 1) / day
        let hour = Int((local - days * day) / 3_600_000)
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = Int(((days % 7) + 7 + 3) % 7) + 1
        return !configuration.businessHours.contains(hour) || !configuration.businessDays.contains(weekday)
    }

    /// Records the event in the bounded history; returns whether its IP is new for a known actor
    /// and whether its actor or IP is in a failure burst.
    private func remember(actor: String?, ip: String?, failed: Bool, at time: Int64) -> (newIP: Bool, burst: Bool) {
        let configuration = configuration
        let threshold = max(1, configuration.burstThreshold)
        let windowStart = time - configuration.burstWindowMilliseconds
        // Appends this failure (keeping the last `threshold`), then counts those inside the window.
        func failures(_ times: inout [Int64]) -> Int {
            if failed {
                if times.count == threshold { times.removeFirst() }
                times.append(time)
            }
            return times.reduce(0) { $0 + ($1 > windowStart && $1 <= time ? 1 : 0) }
        }
        return state.withLock { state in
            var newIP = false
            var burst = false
            if let actor, let ip {
                let (isNew, existed) = state.actorIPs.update(actor, default: []) { ips -> Bool in
                    guard !ips.contains(ip) else { return false }
                    if ips.count >= max(1, configuration.ipsPerActor) { ips.removeFirst() }
                    ips.append(ip)
                    return true
                }
                newIP = existed && isNew
            }
            if let actor, failed || state.actorFailures.peek(actor) != nil {
                burst = state.actorFailures.update(actor, default: [], failures).result >= threshold
            }
            if let ip, failed || state.ipFailures.peek(ip) != nil {
                burst = state.ipFailures.update(ip, default: [], failures).result >= threshold || burst
            }
            return (newIP, burst)
        }
    }
}
