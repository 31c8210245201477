import Hummingbird
import Logging

/// A refusal or failure the dashboard shows as a page: a status, a heading, what happened and what to do.
struct DashboardError: Error, Sendable {
    var status: HTTPResponse.Status
    var heading: String
    var message: String
    var back = "/"
    var backLabel = "Back to the apps"
    /// Sent as `Retry-After` (a refusal that passes, such as too many live views).
    var retryAfterSeconds: Int? = nil
}

/// Every dashboard error becomes a readable page: the API's refusals with their status and message,
/// the dashboard's own, and anything else as a 500 without internals.
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DashboardError {
            return page(error)
        } catch let failure as APIFailure {
            return page(DashboardError(status: HTTPResponse.Status(code: failure.status), heading: Self.heading(failure.status), message: failure.message))
        } catch let error as HTTPError where error.status == .notFound {
            return page(DashboardError(status: .notFound, heading: "Not found", message: "There is no page at \(request.uri.path)."))
        } catch {
            context.logger.error("dashboard page failed", metadata: ["request.path": "\(request.uri.path.prefix(200))", "error": "\(error)"])
            return page(DashboardError(status: .internalServerError, heading: "Something went wrong",
                                       message: "The server could not show this page; its log says why."))
        }
    }

    private func page(_ error: DashboardError) -> Response {
        var response = pages.render("error", ErrorView(heading: error.heading, message: error.message, back: error.back, backLabel: error.backLabel),
                                    status: error.status)
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    static func heading(_ status: Int) -> String {
        switch status {
        case 400: "Not accepted"
        case 401, 403: "Refused"
        case 404: "Not found"
        case 409: "Conflict"
        default: "Failed"
        }
    }

    struct ErrorView {
        var heading: String
        var message: String
        var back: String
        var backLabel: String
    }
}
