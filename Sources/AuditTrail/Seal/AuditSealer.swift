/// The one place an event gets its place in the log: seq, receipt time, canonical bytes, Merkle
/// leaf, chain hash and the Merkle subtree hashes its leaf completes. Every store drives it inside
/// its append transaction — it reads the head, the tree's right edge and the client ids already
/// stored, seals, writes the rows the sealer hands back, and commits — so every store seals
/// alike and no store keeps a sealing loop of its own.
///
/// **The idempotency rule** (the store supplies the look-up, because it needs its index): an event
/// whose id the client chose (``PreparedAuditEvent/clientID``) and that is already stored — or that
/// appears earlier in the same append — is not sealed again; its result is the stored event's
/// (seq, hash, receipt time) with `created == false` — when the same producer sent it
/// (``AuditEvent/ingestedBy``; an event stored before that field existed answers any producer).
/// The same id from another producer is a conflict: the store throws ``requireNoConflict()``'s
/// `.conflict` before it commits, so nothing of the append is stored, and the answer says nothing
/// about the stored event. Server-assigned ids are fresh UUIDv7s and never looked up.
///
/// Receipt times never go back in seq order: the append's receipt time is the later of the clock
/// and the head's.
///
/// ```swift
/// var sealer = try AuditSealer(head: head, headReceivedAt: headTime, tree: tree, stored: known)
/// let rows = sealer.seal(events, limit: events.count)
/// try insert(rows)                 // same transaction; then commit
/// return sealer.results
/// ```
package struct AuditSealer: Sendable {
    /// The chain position the append started from.
    package let start: AuditChainHead
    /// The chain position after the events sealed so far.
    package private(set) var head: AuditChainHead
    /// The Merkle tree over every event sealed so far (``head``'s seq leaves); nil for a log that
    /// keeps no tree (the daily ``AuditJSONLLog``: its rows get no Merkle nodes).
    package private(set) var tree: AuditMerkleTreeBuilder?
    /// The receipt time of every event of this append.
    package let receivedAt: AuditTime
    /// One result per event handed to ``seal(_:limit:)`` so far, in order.
    package private(set) var results: [AuditAppendResult] = []
    /// How many new events of each action were sealed (for a store's seen-actions counts).
    package private(set) var actionCounts: [String: Int64] = [:]
    /// The index of the next event of the append to seal.
    package private(set) var next = 0
    private var known: [String: AuditAppendResult]
    /// How many events of this append reuse an id another producer stored.
    package private(set) var conflicts = 0

    /// A sealer for one append.
    ///
    /// - Parameters:
    ///   - head: the newest stored event's seq and chain hash (seq 0 and the chain start for a log
    ///     with none).
    ///   - headReceivedAt: the newest stored event's receipt time.
    ///   - tree: the Merkle tree of `head.seq` leaves.
    ///   - stored: the results of the append's client-chosen ids that are already stored.
    ///   - now: the clock.
    /// - Throws: ``AuditTrailError`` when `tree` does not have `head.seq` leaves.
    package init(
        head: AuditChainHead,
        headReceivedAt: AuditTime,
        tree: AuditMerkleTreeBuilder,
        stored: [String: AuditAppendResult],
        now: AuditTime = .now()
    ) throws(AuditTrailError) {
        guard tree.size == head.seq else {
            throw AuditTrailError(.storeFailure, "the Merkle tree has \(tree.size) leaves but the chain head is seq \(head.seq)")
        }
        self.init(head: head, headReceivedAt: headReceivedAt, stored: stored, now: now)
        self.tree = tree
    }

    /// A sealer for one append to a log that keeps no Merkle tree: the chain, seqs, receipt time
    /// and idempotency rule are the same; the sealed rows have no ``AuditSealedEvent/merkleNodes``.
    package init(
        head: AuditChainHead,
        headReceivedAt: AuditTime,
        stored: [String: AuditAppendResult],
        now: AuditTime = .now()
    ) {
        self.start = head
        self.head = head
        self.tree = nil
        self.known = stored
        self.receivedAt = AuditTime(milliseconds: max(now.milliseconds, headReceivedAt.milliseconds))
    }

    /// Seals events from ``next`` on, at most `limit` of them, in order, and returns the rows to
    /// write. Events under the idempotency rule get their stored result and no row.
    package mutating func seal(_ events: [PreparedAuditEvent], limit: Int) -> [AuditSealedEvent] {
        var rows: [AuditSealedEvent] = []
        let end = min(events.count, next + max(0, limit))
        rows.reserveCapacity(end - next)
        results.reserveCapacity(events.count)
        while next < end {
            let prepared = events[next]
            next += 1
            if prepared.clientID, let stored = known[prepared.event.id] {
                if let owner = stored.ingestedBy, owner != prepared.event.ingestedBy { conflicts += 1 }
                results.append(stored)
                continue
            }
            var row = Self.seal(prepared, seq: head.seq + 1, receivedAt: receivedAt, previousHash: head.hash)
            let (seq, hash) = (row.seq, row.hash)
            head = AuditChainHead(seq: seq, hash: hash)
            var result = AuditAppendResult(id: prepared.event.id, seq: seq, hash: hash, receivedAt: receivedAt, created: true)
            result.ingestedBy = prepared.event.ingestedBy
            results.append(result)
            if prepared.clientID {
                var again = result
                again.created = false
                known[prepared.event.id] = again
            }
            actionCounts[prepared.event.action, default: 0] += 1
            row.merkleNodes = tree?.append(leafHash: row.leafHash) ?? []
            rows.append(row)
        }
        return rows
    }

    /// Seals one event at `seq` after the chain hash `previousHash`, outside any log (no Merkle
    /// tree: ``AuditSealedEvent/merkleNodes`` is empty) — the step ``seal(_:limit:)`` takes for
    /// each event, for tools and tests that build rows by hand.
    package static func seal(_ prepared: PreparedAuditEvent, seq: Int64, receivedAt: AuditTime, previousHash: AuditHash) -> AuditSealedEvent {
        let canonical = prepared.parts.assemble(seq: seq, receivedAt: receivedAt)
        let leaf = AuditMerkle.leafHash(canonical)
        let hash = AuditChain.next(previous: previousHash, leaf: leaf)
        return AuditSealedEvent(
            seq: seq,
            receivedAt: receivedAt,
            canonical: canonical,
            leafHash: leaf,
            hash: hash,
            prepared: prepared,
            merkleNodes: []
        )
    }

    /// Throws `.conflict` when an event of this append reuses an id that another producer stored
    /// (the store calls it before it commits). The message names the field, not the stored event.
    package func requireNoConflict() throws(AuditTrailError) {
        guard conflicts > 0 else { return }
        throw AuditTrailError(
            .conflict,
            "id: an event with this id was stored for another producer; nothing was stored",
            fieldErrors: [.init(field: "id", message: "is already used by another producer")]
        )
    }

    /// Seals every event at once.
    package mutating func sealAll(_ events: [PreparedAuditEvent]) -> [AuditSealedEvent] {
        seal(events, limit: events.count - next)
    }
}
