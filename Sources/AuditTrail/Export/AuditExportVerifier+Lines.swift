/// The checks of each kind of line, and of the file's end.
extension AuditExportVerifier {
    mutating func checkHeader(_ line: some Collection<UInt8>) {
        let parsed: AuditExportHeader
        do {
            parsed = try AuditExportHeader(line: line)
        } catch {
            return fail(.edited, seq: 1, line: 1, "line 1 is not an \(AuditExportFormat.name) header: \(error.message)")
        }
        header = parsed
        let first = (parsed.chainStart?.seq ?? 0) + 1
        let signed: AuditCheckpoint
        do {
            signed = try AuditCheckpoint(note: parsed.checkpoint, verifier: publicKey)
        } catch {
            let replaced = error.fieldErrors.contains { $0.field == "key" }
            let detail =
                replaced
                ? "the export's checkpoint is not signed by key \(publicKey.text) (a wrong or replaced key)"
                : "the export's checkpoint does not verify with key \(publicKey.text): \(error.message)"
            return fail(.badSignature, seq: first, line: 1, detail)
        }
        checkpoint = signed
        guard signed.size == parsed.treeSize, signed.rootHash == parsed.rootHash, signed.origin == parsed.origin else {
            return fail(
                .edited,
                seq: first,
                line: 1,
                "the header's tree_size, root_hash or origin differ from its signed checkpoint (tree size \(signed.size))"
            )
        }
        guard let start = parsed.chainStart else { return }
        if start.seq == 0, start.hash != AuditChain.genesis {
            return fail(.edited, seq: 1, line: 1, "chain_start at seq 0 must be the genesis hash (32 zero bytes)")
        }
        do {
            tree = try AuditMerkleTreeBuilder(size: start.seq, frontier: parsed.frontier)
        } catch {
            return fail(.edited, seq: first, line: 1, "the header's frontier does not fit tree size \(start.seq): \(error.message)")
        }
        chain = AuditChainVerifier(start: start, format: parsed.chainFormat)
        vouched = start.seq
    }

    mutating func checkEvent(_ line: some Collection<UInt8>) {
        guard let header else { return }
        guard let (canonical, hash) = AuditExportFormat.splitEventLine(line), let seq = AuditChain.embeddedSeq(in: canonical) else {
            return fail(
                .edited,
                seq: nextSeq,
                line: lineNumber,
                "line \(lineNumber) is not an event line (an event object ending in ,\"hash\":\"<64 hex>\"} with a seq)"
            )
        }
        if let gap {
            // Only looking for the seq that was due: there, the file was reordered.
            if seq == gap.expected {
                fail(
                    .reordered,
                    seq: gap.expected,
                    line: lineNumber,
                    "seq \(gap.expected) is on line \(lineNumber), after seq \(gap.found) on line \(gap.line)"
                )
            }
            return
        }
        if let pending = awaitingProof {
            return fail(
                .edited,
                seq: pending.seq,
                line: lineNumber,
                "line \(lineNumber) is an event where the inclusion proof of seq \(pending.seq) belongs"
            )
        }
        guard var chain, var tree else { return checkFilteredEvent(seq: seq, canonical: canonical, header: header) }
        var leaf = AuditHash.zero
        let checked = leaf.withUnsafeMutableBytes { leaf in
            chain.check(AuditStoredEvent(seq: seq, id: "", canonical: canonical, hash: hash), leaf: leaf.baseAddress!)
        }
        if let problem = checked {
            if problem.kind == .missing {
                gap = (expected: problem.seq, found: seq, line: lineNumber)
                return
            }
            return fail(problem.kind, seq: problem.seq, line: lineNumber, "line \(lineNumber): \(problem.detail)")
        }
        guard seq <= header.lastCoveredSeq else {
            return fail(
                .inserted,
                seq: seq,
                line: lineNumber,
                header.range == nil
                    ? "line \(lineNumber) holds seq \(seq), beyond the signed tree size \(header.treeSize)"
                    : "line \(lineNumber) holds seq \(seq), beyond the batch's range, which ends at seq \(header.lastCoveredSeq)"
            )
        }
        tree.append(leafHash: leaf)
        self.chain = chain
        self.tree = tree
        events += 1
        lastSeq = seq
        if let range = header.range, seq == range.through, seq < header.treeSize {
            do {
                try AuditMerkle.verifyConsistency(
                    from: seq,
                    to: header.treeSize,
                    oldRoot: tree.root,
                    newRoot: header.rootHash,
                    proof: range.consistency
                )
            } catch {
                fail(
                    .edited,
                    seq: vouched + 1,
                    line: lineNumber,
                    "events \(vouched + 1)…\(seq) are not a prefix of the tree signed at size \(header.treeSize) "
                        + "(an event edited, inserted or removed, a forged frontier, or a bad consistency proof)"
                )
            }
            return
        }
        if seq == header.treeSize, tree.root != header.rootHash {
            fail(
                .edited,
                seq: vouched + 1,
                line: lineNumber,
                "events \(vouched + 1)…\(seq) do not hash to the root signed at tree size \(header.treeSize) "
                    + "(edited, inserted or removed with the chain hashes recomputed, or a forged frontier)"
            )
        }
    }

