import Hummingbird
import Logging
import SlipwayCore

/// Every error leaves the API as `{"error": {"code", "message"}}` with its status, including
/// Hummingbird's own (unknown route, wrong method) and unexpected ones (500, logged).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let limited as TooManyRequests {
            var response = try JSONResponse.make(ErrorBody(limited.error), status: .tooManyRequests)
            response.headers[.retryAfter] = String(limited.retryAfterSeconds)
            return response
        } catch let error as SlipwayError {
            return try JSONResponse.make(ErrorBody(error), status: .init(code: error.httpStatus))
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? (error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path); see GET /openapi.yaml"
                : error.status.reasonPhrase)
            return try JSONResponse.make(ErrorBody(SlipwayError(code: code, message: message, httpStatus: error.status.code)),
                                         status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return try JSONResponse.make(ErrorBody(.internal("internal error: \(error)")), status: .internalServerError)
        }
    }
}
