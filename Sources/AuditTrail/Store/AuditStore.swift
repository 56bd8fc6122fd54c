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

/// Everything a served log needs from its store: appending and reading, keys, checkpoints and
/// retention, and the check of its derived data. The SQLite and the PostgreSQL store are both one;
/// the server and the CLI work on either through it.
public typealias AuditLogStore = AuditStore & AuditKeyStore & AuditRetentionStore & AuditDerivedDataStore & AuditSettingsStore
