import AuditTrail
import Foundation
import Testing

/// The offline export verifier: valid exports verify, and every way of changing the file names
/// the first bad seq and what is wrong.
@Suite struct ExportVerifierTests {
    static let count = 20

    @Test func aContiguousExportVerifies() async throws {
        let fixture = try ExportFixture(count: Self.count)
        let lines = try await fixture.contiguous()
        for chunk in [1, 64, 977, 1 << 20] {
            let result = fixture.verify(lines, chunk: chunk)
            #expect(result.ok, "\(String(describing: result.problem))")
            #expect(result.events == Int64(Self.count))
            #expect(result.lastSeq == Int64(Self.count))
            #expect(result.header?.contiguous == true)
            #expect(result.checkpoint?.size == Int64(Self.count))
        }
    }

    @Test func aContiguousExportFromARetentionAnchorVerifies() async throws {
        let fixture = try ExportFixture(count: Self.count)
        let result = fixture.verify(try await fixture.contiguous(from: 8))
        #expect(result.ok, "\(String(describing: result.problem))")
        #expect(result.events == Int64(Self.count) - 7)
        #expect(result.header?.chainStart?.seq == 7)
    }

    @Test func aFilteredExportVerifies() async throws {
        let fixture = try ExportFixture(count: Self.count)
        let result = fixture.verify(try await fixture.filtered([1, 4, 7, 10, 13, 16, 19]))
        #expect(result.ok, "\(String(describing: result.problem))")
        #expect(result.events == 7)
        #expect(result.header?.contiguous == false)
        #expect(result.header?.filters == ["action": "user.login"])
        let empty = fixture.verify(try await fixture.filtered([]))
        #expect(empty.ok, "\(String(describing: empty.problem))")
    }

    @Test func theHeaderRoundTrips() async throws {
        let fixture = try ExportFixture(count: 5)
        let line = try await fixture.contiguous(from: 4)[0]
        let header = try AuditExportHeader(line: line)
        #expect(Array(header.line.dropLast()) == line)
        #expect(header.frontier.count == 2)
        #expect(throws: AuditTrailError.self) { try AuditExportHeader(line: Array(#"{"audittrail_export":{"version":2}}"#.utf8)) }
    }

    /// One way of changing an export file, and what the verifier must say.
    enum Tamper: String, CaseIterable, Sendable {
        case editField, editFieldRechained, deleteLine, insertForgedLine, reorderLines, cutOffLastLines, dropTrailer,
            otherKey, malformedLine, editFilteredEvent, tamperInclusionProof, dropInclusionProof, wrongTrailerCount, lineAfterTrailer

        var expected: (seq: Int64, kind: AuditChainVerifier.Problem.Kind) {
            switch self {
            case .editField: (5, .edited)
            case .editFieldRechained: (1, .edited)
            case .deleteLine: (4, .missing)
            case .insertForgedLine: (6, .inserted)
            case .reorderLines: (3, .reordered)
            case .cutOffLastLines: (19, .truncated)
            case .dropTrailer: (21, .truncated)
            case .otherKey: (1, .badSignature)
            case .malformedLine: (9, .edited)
            case .editFilteredEvent: (7, .edited)
            case .tamperInclusionProof: (10, .edited)
            case .dropInclusionProof: (10, .edited)
            case .wrongTrailerCount: (21, .truncated)
            case .lineAfterTrailer: (21, .inserted)
            }
        }

