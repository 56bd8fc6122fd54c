import AuditTrail
import AuditTrailPostgres
import AuditTrailSQLite
import AuditTrailTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import AuditTrailServer

/// The environment admin key every test server starts with.
let adminSecret = "test-admin-secret-0123456789"

/// A fresh data directory per test, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("audittrail-server-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The store a test server runs on.
enum TestStore: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }
    /// Both stores when a PostgreSQL server is available (``AuditTestPostgres``), else SQLite alone.
    static var available: [TestStore] { AuditTestPostgres.isAvailable ? allCases : [.sqlite] }
}

/// Builds the real server (a real SQLite store in a fresh directory, or a fresh schema of the
/// test PostgreSQL server, dropped afterwards unless `keepsSchema`: another server on it goes on) and runs `body` against its router with the
/// application's services running.
func withServer<T: Sendable>(
    setup: TestingSetup = .router,
    on store: TestStore = .sqlite,
    keepsSchema: Bool = false,
    _ configure: (inout AuditServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (AuditServer, TestAPI) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { directory in
        var configuration = AuditServerConfiguration()
        configuration.dataDirectory = directory
        configuration.adminKey = adminSecret
        if store == .postgres {
            var database = try PostgresAuditStore.Configuration(url: try #require(AuditTestPostgres.url, AuditTestPostgres.unavailable))
            database.schema = AuditTestPostgres.newSchema()
            database.maximumConnections = 4
            configuration.database = database
        }
        configure(&configuration)
        let logger = Logger(label: "audittrail-test") { _ in SwiftLogNoOpLogHandler() }
        guard let database = configuration.database else {
            let server = try await AuditServer.make(configuration: configuration, logger: logger)
            return try await server.application.test(setup) { client in
                try await body(server, TestAPI(client: client))
            }
        }
        do {
            let result = try await AuditServer.withServer(configuration: configuration, logger: logger) { server in
                try await server.application.test(setup) { client in
                    try await body(server, TestAPI(client: client))
                }
            }
            if !keepsSchema { await dropTestSchema(database) }
            return result
        } catch {
            if !keepsSchema { await dropTestSchema(database) }
            throw error
        }
    }
}

/// Drops a test's PostgreSQL schema (`test_…`) with everything in it.
func dropTestSchema(_ database: PostgresAuditStore.Configuration) async {
    let logger = Logger(label: "audittrail-test") { _ in SwiftLogNoOpLogHandler() }
    try? await PostgresAuditStore.withStore(configuration: database, logger: logger) { store in
        try await store.dropSchemaForTests(database.schema)
    }
}

/// Twelve events, a checkpoint, retention removing seqs 1…10 (the anchor, returned), then one
/// more event: the log a retention test starts from.
func ingestAndRemoveTheFirstTen(_ server: AuditServer, _ api: TestAPI) async throws -> AuditRetentionAnchor {
    for index in 0..<12 { try await api.ingest(#"{"action":"doc.view","actor":{"id":"u-\#(index)"}}"#) }
    try await server.checkpointer.checkpoint()
    let anchor = try #require(
        try await server.store.removeOldestEvents(
            through: 10,
            receivedBefore: AuditTime.now().adding(milliseconds: 60_000),
            limit: 10_000,
            at: .now()
        )
    )
    #expect(anchor.seq == 10)
    try await api.ingest(#"{"action":"doc.view"}"#)
    return anchor
}

/// A response with its body parsed as JSON when it is JSON.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    /// The `field`s of a problem's `errors`.
    var errorFields: [String] { json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [] }
}

/// Sends requests with a key.
struct TestAPI: Sendable {
    let client: any TestClientProtocol

    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        key: String? = adminSecret,
        body: String? = nil,
        contentType: String = "application/json",
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = contentType }
        let response = try await client.executeRequest(
            uri: uri,
            method: method,
            headers: headers,
            body: body.map { ByteBuffer(string: $0) }
        )
        return Reply(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
    }

    /// Creates a key through the API and returns (id, secret).
    func createKey(role: String, subject: String? = nil, name: String = "k") async throws -> (id: String, secret: String) {
        let subjectJSON = subject.map { #","subject":"\#($0)""# } ?? ""
        let reply = try await send(.post, "/v1/keys", body: #"{"name":"\#(name)","role":"\#(role)"\#(subjectJSON)}"#)
        guard reply.status == .created, let id = reply.json["id"]?.stringValue, let secret = reply.json["key"]?.stringValue else {
            throw TestFailure("key creation failed: \(reply.status) \(reply.text)")
        }
        return (id, secret)
    }

    /// Posts one event and returns its reply.
    @discardableResult
    func ingest(_ json: String, key: String = adminSecret) async throws -> Reply {
        try await send(.post, "/v1/events", key: key, body: json)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
