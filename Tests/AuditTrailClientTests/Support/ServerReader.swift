import AuditTrail
import AuditTrailClient

/// Reads a test server back through the client's HTTP layer: the stored events, `/metrics`,
/// `POST /v1/verify`.
struct ServerReader {
    let connection: AuditServerConnection

    init(_ server: ClientTestServer, trust: AuditServerTrust = .systemRoots) throws {
        var configuration = AuditServerConnection.Configuration(server: server.url, apiKey: server.adminKey)
        configuration.trust = trust
        connection = try AuditServerConnection(configuration: configuration)
    }

    /// Every stored event of `resourceType`, oldest first, as `(id, resource.id)`.
    func events(resourceType: String) async throws -> [(id: String, resource: String)] {
        var result: [(String, String)] = []
        var cursor: String?
        repeat {
            var path = "/v1/events?resource_type=\(resourceType)&order=asc&limit=1000"
            if let cursor { path += "&cursor=\(cursor)" }
            let page = try await connection.get(path).requireSuccess("GET /v1/events").json()
            for event in page["events"]?.arrayValue ?? [] {
                result.append((event["id"]?.stringValue ?? "", event["resource"]?["id"]?.stringValue ?? ""))
            }
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        return result
    }

    /// How many `POST /v1/events/batch` requests the server counted, by `/metrics`.
    func batchRequests() async throws -> Int {
        let text = try await connection.get("/metrics").requireSuccess("GET /metrics").text
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix("audittrail_http_requests_total{") && line.contains("/v1/events/batch") {
            total += Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return Int(total)
    }

    /// How many responses with `status` the server counted for `route`, by `/metrics`.
    func responses(route: String, status: Int) async throws -> Int {
        let text = try await connection.get("/metrics").requireSuccess("GET /metrics").text
        var total = 0.0
        for line in text.split(separator: "\n")
        where line.hasPrefix("audittrail_http_requests_total{") && line.contains(route) && line.contains("status=\"\(status)\"") {
            total += Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return Int(total)
    }

    /// Whether the server's re-hash of the whole log is ok.
    func verifies() async throws -> Bool {
        try await connection.post("/v1/verify", body: []).requireSuccess("POST /v1/verify").json()["ok"] == .bool(true)
    }

    func shutdown() async { try? await connection.shutdown() }
}
