import Foundation
import Hummingbird
import SlipwayCore

/// The API as the dashboard calls it: requests handed to the API's own responder in process, with
/// the admin token, so every action passes the same guards, validation and code as the CLI's calls.
/// Nothing is possible here that the API cannot do.
struct InProcessAPI<API: HTTPResponder>: Sendable where API.Context == BasicRequestContext {
    let responder: API
    /// nil when the server runs with `--insecure-no-auth`.
    let token: String?

    private struct ErrorBody: Decodable {
        struct Detail: Decodable { var code: String; var message: String }
        var error: Detail
    }

    static var decoder: JSONDecoder { Timestamp.decoder() }

    /// GET `path` and decode its JSON answer.
    func get<T: Decodable>(_ type: T.Type, _ path: String, as caller: Request, context: BasicRequestContext) async throws -> T {
        let (status, body) = try await collect(try await respond(.get, path, json: nil, as: caller, context: context))
        try Self.check(status, body)
        return try Self.decoder.decode(type, from: body)
    }

    /// Sends a JSON body (or none) and decodes the answer.
    func send<Body: Encodable, T: Decodable>(_ method: HTTPRequest.Method, _ path: String, _ value: Body?, expecting type: T.Type,
                                             as caller: Request, context: BasicRequestContext) async throws -> T {
        let json = try value.map { try Timestamp.encoder().encode($0) }
        let (status, body) = try await collect(try await respond(method, path, json: json, as: caller, context: context))
        try Self.check(status, body)
        return try Self.decoder.decode(type, from: body)
    }

    /// The API's response as it is (a stream stays a stream).
    func respond(_ method: HTTPRequest.Method, _ path: String, json: Data?, as caller: Request, context: BasicRequestContext) async throws -> Response {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        headers[.accept] = "application/json"
        // Releases and deploys say who asked, as the CLI's say the local user's name.
        if let requester = HTTPFields.Element.Name("X-Slipway-User") { headers[requester] = "dashboard" }
        // The dashboard's own request passed the Host check already; the API sees the same Host, no Origin.
        let head = HTTPRequest(method: method, scheme: caller.head.scheme, authority: caller.head.authority, path: path, headerFields: headers)
        let request = Request(head: head, body: RequestBody(buffer: json.map { ByteBuffer(bytes: $0) } ?? ByteBuffer()))
        return try await responder.respond(to: request, context: context)
    }

    /// Reads a response's whole body (JSON answers are small).
    func collect(_ response: Response) async throws -> (Int, Data) {
        let collector = BodyCollector()
        try await response.body.write(ChunkWriter { collector.append($0) })
        return (response.status.code, collector.data)
    }

    static func check(_ status: Int, _ body: Data) throws {
        guard (200..<300).contains(status) else {
            if let error = try? JSONDecoder().decode(ErrorBody.self, from: body) {
                throw APIFailure(status: status, code: error.error.code, message: error.error.message)
            }
            throw APIFailure(status: status, code: "error", message: String(decoding: body.prefix(500), as: UTF8.self))
        }
    }
}

/// A response body writer that hands each chunk to a closure: reads the API's answers in process.
struct ChunkWriter: ResponseBodyWriter {
    let chunk: @Sendable (ByteBuffer) async throws -> Void

    init(_ chunk: @escaping @Sendable (ByteBuffer) async throws -> Void) { self.chunk = chunk }

    mutating func write(_ buffer: ByteBuffer) async throws { try await chunk(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// Bytes gathered from a body, up to a limit (an API JSON answer, never a stream).
final class BodyCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    static let limit = 8 << 20

    func append(_ buffer: ByteBuffer) {
        lock.withLock { if bytes.count < Self.limit { bytes.append(contentsOf: buffer.readableBytesView) } }
    }

    var data: Data { lock.withLock { bytes } }
}

/// An answer of the API that was not a success: its status and the message of its JSON error.
struct APIFailure: Error, Sendable {
    var status: Int
    var code: String
    var message: String
}