    /// A contiguous export's checkpoint line, right after the event at its tree size: signed by
    /// the key, and the root of the tree grown so far. A missing checkpoint line costs only the
    /// precision of where a rewrite is named; the header's signed root still covers every event.
    mutating func checkCheckpoint(_ line: some Collection<UInt8>) {
        guard gap == nil else { return }
        guard chain != nil, let tree else {
            return fail(.inserted, seq: nextSeq, line: lineNumber, "line \(lineNumber) is a checkpoint line, which a filtered export does not have")
        }
        guard case .success(let body) = AuditExportFormat.body(of: line, key: AuditExportFormat.checkpointKey),
            let size = body["tree_size"]?.int64Value, let note = body["note"]?.stringValue
        else {
            return fail(
                .edited,
                seq: vouched + 1,
                line: lineNumber,
                "line \(lineNumber) is not a checkpoint line ({\"checkpoint\":{\"note\",\"tree_size\"}})"
            )
        }
        let signed: AuditCheckpoint
        do {
            signed = try AuditCheckpoint(note: note, verifier: publicKey)
        } catch {
            return fail(
                .badSignature,
                seq: vouched + 1,
                line: lineNumber,
                "the checkpoint at tree size \(size) on line \(lineNumber) does not verify with key \(publicKey.text): \(error.message)"
            )
        }
        guard signed.size == size, size == lastSeq, signed.origin == header?.origin else {
            return fail(
                .edited,
                seq: vouched + 1,
                line: lineNumber,
                "the checkpoint on line \(lineNumber) is for tree size \(signed.size), but follows seq \(lastSeq.map(String.init) ?? "none")"
            )
        }
        guard tree.root == signed.rootHash else {
            return fail(
                .edited,
                seq: vouched + 1,
                line: lineNumber,
                "events \(vouched + 1)…\(size) do not hash to the root signed at tree size \(size) (line \(lineNumber))"
            )
        }
        vouched = size
        checkpointsChecked += 1
    }

    mutating func checkFilteredEvent(seq: Int64, canonical: [UInt8], header: AuditExportHeader) {
        if let last = lastSeq, seq <= last {
            return seq == last
                ? fail(.inserted, seq: seq, line: lineNumber, "line \(lineNumber) repeats seq \(seq)")
                : fail(.reordered, seq: seq, line: lineNumber, "line \(lineNumber) holds seq \(seq) after seq \(last)")
        }
        guard seq >= 1, seq <= header.lastCoveredSeq, seq > (header.range?.after ?? 0) else {
            return fail(
                .inserted,
                seq: seq,
                line: lineNumber,
                header.range.map { "line \(lineNumber) holds seq \(seq), outside the batch's range \($0.after + 1)…\($0.through)" }
                    ?? "line \(lineNumber) holds seq \(seq), outside the signed tree of size \(header.treeSize)"
            )
        }
        awaitingProof = (seq: seq, leaf: AuditMerkle.leafHash(canonical))
        events += 1
        lastSeq = seq
    }

