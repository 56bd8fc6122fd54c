/// What a query means for one event, written plainly over the decoded event: the definition the
/// index's answers are checked against, and the check the index runs itself on the candidates it
/// can only narrow down (a phrase, whose words it finds but not their order).
///
/// Free text (`q`'s bare and quoted words) matches words, not substrings: the words of the term
/// (``AuditTokenizer``) must appear one after another in one text field (description, comment, or
/// one metadata value; ``AuditIndexTerms/forEachTextField(of:_:)``); `invoi*` matches any word
/// that starts with `invoi` as the term's last word.
///
/// ```swift
/// let matching = events.filter { AuditEventMatcher.matches(query, $0) }
/// ```
public enum AuditEventMatcher {
    /// Whether `event` passes every filter of `query` (cursor, limit and order aside).
    public static func matches(_ query: AuditQuery, _ event: AuditEvent) -> Bool {
        if let visible = query.visibleActor, !same(event.actor?.id, visible) { return false }
        if let action = query.action, !action.matches(event.action) { return false }
        if let category = query.category, !same(event.category, category) { return false }
        if let actor = query.actor, !same(event.actor?.id, actor) { return false }
        if let name = query.actorName, !same(event.actor?.name, name) { return false }
        if let type = query.resourceType, !same(event.resource?.type, type) { return false }
        if let id = query.resourceID, !same(event.resource?.id, id) { return false }
        if let outcome = query.outcome, event.outcome != outcome { return false }
        if let severity = query.severity, event.severity != severity { return false }
        if let minimum = query.minSeverity, event.severity < minimum { return false }
        if let cidr = query.ip, !ipMatches(cidr, event) { return false }
        if let correlation = query.correlationID, !same(event.request?.correlationID, correlation) { return false }
        if let tag = query.tag, !event.tags.contains(where: { same($0, tag) }) { return false }
        if let since = query.since, event.time < since { return false }
        if let until = query.until, event.time >= until { return false }
        if let search = query.search, !matches(search, event) { return false }
        return true
    }

    /// Whether `event` satisfies a search expression.
    public static func matches(_ expression: AuditSearchExpression, _ event: AuditEvent) -> Bool {
        switch expression {
        case .and(let parts): return parts.allSatisfy { matches($0, event) }
        case .or(let parts): return parts.contains { matches($0, event) }
        case .not(let inner): return !matches(inner, event)
        case .term(let term): return matches(term, event)
        }
    }

    /// Whether `event` satisfies one term.
    public static func matches(_ term: AuditSearchTerm, _ event: AuditEvent) -> Bool {
        switch term {
        case .action(let match): return match.matches(event.action)
        case .category(let value): return same(event.category, value)
        case .actor(let value): return same(event.actor?.id, value)
        case .actorName(let value): return same(event.actor?.name, value)
        case .actorType(let value): return same(event.actor?.type, value)
        case .resourceType(let value): return same(event.resource?.type, value)
        case .resourceID(let value): return same(event.resource?.id, value)
        case .outcome(let value): return event.outcome == value
        case .severity(let op, let value): return op.holds(Int64(event.severity.level), Int64(value.level))
        case .time(let op, let value): return op.holds(event.time.milliseconds, value.milliseconds)
        case .ip(let cidr): return ipMatches(cidr, event)
        case .tag(let value): return event.tags.contains { same($0, value) }
        case .compliance(let value): return event.compliance.contains { same($0, value) }
        case .correlationID(let value): return same(event.request?.correlationID, value)
        case .country(let value): return same(event.location?.country, value.uppercased())
        case .riskScore(let op, let value):
            guard let risk = event.riskScore else { return false }
            return op.holds(Int64(risk), Int64(value))
        case .text(let text): return containsPhrase(AuditTokenizer.words(text), prefix: false, event)
        case .textPrefix(let text): return containsPhrase(AuditTokenizer.words(text), prefix: true, event)
        }
    }

    /// Whether `words` follow one another in one text field of `event`, the last one as a word's
    /// beginning when `prefix` is set. No words match nothing.
    static func containsPhrase(_ words: [String], prefix: Bool, _ event: AuditEvent) -> Bool {
        guard !words.isEmpty else { return false }
        var found = false
        AuditIndexTerms.forEachTextField(of: event) { field in
            guard !found else { return }
            let fieldWords = AuditTokenizer.words(field)
            guard fieldWords.count >= words.count else { return }
            for start in 0...(fieldWords.count - words.count) {
                var all = true
                for (index, word) in words.enumerated() {
                    let candidate = fieldWords[start + index]
                    let last = index == words.count - 1
                    if !(same(candidate, word) || (prefix && last && candidate.utf8.starts(with: word.utf8))) {
                        all = false
                        break
                    }
                }
                if all {
                    found = true
                    return
                }
            }
        }
        return found
    }

    /// Byte-for-byte equality of UTF-8, as the stores compare text (Swift's `==` would also
    /// equate canonically equivalent spellings, which a database does not).
    static func same(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        return a.utf8.elementsEqual(b.utf8)
    }

    static func ipMatches(_ cidr: AuditCIDR, _ event: AuditEvent) -> Bool {
        guard let text = event.actor?.ip, let ip = AuditIPAddress(text) else { return false }
        return cidr.contains(ip)
    }
}
