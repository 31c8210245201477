import Foundation
import SlipwayCore

/// A smart-HTTP request of a push, as `git http-backend` reads it (RFC 3875 variables). Built by
/// the route from checked values only: the path is made from the app's name, never copied.
struct CGIRequest: Sendable {
    enum Service: String, Sendable {
        /// `GET /git/APP.git/info/refs?service=git-receive-pack`
        case advertisement = "info/refs"
        /// `POST /git/APP.git/git-receive-pack`
        case receivePack = "git-receive-pack"
    }

    var service: Service
    var contentType: String?
    var contentLength: Int?
    /// `gzip` when the client compressed its request.
    var contentEncoding: String?
    /// Who authenticated (the Basic user name, for git's logs).
    var remoteUser: String
    var remoteAddress: String?

    func environment(projectRoot: String, app: AppName) -> [String: String] {
        var variables = [
            "GATEWAY_INTERFACE": "CGI/1.1",
            "GIT_PROJECT_ROOT": projectRoot,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": "/\(app.value).git/\(service.rawValue)",
            // receive-pack is served only to an authenticated user (http.receivepack's default).
            "REMOTE_USER": remoteUser,
            "REMOTE_ADDR": remoteAddress ?? "127.0.0.1",
            "REQUEST_METHOD": service == .advertisement ? "GET" : "POST",
            "QUERY_STRING": service == .advertisement ? "service=git-receive-pack" : "",
        ]
        if let contentType { variables["CONTENT_TYPE"] = contentType }
        if let contentLength { variables["CONTENT_LENGTH"] = String(contentLength) }
        if let contentEncoding { variables["HTTP_CONTENT_ENCODING"] = contentEncoding }
        return variables
    }
}

/// Reads a CGI program's output: header lines up to an empty line (`Status: 403 Forbidden`,
/// `Content-Type: ...`), then the body, handed on as it comes. A status other than 200 (http-backend
/// refusing a request the route let through) is kept in `refusal` and its body dropped.
actor CGIResponseReader {
    private let onBody: @Sendable ([UInt8]) async throws -> Void
    private var head: [UInt8] = []
    private var inBody = false
    /// The status and message of a refusal.
    private(set) var refusal: String?

    init(onBody: @escaping @Sendable ([UInt8]) async throws -> Void) { self.onBody = onBody }

    func consume(_ bytes: [UInt8]) async throws {
        if inBody {
            if refusal == nil { try await onBody(bytes) }
            return
        }
        head += bytes
        guard let end = Self.endOfHeaders(head) else {
            if head.count > 16384 { throw SlipwayError.internal("git http-backend wrote a header over 16 KiB") }
            return
        }
        inBody = true
        let headers = String(decoding: head[..<end.start], as: UTF8.self)
        let rest = Array(head[end.bodyStart...])
        head = []
        for line in headers.split(whereSeparator: \.isNewline) where line.lowercased().hasPrefix("status:") {
            let status = line.dropFirst("status:".count).trimmingCharacters(in: .whitespaces)
            if !status.hasPrefix("200") {
                refusal = "\(status): \(String(decoding: rest, as: UTF8.self).prefix(500))"
            }
        }
        if refusal == nil, !rest.isEmpty { try await onBody(rest) }
    }

    /// Where the header ends (`\r\n\r\n` or `\n\n`) and the body starts.
    static func endOfHeaders(_ bytes: [UInt8]) -> (start: Int, bodyStart: Int)? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { return (index, index + 2) }
                if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\r"), bytes[index + 2] == UInt8(ascii: "\n") {
                    return (index, index + 3)
                }
            }
            index += 1
        }
        return nil
    }
}