        /// The tampered lines (line 0 is the header; line n is seq n in a contiguous export).
        func apply(_ fixture: ExportFixture) async throws -> [[UInt8]] {
            let filteredSeqs: [Int64] = [1, 4, 7, 10, 13, 16, 19]
            var lines = try await fixture.contiguous()
            func event(_ row: AuditStoredEvent) -> [UInt8] { Array(AuditExportFormat.eventLine(row).dropLast()) }
            switch self {
            case .editField:
                lines[5] = Array(String(decoding: lines[5], as: UTF8.self).replacingFirst(#""i":4"#, with: #""i":40"#).utf8)
            case .editFieldRechained:
                // The attacker recomputes every chain hash from the edit on: only the signed root catches it.
                var previous = fixture.rows[3].hash
                for seq in 5...20 {
                    let row = ExportFixture.rechained(fixture.rows[seq - 1], previous: previous) { text in
                        seq == 5 ? text.replacingFirst(#""i":4"#, with: #""i":40"#) : text
                    }
                    lines[seq] = event(row)
                    previous = row.hash
                }
            case .deleteLine:
                lines.remove(at: 4)
            case .insertForgedLine:
                // A forged seq 6 chained onto seq 5, and the genuine lines re-chained after it.
                let forged = ExportFixture.rechained(fixture.rows[5], previous: fixture.rows[4].hash) {
                    $0.replacingFirst(#""i":5"#, with: #""i":99"#)
                }
                var previous = forged.hash
                for seq in 6...20 {
                    let row = ExportFixture.rechained(fixture.rows[seq - 1], previous: previous)
                    lines[seq] = event(row)
                    previous = row.hash
                }
                lines.insert(event(forged), at: 6)
            case .reorderLines:
                lines.swapAt(3, 4)
            case .cutOffLastLines:
                lines.removeLast(3)
            case .dropTrailer:
                lines.removeLast()
            case .otherKey:
                lines = try await fixture.contiguous(signedBy: try AuditSigner.generate(name: "export-test"))
            case .malformedLine:
                lines[9] = Array(lines[9].dropLast(3))
            case .editFilteredEvent:
                lines = try await fixture.filtered(filteredSeqs)
                lines[5] = Array(String(decoding: lines[5], as: UTF8.self).replacingFirst(#""i":6"#, with: #""i":60"#).utf8)
            case .tamperInclusionProof:
                lines = try await fixture.filtered(filteredSeqs)
                let text = String(decoding: lines[8], as: UTF8.self)
                let digit = text[text.range(of: #"["#)!.upperBound...].dropFirst().first!
                lines[8] = Array(text.replacingFirst("[\"" + String(digit), with: "[\"" + (digit == "0" ? "1" : "0")).utf8)
            case .dropInclusionProof:
                lines = try await fixture.filtered(filteredSeqs)
                lines.remove(at: 8)
            case .wrongTrailerCount:
                lines[lines.count - 1] = Array(AuditExportFormat.trailerLine(events: 21, lastSeq: 20).dropLast())
            case .lineAfterTrailer:
                lines.append(lines[20])
            }
            return lines
        }
    }

    @Test(arguments: Tamper.allCases)
    func aTamperedExportNamesTheFirstBadSeqAndKind(tamper: Tamper) async throws {
        let fixture = try ExportFixture(count: Self.count)
        let result = fixture.verify(try await tamper.apply(fixture))
        let problem = try #require(result.problem, "\(tamper) was not caught")
        #expect(problem.seq == tamper.expected.seq, "\(tamper): \(problem)")
        #expect(problem.kind == tamper.expected.kind, "\(tamper): \(problem)")
        switch tamper {
        case .otherKey: #expect(problem.detail.contains(fixture.signer.publicKey.text), "\(problem)")
        case .malformedLine: #expect(result.problemLine == 10 && problem.detail.contains("line 10"), "\(problem)")
        default: break
        }
    }

    @Test func aCheckpointWhoseSignedSizeDiffersFromTheHeaderIsCaught() async throws {
        let fixture = try ExportFixture(count: 6)
        var lines = try await fixture.contiguous()
        var header = try AuditExportHeader(line: lines[0])
        header.treeSize = 5
        lines[0] = Array(header.line.dropLast())
        lines.removeLast(2)
        let problem = try #require(fixture.verify(lines).problem)
        #expect(problem.kind == .edited && problem.seq == 1, "\(problem)")
    }

    @Test func anEmptyOrCutMidLineFileIsTruncated() async throws {
        let fixture = try ExportFixture(count: 4)
        #expect(fixture.verify([]).problem?.kind == .truncated)
        var verifier = AuditExportVerifier(publicKey: fixture.signer.publicKey)
        let lines = try await fixture.contiguous()
        for line in lines.dropLast(2) { verifier.feed(line + [0x0A]) }
        verifier.feed(lines[lines.count - 2].prefix(30))
        let problem = try #require(verifier.finish().problem)
        #expect(problem.kind == .truncated && problem.seq == 4, "\(problem)")
    }
}

extension String {
    /// The text with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
