/// The risk scorer's verdict on one event: a score from 0 to 100 and the reasons behind it.
///
/// ``apply(to:)`` writes it into an event: `risk_score` (unless the producer set one) and one tag
/// `risk:<reason>` per reason. Tags, not metadata, because tags are indexed: `GET /v1/events?tag=
/// risk:new_ip`, `q=tag:risk:failure_burst` and `/v1/stats?group_by=tag` find them exactly, while a
/// metadata array is reached only by free-text search.
///
/// ```swift
/// var input = AuditEventInput(action: "auth.login", outcome: .failure, actor: .init(id: "u-7"))
/// scorer.assess(input).apply(to: &input)   // risk_score 20, tags ["risk:failure"]
/// ```
public struct AuditRiskAssessment: Sendable, Hashable {
    /// 0 (nothing unusual) to 100: the sum of the reasons' weights, capped at 100.
    public var score: Int
    /// The reasons, in the order of ``AuditRiskReason/all``.
    public var reasons: [AuditRiskReason]

    /// The prefix of risk tags.
    public static let tagPrefix = "risk:"

    /// An assessment with this score (clamped to 0...100) and these reasons.
    public init(score: Int, reasons: [AuditRiskReason]) {
        self.score = min(100, max(0, score))
        self.reasons = reasons
    }

    /// Sets `risk_score` when the event has none, and adds a `risk:<reason>` tag per reason that is
    /// not already there. A producer's own score is kept: it knows more than the scorer.
    public func apply(to input: inout AuditEventInput) {
        if input.riskScore == nil { input.riskScore = score }
        guard !reasons.isEmpty else { return }
        input.tags.reserveCapacity(input.tags.count + reasons.count)
        for reason in reasons {
            let tag = reason.tag
            if !input.tags.contains(tag) { input.tags.append(tag) }
        }
    }
}
