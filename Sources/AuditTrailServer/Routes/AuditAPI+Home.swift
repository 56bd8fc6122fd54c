import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /`: what a newcomer who opens the server's address sees — the web explorer
/// (``AuditExplorer``) in a browser; the product, its version and where to go next as JSON (or as a
/// plain page when the explorer's files are not installed next to the executable).
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
        if let explorer { return Self.explorerResponse(explorer.page, mediaType: "text/html; charset=utf-8", cache: "no-cache") }
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

    /// `GET /assets/{name}` (no key): one of the explorer's files by its hashed name, cached for a
    /// year (its name changes with its content); 404 otherwise.
    @Sendable func explorerAsset(_ request: Request, context: AuditRequestContext) async throws -> Response {
        guard let name = context.parameters.get("name"), let asset = explorer?.assets[name] else {
            throw AuditProblem.notFound("no such asset")
        }
        return Self.explorerResponse(asset.bytes, mediaType: asset.mediaType, cache: "public, max-age=31536000, immutable")
    }

    /// A response of the explorer: its Content-Security-Policy, `nosniff`, no referrer, the cache rule.
    static func explorerResponse(_ bytes: [UInt8], mediaType: String, cache: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: mediaType,
                .contentSecurityPolicy: AuditExplorer.contentSecurityPolicy,
                .init("X-Content-Type-Options")!: "nosniff",
                .init("Referrer-Policy")!: "no-referrer",
                .cacheControl: cache,
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
