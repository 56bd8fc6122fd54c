/// Appending to the log and reading it: what a full store (SQLite, PostgreSQL) provides.
///
/// The appending half is ``AuditStoreAppender``, which is all the ``AuditWriter`` needs, so an
/// append-only log with no query side (the daily ``AuditJSONLLog``) can stand behind a writer too.
///
/// ```swift
/// let store: any AuditStore = try await SQLiteAuditStore.open(configuration: .init(directory: "data"), logger: logger)
/// let results = try await store.append([prepared])
/// let page = try await store.events(matching: AuditQuery())
/// ```
public protocol AuditStore: AuditStoreReader, AuditStoreAppender {}
