/// The outcome of verifying a daily JSONL log directory (``AuditJSONLVerifier``).
///
/// ```swift
/// let result = try AuditJSONLVerifier.verify(directory: "audit")
/// print(result.ok, result.checked, result.head.seq)
/// ```
public struct AuditJSONLVerification: Sendable, Hashable {
    /// Day files walked.
    public var files: Int
    /// Events whose chain hash verified (all of them when ok).
    public var checked: Int64
    /// The last verified seq and chain hash: keep it to detect a later cut-off end.
    public var head: AuditChainHead
    /// Bytes of a torn last line at the end of the newest file (never acknowledged), 0 if none.
    public var tornBytes: Int
    /// The first problem: the first bad seq and what is wrong.
    public var problem: AuditChainVerifier.Problem?
    /// The day file the problem is in.
    public var problemFile: String?
    /// The line (from 1) the problem is on, in ``problemFile``.
    public var problemLine: Int?

    /// Whether the log verified: no problem was found.
    public var ok: Bool { problem == nil }

    /// A result; see the properties.
    public init(
        files: Int,
        checked: Int64,
        head: AuditChainHead,
        tornBytes: Int,
        problem: AuditChainVerifier.Problem?,
        problemFile: String?,
        problemLine: Int?
    ) {
        self.files = files
        self.checked = checked
        self.head = head
        self.tornBytes = tornBytes
        self.problem = problem
        self.problemFile = problemFile
        self.problemLine = problemLine
    }
}
