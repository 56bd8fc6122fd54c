/// The outcome of verifying a log.
public struct AuditVerification: Sendable, Hashable {
    public var ok: Bool { problem == nil }
    public var checked: Int64
    public var head: AuditChainHead
    public var problem: AuditChainVerifier.Problem?
    public init(checked: Int64, head: AuditChainHead, problem: AuditChainVerifier.Problem?) {
        self.checked = checked
        self.head = head
        self.problem = problem
    }
}
