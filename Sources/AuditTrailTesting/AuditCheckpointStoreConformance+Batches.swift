import AuditTrail
import Logging
import Testing

extension AuditCheckpointStoreConformance {
    /// The batches a stream delivers (``AuditExporter/startBatch(parameters:after:maxEvents:)``),
    /// each written as a file and checked by ``AuditExportVerifier`` with the public key alone.
    func streamBatches(_ store: Store) async throws {
        let signer = try AuditSigner.generate(name: "conformance")
        let logger = Logger(label: "conformance") { _ in SwiftLogNoOpLogHandler() }
        let checkpointer = try AuditCheckpointer(store: store, signer: signer, origin: "conformance/log", logger: logger)
        let exporter = AuditExporter(store: store, checkpointer: checkpointer, publicKey: signer.publicKey)
        try await append(95, seed: 31, to: store)

        // Unfiltered: contiguous batches of at most 40 that meet exactly, each proven alone; the
        // last one's end is the head, the others are proven a prefix of the signed tree.
        var position: Int64 = 0
        var previousHash: AuditHash?
        var delivered: [Int64] = []
        var files: [[UInt8]] = []
        while case .batch(let export) = try await exporter.startBatch(parameters: [], after: position, maxEvents: 40) {
            let file = try await write(export)
            let result = AuditExportVerifier.verify(chunks: [file], publicKey: signer.publicKey)
            #expect(result.ok, "batch after \(position): \(String(describing: result.problem))")
            let range = try #require(export.header.range)
            #expect(range.after == position && range.through - range.after <= 40)
            if let previousHash { #expect(export.header.chainStart?.hash == previousHash, "batches chain") }
            let rows = try await store.rows(after: position, limit: 1000).filter { $0.seq <= range.through }
            previousHash = rows.last?.hash
            delivered += rows.map(\.seq)
            position = range.through
            files.append(file)
            if delivered.count == 40 { try await append(30, seed: 32, to: store) }
        }
        #expect(delivered == Array(1...125))
        guard case .nothing(let through) = try await exporter.startBatch(parameters: [], after: position, maxEvents: 40) else {
            Issue.record("a batch after the head")
            return
        }
        #expect(through == 125)

        // Tampering with a batch is caught: an edited event, a dropped one, a forged proof.
        let first = try #require(files.first)
        var lines = first.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let edited = lines[3].replacing(Array(#""seq":3"#.utf8), with: Array(#""seq":3,"x":1"#.utf8))
        #expect(edited != lines[3])
        lines[3] = edited
        #expect(!AuditExportVerifier.verify(chunks: [Array(lines.joined(separator: [0x0A]))], publicKey: signer.publicKey).ok)
        lines = first.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        lines.remove(at: 5)
        #expect(!AuditExportVerifier.verify(chunks: [Array(lines.joined(separator: [0x0A]))], publicKey: signer.publicKey).ok)
        lines = first.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        var header = try AuditExportHeader(line: lines[0])
        #expect(header.range?.consistency.isEmpty == false)
        header.range?.consistency[0] = AuditMerkle.emptyRoot
        lines[0] = Array(header.line.dropLast())
        #expect(!AuditExportVerifier.verify(chunks: [Array(lines.joined(separator: [0x0A]))], publicKey: signer.publicKey).ok)

        // Filtered: every matching event once, each with its inclusion proof; ranges meet.
        let filter = [("outcome", "failure")]
        var query = AuditQuery()
        query.outcome = .failure
        query.order = .asc
        query.limit = 1000
        let matching = try await store.events(matching: query).events.map(\.seq)
        position = 0
        delivered = []
        while true {
            let start = try await exporter.startBatch(parameters: filter, after: position, maxEvents: 7)
            guard case .batch(let export) = start else { break }
            let file = try await write(export)
            let result = AuditExportVerifier.verify(chunks: [file], publicKey: signer.publicKey)
            #expect(result.ok, "filtered batch after \(position): \(String(describing: result.problem))")
            let range = try #require(export.header.range)
            #expect(range.after == position)
            delivered += Self.eventSeqs(file)
            position = range.through
        }
        #expect(!matching.isEmpty && delivered == matching)
    }

    /// The seqs of a file's event lines.
    static func eventSeqs(_ file: [UInt8]) -> [Int64] {
        file.split(separator: 0x0A).compactMap { line in
            guard let (canonical, _) = AuditExportFormat.splitEventLine(line) else { return nil }
            return AuditChain.embeddedSeq(in: canonical)
        }
    }

    private func write(_ export: AuditExport) async throws -> [UInt8] {
        var file: [UInt8] = []
        let actor = AuditEvent.Actor(id: "conformance")
        try await export.write(to: { file += $0 }, record: { _ in }, actor: actor, via: "conformance")
        return file
    }
}
