import NIOCore
import NIOHTTP1

/// What the router answers for an app in maintenance mode: 503, a small HTML page with the
/// operator's message (escaped), and `Retry-After`. Built once when the mode is set, so answering
/// costs a buffer copy.
public struct MaintenancePage: Hashable, Sendable, Codable {
    public let app: String
    public let message: String?
    public let retryAfterSeconds: Int
    /// The HTML, ready to send.
    let body: ByteBuffer

    public init(app: String, message: String?, retryAfterSeconds: Int = 120) {
        self.app = app
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        let text = (message?.isEmpty ?? true) ? "\(app) is down for maintenance and will be back shortly." : message!
        self.body = ByteBuffer(string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Down for maintenance</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}p{white-space:pre-line;line-height:1.5}</style>
            </head><body><h1>Down for maintenance</h1><p>\(Self.escaped(text))</p></body></html>

            """)
    }

    enum CodingKeys: String, CodingKey {
        case app, message, retryAfterSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(app: try container.decode(String.self, forKey: .app), message: try container.decodeIfPresent(String.self, forKey: .message),
                  retryAfterSeconds: try container.decode(Int.self, forKey: .retryAfterSeconds))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.app, forKey: .app)
        try container.encodeIfPresent(self.message, forKey: .message)
        try container.encode(self.retryAfterSeconds, forKey: .retryAfterSeconds)
    }

    func head(version: HTTPVersion, keepAlive: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/html; charset=utf-8")
        headers.add(name: "content-length", value: String(self.body.readableBytes))
        headers.add(name: "retry-after", value: String(self.retryAfterSeconds))
        // Neither browsers nor caches in between should keep the page once the app is back.
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "x-content-type-options", value: "nosniff")
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        return HTTPResponseHead(version: version, status: .serviceUnavailable, headers: headers)
    }

    /// The message as HTML text: markup in it is shown, never run.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
