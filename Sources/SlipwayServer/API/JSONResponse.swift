import Foundation
import Hummingbird
import SlipwayCore

/// JSON responses in the API's one format (RFC 3339 dates, sorted keys).
enum JSONResponse {
    static let encoder = Timestamp.encoder()
    static let decoder = Timestamp.decoder()

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Reads a small JSON request body, answering 400 with the reason when it does not decode.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
        try requireJSONContentType(request)
        let buffer = try await collect(request, limit: limit)
        return try decode(type, buffer)
    }

    /// Like `decode`, but an empty body is nil (for endpoints whose body is optional).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, allowEmpty: Bool) async throws -> T? {
        let buffer = try await collect(request, limit: 1 << 20)
        if buffer.readableBytes == 0 && allowEmpty { return nil }
        try requireJSONContentType(request)
        return try decode(type, buffer)
    }

    /// A JSON body must say so. A browser sends `text/plain` or a form type cross-site without a
    /// CORS preflight; reading those as JSON would let any web page post to the API.
    static func requireJSONContentType(_ request: Request) throws {
        let type = request.headers[.contentType] ?? ""
        let mediaType = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else {
            throw SlipwayError(code: "unsupported_media_type",
                               message: "this endpoint takes a JSON body: send Content-Type: application/json (got \(type.isEmpty ? "none" : "\"\(type.prefix(100))\""))",
                               httpStatus: 415)
        }
    }

    private static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw SlipwayError.payloadTooLarge("the JSON body is larger than \(limit) bytes")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
        do {
            return try decoder.decode(type, from: Data(buffer.readableBytesView))
        } catch DecodingError.keyNotFound(let key, _) {
            throw SlipwayError.invalidRequest("the JSON body is missing the field `\(key.stringValue)`")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SlipwayError.invalidRequest("the JSON body's field `\(path)` has the wrong type")
        } catch let error as SlipwayError {
            throw error
        } catch {
            throw SlipwayError.invalidRequest("the body is not valid JSON; send e.g. {\"source\": \"https://host/repo.git\"}")
        }
    }

    /// Whether the client asked for JSON (`Accept: application/json`), for RAD's text-or-JSON endpoints.
    static func wantsJSON(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("application/json") ?? false
    }
}
