import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A small S3 client (path-style addressing, Signature V4): put (streamed, length known),
/// get (streamed), list (ListObjectsV2, every page) and delete of the objects in one bucket.
/// Works against AWS S3 and S3-compatible servers (MinIO, Ceph, moto).
public struct S3Client: Sendable {
    public struct Configuration: Sendable {
        /// `https://s3.eu-central-1.amazonaws.com`, `http://127.0.0.1:9000`.
        public var endpoint: URL
        public var bucket: String
        public var region: String
        public var accessKeyId: String
        public var secretAccessKey: String
        /// Per request, headers to last byte.
        public var timeout: TimeAmount = .minutes(30)

        public init(endpoint: URL, bucket: String, region: String = "us-east-1", accessKeyId: String, secretAccessKey: String) {
            self.endpoint = endpoint
            self.bucket = bucket
            self.region = region
            self.accessKeyId = accessKeyId
            self.secretAccessKey = secretAccessKey
        }
    }

    public let configuration: Configuration
    let http: HTTPClient
    var signer: SigV4Signer {
        SigV4Signer(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey, region: configuration.region)
    }

    public init(configuration: Configuration, http: HTTPClient = .shared) throws(S3Error) {
        guard let scheme = configuration.endpoint.scheme, ["http", "https"].contains(scheme), configuration.endpoint.host != nil else {
            throw S3Error(.invalidConfiguration, "endpoint \(configuration.endpoint) is not an http(s) URL with a host")
        }
        guard Self.isValidBucket(configuration.bucket) else {
            throw S3Error(.invalidConfiguration, "bucket name \"\(configuration.bucket)\" is not valid (3-63 lowercase letters, digits, '.' or '-')")
        }
        self.configuration = configuration
        self.http = http
    }

    /// One object as LIST shows it.
    public struct Object: Sendable, Equatable {
        public var key: String
        public var size: Int64
        public var lastModified: Date?
        public var etag: String?
    }

    /// Uploads `length` bytes of `body` to `key`, streamed (the payload is not hashed: `UNSIGNED-PAYLOAD`,
    /// which S3 accepts over HTTPS and any S3-compatible server on a trusted link). One PUT: up to 5 GiB.
    public func put<Body: AsyncSequence & Sendable>(_ key: String, body: Body, length: Int64, contentType: String = "application/octet-stream") async throws
        where Body.Element == ByteBuffer {
        var request = try makeRequest(.PUT, key: key, payloadHash: SigV4Signer.unsignedPayload,
                                      extra: [("content-type", contentType), ("content-length", String(length))])
        request.body = .stream(body, length: .known(length))
        let response = try await http.execute(request, timeout: configuration.timeout)
        try await Self.check(response, doing: "PUT \(key)")
    }

    /// Uploads small in-memory data (signed payload).
    public func put(_ key: String, data: Data, contentType: String = "application/octet-stream") async throws {
        var request = try makeRequest(.PUT, key: key, payloadHash: SigV4Signer.hex(SHA256.hash(data: data)),
                                      extra: [("content-type", contentType), ("content-length", String(data.count))])
        request.body = .bytes(ByteBuffer(data: data))
        let response = try await http.execute(request, timeout: configuration.timeout)
        try await Self.check(response, doing: "PUT \(key)")
    }

    /// The object's bytes as they arrive, and its length when the server says it.
    public func get(_ key: String) async throws -> (length: Int64?, body: HTTPClientResponse.Body) {
        let response = try await http.execute(try makeRequest(.GET, key: key), timeout: configuration.timeout)
        guard (200..<300).contains(response.status.code) else {
            try await Self.check(response, doing: "GET \(key)")  // reads the error body and throws
            throw S3Error(.malformedResponse, "S3 GET \(key) answered HTTP \(response.status.code)")
        }
        return (response.headers.first(name: "content-length").flatMap { Int64($0) }, response.body)
    }

    /// Writes the object to `file` (created or replaced); returns the byte count.
    @discardableResult
    public func download(_ key: String, to file: URL) async throws -> Int64 {
        let (_, body) = try await get(key)
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var count: Int64 = 0
        for try await chunk in body {
            try handle.write(contentsOf: chunk.readableBytesView)
            count += Int64(chunk.readableBytes)
        }
        return count
    }

    /// Every object under `prefix`, in key order (all pages).
    public func list(prefix: String = "") async throws -> [Object] {
        var objects: [Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await http.execute(try makeRequest(.GET, key: nil, query: query), timeout: configuration.timeout)
            let body = try await Self.check(response, doing: "LIST \(prefix)")
            let page = try S3ListParser.parse(body)
            objects += page.objects
            token = page.isTruncated ? page.nextToken : nil
        } while token != nil
        return objects
    }

    /// Deletes `key` (no error if it was not there, as S3 answers).
    public func delete(_ key: String) async throws {
        let response = try await http.execute(try makeRequest(.DELETE, key: key), timeout: configuration.timeout)
        try await Self.check(response, doing: "DELETE \(key)")
    }

    // MARK: - Requests

    /// A signed request for `key` in the bucket (nil: the bucket itself).
    func makeRequest(_ method: HTTPMethod, key: String?, query: [(String, String)] = [], payloadHash: String = SigV4Signer.emptyPayloadHash,
                     extra: [(String, String)] = [], now: Date = Date()) throws -> HTTPClientRequest {
        if let key { try Self.checkKey(key) }
        let base = configuration.endpoint.path.hasSuffix("/") ? String(configuration.endpoint.path.dropLast()) : configuration.endpoint.path
        let path = base + "/" + configuration.bucket + (key.map { "/" + SigV4Signer.uriEncode($0, keepSlash: true) } ?? "")
        let host = configuration.endpoint.host! + (configuration.endpoint.port.map { ":\($0)" } ?? "")
        let amzDate = SigV4Signer.amzDate(now)
        var headers = [("host", host), ("x-amz-date", amzDate), ("x-amz-content-sha256", payloadHash)]
        let signed = SigV4Signer.Request(method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash)
        headers.append(("authorization", signer.authorization(signed, amzDate: amzDate)))
        let queryText: String = query.map { (pair) -> String in
            SigV4Signer.uriEncode(pair.0, keepSlash: false) + "=" + SigV4Signer.uriEncode(pair.1, keepSlash: false)
        }.joined(separator: "&")
        var origin = "\(configuration.endpoint.scheme!)://\(host)"
        origin += path + (queryText.isEmpty ? "" : "?" + queryText)
        var request = HTTPClientRequest(url: origin)
        request.method = method
        for (name, value) in headers + extra { request.headers.replaceOrAdd(name: name, value: value) }
        return request
    }

    /// Object keys: 1 to 1024 bytes of UTF-8 without control characters.
    static func checkKey(_ key: String) throws(S3Error) {
        guard !key.isEmpty, key.utf8.count <= 1024, !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw S3Error(.invalidKey, "object key \"\(key.prefix(80))\" must be 1 to 1024 bytes without control characters")
        }
    }

    static func isValidBucket(_ name: String) -> Bool {
        (3...63).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
            && name.first!.isLetterOrDigit && name.last!.isLetterOrDigit
    }

    /// Reads the body (bounded: errors and listings only, never an object) and throws the server's
    /// error for a non-2xx status.
    @discardableResult
    static func check(_ response: HTTPClientResponse, doing what: String) async throws -> ByteBuffer {
        let body = try await response.body.collect(upTo: 16 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw S3Error.fromResponse(status: Int(response.status.code), body: body, doing: what)
        }
        return body
    }
}

extension Character {
    var isLetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}
