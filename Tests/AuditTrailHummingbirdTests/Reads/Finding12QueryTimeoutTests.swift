import AuditTrail
import AuditTrailHummingbird
import AuditTrailSQLite
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Issue 12, finding 12: a read past its time budget is answered with the documented problem — a
/// 422 of type `query-timeout` naming the budget, with `Retry-After` — and no data.
@Suite struct Finding12QueryTimeoutTests {
    @Test func finding12_aQueryOverItsBudgetIsA422QueryTimeout() async throws {
        try await withSQLiteSink { store, _, sink in
            for index in 0..<3 { try sink.enqueue(AuditEventInput(action: "doc.view", actor: .init(id: "u-\(index)"))) }
            try await waitForHead(store, atLeast: 3)
            let signer = try AuditSigner.generate(name: "test.example")
            // A budget spent before the store is reached: deterministic, whatever the machine.
            let reads = AuditReadRoutes<UserContext>(store: store, publicKey: signer.publicKey, recorder: sink, queryTimeout: .nanoseconds(1)) {
                _,
                _,
                _ in AuditReadAccess(actor: .init(id: "admin", type: "user"))
            }
            let router = Router(context: UserContext.self)
            router.addRoutes(reads.routeCollection)
            try await withApp(router) { client in
                for uri in ["/events", "/stats"] {
                    let response = try await client.executeRequest(uri: uri, method: .get, headers: [:], body: nil)
                    #expect(response.status == .unprocessableContent, "\(uri)")
                    #expect(response.headers[.retryAfter] == "1", "\(uri)")
                    let body = try JSONParser.parse(response.body.readableBytesView)
                    #expect(body["type"]?.stringValue == "urn:audittrail:problem:query-timeout", "\(uri)")
                    #expect(body["detail"]?.stringValue?.contains("time budget of") == true, "\(uri)")
                    #expect(body["events"] == nil)
                }
                // Verification has no time budget.
                let verify = try await client.executeRequest(uri: "/verify", method: .post, headers: [:], body: nil)
                #expect(verify.status == .ok)
            }
        }
    }
}
