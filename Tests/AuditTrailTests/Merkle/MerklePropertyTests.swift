import AuditTrail
import AuditTrailTesting
import Testing

/// Seeded random trees: every root, inclusion proof and consistency proof verifies against the
/// RFC 6962 definition, and any single flipped bit in a leaf, a proof hash or a root fails.
@Suite struct MerklePropertyTests {
    static func randomTree(size: Int, generator: inout SeededGenerator) -> (AuditMerkleMemoryTree, [AuditHash]) {
        var tree = AuditMerkleMemoryTree()
        var leafHashes: [AuditHash] = []
        for _ in 0..<size {
            let data = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            tree.append(leaf: data)
            leafHashes.append(AuditMerkle.leafHash(data))
        }
        return (tree, leafHashes)
    }

    static func flipped(_ hash: AuditHash, bit: Int) -> AuditHash {
        var copy = hash.bytes
        copy[bit / 8] ^= UInt8(1) << (bit % 8)
        return AuditHash(bytes: copy)!
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func everyRootAndInclusionProofVerifies(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let size = Int.random(in: 1...80, using: &generator)
        let (tree, leaves) = Self.randomTree(size: size, generator: &generator)
        for n in 1...size {
            let root = try await tree.root(size: Int64(n))
            #expect(root == AuditMerkle.root(leafHashes: Array(leaves[..<n])), "size \(n)")
            for index in 0..<n {
                let proof = try await tree.inclusionProof(index: Int64(index), size: Int64(n))
                try AuditMerkle.verifyInclusion(leafHash: leaves[index], index: Int64(index), size: Int64(n), proof: proof, root: root)
            }
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func everyConsistencyProofVerifies(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let size = Int.random(in: 1...70, using: &generator)
        let (tree, _) = Self.randomTree(size: size, generator: &generator)
        var roots: [AuditHash] = []
        for n in 0...size { roots.append(try await tree.root(size: Int64(n))) }
        for to in 0...size {
            for from in 0...to {
                let proof = try await tree.consistencyProof(from: Int64(from), to: Int64(to))
                try AuditMerkle.verifyConsistency(from: Int64(from), to: Int64(to), oldRoot: roots[from], newRoot: roots[to], proof: proof)
            }
        }
    }

    @Test(arguments: [UInt64(21), 22, 23, 24])
    func anyFlippedBitFailsInclusion(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let size = Int.random(in: 2...300, using: &generator)
        let (tree, leaves) = Self.randomTree(size: size, generator: &generator)
        let n = Int.random(in: 2...size, using: &generator)
        let index = Int.random(in: 0..<n, using: &generator)
        let root = try await tree.root(size: Int64(n))
        let proof = try await tree.inclusionProof(index: Int64(index), size: Int64(n))
        func fails(leaf: AuditHash, proof: [AuditHash], root: AuditHash) -> Bool {
            (try? AuditMerkle.verifyInclusion(leafHash: leaf, index: Int64(index), size: Int64(n), proof: proof, root: root)) == nil
        }
        #expect(!fails(leaf: leaves[index], proof: proof, root: root))
        for bit in 0..<256 {
            #expect(fails(leaf: Self.flipped(leaves[index], bit: bit), proof: proof, root: root))
            #expect(fails(leaf: leaves[index], proof: proof, root: Self.flipped(root, bit: bit)))
            for element in proof.indices {
                var wrong = proof
                wrong[element] = Self.flipped(wrong[element], bit: bit)
                #expect(fails(leaf: leaves[index], proof: wrong, root: root), "proof[\(element)] bit \(bit)")
            }
        }
    }

    @Test(arguments: [UInt64(31), 32, 33, 34])
    func anyFlippedBitFailsConsistency(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let size = Int.random(in: 3...300, using: &generator)
        let (tree, _) = Self.randomTree(size: size, generator: &generator)
        let to = Int64.random(in: 2...Int64(size), using: &generator)
        let from = Int64.random(in: 1..<to, using: &generator)
        let oldRoot = try await tree.root(size: from)
        let newRoot = try await tree.root(size: to)
        let proof = try await tree.consistencyProof(from: from, to: to)
        func fails(_ old: AuditHash, _ new: AuditHash, _ proof: [AuditHash]) -> Bool {
            (try? AuditMerkle.verifyConsistency(from: from, to: to, oldRoot: old, newRoot: new, proof: proof)) == nil
        }
        #expect(!fails(oldRoot, newRoot, proof))
        for bit in 0..<256 {
            #expect(fails(Self.flipped(oldRoot, bit: bit), newRoot, proof), "old root bit \(bit)")
            #expect(fails(oldRoot, Self.flipped(newRoot, bit: bit), proof), "new root bit \(bit)")
            for element in proof.indices {
                var wrong = proof
                wrong[element] = Self.flipped(wrong[element], bit: bit)
                #expect(fails(oldRoot, newRoot, wrong), "proof[\(element)] bit \(bit)")
            }
        }
    }

    @Test func aChangedLeafChangesEveryLaterRootAndBreaksConsistency() async throws {
        var generator = SeededGenerator(seed: 41)
        let (tree, leaves) = Self.randomTree(size: 100, generator: &generator)
        var edited = leaves
        edited[37] = AuditMerkle.leafHash(Array("edited".utf8))
        let forged = AuditMerkleMemoryTree(leafHashes: edited)
        for n in Int64(1)...100 {
            let same = try await tree.root(size: n) == forged.root(size: n)
            #expect(same == (n <= 37), "size \(n)")
        }
        // The honest old checkpoint at 50 is not a prefix of the forged tree at 100.
        let honestOldRoot = try await tree.root(size: 50)
        let proof = try await forged.consistencyProof(from: 50, to: 100)
        #expect(throws: AuditTrailError.self) {
            try AuditMerkle.verifyConsistency(from: 50, to: 100, oldRoot: honestOldRoot, newRoot: forged.root, proof: proof)
        }
    }
}
