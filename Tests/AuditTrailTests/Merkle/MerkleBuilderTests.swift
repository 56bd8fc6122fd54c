import AuditTrail
import Synchronization
import Testing

/// The incremental builder against the from-scratch definition, and the O(log n) read bound.
@Suite struct MerkleBuilderTests {
    /// A hash source that answers synthetic hashes for any node and counts what it was asked, to
    /// check how many subtree hashes a root or proof reads at a large size.
    final class CountingSource: AuditMerkleHashSource {
        let reads = Mutex<(calls: Int, nodes: Int)>((0, 0))
        func hash(level: Int, index: Int64) async throws -> AuditHash {
            reads.withLock {
                $0.calls += 1
                $0.nodes += 1
            }
            return AuditMerkle.leafHash(Array("\(level)/\(index)".utf8))
        }
        func hashes(_ ids: [AuditMerkleNodeID]) async throws -> [AuditHash] {
            reads.withLock {
                $0.calls += 1
                $0.nodes += ids.count
            }
            return ids.map { AuditMerkle.leafHash(Array("\($0.level)/\($0.index)".utf8)) }
        }
    }

    static func leafHashes(_ count: Int) -> [AuditHash] {
        (0..<count).map { AuditMerkle.leafHash(Array("event \($0)".utf8)) }
    }

    @Test func builderRootEqualsFromScratchRootAtEverySize() {
        let leaves = Self.leafHashes(300)
        var builder = AuditMerkleTreeBuilder()
        for n in 1...leaves.count {
            builder.append(leafHash: leaves[n - 1])
            #expect(builder.root == AuditMerkle.root(leafHashes: Array(leaves[..<n])), "size \(n)")
            #expect(builder.frontier.count == n.nonzeroBitCount)
        }
    }

    @Test func appendReturnsTheLeafAndEveryCompletedSubtree() throws {
        var builder = AuditMerkleTreeBuilder()
        let leaves = Self.leafHashes(8)
        var written: [AuditMerkleNode] = []
        for leaf in leaves { written += builder.append(leafHash: leaf) }
        // 8 leaves complete 4 + 2 + 1 parents: 15 nodes, two per leaf on average.
        #expect(written.count == 15)
        let top = try #require(written.last)
        #expect(top.id == AuditMerkleNodeID(level: 3, index: 0))
        #expect(top.hash == AuditMerkle.root(leafHashes: leaves))
        #expect(written.filter { $0.id.level == 1 }.map(\.id.index) == [0, 1, 2, 3])
        #expect(AuditMerkleNodeID(level: 2, index: 1).leaves == 4..<8)
    }

    /// A store keyed by ``AuditMerkleNodeID/position`` appends at its end: the builder's nodes,
    /// in the order it hands them out, are positions 0, 1, 2, …, and each leaf starts at
    /// `firstPosition(ofLeaf:)`; decoding a position gives the node back, also far out.
    @Test func positionsAreTheOrderTheBuilderCompletesSubtrees() {
        var builder = AuditMerkleTreeBuilder()
        var next: Int64 = 0
        for (leaf, hash) in Self.leafHashes(2_100).enumerated() {
            #expect(AuditMerkleNodeID.firstPosition(ofLeaf: Int64(leaf)) == next, "leaf \(leaf)")
            for node in builder.append(leafHash: hash) {
                #expect(node.id.position == next, "node \(node.id)")
                #expect(AuditMerkleNodeID(position: next) == node.id, "position \(next)")
                next += 1
            }
        }
        #expect(AuditMerkleNodeID(level: 2, index: 0).position == 6)
        for leaf: Int64 in [(1 << 40) - 1, 1 << 40, 999_999_999_999, (1 << 52) + 12_345] {
            for level in 0...(leaf + 1).trailingZeroBitCount {
                let id = AuditMerkleNodeID(level: level, index: ((leaf + 1) >> level) - 1)
                #expect(AuditMerkleNodeID(position: id.position) == id, "\(id)")
                #expect(id.position == AuditMerkleNodeID.firstPosition(ofLeaf: leaf) + Int64(level))
            }
            #expect(AuditMerkleNodeID(position: AuditMerkleNodeID.firstPosition(ofLeaf: leaf + 1) - 1).leaves.upperBound == leaf + 1)
        }
    }

