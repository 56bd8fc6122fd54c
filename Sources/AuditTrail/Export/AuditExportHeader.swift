/// The first line of an "AuditTrail export v1" file (``AuditExportFormat``): the signed checkpoint
/// the export is checked against, the filters it was made with and, for a contiguous export, where
/// the chain and the Merkle tree start.
///
/// ```text
/// {"audittrail_export":{"chain_start":{"hash":"<hex>","seq":10},"checkpoint":"<signed note>",
///  "contiguous":true,"filters":{},"frontier":["<hex>",…],"key_id":"1a2b3c4d","origin":"audittrail/…",
///  "root_hash":"<hex>","tree_size":40,"version":1,"chain_format":1}}
/// ```
///
/// The members are written with sorted keys (canonical JSON). A contiguous export (no filter)
/// holds every event from `chain_start.seq + 1` to `tree_size`: `chain_start` is the chain hash
/// of the seq before the first exported one (seq 0 and the genesis hash, or the retention
/// anchor), `frontier` the right edge of the Merkle tree of `chain_start.seq` leaves
/// (``AuditMerkleTreeBuilder/frontierNodes(size:)``). A filtered export has both null, and an
/// inclusion proof after each event instead.
///
/// ```swift
/// let header = AuditExportHeader(origin: origin, treeSize: 40, rootHash: root, checkpoint: note,
///                                keyID: "1a2b3c4d", filters: [:], chainStart: start, frontier: edge)
/// out += header.line
/// ```
public struct AuditExportHeader: Sendable, Hashable {
    /// The log's origin (the checkpoint's first line).
    public var origin: String
    /// The tree size of the checkpoint: the export holds events with seq ≤ this only.
    public var treeSize: Int64
    /// The checkpoint's RFC 6962 root (32 bytes).
    public var rootHash: AuditHash
    /// The whole C2SP signed note of the checkpoint.
    public var checkpoint: String
    /// The key hash of the server's signature, 8 hex digits (as in the public key text).
    public var keyID: String
    /// The filter parameters the export was made with, as given (empty for a contiguous export).
    public var filters: [String: String]
    /// For a contiguous export, the chain position before the first exported event; nil when filtered.
    public var chainStart: AuditChainHead?
    /// For a contiguous export, the right edge of the tree of `chainStart.seq` leaves, left first.
    public var frontier: [AuditHash]

    /// A batch of a stream (``AuditExporter/startBatch(parameters:after:maxEvents:)``): only the
    /// events with `after < seq ≤ through` are in the file, checked against the signed tree of
    /// ``treeSize`` leaves; for a contiguous batch `after` is `chain_start.seq`, and when `through`
    /// is short of the tree size, ``consistency`` proves the tree of `through` leaves (rebuilt
    /// from the frontier and the batch's events) a prefix of the signed one. Nil: a whole export.
    public var range: Range?

    /// The seq range of a stream batch, and the consistency proof from its end to the signed tree.
    public struct Range: Sendable, Hashable {
        /// The events are those after this seq…
        public var after: Int64
        /// …up to and including this one.
        public var through: Int64
        /// RFC 6962 consistency proof from a tree of `through` leaves to the signed tree (empty
        /// when `through` is the tree size, and in a filtered batch, whose events carry inclusion
        /// proofs).
        public var consistency: [AuditHash]

        public init(after: Int64, through: Int64, consistency: [AuditHash]) {
            self.after = after
            self.through = through
            self.consistency = consistency
        }
    }

    /// The last seq the file may hold: the range's end, else the tree size.
    public var lastCoveredSeq: Int64 { range?.through ?? treeSize }

    /// The stored format of the events' chain hashes (``AuditChain/Format``): `chain_format` in the
    /// header, absent — format 0 — in files written before format v1.
    public var chainFormat: AuditChain.Format = .current

    /// Whether every event from `chainStart.seq + 1` to ``treeSize`` is in the file.
    public var contiguous: Bool { chainStart != nil }

