import AuditTrail
import Testing

/// The worked example of the chain in docs/ARCHITECTURE.md and the README, checked byte for byte:
/// three events sealed by the real validator and sealer into an empty log.
@Suite("The chain's worked example")
struct AuditChainWorkedExampleTests {
    static let receivedAt = AuditTime(milliseconds: 1_767_225_600_000)  // 2026-01-01T00:00:00.000Z

    static func sealed() throws -> [AuditSealedEvent] {
        let inputs = [
            AuditEventInput(
                id: "00000000-0000-7000-8000-000000000001",
                time: receivedAt,
                action: "user.login",
                outcome: .success,
                actor: .init(id: "u-1")
            ),
            AuditEventInput(
                id: "00000000-0000-7000-8000-000000000002",
                time: receivedAt,
                action: "document.view",
                outcome: .success,
                actor: .init(id: "u-1"),
                resource: .init(type: "document", id: "d-7")
            ),
            AuditEventInput(
                id: "00000000-0000-7000-8000-000000000003",
                time: receivedAt,
                action: "user.logout",
                outcome: .success,
                actor: .init(id: "u-1")
            ),
        ]
        let prepared = try inputs.map { try AuditEventValidator().prepare($0, receivedAt: receivedAt) }
        var sealer = try AuditSealer(
            head: .init(seq: 0, hash: AuditChain.genesis),
            headReceivedAt: receivedAt,
            tree: AuditMerkleTreeBuilder(),
            stored: [:],
            now: receivedAt
        )
        return sealer.sealAll(prepared)
    }

    /// The canonical bytes, leaf hashes and chain hashes of docs/ARCHITECTURE.md, as printed there
    /// (computed independently with Python's hashlib from the canonical bytes).
    static let expected: [(canonical: String, leaf: String, hash: String)] = [
        (
            #"{"action":"user.login","actor":{"id":"u-1"},"category":"authentication","id":"00000000-0000-7000-8000-000000000001","outcome":"success","received_at":"2026-01-01T00:00:00.000Z","redacted":[],"seq":1,"severity":"info","time":"2026-01-01T00:00:00.000Z"}"#,
            "499b8e817dbb510afb03de25a34ad6f84182a194e3cf76e493dab4a443762d76",
            "37c88edeb853600cf10a9a7b2e38fd91391eff7be256ccc93e563263d0cddb3b"
        ),
        (
            #"{"action":"document.view","actor":{"id":"u-1"},"category":"document","id":"00000000-0000-7000-8000-000000000002","outcome":"success","received_at":"2026-01-01T00:00:00.000Z","redacted":[],"resource":{"id":"d-7","type":"document"},"seq":2,"severity":"info","time":"2026-01-01T00:00:00.000Z"}"#,
            "49599bd2d43716a192d1c4ca9c53e26942beb755dfb861b9fc8017da29dc66c7",
            "a35616e3c4a7829abc91e094aae19bd349730d82338888d0fac49758455ae9dd"
        ),
        (
            #"{"action":"user.logout","actor":{"id":"u-1"},"category":"authentication","id":"00000000-0000-7000-8000-000000000003","outcome":"success","received_at":"2026-01-01T00:00:00.000Z","redacted":[],"seq":3,"severity":"info","time":"2026-01-01T00:00:00.000Z"}"#,
            "3ea56b757620d8c9dec7d6d15e8843910ec4d346354a54bdba05e8ebd678b816",
            "6ce711686f18a3b9b2966a41cbcc3963d5fba9e161ce3d2573c1407509734244"
        ),
    ]

    @Test func theFirstThreeHashesAreTheDocumentedOnes() throws {
        let rows = try Self.sealed()
        try #require(rows.count == 3)
        for (row, expected) in zip(rows, Self.expected) {
            #expect(String(decoding: row.canonical, as: UTF8.self) == expected.canonical)
            #expect(row.leafHash.hex == expected.leaf)
            #expect(row.hash.hex == expected.hash)
        }
        // leaf(n) = SHA-256(0x00 ‖ canonical(n)), hash(n) = SHA-256(hash(n-1) ‖ leaf(n)), hash(0) = 32 zero bytes.
        var previous = AuditChain.genesis
        for row in rows {
            #expect(row.leafHash == AuditMerkle.leafHash(row.canonical))
            previous = AuditChain.next(previous: previous, leaf: row.leafHash)
            #expect(row.hash == previous)
        }
    }

    @Test func theTreeOfTheExampleHasTheDocumentedRoot() throws {
        let rows = try Self.sealed()
        #expect(
            AuditMerkle.root(leafHashes: rows.map(\.leafHash)).hex == "ef4c4f1e79f4a54f25f8701ffaf5e66bbd7da3b1b3ee30f053efb6be738eacf0"
        )
    }
}
