import Foundation
import SlipwayCore

/// Turning the server's answers into values or `SlipwayError`s. Pure, so every case is unit-tested.
public enum APIResponse {
    public static func isSuccess(_ status: Int) -> Bool { (200..<300).contains(status) }

    /// Decodes a 2xx JSON body as `T`, or throws the error the server described.
    public static func decode<T: Decodable>(_ type: T.Type, status: Int, body: Data, request: APIRequest) throws -> T {
        guard isSuccess(status) else { throw error(status: status, body: body, request: request) }
        do {
            return try Timestamp.decoder().decode(T.self, from: body)
        } catch {
            throw SlipwayError(code: "bad_response",
                               message: "the server's answer to \(request.summary) could not be read (\(describe(error))); are the CLI and the server the same version?",
                               httpStatus: status)
        }
    }

    /// The `SlipwayError` for a non-2xx answer: the server's own `{"error": {"code", "message"}}`
    /// when there is one, else a message built from the status and the start of the body
    /// (a proxy's HTML page, or some other server on that port).
    public static func error(status: Int, body: Data, request: APIRequest) -> SlipwayError {
        if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: body) {
            return SlipwayError(code: decoded.error.code, message: decoded.error.message, httpStatus: status)
        }
        var text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        text = text.replacingOccurrences(of: "\n", with: " ")
        let detail = text.isEmpty ? "" : ": \(text)"
        var message = "the server answered \(request.summary) with HTTP \(status)\(detail)"
        if status == 404 || status == 405 {
            message += "; is --server (or SLIPWAY_SERVER) pointing at a Slipway server?"
        } else if status == 401 || status == 403 {
            message += "; set SLIPWAY_TOKEN to the server's API token (its data directory's admin.token), or put `token:` in ~/.slipway/config"
        }
        return SlipwayError(code: "http_\(status)", message: message, httpStatus: status)
    }

    /// The lenient reading of `DELETE /v1/apps/{app}`'s answer: any 2xx means destroyed, whatever the body.
    public static func destroyResult(status: Int, body: Data, app: AppName, request: APIRequest) throws -> DestroyResult {
        guard isSuccess(status) else { throw error(status: status, body: body, request: request) }
        let decoded = try? JSONDecoder().decode(DestroyResult.Wire.self, from: body)
        return DestroyResult(app: decoded?.app ?? app.value, destroyed: decoded?.destroyed ?? true,
                             volumesRemoved: decoded?.volumesRemoved ?? [], volumesKept: decoded?.volumesKept ?? [])
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "unexpected value at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// What `DELETE /v1/apps/{app}` reports.
public struct DestroyResult: Codable, Sendable, Equatable {
    public var app: String
    public var destroyed: Bool
    public var volumesRemoved: [String]
    public var volumesKept: [String]

    public init(app: String, destroyed: Bool, volumesRemoved: [String] = [], volumesKept: [String] = []) {
        self.app = app
        self.destroyed = destroyed
        self.volumesRemoved = volumesRemoved
        self.volumesKept = volumesKept
    }

    struct Wire: Decodable {
        var app: String?
        var destroyed: Bool?
        var volumesRemoved: [String]?
        var volumesKept: [String]?
    }
}
