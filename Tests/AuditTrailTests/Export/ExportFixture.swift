import AuditTrail

/// A log built in memory with the real validator, chain and Merkle tree, and export files of it
/// written line by line with ``AuditExportFormat`` — what the server writes, without a server.
struct ExportFixture {
    static let origin = "audittrail/export-test"
    let signer: AuditSigner
    /// Events with seq 1…count, as a store hands them out.
    let rows: [AuditStoredEvent]
    let tree: AuditMerkleMemoryTree

    init(count: Int) throws {
        signer = try AuditSigner.generate(name: "export-test")
        let validator = AuditEventValidator()
        var rows: [AuditStoredEvent] = []
        var tree = AuditMerkleMemoryTree()
        var previous = AuditChain.genesis
        for index in 0..<count {
            let input = AuditEventInput(
                action: index % 3 == 0 ? "user.login" : "data.update",
                actor: .init(id: "u-\(index % 4)"),
                metadata: ["i": .int(Int64(index))]
            )
            let sealed = AuditSealer.seal(try validator.prepare(input), seq: Int64(index + 1), receivedAt: .now(), previousHash: previous)
            rows.append(sealed.stored)
            tree.append(leaf: sealed.canonical)
            previous = sealed.hash
        }
        self.rows = rows
        self.tree = tree
    }

    /// The signed note of the whole tree, by `signer` (or another key).
    func note(by other: AuditSigner? = nil) throws -> String {
        try AuditCheckpoint(origin: Self.origin, size: tree.size, rootHash: tree.root, time: .now()).signedNote(signer: other ?? signer)
    }

    var keyHex: String { String(signer.publicKey.text.split(separator: "+")[1]) }

    /// A contiguous export of seqs `first`…count (as after retention removed `1 ..< first`), lines without `\n`.
    func contiguous(from first: Int64 = 1, signedBy other: AuditSigner? = nil) async throws -> [[UInt8]] {
        let start =
            first == 1
            ? AuditChainHead(seq: 0, hash: AuditChain.genesis)
            : AuditChainHead(seq: first - 1, hash: rows[Int(first - 2)].hash)
        let frontier = try await AuditMerkleTreeBuilder(size: first - 1, source: tree).frontier
        let header = AuditExportHeader(
            origin: Self.origin,
            treeSize: tree.size,
            rootHash: tree.root,
            checkpoint: try note(by: other),
            keyID: keyHex,
            filters: [:],
            chainStart: start,
            frontier: frontier
        )
        var lines = [header.line]
        for row in rows where row.seq >= first { lines.append(AuditExportFormat.eventLine(row)) }
        lines.append(AuditExportFormat.trailerLine(events: Int64(rows.count) - first + 1, lastSeq: tree.size))
        return lines.map { Array($0.dropLast()) }
    }

    /// A filtered export of the events with these seqs, each followed by its inclusion proof.
    func filtered(_ seqs: [Int64], filters: [String: String] = ["action": "user.login"]) async throws -> [[UInt8]] {
        let header = AuditExportHeader(
            origin: Self.origin,
            treeSize: tree.size,
            rootHash: tree.root,
            checkpoint: try note(),
            keyID: keyHex,
            filters: filters,
            chainStart: nil,
            frontier: []
        )
        var lines = [header.line]
        for seq in seqs {
            lines.append(AuditExportFormat.eventLine(rows[Int(seq - 1)]))
            let proof = try await tree.inclusionProof(index: seq - 1, size: tree.size)
            lines.append(AuditExportFormat.proofLine(seq: seq, treeSize: tree.size, hashes: proof))
        }
        lines.append(AuditExportFormat.trailerLine(events: Int64(seqs.count), lastSeq: seqs.last))
        return lines.map { Array($0.dropLast()) }
    }

    /// Verifies the lines as one file fed in `chunk`-byte pieces (lines split across chunks).
    func verify(_ lines: [[UInt8]], chunk: Int = 977, key: AuditSignerPublicKey? = nil) -> AuditExportVerification {
        var file: [UInt8] = []
        for line in lines {
            file += line
            file.append(0x0A)
        }
        var chunks: [[UInt8]] = []
        var index = 0
        while index < file.count {
            chunks.append(Array(file[index..<min(index + chunk, file.count)]))
            index += chunk
        }
        return AuditExportVerifier.verify(chunks: chunks, publicKey: key ?? signer.publicKey)
    }

    /// The event line of `row` re-chained from `previous`, with its canonical bytes changed by `edit`.
    static func rechained(_ row: AuditStoredEvent, previous: AuditHash, edit: (String) -> String = { $0 }) -> AuditStoredEvent {
        let canonical = Array(edit(String(decoding: row.canonical, as: UTF8.self)).utf8)
        return AuditStoredEvent(
            seq: row.seq,
            id: row.id,
            canonical: canonical,
            hash: AuditChain.next(previous: previous, leaf: AuditMerkle.leafHash(canonical))
        )
    }
}
