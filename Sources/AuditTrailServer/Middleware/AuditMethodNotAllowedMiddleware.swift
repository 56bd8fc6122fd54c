import AuditTrailHummingbird
import HTTPTypes
import Hummingbird

/// Added after every route, so it wraps only Hummingbird's not-found responder: a known path with
/// another method becomes `405 Method Not Allowed` with an `Allow` header.
struct AuditMethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: AuditRouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let methods = table.methods(matching: request.uri.path)
            guard !methods.isEmpty else {
                throw AuditProblem.notFound("no route matches \(request.method.rawValue) on this path")
            }
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            throw AuditProblem(
                .methodNotAllowed,
                slug: "method-not-allowed",
                title: "Method not allowed",
                detail: "this path accepts \(allow)",
                headers: [.allow: allow]
            )
        }
    }
}
