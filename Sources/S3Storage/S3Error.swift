import Foundation
import NIOCore

/// What went wrong with S3: the server's own code and message (`NoSuchBucket`, `AccessDenied`,
/// `SignatureDoesNotMatch`...) with the HTTP status, or a configuration refused before any request.
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidConfiguration
        case invalidKey
        /// The server answered non-2xx.
        case server(status: Int, code: String?)
        case malformedResponse
    }

    public let kind: Kind
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The server's code, e.g. `NoSuchKey`.
    public var code: String? { if case .server(_, let code) = kind { code } else { nil } }
    public var status: Int? { if case .server(let status, _) = kind { status } else { nil } }

    static func fromResponse(status: Int, body: ByteBuffer, doing what: String) -> S3Error {
        let text = String(buffer: body)
        let code = S3ListParser.element("Code", in: text)
        let message = S3ListParser.element("Message", in: text)
        let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        return S3Error(.server(status: status, code: code),
                       "S3 \(what) failed with HTTP \(status)" + (detail.isEmpty ? "" : " (\(detail))"))
    }
}
