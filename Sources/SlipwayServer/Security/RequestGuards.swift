import Foundation
import Hummingbird
import Logging
import SlipwayCore

/// The checks every API request passes before a handler sees it, in this order: the Host it was
/// sent to (DNS rebinding), the Origin of a state-changing or WebSocket request (cross-site
/// requests from a web page), then the bearer token. `/healthz` is open to all.
struct RequestGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: AllowedHosts
    /// nil: `--insecure-no-auth`.
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        let authority = request.head.authority ?? ""
        guard hosts.permits(authority) else {
            context.logger.notice("refused a request for a foreign Host (DNS rebinding?)", metadata: [
                "request.host": "\(authority.prefix(200))", "request.path": "\(request.uri.path.prefix(200))", "refusal": "wrong_host"])
            throw Self.forbidden("wrong_host", "this API does not answer to the host \"\(authority)\" (a page on another site may be trying DNS rebinding); "
                + "it answers to \(hosts.description). Call it by one of those, or start the server with --api-host \(AllowedHosts.hostName(authority) ?? "NAME")")
        }
        if Self.mayChangeState(request), let origin = request.headers[.origin] {
            guard OriginCheck.isSameOrigin(origin, authority: authority) else {
                context.logger.notice("refused a request from a web page of another origin", metadata: [
                    "request.origin": "\(origin.prefix(200))", "request.path": "\(request.uri.path.prefix(200))", "refusal": "cross_origin"])
                throw Self.forbidden("cross_origin", "requests from the web page at \(origin) are refused: a state-changing or WebSocket request must come from the API's own origin (the CLI and scripts send no Origin)")
            }
        }
        if let token, request.uri.path.hasPrefix(GitHTTPAuth.pathPrefix) {
            // git's remote: the token as the Basic password, and a challenge so git asks for it.
            guard GitHTTPAuth.permits(request.headers[.authorization], token: token) else { return GitHTTPAuth.unauthorized(request) }
        } else if let token, !Self.isWebhook(request) {
            // A forge's webhook carries no API token: its signature under the app's webhook secret is
            // checked instead (WebhookController), before anything is read from it.
            let presented = request.headers[.authorization] ?? ""
            guard presented.hasPrefix("Bearer "), Self.constantTimeEqual(String(presented.dropFirst(7)), token) else {
                throw SlipwayError.unauthorized("missing or wrong API token; send Authorization: Bearer TOKEN. The server keeps it in its data directory (admin.token, or SLIPWAY_TOKEN when set); the CLI finds it through SLIPWAY_TOKEN, ~/.slipway/config, or a readable admin.token of a server on this machine")
            }
        }
        return try await next(request, context)
    }

    static func isWebhook(_ request: Request) -> Bool {
        request.method == .post && request.uri.path.hasPrefix("/hooks/")
    }

    /// Methods that change something, and any WebSocket upgrade (it is a GET).
    static func mayChangeState(_ request: Request) -> Bool {
        switch request.method {
        case .get, .head, .options:
            return request.headers[.upgrade] != nil
        default:
            return true
        }
    }

    static func forbidden(_ code: String, _ message: String) -> SlipwayError {
        SlipwayError(code: code, message: message, httpStatus: 403)
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

/// The names the API answers to: loopback names, the listen address, names given with
/// `--api-host`, and any IP address literal (DNS rebinding needs a name: a page served from
/// an address cannot make a browser send another address as Host).
struct AllowedHosts: Sendable, CustomStringConvertible {
    let names: Set<String>

    init(listenHost: String, extra: [String]) {
        var names: Set<String> = ["localhost"]
        if !["0.0.0.0", "::", ""].contains(listenHost) { names.insert(listenHost.lowercased()) }
        for name in extra { names.insert(name.lowercased()) }
        self.names = names
    }

    func permits(_ authority: String) -> Bool {
        guard let host = Self.hostName(authority) else { return false }
        return names.contains(host) || Self.isAddressLiteral(host)
    }

    var description: String { names.sorted().joined(separator: ", ") + " and IP addresses" }

    /// `Host: name:port` → `name`, lowercased, without a trailing dot; `[::1]:7070` → `::1`.
    static func hostName(_ authority: String) -> String? { split(authority)?.host }

    /// An authority's host (as in `hostName`) and port, if it has one; nil when malformed.
    static func split(_ authority: String) -> (host: String, port: Int?)? {
        var text = Substring(authority.trimmingCharacters(in: .whitespaces).lowercased())
        var port: Int?
        var host: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            text = text[text.index(after: close)...]
            if !text.isEmpty {
                guard text.hasPrefix(":"), let number = Int(text.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = text.lastIndex(of: ":") {
            guard let number = Int(text[text.index(after: colon)...]) else { return nil }
            host = text[..<colon]
            port = number
        } else {
            host = text
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, port.map({ (0...65535).contains($0) }) ?? true else { return nil }
        return (String(host), port)
    }

    static func isAddressLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// Whether an `Origin` is the scheme, host and port the request was sent to.
enum OriginCheck {
    static func isSameOrigin(_ origin: String, authority: String) -> Bool {
        guard let url = URL(string: origin), let scheme = url.scheme?.lowercased(),
              let host = url.host, url.path.isEmpty,
              let originHost = AllowedHosts.hostName(host.hasPrefix("[") || !host.contains(":") ? host : "[\(host)]"),
              let requested = AllowedHosts.split(authority), originHost == requested.host else { return false }
        switch scheme {
        case "http", "https":
            let defaultPort = scheme == "https" ? 443 : 80
            return (url.port ?? defaultPort) == (requested.port ?? defaultPort)
        case "ws", "wss":
            // No browser page has a ws: origin; WebSocket client libraries (swift-websocket's among them)
            // send the URL's scheme and host, without the port.
            return true
        default:
            return false
        }
    }
}