    @Test func statelessAppendMatchesTheBuilder() async throws {
        var tree = AuditMerkleMemoryTree()
        for (index, leaf) in Self.leafHashes(130).enumerated() {
            let expected = try await AuditMerkleTreeBuilder.nodes(appendingLeafAt: Int64(index), leafHash: leaf, source: tree)
            let nodes = tree.append(leafHash: leaf)
            #expect(nodes == expected, "leaf \(index)")
        }
    }

    @Test func builderResumedFromStoredHashesContinuesTheSameTree() async throws {
        let leaves = Self.leafHashes(200)
        let tree = AuditMerkleMemoryTree(leafHashes: leaves[..<123])
        var resumed = try await AuditMerkleTreeBuilder(size: 123, source: tree)
        #expect(resumed.root == tree.root)
        for leaf in leaves[123...] { resumed.append(leafHash: leaf) }
        #expect(resumed.root == AuditMerkle.root(leafHashes: leaves))
    }

    @Test func builderRejectsAFrontierThatDoesNotFitTheSize() {
        #expect(throws: AuditTrailError.self) { try AuditMerkleTreeBuilder(size: 3, frontier: [AuditMerkle.emptyRoot]) }
        #expect(throws: AuditTrailError.self) { try AuditMerkleTreeBuilder(size: 1, frontier: []) }
        #expect(AuditHash(bytes: [1, 2, 3]) == nil, "a frontier hash that is not 32 bytes cannot be made")
        #expect(throws: AuditTrailError.self) { try AuditMerkleTreeBuilder(size: -1, frontier: []) }
    }

    @Test func memoryTreeRefusesIncompleteSubtrees() async throws {
        let tree = AuditMerkleMemoryTree(leafHashes: Self.leafHashes(5))
        #expect(tree.count(level: 0) == 5)
        #expect(tree.count(level: 2) == 1)
        await #expect(throws: AuditTrailError.self) { try await tree.hash(level: 1, index: 2) }
        await #expect(throws: AuditTrailError.self) { try await tree.root(size: 6) }
        await #expect(throws: AuditTrailError.self) { try await tree.inclusionProof(index: 5, size: 5) }
        await #expect(throws: AuditTrailError.self) { try await tree.consistencyProof(from: 4, to: 3) }
    }

    @Test(arguments: [1_000_000, 999_999, 1_048_576, 1_048_575, 524_289] as [Int64])
    func proofsAtAMillionReadLogarithmicallyManyHashesInOneCall(size: Int64) async throws {
        let source = CountingSource()
        _ = try await source.root(size: size)
        #expect(source.reads.withLock { $0 } == (1, size.nonzeroBitCount))
        for index in [0, size / 3, size - 1] {
            source.reads.withLock { $0 = (0, 0) }
            let proof = try await source.inclusionProof(index: index, size: size)
            let reads = source.reads.withLock { $0 }
            #expect(reads.calls == 1)
            #expect(reads.nodes <= 2 * 21, "index \(index): \(reads.nodes) reads")
            #expect(proof.count <= 21)
        }
        for from in [1, size / 2, size - 1] {
            source.reads.withLock { $0 = (0, 0) }
            _ = try await source.consistencyProof(from: from, to: size)
            let reads = source.reads.withLock { $0 }
            #expect(reads.calls == 1)
            #expect(reads.nodes <= 2 * 21, "from \(from): \(reads.nodes) reads")
        }
        source.reads.withLock { $0 = (0, 0) }
        _ = try await AuditMerkleTreeBuilder(size: size, source: source)
        #expect(source.reads.withLock { $0 } == (1, size.nonzeroBitCount))
    }
}
