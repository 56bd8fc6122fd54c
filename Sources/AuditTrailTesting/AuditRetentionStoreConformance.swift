import AuditTrail
import Testing

/// One part of the retention contract that ``AuditRetentionStoreConformance`` checks.
public enum AuditRetentionStoreConformanceCheck: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A removal records the anchor of its last event (seq, chain hash, the stored subtree hashes
    /// of the prefix) and deletes exactly the prefix; reads no longer see it; the newest event,
    /// events after `through`, events received after the cutoff and more than `limit` stay.
    case removalRecordsTheAnchor
    /// After a removal the chain and the whole log verify from the anchor, and proofs for the
    /// remaining events verify against a checkpoint signed after it.
    case verificationFromTheAnchor
    /// The window is stored: nil at first, kept by a non-replacing set, changed by a replacing one.
    case windowIsStored

    public var description: String { rawValue }
}

/// The retention contract as executable checks, for any ``AuditStore`` that is also an
/// ``AuditRetentionStore``. Each check gets a fresh, empty store from the factory.
///
/// ```swift
/// @Test(arguments: AuditRetentionStoreConformanceCheck.allCases)
/// func retention(_ check: AuditRetentionStoreConformanceCheck) async throws {
///     try await AuditRetentionStoreConformance(makeStore: { try await makeTemporaryStore() },
///                                              closeStore: { try await $0.close() }).run(check)
/// }
/// ```
public struct AuditRetentionStoreConformance<Store: AuditStore & AuditRetentionStore>: Sendable {
    let harness: AuditStoreHarness<Store>
    var validator: AuditEventValidator { harness.validator }
    /// Later than every event a check appends.
    let later = AuditTime.now().adding(milliseconds: 86_400_000)

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
    public func run(_ check: AuditRetentionStoreConformanceCheck) async throws {
        try await harness.withStore { store in
            switch check {
            case .removalRecordsTheAnchor: try await removalRecordsTheAnchor(store)
            case .verificationFromTheAnchor: try await verificationFromTheAnchor(store)
            case .windowIsStored: try await windowIsStored(store)
            }
        }
    }

    func append(_ count: Int, seed: UInt64, to store: Store) async throws {
        try await harness.append(count, seed: seed, to: store)
    }

    /// Signs and stores a checkpoint of the whole log.
    func checkpoint(_ store: Store, _ signer: AuditSigner) async throws -> AuditStoredCheckpoint {
        let size = try await store.head().seq
        let root = try await store.root(size: size)
        let time = AuditTime.now()
        let note = try AuditCheckpoint(origin: "conformance/log", size: size, rootHash: root, time: time).signedNote(signer: signer)
        let stored = AuditStoredCheckpoint(treeSize: size, rootHash: root, time: time, note: note)
        _ = try await store.storeCheckpoint(stored)
        return stored
    }

    func removalRecordsTheAnchor(_ store: Store) async throws {
        try await append(12, seed: 1, to: store)
        let rows = try await store.rows(after: 0, limit: 100)
        #expect(try await store.retentionAnchor() == nil)
        #expect(try await store.removeOldestEvents(through: 12, receivedBefore: AuditTime(milliseconds: 0), limit: 100, at: .now()) == nil)
        #expect(try await store.removeOldestEvents(through: 0, receivedBefore: later, limit: 100, at: .now()) == nil)

        let first = try #require(try await store.removeOldestEvents(through: 12, receivedBefore: later, limit: 4, at: .now()))
        #expect(first.seq == 4)
        let anchor = try #require(try await store.removeOldestEvents(through: 6, receivedBefore: later, limit: 100, at: .now()))
        #expect(anchor.seq == 6)
        #expect(anchor.hash == rows[5].hash)
        #expect(anchor.subtreeHashes == (try await store.hashes(AuditMerkleTreeBuilder.frontierNodes(size: 6))))
        #expect(try await store.retentionAnchor() == anchor)
        #expect(try await store.chainStart() == anchor.chainStart)
        #expect(try await store.rows(after: 0, limit: 100).map(\.seq) == Array(7...12))
        #expect(try await store.event(id: rows[0].id) == nil)
        #expect(try await store.event(id: rows[6].id)?.seq == 7)
        var query = AuditQuery()
        query.limit = 100
        #expect(try await store.events(matching: query).events.map(\.seq).sorted() == Array(7...12))
        #expect(try await store.head() == AuditChainHead(seq: 12, hash: rows[11].hash))

        // The newest event stays.
        #expect(try await store.removeOldestEvents(through: 100, receivedBefore: later, limit: 100, at: .now())?.seq == 11)
        #expect(try await store.removeOldestEvents(through: 100, receivedBefore: later, limit: 100, at: .now()) == nil)
        #expect(try await store.rows(after: 0, limit: 100).map(\.seq) == [12])
        try await append(1, seed: 2, to: store)
        #expect(try await store.head().seq == 13)
        #expect(try await store.verifyChain().ok)
    }

    func verificationFromTheAnchor(_ store: Store) async throws {
        let signer = try AuditSigner.generate(name: "conformance")
        try await append(5, seed: 1, to: store)
        let early = try await checkpoint(store, signer)
        try await append(9, seed: 2, to: store)
        _ = try await checkpoint(store, signer)
        try await store.removeOldestEvents(through: 14, receivedBefore: later, limit: 100, at: .now()).map { #expect($0.seq == 13) }
        try await append(4, seed: 3, to: store)
        let latest = try await checkpoint(store, signer)

        let chain = try await store.verifyChain(pageSize: 2)
        #expect(chain.ok, "\(String(describing: chain.problem))")
        #expect(chain.checked == 5)
        let log = try await store.verifyLog(publicKey: signer.publicKey, pageSize: 2)
        #expect(log.ok, "\(String(describing: log.problem))")
        #expect(log.checkpointsChecked == 2)
        #expect(log.checkpointsCoveredByAnchor == 1)
        #expect(log.anchor?.seq == 13)
        let wrong = try await store.verifyLog(publicKey: try AuditSigner.generate(name: "conformance").publicKey)
        #expect(wrong.problem?.kind == .badSignature)

        for row in try await store.rows(after: 0, limit: 100) {
            let proof = try await store.inclusionProof(index: row.seq - 1, size: latest.treeSize)
            try AuditMerkle.verifyInclusion(
                leafHash: AuditMerkle.leafHash(row.canonical),
                index: row.seq - 1,
                size: latest.treeSize,
                proof: proof,
                root: latest.rootHash
            )
        }
        let proof = try await store.consistencyProof(from: early.treeSize, to: latest.treeSize)
        try AuditMerkle.verifyConsistency(
            from: early.treeSize,
            to: latest.treeSize,
            oldRoot: early.rootHash,
            newRoot: latest.rootHash,
            proof: proof
        )
    }

    func windowIsStored(_ store: Store) async throws {
        #expect(try await store.retentionWindow() == nil)
        let month = try AuditRetentionWindow(days: 30)
        #expect(try await store.setRetentionWindow(month, replacing: false) == month)
        #expect(try await store.setRetentionWindow(.off, replacing: false) == month)
        #expect(try await store.retentionWindow() == month)
        #expect(try await store.setRetentionWindow(.off, replacing: true) == .off)
        #expect(try await store.retentionWindow() == .off)
    }
}
