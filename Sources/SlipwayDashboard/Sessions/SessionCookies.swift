import Foundation
import Hummingbird

/// The dashboard's cookies: the session id (HttpOnly, SameSite=Strict, Secure over HTTPS, for the
/// session's lifetime) and the sign-in form's CSRF token, which exists before any session does.
struct SessionCookies: Sendable {
    static let sessionName = "slipway_session"
    static let signInName = "slipway_signin"
    let secure: Bool
    let lifetime: Duration

    func session(_ session: Session) -> Cookie {
        Cookie(name: Self.sessionName, value: session.id, maxAge: Int(lifetime.components.seconds), path: "/",
               secure: secure, httpOnly: true, sameSite: .strict)
    }

    func signIn(_ token: String) -> Cookie {
        Cookie(name: Self.signInName, value: token, maxAge: 3600, path: "/signin", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// Tells the browser to drop a cookie.
    func cleared(_ name: String, path: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }
}

/// An `application/x-www-form-urlencoded` body, as browsers post forms.
struct FormFields: Sendable {
    static let limit = 64 * 1024
    private var fields: [String: String] = [:]

    subscript(_ name: String) -> String? { fields[name] }

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first.map(decode), fields[name] == nil else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
    }

    /// Reads the form of a request, refusing other content types and bodies over 64 KiB.
    static func read(_ request: inout Request) async throws -> FormFields {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw DashboardError(status: .unsupportedMediaType, heading: "Form refused",
                                 message: "The dashboard takes HTML form posts (application/x-www-form-urlencoded); nothing was changed.")
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            throw DashboardError(status: .contentTooLarge, heading: "Form refused", message: "The form is larger than 64 KiB; nothing was changed.")
        }
        return FormFields(String(buffer: body))
    }
}
