import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Files larger than one PUT takes well: S3's multipart upload (create, one PUT per part,
/// complete; abort on any failure so no parts are left billed), each part streamed from its
/// byte range of the source (a file, read by the caller's `range`).
extension S3Client {
    /// 64 MiB parts: 10,000 of them (S3's limit) make 640 GiB; every part but the last must be at least 5 MiB.
    public static let defaultPartSize: Int64 = 64 << 20
    public static let minimumPartSize: Int64 = 5 << 20

    /// Uploads `length` bytes to `key`, `range(offset, count)` giving the bytes of each piece
    /// (e.g. `FileChunks(url:offset:length:)`): one PUT when they fit in one part, else a
    /// multipart upload in parts of `partSize` bytes. The object appears only once it is complete.
    public func upload<Body: AsyncSequence & Sendable>(_ key: String, length: Int64, partSize: Int64 = defaultPartSize,
                                                       contentType: String = "application/octet-stream",
                                                       range: (_ offset: Int64, _ count: Int64) throws -> Body) async throws
        where Body.Element == ByteBuffer {
        guard partSize >= Self.minimumPartSize else {
            throw S3Error(.invalidConfiguration, "a part of \(partSize) bytes is smaller than S3's minimum of \(Self.minimumPartSize)")
        }
        guard length > partSize else {
            try await put(key, body: try range(0, length), length: length, contentType: contentType)
            return
        }
        let parts = (length + partSize - 1) / partSize
        guard parts <= 10_000 else {
            throw S3Error(.invalidConfiguration, "\(length) bytes in parts of \(partSize) would take \(parts) parts, over S3's 10,000")
        }
        let created = try await http.execute(try makeRequest(.POST, key: key, query: [("uploads", "")], extra: [("content-type", contentType)]),
                                             timeout: configuration.timeout)
        let answer = String(buffer: try await Self.check(created, doing: "POST \(key)?uploads"))
        guard let uploadID = S3ListParser.element("UploadId", in: answer) else {
            throw S3Error(.malformedResponse, "S3 answered a multipart upload of \(key) without an UploadId: \(answer.prefix(200))")
        }
        do {
            var etags: [String] = []
            for number in 1...parts {
                let offset = (number - 1) * partSize
                let count = min(partSize, length - offset)
                var request = try makeRequest(.PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                              payloadHash: SigV4Signer.unsignedPayload, extra: [("content-length", String(count))])
                request.body = .stream(try range(offset, count), length: .known(count))
                let response = try await http.execute(request, timeout: configuration.timeout)
                try await Self.check(response, doing: "PUT \(key) part \(number)")
                guard let etag = response.headers.first(name: "etag") else {
                    throw S3Error(.malformedResponse, "S3 answered part \(number) of \(key) without an ETag")
                }
                etags.append(etag)
            }
            let xml = "<CompleteMultipartUpload>" + etags.enumerated().map { index, etag in
                "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(Self.escapeXML(etag))</ETag></Part>"
            }.joined() + "</CompleteMultipartUpload>"
            let data = Data(xml.utf8)
            var complete = try makeRequest(.POST, key: key, query: [("uploadId", uploadID)], payloadHash: SigV4Signer.hex(SHA256.hash(data: data)),
                                           extra: [("content-type", "application/xml"), ("content-length", String(data.count))])
            complete.body = .bytes(ByteBuffer(data: data))
            let completed = String(buffer: try await Self.check(try await http.execute(complete, timeout: configuration.timeout),
                                                                doing: "POST \(key)?uploadId"))
            // S3 may answer 200 and put the error in the body when it fails late.
            if completed.contains("<Error>") {
                throw S3Error.fromResponse(status: 200, body: ByteBuffer(string: completed), doing: "complete the upload of \(key)")
            }
        } catch {
            let abort = try? makeRequest(.DELETE, key: key, query: [("uploadId", uploadID)])
            if let abort { _ = try? await http.execute(abort, timeout: configuration.timeout) }
            throw error
        }
    }

    static func escapeXML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
