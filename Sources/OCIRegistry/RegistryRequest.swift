import AsyncHTTPClient
import FileChunks
import Foundation
import NIOCore
import NIOHTTP1

/// One request to a registry, as values. Its body can be built again, so the request can
/// be sent a second time after a 401 challenge has been answered.
struct RegistryRequest: Sendable {
    enum Body: Sendable {
        case none
        case bytes(ByteBuffer)
        /// `length` bytes of a file from `offset`, streamed.
        case file(URL, offset: Int64, length: Int64)
    }

    var method: HTTPMethod
    var url: String
    var headers = HTTPHeaders()
    var body = Body.none
    /// The token scope this request needs, e.g. `repository:NAME:pull,push`.
    var scope: String?
    /// What is being done, for error messages: "the push of manifest x:v1".
    var operation: String
    /// nil: the configuration's request timeout.
    var timeout: TimeAmount?

    func httpRequest(authorization: String?) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let authorization {
            request.headers.replaceOrAdd(name: "Authorization", value: authorization)
        }
        switch body {
        case .none:
            break
        case .bytes(let buffer):
            request.body = .bytes(buffer)
        case .file(let file, let offset, let length):
            let chunks: FileChunks
            do {
                chunks = try FileChunks(url: file, offset: offset, length: length)
            } catch {
                throw OCIRegistryError.invalidArgument("cannot read blob file: \(error)")
            }
            request.body = .stream(chunks, length: .known(length))
        }
        return request
    }
}