    /// A header; pass `chainStart` (and its `frontier`) for a contiguous export, nil for a filtered one.
    public init(
        origin: String,
        treeSize: Int64,
        rootHash: AuditHash,
        checkpoint: String,
        keyID: String,
        filters: [String: String],
        chainStart: AuditChainHead?,
        frontier: [AuditHash]
    ) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.checkpoint = checkpoint
        self.keyID = keyID
        self.filters = filters
        self.chainStart = chainStart
        self.frontier = frontier
    }

    /// The header line, `\n`-terminated.
    public var line: [UInt8] {
        var body: [String: JSONValue] = [
            "version": .int(AuditExportFormat.version), "origin": .string(origin), "tree_size": .int(treeSize),
            "root_hash": .string(rootHash.hex), "checkpoint": .string(checkpoint), "key_id": .string(keyID),
            "filters": .object(filters.mapValues(JSONValue.string)), "contiguous": .bool(contiguous),
            "chain_start": .null, "frontier": .null, "chain_format": .int(Int64(chainFormat.rawValue)),
        ]
        if let chainStart {
            body["chain_start"] = ["seq": .int(chainStart.seq), "hash": .string(chainStart.hash.hex)]
            body["frontier"] = .array(frontier.map { .string($0.hex) })
        }
        if let range {
            body["range"] = [
                "after": .int(range.after), "through": .int(range.through), "consistency": .array(range.consistency.map { .string($0.hex) }),
            ]
        }
        var out = CanonicalJSON.encode([AuditExportFormat.headerKey: .object(body)])
        out.append(0x0A)
        return out
    }

    /// Parses a header line (without its `\n`).
    /// - Throws: `.invalidInput` naming the member that is missing or malformed.
    public init(line: some Collection<UInt8>) throws(AuditTrailError) {
        let body = try AuditExportFormat.body(of: line, key: AuditExportFormat.headerKey).get()
        guard body["version"]?.int64Value == AuditExportFormat.version else {
            throw AuditTrailError.invalid("version", "must be \(AuditExportFormat.version) (\(AuditExportFormat.name))")
        }
        guard let origin = body["origin"]?.stringValue else { throw AuditTrailError.invalid("origin", "must be a string") }
        guard let size = body["tree_size"]?.int64Value, size >= 1 else {
            throw AuditTrailError.invalid("tree_size", "must be an integer of at least 1")
        }
        guard let root = AuditExportFormat.hash(hex: body["root_hash"]) else {
            throw AuditTrailError.invalid("root_hash", "must be 64 lower-case hex digits")
        }
        guard let note = body["checkpoint"]?.stringValue else { throw AuditTrailError.invalid("checkpoint", "must be a string") }
        guard let keyID = body["key_id"]?.stringValue else { throw AuditTrailError.invalid("key_id", "must be a string") }
        guard case .object(let rawFilters)? = body["filters"] else { throw AuditTrailError.invalid("filters", "must be an object") }
        var filters: [String: String] = [:]
        for (name, value) in rawFilters {
            guard let text = value.stringValue else { throw AuditTrailError.invalid("filters.\(name)", "must be a string") }
            filters[name] = text
        }
        guard case .bool(let contiguous)? = body["contiguous"] else {
            throw AuditTrailError.invalid("contiguous", "must be true or false")
        }
        var chainFormat = AuditChain.Format.v0
        if let value = body["chain_format"] {
            guard let number = value.int64Value, let format = AuditChain.Format(rawValue: Int(number)) else {
                throw AuditTrailError.invalid("chain_format", "must be 0 or 1 (absent in files written before format 1)")
            }
            chainFormat = format
        }
        var start: AuditChainHead?
        var frontier: [AuditHash] = []
        if contiguous {
            guard case .object(let chain)? = body["chain_start"], let seq = chain["seq"]?.int64Value, seq >= 0, seq < size,
                let hash = AuditExportFormat.hash(hex: chain["hash"])
            else { throw AuditTrailError.invalid("chain_start", "must be {\"seq\": 0 to tree_size - 1, \"hash\": 64 hex digits}") }
            guard let hashes = body["frontier"]?.arrayValue else { throw AuditTrailError.invalid("frontier", "must be an array") }
            for value in hashes {
                guard let hash = AuditExportFormat.hash(hex: value) else {
                    throw AuditTrailError.invalid("frontier", "every hash must be 64 lower-case hex digits")
                }
                frontier.append(hash)
            }
            guard filters.isEmpty else { throw AuditTrailError.invalid("contiguous", "must be false when filters are given") }
            start = AuditChainHead(seq: seq, hash: hash)
        } else {
            guard body["chain_start"] == .null, body["frontier"] == .null else {
                throw AuditTrailError.invalid("chain_start", "must be null (with frontier) in a filtered export")
            }
        }
        var range: Range?
        if let value = body["range"], value != .null {
            guard case .object(let members) = value, let after = members["after"]?.int64Value, let through = members["through"]?.int64Value,
                after >= 0, after <= through, through <= size, let proof = members["consistency"]?.arrayValue
            else {
                throw AuditTrailError.invalid("range", "must be {\"after\", \"through\", \"consistency\"} with 0 ≤ after ≤ through ≤ tree_size")
            }
            var consistency: [AuditHash] = []
            for value in proof {
                guard let hash = AuditExportFormat.hash(hex: value) else {
                    throw AuditTrailError.invalid("range.consistency", "every hash must be 64 lower-case hex digits")
                }
                consistency.append(hash)
            }
            if let start, start.seq != after { throw AuditTrailError.invalid("range.after", "must be chain_start.seq in a contiguous batch") }
            range = Range(after: after, through: through, consistency: consistency)
        }
        self.init(
            origin: origin,
            treeSize: size,
            rootHash: root,
            checkpoint: note,
            keyID: keyID,
            filters: filters,
            chainStart: start,
            frontier: frontier
        )
        self.chainFormat = chainFormat
        self.range = range
    }
}
