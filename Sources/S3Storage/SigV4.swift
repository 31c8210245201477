import Crypto
import Foundation

/// AWS Signature Version 4 (header-based): the canonical request, the string to sign, the
/// signing key and the `Authorization` header, as AWS's documentation defines them. Pure: a
/// request as values in, header values out, so AWS's published examples are its tests.
public struct SigV4Signer: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var region: String
    public var service: String

    public init(accessKeyId: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// One request as signed: `path` already URI-encoded (as sent), `query` unencoded, every
    /// header to sign (including `host` and `x-amz-date`), and the hex SHA-256 of the payload
    /// (or `UNSIGNED-PAYLOAD`).
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]
        public var payloadHash: String

        public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    public static let emptyPayloadHash = hex(SHA256.hash(data: Data()))
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// `20130524T000000Z`
    public static func amzDate(_ date: Date) -> String {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    public func canonicalRequest(_ request: Request) -> String {
        let encoded: [(key: String, value: String)] = request.query.map { pair in
            (key: Self.uriEncode(pair.0, keepSlash: false), value: Self.uriEncode(pair.1, keepSlash: false))
        }
        let sorted = encoded.sorted { (a, b) -> Bool in a.key == b.key ? a.value < b.value : a.key < b.key }
        let query: String = sorted.map { (pair) -> String in pair.key + "=" + pair.value }.joined(separator: "&")
        let headers = canonicalHeaders(request.headers)
        let headerLines: String = headers.map { (header) -> String in header.name + ":" + header.value + "\n" }.joined()
        let signedNames: String = headers.map(\.name).joined(separator: ";")
        let path: String = request.path.isEmpty ? "/" : request.path
        let lines: [String] = [request.method, path, query, headerLines, signedNames, request.payloadHash]
        return lines.joined(separator: "\n")
    }

    /// `AWS4-HMAC-SHA256`, the time, the scope, and the hash of the canonical request.
    public func stringToSign(_ request: Request, amzDate: String) -> String {
        ["AWS4-HMAC-SHA256", amzDate, scope(amzDate), Self.hex(SHA256.hash(data: Data(canonicalRequest(request).utf8)))]
            .joined(separator: "\n")
    }

    public func signature(_ request: Request, amzDate: String) -> String {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [String(amzDate.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign(request, amzDate: amzDate).utf8), using: key))
    }

    /// The `Authorization` header value; `request.headers` must hold `x-amz-date: amzDate`.
    public func authorization(_ request: Request, amzDate: String) -> String {
        let signed = canonicalHeaders(request.headers).map(\.name).joined(separator: ";")
        return "AWS4-HMAC-SHA256 Credential=\(accessKeyId)/\(scope(amzDate)), SignedHeaders=\(signed), Signature=\(signature(request, amzDate: amzDate))"
    }

    func scope(_ amzDate: String) -> String { "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request" }

    /// Lowercase names, values trimmed with inner runs of spaces made one, sorted by name;
    /// repeated names joined with commas.
    private func canonicalHeaders(_ headers: [(String, String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(collapsed.trimmingCharacters(in: .whitespaces))
        }
        return merged.keys.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    /// RFC 3986 percent-encoding as SigV4 wants it: only `A-Z a-z 0-9 - _ . ~` stay, and `/`
    /// when `keepSlash` (object keys in paths).
    public static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII, c.isLetter || c.isNumber || "-_.~".contains(c) || (keepSlash && c == "/") {
                out.append(c)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
