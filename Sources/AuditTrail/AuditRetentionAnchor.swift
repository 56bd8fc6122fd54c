/// What the log keeps of a removed prefix: the last removed seq, its chain hash and receipt time,
/// and the Merkle subtree hashes covering the removed leaves `0 ..< seq` (the compact range that
/// ``AuditMerkleTreeBuilder/frontierNodes(size:)`` lists for tree size `seq`).
///
/// Verification starts from the newest anchor: the chain at `hash(seq)` instead of the genesis
/// hash, and the Merkle tree from ``subtreeHashes`` plus the remaining leaves, so the roots of
/// signed checkpoints of size ≥ `seq` are recomputed — a forged anchor does not reach them.
///
/// ```swift
/// if let anchor = try await store.retentionAnchor() {
///     var tree = try anchor.treeBuilder()          // tree of `anchor.seq` leaves
///     tree.append(leafHash: AuditMerkle.leafHash(row.canonical))
/// }
/// ```
public struct AuditRetentionAnchor: Sendable, Hashable {
    /// Events `1 ... seq` were removed.
    public var seq: Int64
    /// The chain hash of event `seq`: the previous hash of event `seq + 1`.
    public var hash: [UInt8]
    /// When event `seq` was received.
    public var receivedAt: AuditTime
    /// The hashes of ``AuditMerkleTreeBuilder/frontierNodes(size:)`` for size `seq`, left (highest) first.
    public var subtreeHashes: [[UInt8]]
    /// When the prefix was removed.
    public var removedAt: AuditTime

    /// An anchor as a store records it (``AuditRetentionStore/removeOldestEvents(through:receivedBefore:limit:at:)``).
    public init(seq: Int64, hash: [UInt8], receivedAt: AuditTime, subtreeHashes: [[UInt8]], removedAt: AuditTime) {
        self.seq = seq; self.hash = hash; self.receivedAt = receivedAt; self.subtreeHashes = subtreeHashes; self.removedAt = removedAt
    }

    /// Where the chain of the remaining events starts.
    public var chainStart: AuditChainHead { AuditChainHead(seq: seq, hash: hash) }

    /// The Merkle tree of the removed leaves, ready to take the remaining ones.
    /// - Throws: `.tampered` when the subtree hashes do not fit the tree size.
    public func treeBuilder() throws(AuditTrailError) -> AuditMerkleTreeBuilder {
        do {
            return try AuditMerkleTreeBuilder(size: seq, frontier: subtreeHashes)
        } catch {
            throw AuditTrailError(.tampered, "the retention anchor at seq \(seq) has malformed subtree hashes: \(error.message)", seq: seq)
        }
    }

    /// The RFC 6962 root of the removed prefix (of tree size ``seq``).
    public var root: [UInt8] { AuditMerkle.fold(subtreeHashes) }
}

/// How long events are kept: a number of days (1…36,500), or off.
///
/// ```swift
/// let window = try AuditRetentionWindow(parsing: "90")   // or "off", "0"
/// let cutoff = window.cutoff(now: .now())                // nil when off
/// ```
public struct AuditRetentionWindow: Sendable, Hashable, CustomStringConvertible {
    /// Days kept, or nil when retention is off.
    public let days: Int?

    /// The default window: 90 days.
    public static let defaultDays = 90
    /// The longest window: 36,500 days (100 years).
    public static let maximumDays = 36_500
    /// The rule a window follows, as errors state it.
    public static let rule = "must be an integer from 1 to 36500, or 0 or null (off)"

    /// Retention off: nothing is removed.
    public static let off = AuditRetentionWindow(uncheckedDays: nil)
    /// The default, 90 days.
    public static let `default` = AuditRetentionWindow(uncheckedDays: defaultDays)

    private init(uncheckedDays days: Int?) { self.days = days }

    /// A window of `days` days; 0 or nil is off.
    /// - Throws: `.invalidInput` naming `field` unless `days` is nil or 0…36,500.
    public init(days: Int?, field: String = "days") throws(AuditTrailError) {
        guard let days, days != 0 else {
            self.days = nil
            return
        }
        guard (1...Self.maximumDays).contains(days) else { throw AuditTrailError.invalid(field, Self.rule) }
        self.days = days
    }

    /// A window from text: `off` (any case) or a decimal integer, 0 meaning off.
    /// - Throws: `.invalidInput` naming `field`.
    public init(parsing text: String, field: String = "days") throws(AuditTrailError) {
        if text.lowercased() == "off" {
            self = .off
            return
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), let days = Int(text) else {
            throw AuditTrailError.invalid(field, Self.rule)
        }
        try self.init(days: days, field: field)
    }

    /// Whether events are removed at all.
    public var isOff: Bool { days == nil }

    /// Events received before this time are removed; nil when off.
    public func cutoff(now: AuditTime) -> AuditTime? {
        days.map { AuditTime(milliseconds: now.milliseconds - Int64($0) * 86_400_000) }
    }

    /// `90 days` or `off`.
    public var description: String { days.map { "\($0) day\($0 == 1 ? "" : "s")" } ?? "off" }
}
