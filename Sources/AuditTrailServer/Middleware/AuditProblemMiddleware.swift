import AuditTrail
import AuditTrailHummingbird
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error thrown below it, Hummingbird's own 404 included, into a problem response.
struct AuditProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = AuditProblem(error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["audit.problem": "\(problem.slug)", "error.type": "\(type(of: error))"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
