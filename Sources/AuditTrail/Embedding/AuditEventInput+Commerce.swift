/// Typed helpers for purchases, refunds and subscriptions. Amounts are integers in the currency's
/// minor unit (cents), never floating point; purchase events carry the `PCI-DSS` compliance label.
///
/// ```swift
/// audit.record(.purchase(by: user, amountMinorUnits: 1999, currency: "EUR", product: "pro-annual", transactionID: "tx_81"))
/// audit.record(.subscription(.cancelled, "sub_12", plan: "pro", by: user))
/// ```
extension AuditEventInput {
    /// `billing.purchase.completed`, or `billing.purchase.failed` (outcome failure).
    public static func purchase(
        by actor: AuditEvent.Actor? = nil,
        amountMinorUnits: Int64,
        currency: String,
        product: String,
        transactionID: String,
        succeeded: Bool = true
    ) -> AuditEventInput {
        AuditEventInput(
            action: succeeded ? "billing.purchase.completed" : "billing.purchase.failed",
            outcome: succeeded ? .success : .failure,
            actor: actor,
            resource: .init(type: "transaction", id: transactionID),
            compliance: ["PCI-DSS"],
            metadata: ["amount_minor": .int(amountMinorUnits), "currency": .string(currency), "product": .string(product)]
        )
    }

    /// `billing.refund.issued` for transaction `transactionID`.
    public static func refund(
        of transactionID: String,
        by actor: AuditEvent.Actor? = nil,
        amountMinorUnits: Int64,
        currency: String,
        reason: String? = nil
    ) -> AuditEventInput {
        var metadata: [String: JSONValue] = ["amount_minor": .int(amountMinorUnits), "currency": .string(currency)]
        if let reason { metadata["reason"] = .string(reason) }
        return AuditEventInput(
            action: "billing.refund.issued",
            actor: actor,
            resource: .init(type: "transaction", id: transactionID),
            compliance: ["PCI-DSS"],
            metadata: .object(metadata)
        )
    }

    /// `billing.subscription.<change>` for subscription `subscriptionID` on `plan`.
    public static func subscription(
        _ change: AuditSubscriptionChange,
        _ subscriptionID: String,
        plan: String? = nil,
        by actor: AuditEvent.Actor? = nil
    ) -> AuditEventInput {
        AuditEventInput(
            action: "billing.subscription." + change.name,
            actor: actor,
            resource: .init(type: "subscription", id: subscriptionID),
            metadata: .fields(["plan": plan])
        )
    }
}

/// What happened to a subscription: the last segment of its `billing.subscription.*` action.
public struct AuditSubscriptionChange: Sendable, Hashable {
    /// The action's last segment.
    public let name: String
    /// A change of the app's own, e.g. `"paused"`.
    public init(_ name: String) { self.name = name }
    /// `billing.subscription.created`.
    public static let created = AuditSubscriptionChange("created")
    /// `billing.subscription.updated` (plan or seats changed).
    public static let updated = AuditSubscriptionChange("updated")
    /// `billing.subscription.renewed`.
    public static let renewed = AuditSubscriptionChange("renewed")
    /// `billing.subscription.cancelled`.
    public static let cancelled = AuditSubscriptionChange("cancelled")
}
