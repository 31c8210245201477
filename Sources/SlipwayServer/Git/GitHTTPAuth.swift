import Foundation
import Hummingbird
import SlipwayCore

/// How `/git/` requests authenticate: git sends the admin token as the HTTP Basic password (any
/// user name), which credential helpers can store; a bearer token works too. Without either
/// the answer is 401 with `WWW-Authenticate`, which makes git ask (or ask its helper).
enum GitHTTPAuth {
    static let pathPrefix = "/git/"

    static func permits(_ authorization: String?, token: String) -> Bool {
        guard let authorization else { return false }
        if authorization.hasPrefix("Bearer ") {
            return RequestGuardMiddleware<BasicRequestContext>.constantTimeEqual(String(authorization.dropFirst(7)), token)
        }
        guard authorization.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return false }
        return RequestGuardMiddleware<BasicRequestContext>.constantTimeEqual(String(pair[pair.index(after: colon)...]), token)
    }

    /// The Basic user name, for the record (git's REMOTE_USER); `git` when none was given.
    static func userName(_ authorization: String?) -> String {
        guard let authorization, authorization.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return "git" }
        let name = pair[..<colon].filter { $0.isLetter || $0.isNumber || "-_.@".contains($0) }
        return name.isEmpty ? "git" : String(name.prefix(64))
    }

    static func unauthorized(_ request: Request) -> Response {
        var response = GitHTTPError.response(
            .unauthorized("wrong or missing token: use the server's admin token as the password (any user name), e.g. `git config credential.helper store` and enter it once; `slipway git remote APP` prints the remote"),
            for: request)
        response.headers[.wwwAuthenticate] = "Basic realm=\"Slipway\", charset=\"UTF-8\""
        return response
    }
}

/// Errors of `/git/` routes: git prints a `text/plain` body to its user (as `remote: ...` lines)
/// and ignores any other, so git clients get text; other clients the API's JSON error.
enum GitHTTPError {
    static func response(_ error: SlipwayError, for request: Request) -> Response {
        let status = HTTPResponse.Status(code: error.httpStatus)
        let userAgent = request.headers[.userAgent] ?? ""
        if userAgent.hasPrefix("git/") {
            return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "slipway: \(error.message)\n")))
        }
        return (try? JSONResponse.make(ErrorBody(error), status: status)) ?? Response(status: status)
    }
}
