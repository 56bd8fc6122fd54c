@_spi(AuditStoreImplementation) import AuditTrail
import Testing

/// One part of the provable-log contract that ``AuditCheckpointStoreConformance`` checks.
public enum AuditCheckpointStoreConformanceCheck: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Roots, inclusion and consistency proofs from the stored hashes equal those of an in-memory
    /// tree over the stored canonical bytes, for every size, across several appends.
    case treeMatchesEvents
    /// `merkleNodes(completedBy:)` answers exactly the nodes each leaf completed.
    case nodesCompletedByLeaves
    /// `hashRows(after:through:leavesBefore:into:)` verifies exactly the rows asked for, as a
    /// hasher fed from `rows(after:limit:)` does, and hands back the stored nodes their leaves
    /// completed, as `merkleNodes(completedBy:)` gives them.
    case hashRows
    /// A failing append stores no node, and the tree continues from the committed head.
    case failedAppendLeavesTheTree
    /// Checkpoints are stored once per tree size and listed in order; the log id never changes.
    case checkpointsAndLogID
    /// An intact log with signed checkpoints verifies, and a wrong key is named.
    case verifyLog
    /// A stream's batches (exports of a seq range) verify alone, meet exactly, and show tampering.
    case streamBatches

    public var description: String { rawValue }
}

/// The provable-log contract as executable checks, for any ``AuditStore`` that is also an
/// ``AuditCheckpointStore``. Each check gets a fresh, empty store from the factory.
///
/// ```swift
/// @Test(arguments: AuditCheckpointStoreConformanceCheck.allCases)
/// func conformance(_ check: AuditCheckpointStoreConformanceCheck) async throws {
///     try await AuditCheckpointStoreConformance(makeStore: { try await makeTemporaryStore() },
///                                               closeStore: { try await $0.close() }).run(check)
/// }
/// ```
public struct AuditCheckpointStoreConformance<Store: AuditStore & AuditCheckpointStore>: Sendable {
    let harness: AuditStoreHarness<Store>
    var validator: AuditEventValidator { harness.validator }

    /// - Parameters:
    ///   - makeStore: returns a new, empty store each time it is called.
    ///   - closeStore: releases a store made by `makeStore`.
    public init(
        makeStore: @escaping @Sendable () async throws -> Store,
        closeStore: @escaping @Sendable (Store) async throws -> Void
    ) {
        harness = AuditStoreHarness(makeStore: makeStore, closeStore: closeStore)
    }

    /// Runs one check; failures are recorded as Swift Testing issues.
    public func run(_ check: AuditCheckpointStoreConformanceCheck) async throws {
        try await harness.withStore { store in
            switch check {
            case .treeMatchesEvents: try await treeMatchesEvents(store)
            case .nodesCompletedByLeaves: try await nodesCompletedByLeaves(store)
            case .hashRows: try await hashRows(store)
            case .failedAppendLeavesTheTree: try await failedAppendLeavesTheTree(store)
            case .checkpointsAndLogID: try await checkpointsAndLogID(store)
            case .verifyLog: try await verifyLog(store)
            case .streamBatches: try await streamBatches(store)
            }
        }
    }

    func append(_ count: Int, seed: UInt64, to store: Store) async throws {
        try await harness.append(count, seed: seed, to: store)
    }

    /// The in-memory tree over every stored event's canonical bytes.
    func memoryTree(_ store: Store) async throws -> AuditMerkleMemoryTree {
        var tree = AuditMerkleMemoryTree()
        var after: Int64 = 0
        while true {
            let rows = try await store.rows(after: after, limit: 1000)
            guard let last = rows.last else { return tree }
            for row in rows { tree.append(leaf: row.canonical) }
            after = last.seq
        }
    }

