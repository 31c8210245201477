import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A browser as the dashboard sees one, over the in-process server: it keeps the cookies it is
/// given, sends no API token, and posts forms as `application/x-www-form-urlencoded`.
final class DashboardSession: @unchecked Sendable {
    let server: InProcessServer
    private(set) var cookies: [String: String] = [:]
    /// The CSRF token of the last page that had a form.
    private(set) var csrf: String?

    init(_ server: InProcessServer) { self.server = server }

    func get(_ path: String) async throws -> Answer {
        try await send(.get, path, body: nil)
    }

    /// Posts `fields`, adding the page's CSRF token unless the test gives its own `csrf` (or nil to send none).
    func post(_ path: String, _ fields: [String: String], csrf explicit: String?? = .none, headers: HTTPFields = [:]) async throws -> Answer {
        var fields = fields
        switch explicit {
        case .none: fields["csrf"] = csrf
        case .some(let value): fields["csrf"] = value
        }
        let body = fields.sorted { $0.key < $1.key }.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, body: body, headers: headers)
    }

    /// Opens the sign-in page and posts the token; true when a session cookie came back.
    @discardableResult
    func signIn(token: String) async throws -> Answer {
        let page = try await get("/signin")
        let formToken = try #require(Self.field("csrf", in: page.body))
        return try await post("/signin", ["token": token, "next": "/"], csrf: formToken)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: String?, headers: HTTPFields = [:]) async throws -> Answer {
        var headers = headers
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let response = try await server.client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for line in response.headers[values: .setCookie] { remember(line) }
        let answer = Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        if let token = Self.field("csrf", in: answer.body) { csrf = token }
        return answer
    }

    private func remember(_ setCookie: String) {
        let pair = setCookie.split(separator: ";", maxSplits: 1).first ?? ""
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first.map(String.init) else { return }
        let value = parts.count > 1 ? String(parts[1]) : ""
        if value.isEmpty || setCookie.lowercased().contains("max-age=0") { cookies[name] = nil } else { cookies[name] = value }
    }

    func forget(_ cookie: String) { cookies[cookie] = nil }
    func setCookie(_ name: String, _ value: String) { cookies[name] = value }

    /// The value of the first hidden field `name` in an HTML page.
    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
