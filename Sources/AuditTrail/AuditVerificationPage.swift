/// One page of stored rows and the stored Merkle subtree hashes their leaves completed, laid out
/// for verification: every row's canonical bytes in one buffer, every 32-byte hash in another,
/// each level's subtree hashes in one more — a handful of allocations per page instead of three
/// per row, so that a verifier's time goes to hashing, not to the allocator.
///
/// ``AuditCheckpointStore/verificationPage(after:through:limit:leavesBefore:)`` fills it; its
/// default builds it from ``AuditStoreReader/rows(after:limit:)`` and
/// ``AuditCheckpointStore/merkleNodes(completedBy:)``, a store may fill it straight from its rows.
///
/// ```swift
/// let page = try await store.verificationPage(after: 0, through: head.seq, limit: 10_000, leavesBefore: 0)
/// for row in 0..<page.count { page.withCanonical(row) { bytes in /* … */ } }
/// ```
public struct AuditVerificationPage: Sendable {
    /// The stored subtree hashes of one level, in index order.
    public struct Level: Sendable {
        public var level: Int
        /// The stored indices, ascending (a gap means a missing node).
        public var indices: [Int64] = []
        /// 32 bytes per index, in the same order.
        public var hashes: [UInt8] = []

        public init(level: Int) { self.level = level }

        /// Adds one stored node; a hash that is not 32 bytes is kept as 32 zero bytes, which no
        /// SHA-256 output equals, so it reads as a node that differs.
        public mutating func append(index: Int64, hash: UnsafeRawBufferPointer) {
            indices.append(index)
            AuditVerificationPage.appendHash(hash, to: &hashes)
        }
    }

    /// The rows' seqs, ascending as stored.
    public private(set) var seqs: [Int64] = []
    /// The rows' canonical bytes, one after another.
    public private(set) var canonical: [UInt8] = []
    /// Where each row's canonical bytes end in ``canonical``.
    public private(set) var canonicalEnds: [Int] = []
    /// The rows' stored chain hashes, 32 bytes each.
    public private(set) var hashes: [UInt8] = []
    /// The stored subtree hashes completed by the page's leaves, lowest level first.
    public var levels: [Level] = []

    public init(expectedRows: Int = 0, expectedBytes: Int = 0) {
        seqs.reserveCapacity(expectedRows)
        canonicalEnds.reserveCapacity(expectedRows)
        hashes.reserveCapacity(32 * expectedRows)
        canonical.reserveCapacity(expectedBytes)
    }

    /// The number of rows.
    public var count: Int { seqs.count }

    /// Adds one stored row (a chain hash that is not 32 bytes is kept as 32 zero bytes).
    public mutating func append(seq: Int64, canonical bytes: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        seqs.append(seq)
        canonical.append(contentsOf: bytes)
        canonicalEnds.append(canonical.count)
        Self.appendHash(hash, to: &hashes)
    }

    /// The byte range of row `row`'s canonical bytes in ``canonical``.
    public func canonicalRange(_ row: Int) -> Range<Int> {
        (row == 0 ? 0 : canonicalEnds[row - 1])..<canonicalEnds[row]
    }

    /// Row `row` as a stored event (for the paths that report a problem or need the bytes).
    public func storedEvent(_ row: Int) -> AuditStoredEvent {
        AuditStoredEvent(seq: seqs[row], id: "", canonical: Array(canonical[canonicalRange(row)]), hash: chainHead(at: row).hash)
    }

    /// Row `row`'s seq and stored chain hash.
    public func chainHead(at row: Int) -> AuditChainHead {
        AuditChainHead(seq: seqs[row], hash: Array(hashes[(32 * row)..<(32 * row + 32)]))
    }

    static func appendHash(_ hash: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        if hash.count == AuditMerkle.hashSize {
            buffer.append(contentsOf: hash)
        } else {
            buffer.append(contentsOf: repeatElement(0, count: AuditMerkle.hashSize))
        }
    }

    /// Per level, the index range of the subtrees whose last leaf is in `leaves`: node `(l, i)` is
    /// completed by leaf `(i + 1)·2^l − 1`. What a store reads for a page, lowest level first.
    public static func levelRanges(completedBy leaves: Range<Int64>) -> [(level: Int, indices: ClosedRange<Int64>)] {
        guard !leaves.isEmpty, leaves.lowerBound >= 0 else { return [] }
        var ranges: [(level: Int, indices: ClosedRange<Int64>)] = []
        var level = 0
        while level < 63, leaves.upperBound >> level >= 1 {
            let first = ((leaves.lowerBound + 1) + (Int64(1) << level) - 1) >> level - 1
            let last = leaves.upperBound >> level - 1
            if first <= last { ranges.append((level, first...last)) }
            level += 1
        }
        return ranges
    }
}

extension AuditCheckpointStore {
    /// The default job: ``AuditStoreReader/rows(after:limit:)`` and ``merkleNodes(completedBy:)``.
    public func hashRows(after afterSeq: Int64, through last: Int64, leavesBefore: Int64, into hasher: AuditRowHasher) async throws
        -> AuditRowHasher {
        var hasher = hasher
        guard afterSeq < last else { hasher.finish(); return hasher }
        for row in try await rows(after: afterSeq, limit: Int(last - afterSeq)) where row.seq <= last {
            let more = row.canonical.withUnsafeBytes { canonical in
                row.hash.withUnsafeBytes { hasher.add(seq: row.seq, canonical: canonical, hash: $0) }
            }
            if !more { break }
        }
        hasher.finish()
        hasher.levels = try await Self.levels(of: merkleNodes(completedBy: leavesBefore..<(leavesBefore + Int64(hasher.leaves.count / 32))))
        return hasher
    }

    /// Nodes grouped by level, each level in index order, lowest level first.
    static func levels(of nodes: [AuditMerkleNode]) -> [AuditVerificationPage.Level] {
        var byLevel: [Int: AuditVerificationPage.Level] = [:]
        for node in nodes.sorted(by: { $0.id.level != $1.id.level ? $0.id.level < $1.id.level : $0.id.index < $1.id.index }) {
            node.hash.withUnsafeBytes { byLevel[node.id.level, default: .init(level: node.id.level)].append(index: node.id.index, hash: $0) }
        }
        return byLevel.keys.sorted().compactMap { byLevel[$0] }
    }

    /// The default page: ``AuditStoreReader/rows(after:limit:)`` (rows past `last` dropped) and
    /// ``merkleNodes(completedBy:)`` for the leaves `leavesBefore ..< leavesBefore + rows`.
    public func verificationPage(after seq: Int64, through last: Int64, limit: Int, leavesBefore: Int64) async throws
        -> AuditVerificationPage {
        let rows = try await self.rows(after: seq, limit: limit).filter { $0.seq <= last }
        var page = AuditVerificationPage(expectedRows: rows.count)
        for row in rows {
            row.canonical.withUnsafeBytes { canonical in
                row.hash.withUnsafeBytes { page.append(seq: row.seq, canonical: canonical, hash: $0) }
            }
        }
        let leaves = leavesBefore..<(leavesBefore + Int64(rows.count))
        var byLevel: [Int: AuditVerificationPage.Level] = [:]
        let nodes = try await merkleNodes(completedBy: leaves).sorted {
            $0.id.level != $1.id.level ? $0.id.level < $1.id.level : $0.id.index < $1.id.index
        }
        for node in nodes {
            node.hash.withUnsafeBytes { byLevel[node.id.level, default: .init(level: node.id.level)].append(index: node.id.index, hash: $0) }
        }
        page.levels = byLevel.keys.sorted().compactMap { byLevel[$0] }
        return page
    }
}
