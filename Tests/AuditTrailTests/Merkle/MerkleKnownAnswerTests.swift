import AuditTrail
import Testing

/// Known answers from the Certificate Transparency reference tests, as published in
/// transparency-dev/merkle `proof/verify_test.go` (carried over from Google's
/// certificate-transparency `merkle_tree_test` / `merkle_verifier_test`): eight leaves, the roots of
/// the trees of sizes 1…8, and audit paths and consistency proofs between them.
/// Those vectors number leaves from 1; here indices are from 0 (`leaf - 1`).
@Suite struct MerkleKnownAnswerTests {
    static let leaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ].map { AuditHex.bytes(hex: $0)! }

    static let roots: [String] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    struct Vector: Sendable, CustomTestStringConvertible {
        var a: Int64, b: Int64, proof: [String]
        var testDescription: String { "\(a)→\(b)" }
    }

    /// `inclusionProofs` of verify_test.go: (leaf index from 0, tree size, path).
    static let inclusion: [Vector] = [
        Vector(a: 0, b: 1, proof: []),
        Vector(
            a: 0,
            b: 8,
            proof: [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        Vector(
            a: 5,
            b: 8,
            proof: [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        Vector(a: 2, b: 3, proof: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        Vector(
            a: 1,
            b: 5,
            proof: [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]

    /// `consistencyProofs` of verify_test.go: (old size, new size, proof).
    static let consistency: [Vector] = [
        Vector(a: 1, b: 1, proof: []),
        Vector(
            a: 1,
            b: 8,
            proof: [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        Vector(
            a: 6,
            b: 8,
            proof: [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        Vector(
            a: 2,
            b: 5,
            proof: [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
        Vector(
            a: 6,
            b: 7,
            proof: [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ]

    static var tree: AuditMerkleMemoryTree {
        var tree = AuditMerkleMemoryTree()
        for leaf in leaves { tree.append(leaf: leaf) }
        return tree
    }

    static func root(_ size: Int64) -> AuditHash { AuditHash(hex: roots[Int(size) - 1])! }

    @Test func emptyTreeRootIsSHA256OfNothing() async throws {
        #expect(AuditMerkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try await Self.tree.root(size: 0) == AuditMerkle.emptyRoot)
        #expect(AuditMerkleTreeBuilder().root == AuditMerkle.emptyRoot)
    }

    @Test func rootsOfSizesOneToEightMatchTheReference() async throws {
        let tree = Self.tree
        var builder = AuditMerkleTreeBuilder()
        for size in 1...8 {
            builder.append(leafHash: AuditMerkle.leafHash(Self.leaves[size - 1]))
            #expect(try await tree.root(size: Int64(size)).hex == Self.roots[size - 1], "size \(size)")
            #expect(builder.root.hex == Self.roots[size - 1], "builder size \(size)")
            #expect(AuditMerkle.root(leafHashes: Self.leaves[..<size].map { AuditMerkle.leafHash($0) }).hex == Self.roots[size - 1])
        }
    }

    @Test(arguments: inclusion)
    func inclusionProofsMatchTheReferenceAndVerify(vector: Vector) async throws {
        let proof = try await Self.tree.inclusionProof(index: vector.a, size: vector.b)
        #expect(proof.map(\.hex) == vector.proof)
        let leaf = AuditMerkle.leafHash(Self.leaves[Int(vector.a)])
        try AuditMerkle.verifyInclusion(leafHash: leaf, index: vector.a, size: vector.b, proof: proof, root: Self.root(vector.b))
    }

    @Test(arguments: inclusion.filter { !$0.proof.isEmpty })
    func corruptedInclusionProofsFail(vector: Vector) throws {
        let proof = vector.proof.map { AuditHash(hex: $0)! }
        let leaf = AuditMerkle.leafHash(Self.leaves[Int(vector.a)])
        let root = Self.root(vector.b)
        // The probes of verify_test.go's corruptInclusionProof (its empty hashes cannot be made:
        // ``AuditHash`` is 32 bytes, so a zero hash stands in for them — still one hash too many).
        #expect(AuditHash(bytes: []) == nil)
        var probes: [(index: Int64, size: Int64, leaf: AuditHash, proof: [AuditHash], root: AuditHash)] = [
            (vector.a - 1, vector.b, leaf, proof, root), (vector.a + 1, vector.b, leaf, proof, root),
            (vector.a ^ 2, vector.b, leaf, proof, root), (vector.a, vector.b * 2, leaf, proof, root),
            (vector.a, vector.b / 2, leaf, proof, root),
            (vector.a, vector.b, AuditMerkle.leafHash(Array("WrongLeaf".utf8)), proof, root),
            (vector.a, vector.b, leaf, proof, AuditMerkle.emptyRoot),
            (vector.a, vector.b, leaf, proof + [.zero], root), (vector.a, vector.b, leaf, proof + [root], root),
            (vector.a, vector.b, leaf, [.zero] + proof, root), (vector.a, vector.b, leaf, [root] + proof, root),
            (vector.a, vector.b, leaf, Array(proof.dropLast()), root),
        ]
        for i in proof.indices {
            var wrong = proof
            wrong[i] = Self.flipping(wrong[i], 8)
            probes.append((vector.a, vector.b, leaf, wrong, root))
        }
        for probe in probes {
            #expect(throws: AuditTrailError.self) {
                try AuditMerkle.verifyInclusion(
                    leafHash: probe.leaf,
                    index: probe.index,
                    size: probe.size,
                    proof: probe.proof,
                    root: probe.root
                )
            }
        }
    }

    @Test(arguments: consistency)
    func consistencyProofsMatchTheReferenceAndVerify(vector: Vector) async throws {
        let proof = try await Self.tree.consistencyProof(from: vector.a, to: vector.b)
        #expect(proof.map(\.hex) == vector.proof)
        try AuditMerkle.verifyConsistency(
            from: vector.a,
            to: vector.b,
            oldRoot: Self.root(vector.a),
            newRoot: Self.root(vector.b),
            proof: proof
        )
    }

    @Test(arguments: consistency.filter { !$0.proof.isEmpty })
    func corruptedConsistencyProofsFail(vector: Vector) throws {
        let proof = vector.proof.map { AuditHash(hex: $0)! }
        let (a, b) = (vector.a, vector.b)
        let (r1, r2) = (Self.root(a), Self.root(b))
        let wrongRoot = AuditMerkle.leafHash(Array("WrongRoot".utf8))
        // The probes of verify_test.go's corruptConsistencyProof (a zero hash for its empty ones).
        var probes: [(a: Int64, b: Int64, r1: AuditHash, r2: AuditHash, proof: [AuditHash])] = [
            (a - 1, b, r1, r2, proof), (a + 1, b, r1, r2, proof), (a ^ 2, b, r1, r2, proof),
            (a, b * 2, r1, r2, proof), (a, b / 2, r1, r2, proof),
            (a, b, wrongRoot, r2, proof), (a, b, r1, wrongRoot, proof), (a, b, r2, r1, proof),
            (a, b, r1, r2, []), (a, b, r1, r2, proof + [.zero]), (a, b, r1, r2, proof + [r1]),
            (a, b, r1, r2, proof + [r2]), (a, b, r1, r2, [.zero] + proof), (a, b, r1, r2, [r1] + proof),
            (a, b, r1, r2, [r2] + proof), (a, b, r1, r2, [proof[0]] + proof),
            (a, b, r1, r2, Array(proof.dropLast())),
        ]
        for i in proof.indices {
            var wrong = proof
            wrong[i] = Self.flipping(wrong[i], 16)
            probes.append((a, b, r1, r2, wrong))
        }
        for probe in probes {
            #expect(throws: AuditTrailError.self) {
                try AuditMerkle.verifyConsistency(from: probe.a, to: probe.b, oldRoot: probe.r1, newRoot: probe.r2, proof: probe.proof)
            }
        }
    }

    @Test func trivialConsistencyCasesFollowTheReference() throws {
        // TestVerifyConsistency's fixed cases: equal sizes need equal roots and an empty proof.
        let r1 = AuditMerkle.leafHash(Array("don't care 1".utf8))
        let r2 = AuditMerkle.leafHash(Array("don't care 2".utf8))
        try AuditMerkle.verifyConsistency(from: 0, to: 0, oldRoot: r1, newRoot: r1, proof: [])
        try AuditMerkle.verifyConsistency(from: 0, to: 1, oldRoot: r1, newRoot: r2, proof: [])
        try AuditMerkle.verifyConsistency(from: 1, to: 1, oldRoot: r2, newRoot: r2, proof: [])
        #expect(throws: AuditTrailError.self) { try AuditMerkle.verifyConsistency(from: 1, to: 1, oldRoot: r1, newRoot: r2, proof: []) }
        #expect(throws: AuditTrailError.self) { try AuditMerkle.verifyConsistency(from: 1, to: 0, oldRoot: r1, newRoot: r2, proof: []) }
        #expect(throws: AuditTrailError.self) { try AuditMerkle.verifyConsistency(from: 1, to: 2, oldRoot: r1, newRoot: r2, proof: []) }
        #expect(throws: AuditTrailError.self) {
            try AuditMerkle.verifyConsistency(from: 0, to: 1, oldRoot: r1, newRoot: r1, proof: [AuditMerkle.emptyRoot])
        }
        #expect(throws: AuditTrailError.self) {
            try AuditMerkle.verifyConsistency(from: 1, to: 1, oldRoot: r1, newRoot: r1, proof: [AuditMerkle.emptyRoot])
        }
    }

    @Test func singleLeafTreeNeedsTheExactLeafHash() throws {
        let hash = AuditMerkle.leafHash(Array("data".utf8))
        try AuditMerkle.verifyInclusion(leafHash: hash, index: 0, size: 1, proof: [], root: hash)
        #expect(throws: AuditTrailError.self) { try AuditMerkle.verifyInclusion(leafHash: .zero, index: 0, size: 1, proof: [], root: hash) }
        #expect(throws: AuditTrailError.self) { try AuditMerkle.verifyInclusion(leafHash: hash, index: 0, size: 1, proof: [], root: .zero) }
        for (index, size) in [(Int64(0), Int64(0)), (1, 0), (2, 1)] {
            #expect(throws: AuditTrailError.self) {
                try AuditMerkle.verifyInclusion(leafHash: hash, index: index, size: size, proof: [], root: AuditMerkle.emptyRoot)
            }
        }
    }

    /// `hash` with `bits` flipped in its first byte.
    static func flipping(_ hash: AuditHash, _ bits: UInt8) -> AuditHash {
        var bytes = hash.bytes
        bytes[0] ^= bits
        return AuditHash(bytes: bytes)!
    }
}
