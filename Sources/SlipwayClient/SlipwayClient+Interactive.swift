import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import SlipwayCore
import Synchronization

/// What an interactive session (`slipway run -it`, `slipway addons connect`) asks the server for.
public struct InteractiveRequest: Sendable {
    public var command: [String]
    public var addon: String?
    public var service: String?
    public var tty: Bool
    public var columns: Int?
    public var rows: Int?

    public init(command: [String] = [], addon: String? = nil, service: String? = nil, tty: Bool, columns: Int? = nil, rows: Int? = nil) {
        (self.command, self.addon, self.service, self.tty, self.columns, self.rows) = (command, addon, service, tty, columns, rows)
    }

    /// The query of `/v1/apps/{app}/run/ws`.
    var query: String {
        var items = command.map { URLQueryItem(name: "arg", value: $0) }
        if let addon { items.append(URLQueryItem(name: "addon", value: addon)) }
        if let service { items.append(URLQueryItem(name: "service", value: service)) }
        if tty { items.append(URLQueryItem(name: "tty", value: "true")) }
        if let columns, let rows {
            items += [URLQueryItem(name: "columns", value: String(columns)), URLQueryItem(name: "rows", value: String(rows))]
        }
        var components = URLComponents()
        components.queryItems = items
        // `+` would read as a space in a query: encode it too.
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}

/// What the terminal side sends during a session.
public enum InteractiveClientInput: Sendable {
    case data(Data)
    case resize(columns: Int, rows: Int)
    case endOfInput
}

extension SlipwayClient {
    /// Runs a command (or an add-on's client) with standard input attached, over the API's
    /// WebSocket: `input` goes to the process, its output to `output` (1 stdout, 2 stderr).
    /// Returns the process's exit code.
    public func runInteractive(app: AppName, _ request: InteractiveRequest, input: AsyncStream<InteractiveClientInput>,
                               output: @escaping @Sendable (Int, Data) -> Void) async throws -> Int {
        var base = configuration.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let url = base.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
            + "/v1/apps/\(APIRequest.segment(app.value))/run/ws?" + request.query
        var socket = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        if let token = configuration.token { socket.additionalHeaders[.authorization] = "Bearer \(token)" }
        let tls = try configuration.caFile.map { try SlipwayClient.tlsConfiguration(trusting: $0) }
        let ending = EndingBox()
        do {
            try await session(url: url, socket: socket, tls: tls, input: input, output: output, ending: ending)
        } catch {
            // Not upgraded: the same path over plain HTTP says why (no such app, a bad command...).
            let probe = APIRequest(method: .get, path: "/v1/apps/\(APIRequest.segment(app.value))/run/ws?" + request.query)
            if let (status, body) = try? await data(probe, timeout: configuration.timeout), status >= 400 {
                let reason = APIResponse.error(status: status, body: body, request: probe)
                if !reason.message.contains("this endpoint is a WebSocket") { throw reason }
            }
            throw error
        }
        guard let text = ending.value else {
            throw SlipwayError.engine("the server closed the session without an exit code; the app may not exist (`slipway apps`)")
        }
        struct Ending: Decodable { var exitCode: Int?; var error: ErrorBody.Detail? }
        let decoded = try JSONDecoder().decode(Ending.self, from: Data(text.utf8))
        if let error = decoded.error { throw SlipwayError(code: error.code, message: error.message, httpStatus: 0) }
        return decoded.exitCode ?? 1
    }
}

extension SlipwayClient {
    private func session(url: String, socket: WebSocketClientConfiguration, tls: TLSConfiguration?, input: AsyncStream<InteractiveClientInput>,
                         output: @escaping @Sendable (Int, Data) -> Void, ending: EndingBox) async throws {
        try await WebSocketClient.connect(url: url, configuration: socket,
                                          tlsConfiguration: tls, logger: Logger(label: "slipway.run")) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await item in input {
                        switch item {
                        case .data(let data): try await outbound.write(.binary(ByteBuffer(bytes: data)))
                        case .resize(let columns, let rows): try await outbound.write(.text(#"{"resize": {"columns": \#(columns), "rows": \#(rows)}}"#))
                        case .endOfInput: try await outbound.write(.text(#"{"eof": true}"#))
                        }
                    }
                }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    switch message {
                    case .binary(var buffer):
                        guard let stream = buffer.readInteger(as: UInt8.self) else { continue }
                        output(Int(stream), Data(buffer.readableBytesView))
                    case .text(let text):
                        ending.set(text)
                    }
                    if ending.value != nil { break }
                }
                group.cancelAll()
            }
        }
    }
}

/// The session's last (text) message, set from the WebSocket handler.
final class EndingBox: Sendable {
    private let text = Mutex<String?>(nil)
    func set(_ value: String) { text.withLock { $0 = value } }
    var value: String? { text.withLock { $0 } }
}
