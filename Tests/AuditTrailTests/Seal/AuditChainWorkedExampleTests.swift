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
            #"{"action":"user.login","actor":{"id":"u-1"},"category":"authentication","id":"00000000-0000-7000-8000-000000000001","ingested_by":"app","outcome":"success","received_at":"2026-01-01T00:00:00.000Z","redacted":[],"seq":1,"severity":"info","time":"2026-01-01T00:00:00.000Z"}"#,
            "2601cce457c07f2d7b0156f8325a81abe5e8af23e73e483f292e94e48fc47806",
            "0baf2a6d22a979df78b1d5d56669e7a957259580ecc6386b6d29f9560fca0cc2"
        ),
        (
            #"{"action":"document.view","actor":{"id":"u-1"},"category":"document","id":"00000000-0000-7000-8000-000000000002","ingested_by":"app","outcome":"success","received_at":"2026-01-01T00:00:00.000Z","redacted":[],"resource":{"id":"d-7","type":"document"},"seq":2,"severity":"info","time":"2026-01-01T00:00:00.000Z"}"#,
            "c9149aa32a9a0bd1eae5537fdd7ed6b78515284ed4856545008ae976cc98eb07",
            "8b4f80bcfc244fbf7f7dd14d73c80b21281cff9ea5c3788cb510d016f375c8d4"
        ),
        (
            #"{"action":"user.logout","actor":{"id":"u-1"},"category":"authentication","id":"00000000-0000-7000-8000-000000000003","ingested_by":"app","outcome":"success","received_at":"2026-01-01T00:00:00.000Z","redacted":[],"seq":3,"severity":"info","time":"2026-01-01T00:00:00.000Z"}"#,
            "7f13a1e6fa9f2018b4f29ff62effc1b7dd5e283f923d25ceb0ace0e13f7d7d0d",
            "ed1525e5991c258a1e772373ad48f91e665d696ed0d02f9d5275c280014591bf"
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
            AuditMerkle.root(leafHashes: rows.map(\.leafHash)).hex == "1e7b27fdd997b02ee070521af5d09b88cdf613897e08890e10cc83795afff8de"
        )
    }
}
