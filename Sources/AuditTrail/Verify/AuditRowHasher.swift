/// Verifies stored rows as a store reads them, straight from the store's buffers: the chain
/// hash and the Merkle leaf hash of each row, with no copy of its bytes. `verifyLog` runs two at
/// once on two threads, one per half of a page: the second starts from the stored hash of the
/// first half's last row (which the first half verifies), so both cores hash.
///
/// A store's ``AuditCheckpointStore/hashRows(after:through:leavesBefore:into:)`` feeds it the rows
/// in seq order with ``add(seq:canonical:hash:)`` and the stored subtree hashes of their leaves.
///
/// ```swift
/// var hasher = AuditRowHasher(after: chain, through: 20_000)
/// for row in rows where hasher.add(seq: row.seq, canonical: row.bytes, hash: row.hash) {}
/// hasher.finish()
/// ```
///
/// **Access.** What an app developer uses is `public`: the event model, stores' reads,
/// checkpoints, proofs, ``AuditHash``, `verifyLog` and the export verifier. What only a store
/// implementation and this package's modules need is `package` (``AuditSealer``,
/// ``AuditChainRewriter``, the pointer-level hashing functions, ``AuditCheckpointQueue``): every
/// store lives in this package. This type and ``AuditStoredLevel`` are the exception: the public
/// protocol ``AuditCheckpointStore`` names them in a requirement, which cannot be `package`, so
/// they are `@_spi(AuditStoreImplementation)` — a store, the conformance suite and tests reach
/// them with `@_spi(AuditStoreImplementation) import AuditTrail`; an app never sees them.
@_spi(AuditStoreImplementation)
public struct AuditRowHasher: Sendable {
    /// The chain after the rows verified so far; nil until a hasher started at a row has seen it.
    public private(set) var chain: AuditChainVerifier?
    /// The first problem.
    public private(set) var problem: AuditChainVerifier.Problem?
    /// The rows' Merkle leaf hashes, 32 bytes per verified row.
    public private(set) var leaves: [UInt8] = []
    /// The stored subtree hashes completed by the rows' leaves, lowest level first (set by the store).
    public var levels: [AuditStoredLevel] = []
    /// The last seq the rows should reach.
    public let last: Int64
    /// A hasher that takes its first row only as the start of the chain (not verified here).
    private let startSeq: Int64?
    /// The stored hash of the last row verified (or of the start row).
    private var previous = AuditHash.zero
    private var head: Int64
    private var verified = 0

    /// Rows after `chain`'s head, through seq `last`.
    public init(after chain: AuditChainVerifier, through last: Int64, expectedRows: Int = 0) {
        self.chain = chain
        self.last = last
        startSeq = nil
        head = chain.head.seq
        previous = chain.head.hash
        leaves.reserveCapacity(AuditHash.byteCount * expectedRows)
    }

    /// Rows from seq `start` through `last`: the row `start` is only where the chain goes on from.
    public init(startingAt start: Int64, through last: Int64, expectedRows: Int = 0) {
        self.last = last
        startSeq = start
        head = start
        leaves.reserveCapacity(AuditHash.byteCount * expectedRows)
    }

    /// Checks the next row; false once a problem was found (the rest need not be read).
    public mutating func add(seq: Int64, canonical: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) -> Bool {
        guard problem == nil else { return false }
        if chain == nil, let startSeq {
            guard seq == startSeq, hash.count == AuditHash.byteCount else {
                problem = .init(seq: startSeq, kind: .missing, detail: "row \(startSeq) is absent")
                return false
            }
            previous = AuditHash(hash.baseAddress!)
            chain = AuditChainVerifier(start: AuditChainHead(seq: seq, hash: previous))
            return true
        }
        var found: AuditChainVerifier.Problem?
        withUnsafeTemporaryAllocation(byteCount: 2 * AuditHash.byteCount, alignment: 8) { scratch in
            let leaf = scratch.baseAddress!
            found = previous.withUnsafeBytes { previous in
                AuditChainVerifier.problem(
                    seq: seq,
                    after: head,
                    previous: previous,
                    canonical: canonical,
                    stored: hash,
                    format: .current,
                    leaf: leaf,
                    scratch: leaf + AuditHash.byteCount
                )
            }
            guard found == nil else { return }
            leaves.append(contentsOf: UnsafeRawBufferPointer(start: leaf, count: AuditHash.byteCount))
        }
        if let found {
            problem = found
            return false
        }
        // The problem check passed, so the stored hash is 32 bytes.
        previous = AuditHash(hash.baseAddress!)
        head = seq
        verified += 1
        return true
    }

    /// After the last row read: rows missing at the end of the range are a problem, and the
    /// chain moves to the last verified row.
    public mutating func finish() {
        if problem == nil, head < last {
            problem = .init(seq: head + 1, kind: .missing, detail: "rows \(head + 1)…\(last) are absent")
        }
        if chain == nil, let startSeq, problem == nil {
            problem = .init(seq: startSeq, kind: .missing, detail: "row \(startSeq) is absent")
        }
        if verified > 0 { chain?.advance(seq: head, hash: previous, rows: verified) }
        verified = 0
    }

    /// The first half followed by the second: one walk, the first problem in seq order.
    static func joined(_ first: AuditRowHasher, _ second: AuditRowHasher?) -> AuditRowHasher {
        var result = first
        guard result.problem == nil, let second else { return result }
        if let chain = second.chain { result.chain?.advance(to: chain) }
        result.problem = second.problem
        result.leaves += second.leaves
        for level in second.levels {
            if let index = result.levels.firstIndex(where: { $0.level == level.level }) {
                result.levels[index].indices += level.indices
                result.levels[index].hashes += level.hashes
            } else {
                result.levels.append(level)
            }
        }
        result.levels.sort { $0.level < $1.level }
        return result
    }
}
