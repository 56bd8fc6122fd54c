import Crypto

/// RFC 6962 / RFC 9162 Merkle tree hashing and the tree arithmetic shared by proofs and builders.
///
/// A leaf hash is `SHA-256(0x00 ‖ canonical bytes)`, an interior node `SHA-256(0x01 ‖ left ‖ right)`
/// and the root of the empty tree `SHA-256("")`. The tree over `n` leaves splits at `k`, the
/// largest power of two below `n` (RFC 6962 §2.1), so every root and every proof is made of
/// *perfect* subtrees — at most one per set bit of `n` along each edge — which is what lets a store
/// answer any of them in O(log n) reads of cached subtree hashes (see ``AuditMerkleHashSource``).
///
/// ```swift
/// let leaf = AuditMerkle.leafHash(event.canonical)
/// try AuditMerkle.verifyInclusion(leafHash: leaf, index: 41, size: 1000, proof: proof, root: root)
/// ```
public enum AuditMerkle {
    /// The root of the empty tree: `SHA-256("")`.
    public static let emptyRoot = AuditHash(bytes: Array(SHA256.hash(data: [UInt8]())))!

    /// The prefixes RFC 6962 puts before a leaf's and a node's bytes.
    private static let leafPrefix: [UInt8] = [0x00], nodePrefix: [UInt8] = [0x01]

    /// The hash of one leaf: `SHA-256(0x00 ‖ data)`.
    ///
    /// - Parameter data: the leaf's bytes (for AuditTrail, an event's stored canonical bytes).
    public static func leafHash(_ data: some Sequence<UInt8>) -> AuditHash {
        // Contiguous bytes (an event's canonical array) are hashed in place.
        if let hash = data.withContiguousStorageIfAvailable({ bytes in
            leafPrefix.withUnsafeBytes { AuditSHA256.hash($0, UnsafeRawBufferPointer(bytes)) }
        }) {
            return hash
        }
        return leafHash(Array(data))
    }

    /// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
    public static func nodeHash(_ left: AuditHash, _ right: AuditHash) -> AuditHash {
        nodePrefix.withUnsafeBytes { prefix in
            left.withUnsafeBytes { left in right.withUnsafeBytes { AuditSHA256.hash(prefix, left, $0) } }
        }
    }

    /// `SHA-256(0x00 ‖ data)` written to the 32 bytes at `output`, without allocating.
    package static func leafHash(_ data: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        leafPrefix.withUnsafeBytes { AuditSHA256.hash($0, data, into: output) }
    }

    /// `SHA-256(0x01 ‖ left ‖ right)` of the 32 bytes at each pointer, written to the 32 bytes at
    /// `output` (which may be either input), without allocating.
    package static func nodeHash(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, into output: UnsafeMutableRawPointer) {
        nodePrefix.withUnsafeBytes {
            AuditSHA256.hash(
                $0,
                UnsafeRawBufferPointer(start: left, count: AuditHash.byteCount),
                UnsafeRawBufferPointer(start: right, count: AuditHash.byteCount),
                into: output
            )
        }
    }

    /// Whether the 32-byte hashes at `a` and `b` are equal (four word compares).
    package static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Bool {
        var difference: UInt64 = 0
        for offset in stride(from: 0, to: AuditHash.byteCount, by: 8) {
            difference |= a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        return difference == 0
    }

    /// The perfect subtrees that make up the leaf range `lo ..< hi`, left to right, biggest first.
    ///
    /// Valid for every range the RFC 6962 recursion produces (`lo` is a multiple of a power of two
    /// at least `hi - lo`), which includes `0 ..< n` for any tree size: one subtree per set bit.
    static func perfectSubtrees(from lo: Int64, to hi: Int64) -> [AuditMerkleNodeID] {
        var out: [AuditMerkleNodeID] = []
        var start = lo
        var remaining = hi - lo
        while remaining > 0 {
            let level = 63 - remaining.leadingZeroBitCount
            out.append(AuditMerkleNodeID(level: level, index: start >> level))
            start += Int64(1) << level
            remaining -= Int64(1) << level
        }
        return out
    }

    /// The largest power of two strictly below `n` (`n` ≥ 2): RFC 6962's split point `k`.
    static func splitPoint(_ n: Int64) -> Int64 {
        Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// Folds the hashes of consecutive perfect subtrees (left to right) into the hash of their range,
    /// exactly as RFC 6962's MTH recursion combines them: `H(a, H(b, H(c, d)))`.
    static func fold(_ hashes: [AuditHash]) -> AuditHash {
        guard var result = hashes.last else { return emptyRoot }
        var index = hashes.count - 2
        while index >= 0 {
            result = nodeHash(hashes[index], result)
            index -= 1
        }
        return result
    }

    /// The root of a list of leaf hashes computed directly from the RFC 6962 definition, O(n).
    ///
    /// Meant for tests and small trees; logs use ``AuditMerkleTreeBuilder`` or a hash source.
    public static func root(leafHashes: [AuditHash]) -> AuditHash {
        guard !leafHashes.isEmpty else { return emptyRoot }
        return rangeRoot(leafHashes[...])
    }

    private static func rangeRoot(_ leaves: ArraySlice<AuditHash>) -> AuditHash {
        if leaves.count == 1 { return leaves[leaves.startIndex] }
        let k = Int(splitPoint(Int64(leaves.count)))
        let mid = leaves.startIndex + k
        return nodeHash(rangeRoot(leaves[..<mid]), rangeRoot(leaves[mid...]))
    }
}
