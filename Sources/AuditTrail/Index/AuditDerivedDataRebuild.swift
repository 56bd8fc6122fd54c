/// What a rebuild of a store's derived data did (``AuditDerivedDataStore/rebuildDerivedData(progress:)``,
/// `audittrail reindex`).
public struct AuditDerivedDataRebuild: Sendable, Hashable {
    /// Rows whose copies of their fields were rewritten from their canonical bytes.
    public var rowsRepaired: Int
    /// Rows whose copies differ from their canonical bytes and that the store left as they are:
    /// a store whose tables refuse every `UPDATE` (PostgreSQL's) reports them, and
    /// `verify --indexes` names the first.
    public var rowsLeft: Int
    /// Actions whose count was corrected.
    public var actionCountsRepaired: Int
    /// Index chunks built from the events.
    public var chunksBuilt: Int

    public init(rowsRepaired: Int, rowsLeft: Int = 0, actionCountsRepaired: Int, chunksBuilt: Int) {
        self.rowsRepaired = rowsRepaired
        self.rowsLeft = rowsLeft
        self.actionCountsRepaired = actionCountsRepaired
        self.chunksBuilt = chunksBuilt
    }
}
