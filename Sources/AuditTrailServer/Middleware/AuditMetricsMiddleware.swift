import AuditTrail
import HTTPTypes
import Hummingbird
import Prometheus
import Synchronization

/// Counts every request by route (the router's template, so ids do not explode the label set)
/// and status, and times it. Outermost, so it sees the final status of problem responses.
struct AuditMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: AuditServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.recordRequest(
                route: Self.route(context),
                method: request.method,
                status: response.status.code,
                duration: ContinuousClock.now - start
            )
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(
                route: Self.route(context),
                method: request.method,
                status: status,
                duration: ContinuousClock.now - start
            )
            throw error
        }
    }

    private static func route(_ context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }
}
