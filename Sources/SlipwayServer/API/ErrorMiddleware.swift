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
        } catch {
            let (status, failure) = Self.describe(error, request: request, logger: context.logger)
            return try JSONResponse.make(ErrorBody(failure), status: status)
        }
    }

    /// The status and error body an error leaves the API with (also a refused WebSocket upgrade's).
    static func describe(_ error: any Error, request: Request, logger: Logger) -> (HTTPResponse.Status, SlipwayError) {
        switch error {
        case let limited as TooManyRequests:
            return (.tooManyRequests, limited.error)
        case let error as SlipwayError:
            return (.init(code: error.httpStatus), error)
        case let error as HTTPError:
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.body ?? (error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path); see GET /openapi.yaml"
                : error.status.reasonPhrase)
            return (error.status, SlipwayError(code: code, message: message, httpStatus: error.status.code))
        default:
            logger.error("request failed", metadata: ["error": "\(error)"])
            return (.internalServerError, .internal("internal error: \(error)"))
        }
    }
}
