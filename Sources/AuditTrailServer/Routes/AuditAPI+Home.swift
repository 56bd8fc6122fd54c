import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /`: what a newcomer who opens the server's address sees — the product, its version and
/// where to go next — until the web explorer takes this path.
extension AuditAPI {
    /// The product's version.
    static let productVersion = AuditTrailProduct.version

    /// The links the page offers, in order: (name, target, what it is).
    static let homeLinks: [(String, String, String)] = [
        ("openapi", "/openapi.json", "the API, as an OpenAPI 3.1 document"),
        ("healthz", "/healthz", "liveness"),
        ("readyz", "/readyz", "readiness: the store answers"),
        ("walkthrough", "README.md#walk-through", "the walk-through in the source's README: keys, events, queries, verification"),
    ]

    /// `GET /` (no key): a small HTML page, or JSON when the client asks for `application/json`.
    @Sendable func home(_ request: Request, context: AuditRequestContext) async throws -> Response {
        let wantsJSON = request.headers[.accept]?.contains("application/json") == true
        if wantsJSON {
            var w = AuditJSONWriter()
            w.object { o in
                o.string("name", "AuditTrail")
                o.string("version", Self.productVersion)
                o.string("description", "A tamper-evident audit log: every /v1/ route needs a key (Authorization: Bearer <key>).")
                o.object("links") { links in
                    for (name, target, _) in Self.homeLinks { links.string(name, target) }
                }
            }
            return json(w.bytes)
        }
        let items = Self.homeLinks.map { name, target, text in
            #"<li><a href="\#(target)">\#(name)</a> — \#(text)</li>"#
        }.joined(separator: "\n")
        let page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>AuditTrail \(Self.productVersion)</title></head>
            <body>
            <h1>AuditTrail \(Self.productVersion)</h1>
            <p>A tamper-evident audit log. Every <code>/v1/</code> route needs a key: <code>Authorization: Bearer &lt;key&gt;</code>.</p>
            <ul>
            \(items)
            </ul>
            </body></html>

            """
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'none'",
                .init("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: page))
        )
    }
}
