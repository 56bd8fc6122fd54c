import AuditTrail
import Testing

/// One part of the store contract that ``AuditStoreConformance`` checks.
public enum AuditStoreConformanceCheck: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Every field survives append → read by id / query → `decoded()`.
    case fieldsRoundTrip
    /// Seqs are 1…n without gaps, also under concurrent appends; `head`, `chainStart` and
    /// `AuditChainVerifier` over `rows(after:)` agree.
    case sequenceAndChain
    /// A re-sent client id is stored once and answered with the stored seq, hash and time.
    case idempotentResend
    /// A failing batch stores nothing and the chain continues after it.
    case batchAtomicity
    /// Every `AuditQuery` filter, alone and combined, including the viewer restriction.
    case filters
    /// Every search-language term, negation, OR and grouping.
    case searchLanguage
    /// Cursor pages in both orders with appends between pages: no duplicates, no gaps.
    case pagination
    /// An ``AuditFollower`` (what live tails read) with appends between its reads: every match
    /// once, in seq order, pages of at most its size, its position the head once caught up.
    case following
    /// Totals, breakdowns and the histogram for each bucket size.
    case stats
    /// Per-action counts.
    case seenActions
    /// Insert, list, revoke and look up API keys.
    case keys
    /// Settings by exact prefix, replaced in place (``AuditSettingsStore``), and a stream's
    /// definition, position and tombstone through ``AuditStreamCatalog``.
    case settings

    public var description: String { rawValue }
}

/// The store contract as executable checks, for any ``AuditStore`` that is also an
/// ``AuditKeyStore``. Each check gets a fresh, empty store from the factory and closes it after.
///
/// ```swift
/// @Test(arguments: AuditStoreConformanceCheck.allCases)
/// func conformance(_ check: AuditStoreConformanceCheck) async throws {
///     try await AuditStoreConformance(makeStore: { try await makeTemporaryStore() },
///                                     closeStore: { try await $0.close() }).run(check)
/// }
/// ```
public struct AuditStoreConformance<Store: AuditStore & AuditKeyStore>: Sendable {
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
    public func run(_ check: AuditStoreConformanceCheck) async throws {
        switch check {
        case .fieldsRoundTrip: try await withStore(fieldsRoundTrip)
        case .sequenceAndChain: try await withStore(sequenceAndChain)
        case .idempotentResend: try await withStore(idempotentResend)
        case .batchAtomicity: try await withStore(batchAtomicity)
        case .filters: try await withStore(filters)
        case .searchLanguage: try await withStore(searchLanguage)
        case .pagination: try await withStore(pagination)
        case .following: try await withStore(following)
        case .stats: try await withStore(stats)
        case .seenActions: try await withStore(seenActions)
        case .keys: try await withStore(keys)
        case .settings: try await withStore(settings)
        }
    }

    /// Runs every check in turn.
    public func runAll() async throws {
        for check in AuditStoreConformanceCheck.allCases { try await run(check) }
    }

    func withStore(_ body: (Store) async throws -> Void) async throws {
        try await harness.withStore(body)
    }

    /// Validates and appends inputs, returning the results.
    @discardableResult
    func append(_ inputs: [AuditEventInput], to store: Store) async throws -> [AuditAppendResult] {
        try await store.append(AuditFixtures.prepare(inputs, validator: validator))
    }

    /// Every stored event, decoded, in seq order (read through `rows(after:limit:)` in pages).
    func allEvents(_ store: Store) async throws -> [AuditEvent] {
        var out: [AuditEvent] = []
        var after: Int64 = 0
        while true {
            let rows = try await store.rows(after: after, limit: 97)
            if rows.isEmpty { return out }
            for row in rows { out.append(try row.decoded()) }
            after = rows.last!.seq
        }
    }

    /// Every event matching `query`, following cursors until the end.
    func collect(_ query: AuditQuery, from store: Store) async throws -> [AuditStoredEvent] {
        var query = query
        var out: [AuditStoredEvent] = []
        while true {
            let page = try await store.events(matching: query)
            #expect(page.events.count <= query.limit)
            out += page.events
            guard let next = page.nextCursor else { return out }
            #expect(next.afterSeq == page.events.last?.seq)
            query.cursor = next
        }
    }

    /// Appends the standard query data set: 600 fixture events in batches of 150, and the
    /// fully populated event. Returns every stored event, decoded.
    func loadDataSet(_ store: Store) async throws -> [AuditEvent] {
        for batch in 0..<4 { try await append(AuditFixtures.events(count: 150, seed: 42, start: batch * 150), to: store) }
        try await append([AuditFixtures.fullyPopulated()], to: store)
        let events = try await allEvents(store)
        #expect(events.count == 601)
        return events
    }
}