    func treeMatchesEvents(_ store: Store) async throws {
        for (index, count) in [1, 2, 13, 1, 16].enumerated() { try await append(count, seed: UInt64(index + 1), to: store) }
        let tree = try await memoryTree(store)
        #expect(tree.size == 33)
        #expect(try await store.merkleSize() == 33)
        for size in 1...tree.size {
            #expect(try await store.root(size: size) == (try await tree.root(size: size)), "root of size \(size)")
            for index in Set([0, size / 3, size - 1]) {
                #expect(
                    try await store.inclusionProof(index: index, size: size) == (try await tree.inclusionProof(index: index, size: size)),
                    "inclusion of \(index) in \(size)"
                )
            }
            for from in Set([1, size / 2, size]) where from >= 1 {
                #expect(
                    try await store.consistencyProof(from: from, to: size) == (try await tree.consistencyProof(from: from, to: size)),
                    "consistency \(from) → \(size)"
                )
            }
        }
    }

    func nodesCompletedByLeaves(_ store: Store) async throws {
        try await append(23, seed: 3, to: store)
        var builder = AuditMerkleTreeBuilder()
        var expected: [AuditMerkleNode] = []
        for row in try await store.rows(after: 0, limit: 100) {
            expected += builder.append(leafHash: AuditMerkle.leafHash(row.canonical))
        }
        for range in [0..<23, 0..<1, 5..<6, 7..<16, 16..<23, 22..<23] as [Range<Int64>] {
            let wanted = expected.filter { range.contains($0.id.leaves.upperBound - 1) }
            let answered = try await store.merkleNodes(completedBy: range)
            #expect(Set(answered) == Set(wanted), "nodes completed by \(range)")
            #expect(answered.count == wanted.count)
        }
    }

    func hashRows(_ store: Store) async throws {
        try await append(23, seed: 4, to: store)
        let rows = try await store.rows(after: 0, limit: 100)
        for (after, last) in [(0, 23), (0, 7), (5, 12), (22, 23), (10, 23), (23, 23)] as [(Int64, Int64)] {
            // From the chain head at `after`, and starting at row `after` (a page's second half).
            let head = after == 0 ? AuditChainHead(seq: 0, hash: AuditChain.genesis) : AuditChainHead(seq: after, hash: rows[Int(after) - 1].hash)
            let hashers =
                [AuditRowHasher(after: AuditChainVerifier(start: head), through: last)]
                + (after > 0 ? [AuditRowHasher(startingAt: after, through: last)] : [])
            for (index, hasher) in hashers.enumerated() {
                let from = index == 0 ? after : after - 1
                let answered = try await store.hashRows(after: from, through: last, leavesBefore: after, into: hasher)
                var expected = hasher
                for row in rows where row.seq > from && row.seq <= last {
                    _ = row.canonical.withUnsafeBytes { canonical in
                        row.hash.withUnsafeBytes { expected.add(seq: row.seq, canonical: canonical, hash: $0) }
                    }
                }
                expected.finish()
                let leaves = after..<last
                #expect(answered.problem == nil, "rows \(from + 1)…\(last): \(String(describing: answered.problem))")
                #expect(answered.leaves == expected.leaves, "leaf hashes of rows \(after + 1)…\(last)")
                #expect(answered.leaves == rows.filter { leaves.contains($0.seq - 1) }.flatMap { AuditMerkle.leafHash($0.canonical).bytes })
                #expect(answered.chain?.head == expected.chain?.head && answered.chain?.checked == expected.chain?.checked)
                #expect(answered.chain?.head.seq == (last > after ? last : after))
                let nodes = try await store.merkleNodes(completedBy: leaves)
                #expect(Set(answered.levels.flatMap(\.nodes)) == Set(nodes), "nodes of leaves \(leaves)")
                #expect(answered.levels.flatMap(\.nodes).count == nodes.count)
                #expect(answered.levels.map(\.level) == answered.levels.map(\.level).sorted(), "levels lowest first")
            }
        }
        // A row absent at the end of the range is named.
        let short = try await store.hashRows(
            after: 20,
            through: 30,
            leavesBefore: 20,
            into: AuditRowHasher(after: AuditChainVerifier(start: AuditChainHead(seq: 20, hash: rows[19].hash)), through: 30)
        )
        #expect(short.problem?.seq == 24 && short.problem?.kind == .missing, "\(String(describing: short.problem))")
    }

    func failedAppendLeavesTheTree(_ store: Store) async throws {
        try await append(5, seed: 5, to: store)
        let stored = try await store.rows(after: 0, limit: 10)
        let batch = try AuditFixtures.clashingBatch(storedID: stored[1].id, seed: 6, validator: validator)
        await #expect(throws: (any Error).self, "a second event with a stored id must fail the whole append") {
            _ = try await store.append(batch)
        }
        #expect(try await store.merkleSize() == 5)
        await #expect(throws: (any Error).self, "no node of the failed append is stored") {
            _ = try await store.hash(level: 0, index: 5)
        }
        try await append(4, seed: 7, to: store)
        let tree = try await memoryTree(store)
        #expect(try await store.root(size: 9) == tree.root)
        #expect(try await store.merkleNodes(completedBy: 0..<9).count == 9 + 4 + 2 + 1)
    }

    func checkpointsAndLogID(_ store: Store) async throws {
        let id = try await store.logID()
        #expect(id.utf8.count == 32 && AuditHex.bytes(hex: id) != nil && id == id.lowercased())
        let none = try await store.latestCheckpoint()
        #expect(none == nil)
        let hash = AuditHash(bytes: [UInt8](repeating: 1, count: 32))!
        for size in [4, 2, 9] as [Int64] {
            #expect(try await store.storeCheckpoint(.init(treeSize: size, rootHash: hash, time: .init(milliseconds: size), note: "n\(size)\n")))
        }
        #expect(try await !store.storeCheckpoint(.init(treeSize: 4, rootHash: hash, time: .now(), note: "again\n")))
        #expect(try await store.latestCheckpoint()?.note == "n9\n")
        #expect(try await store.checkpoints(after: 0, limit: 2).map(\.treeSize) == [2, 4])
        #expect(try await store.checkpoints(after: 4, limit: 10).map(\.treeSize) == [9])
        #expect(try await store.checkpoints(after: 0, limit: 10).map(\.time.milliseconds) == [2, 4, 9])
        #expect(try await store.logID() == id)
    }

    func verifyLog(_ store: Store) async throws {
        let signer = try AuditSigner.generate(name: "conformance")
        for (index, count) in [3, 8, 1].enumerated() {
            try await append(count, seed: UInt64(index + 10), to: store)
            let size = try await store.head().seq
            let root = try await store.root(size: size)
            let time = AuditTime.now()
            let note = try AuditCheckpoint(origin: "conformance/log", size: size, rootHash: root, time: time).signedNote(signer: signer)
            #expect(try await store.storeCheckpoint(.init(treeSize: size, rootHash: root, time: time, note: note)))
        }
        let result = try await store.verifyLog(publicKey: signer.publicKey, pageSize: 5)
        #expect(result.ok, "\(String(describing: result.problem))")
        #expect(result.checked == 12)
        #expect(result.checkpointsChecked == 3)
        #expect(result.latestCheckpoint?.treeSize == 12)
        let wrong = try await store.verifyLog(publicKey: try AuditSigner.generate(name: "conformance").publicKey)
        #expect(wrong.problem?.kind == .badSignature)
        #expect(wrong.problem?.seq == 1)
        let pinned = AuditPinnedCheckpoint(treeSize: 13, rootHash: AuditMerkle.emptyRoot)
        let ahead = try await store.verifyLog(publicKey: signer.publicKey, pinned: pinned)
        #expect(ahead.problem?.kind == .truncated)
        #expect(ahead.problem?.seq == 13)
    }
}
