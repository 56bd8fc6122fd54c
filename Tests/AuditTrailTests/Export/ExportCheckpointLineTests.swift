import AuditTrail
import Testing

/// A contiguous export carries the stored checkpoints as lines after the events at their sizes:
/// each is checked on the way, so a rewrite is named right after the last signed root that holds.
@Suite struct ExportCheckpointLineTests {
    /// `lines` (a contiguous export from seq 1: line n is seq n) with a checkpoint line after the
    /// event of each size, signed by the fixture's key or `other`.
    func withCheckpointLines(
        _ lines: [[UInt8]],
        _ fixture: ExportFixture,
        at sizes: [Int64],
        signedBy other: AuditSigner? = nil
    )
        async throws -> [[UInt8]]
    {
        var lines = lines
        for size in sizes.sorted(by: >) {
            let root = try await fixture.tree.root(size: size)
            let note = try AuditCheckpoint(origin: ExportFixture.origin, size: size, rootHash: root, time: .now())
                .signedNote(signer: other ?? fixture.signer)
            let line = AuditExportFormat.checkpointLine(AuditStoredCheckpoint(treeSize: size, rootHash: root, time: .now(), note: note))
            lines.insert(Array(line.dropLast()), at: Int(size) + 1)
        }
        return lines
    }

    @Test func checkpointLinesAreCheckedOnTheWay() async throws {
        let fixture = try ExportFixture(count: 20)
        let result = fixture.verify(try await withCheckpointLines(try await fixture.contiguous(), fixture, at: [5, 12]))
        #expect(result.ok, "\(String(describing: result.problem))")
        #expect(result.events == 20)
        var verifier = AuditExportVerifier(publicKey: fixture.signer.publicKey)
        for line in try await withCheckpointLines(try await fixture.contiguous(), fixture, at: [5, 12]) { verifier.check(line: line) }
        #expect(verifier.checkpointsChecked == 2)
    }

    @Test func aRewriteWithRecomputedChainIsNamedAfterTheLastRootThatHolds() async throws {
        let fixture = try ExportFixture(count: 20)
        var lines = try await fixture.contiguous()
        // Seq 8 edited and every chain hash from there recomputed: the chain looks whole.
        var previous = fixture.rows[6].hash
        for seq in 8...20 {
            let row = ExportFixture.rechained(fixture.rows[seq - 1], previous: previous) { text in
                seq == 8 ? text.replacingFirst(#""i":7"#, with: #""i":70"#) : text
            }
            lines[seq] = Array(AuditExportFormat.eventLine(row).dropLast())
            previous = row.hash
        }
        let problem = try #require(fixture.verify(try await withCheckpointLines(lines, fixture, at: [5, 12])).problem)
        #expect(problem.seq == 6 && problem.kind == .edited, "the checkpoint at 5 holds, the one at 12 does not: \(problem)")
        let without = try #require(fixture.verify(lines).problem)
        #expect(without.seq == 1 && without.kind == .edited, "without checkpoint lines only the header's root: \(without)")
    }

    @Test func aCheckpointLineByAnotherKeyOrOutOfPlaceFails() async throws {
        let fixture = try ExportFixture(count: 20)
        let other = try AuditSigner.generate(name: "export-test")
        let signed = try await withCheckpointLines(try await fixture.contiguous(), fixture, at: [5])
        let foreign = try await withCheckpointLines(signed, fixture, at: [13], signedBy: other)
        let problem = try #require(fixture.verify(foreign).problem)
        #expect(problem.seq == 6 && problem.kind == .badSignature, "\(problem)")
        // The checkpoint of size 5 moved after seq 6.
        var moved = signed
        moved.swapAt(6, 7)
        let misplaced = try #require(fixture.verify(moved).problem)
        #expect(misplaced.kind == .edited && misplaced.seq == 1, "\(misplaced)")
    }

    @Test func aFilteredExportHasNoCheckpointLines() async throws {
        let fixture = try ExportFixture(count: 20)
        var lines = try await fixture.filtered([1, 4, 7])
        let checkpoint = try await withCheckpointLines(try await fixture.contiguous(), fixture, at: [3])[4]
        lines.insert(checkpoint, at: 3)
        let problem = try #require(fixture.verify(lines).problem)
        #expect(problem.kind == .inserted, "\(problem)")
    }
}
