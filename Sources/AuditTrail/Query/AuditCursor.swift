/// An opaque page cursor: the last seq of the previous page.
public struct AuditCursor: Sendable, Hashable {
    public var afterSeq: Int64
    public init(afterSeq: Int64) { self.afterSeq = afterSeq }

    /// The opaque text form (`c` + base-36 seq).
    public var token: String { "c" + String(afterSeq, radix: 36) }

    public init?(token: String) {
        guard token.first == "c", let seq = Int64(token.dropFirst(), radix: 36), seq >= 0 else { return nil }
        self.afterSeq = seq
    }
}