    mutating func checkProof(_ line: some Collection<UInt8>) {
        guard let header, chain == nil, gap == nil else {
            if gap != nil { return }
            return fail(
                .inserted,
                seq: nextSeq,
                line: lineNumber,
                "line \(lineNumber) is an inclusion proof, which a contiguous export does not have"
            )
        }
        guard let pending = awaitingProof else {
            return fail(.inserted, seq: nextSeq, line: lineNumber, "line \(lineNumber) is an inclusion proof without an event before it")
        }
        awaitingProof = nil
        guard case .success(let body) = AuditExportFormat.body(of: line, key: AuditExportFormat.proofKey),
            let seq = body["seq"]?.int64Value, let size = body["tree_size"]?.int64Value,
            let values = body["hashes"]?.arrayValue
        else {
            return fail(
                .edited,
                seq: pending.seq,
                line: lineNumber,
                "line \(lineNumber) is not an inclusion proof ({\"inclusion_proof\":{\"seq\",\"tree_size\",\"hashes\"}})"
            )
        }
        var hashes: [AuditHash] = []
        for value in values {
            guard let hash = AuditExportFormat.hash(hex: value) else {
                return fail(.edited, seq: pending.seq, line: lineNumber, "line \(lineNumber): every proof hash must be 64 lower-case hex digits")
            }
            hashes.append(hash)
        }
        guard seq == pending.seq, size == header.treeSize else {
            return fail(
                .edited,
                seq: pending.seq,
                line: lineNumber,
                "line \(lineNumber) proves seq \(seq) in tree size \(size), not seq \(pending.seq) in tree size \(header.treeSize)"
            )
        }
        do {
            try AuditMerkle.verifyInclusion(leafHash: pending.leaf, index: seq - 1, size: size, proof: hashes, root: header.rootHash)
        } catch {
            fail(
                .edited,
                seq: seq,
                line: lineNumber,
                "the event of seq \(seq) is not leaf \(seq - 1) of the signed tree (line \(lineNumber)): \(error.message)"
            )
        }
    }

    mutating func checkTrailer(_ line: some Collection<UInt8>) {
        guard gap == nil else { return }
        guard case .success(let body) = AuditExportFormat.body(of: line, key: AuditExportFormat.trailerKey),
            let count = body["events"]?.int64Value, let last = body["last_seq"]
        else {
            return fail(
                .edited,
                seq: nextSeq,
                line: lineNumber,
                "line \(lineNumber) is not a trailer ({\"audittrail_export_end\":{\"events\",\"last_seq\"}})"
            )
        }
        trailer = (events: count, lastSeq: last.int64Value)
    }

    mutating func checkEnd() {
        if let gap {
            return fail(
                .missing,
                seq: gap.expected,
                line: gap.line,
                "seq \(gap.expected)…\(gap.found - 1) are not in the file (line \(gap.line) holds seq \(gap.found))"
            )
        }
        guard let header else { return fail(.truncated, seq: 1, line: nil, "the file is empty: no \(AuditExportFormat.name) header") }
        if !partialLine.isEmpty {
            return fail(.truncated, seq: nextSeq, line: lineNumber + 1, "the file ends inside line \(lineNumber + 1)")
        }
        if let pending = awaitingProof {
            return fail(.truncated, seq: pending.seq, line: nil, "the file ends before the inclusion proof of seq \(pending.seq)")
        }
        if header.contiguous, (lastSeq ?? header.chainStart?.seq ?? 0) < header.lastCoveredSeq {
            return fail(
                .truncated,
                seq: nextSeq,
                line: nil,
                "events \(nextSeq)…\(header.lastCoveredSeq) of the signed tree are not in the file"
            )
        }
        guard let trailer else {
            return fail(.truncated, seq: nextSeq, line: nil, "the file has no trailer line: it was cut off after line \(lineNumber)")
        }
        guard trailer.events == events, trailer.lastSeq == lastSeq else {
            return fail(
                .truncated,
                seq: nextSeq,
                line: lineNumber,
                "the trailer counts \(trailer.events) events up to seq \(trailer.lastSeq.map(String.init) ?? "none"), "
                    + "the file holds \(events) up to seq \(lastSeq.map(String.init) ?? "none")"
            )
        }
    }
}
