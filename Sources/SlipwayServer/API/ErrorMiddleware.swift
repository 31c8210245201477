import Hummingbird
import Logging
import SlipwayCore

/// Every error leaves the API as `{"error": {"code", "message"}}` with its status, including
/// Hummingbird's own (unknown route, wrong method) and unexpected ones (500, logged).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
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

/// With a token configured, every call but /healthz needs `Authorization: Bearer TOKEN`.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        let presented = request.headers[.authorization] ?? ""
        guard presented.hasPrefix("Bearer "), Self.constantTimeEqual(String(presented.dropFirst(7)), token) else {
            throw SlipwayError.unauthorized("missing or wrong API token; send Authorization: Bearer TOKEN (the CLI reads SLIPWAY_TOKEN)")
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so timing does not tell how much of a guess was right.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
