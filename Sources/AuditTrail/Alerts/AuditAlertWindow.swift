/// One rule's memory of the events it matched, fed in seq order: per group, the hits inside the
/// window (at most `threshold` of them — older ones cannot change a decision) and when the group
/// last fired; for a `new_value` rule, the values each group was seen with. Bounded: at most
/// ``maxGroups`` groups (stale ones are dropped first; past that a new group is not tracked
/// until room frees up) and ``maxValues`` values per group.
///
/// ```swift
/// var window = AuditAlertWindow(rule: rule)
/// if let firing = window.add(seq: 42, receivedAt: event.receivedAt, event: event) { record(firing) }
/// ```
public struct AuditAlertWindow: Sendable {
    /// What made a rule fire.
    public struct Firing: Sendable, Hashable {
        /// The group's value (`203.0.113.9` for a rule grouped by `actor.ip`).
        public var group: String
        /// The triggering events' seqs, oldest first.
        public var seqs: [Int64]
        /// When the first and the last of them were received.
        public var firstAt: AuditTime
        public var lastAt: AuditTime
        /// A `new_value` rule's new value.
        public var value: String?
    }

    struct Hit: Sendable {
        var seq: Int64
        var at: Int64
    }

    public let rule: AuditAlertRule
    var hits: [String: [Hit]] = [:]
    /// Per group, when it last fired (milliseconds).
    var fired: [String: Int64] = [:]
    var seen: [String: Set<String>] = [:]

    /// Most groups followed at once.
    public static let maxGroups = 100_000
    /// Most values remembered per group of a `new_value` rule.
    public static let maxValues = 1000

    public init(rule: AuditAlertRule) {
        self.rule = rule
    }

    var windowMilliseconds: Int64 { Int64(rule.windowSeconds) * 1000 }

    /// Adds one matching event (in seq order); the firing it causes, if any. `quiet`: the event is
    /// replayed to rebuild the window after a restart and must not fire.
    public mutating func add(_ event: AuditEvent, quiet: Bool = false) -> Firing? {
        guard let group = rule.groupBy.value(in: event) else { return nil }
        let at = event.receivedAt.milliseconds
        switch rule.kind {
        case .newValue:
            guard let field = rule.valueField, let value = field.value(in: event) else { return nil }
            guard var values = seen[group] else {
                // The group's first event is its baseline.
                if seen.count < Self.maxGroups { seen[group] = [value] }
                return nil
            }
            guard !values.contains(value) else { return nil }
            if values.count < Self.maxValues { values.insert(value) }
            seen[group] = values
            guard !quiet else { return nil }
            return Firing(group: group, seqs: [event.seq], firstAt: event.receivedAt, lastAt: event.receivedAt, value: value)
        case .threshold:
            if hits[group] == nil, hits.count >= Self.maxGroups { prune(now: at) }
            guard hits[group] != nil || hits.count < Self.maxGroups else { return nil }
            var list = hits[group] ?? []
            list.append(Hit(seq: event.seq, at: at))
            list.removeAll { at - $0.at >= windowMilliseconds }
            if list.count > rule.threshold { list.removeFirst(list.count - rule.threshold) }
            if list.count >= rule.threshold, fired[group].map({ at - $0 >= windowMilliseconds }) ?? true {
                hits[group] = nil
                fired[group] = at
                guard !quiet else { return nil }
                return Firing(
                    group: group,
                    seqs: list.map(\.seq),
                    firstAt: AuditTime(milliseconds: list.first?.at ?? at),
                    lastAt: AuditTime(milliseconds: at)
                )
            }
            hits[group] = list
            return nil
        }
    }

    /// Drops the groups with no hit and no firing inside the window before `now`.
    mutating func prune(now: Int64) {
        hits = hits.filter { _, list in list.contains { now - $0.at < windowMilliseconds } }
        fired = fired.filter { now - $0.value < windowMilliseconds }
    }

    /// The groups that fired within the window before `now` (milliseconds), to keep across a restart.
    public func recentFirings(now: AuditTime) -> [String: Int64] {
        fired.filter { now.milliseconds - $0.value < windowMilliseconds }
    }

    /// Restores firings kept across a restart, so a group does not fire twice in one window.
    public mutating func restore(firings: [String: Int64]) {
        for (group, at) in firings { fired[group] = max(fired[group] ?? 0, at) }
    }
}
