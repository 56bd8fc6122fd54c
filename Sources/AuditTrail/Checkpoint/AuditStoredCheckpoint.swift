/// A signed tree head as a store keeps it: the parsed fields and the whole signed note.
public struct AuditStoredCheckpoint: Sendable, Hashable {
    /// The number of events (leaves) the checkpoint covers: seqs `1 ... treeSize`.
    public var treeSize: Int64
    /// The RFC 6962 root of the first ``treeSize`` leaves.
    public var rootHash: AuditHash
    /// When it was signed.
    public var time: AuditTime
    /// The C2SP signed note (``AuditCheckpoint/signedNote(signer:)``), verbatim.
    public var note: String

    public init(treeSize: Int64, rootHash: AuditHash, time: AuditTime, note: String) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.time = time
        self.note = note
    }
}
