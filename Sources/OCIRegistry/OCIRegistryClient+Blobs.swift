import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationEssentialsCompat
import NIOHTTP1

extension OCIRegistryClient {
    /// `HEAD /v2/NAME/blobs/DIGEST`: whether the repository has the blob.
    public func blobExists(repository: String, digest: OCIDigest) async throws -> Bool {
        try RegistryNames.validateRepository(repository)
        let request = RegistryRequest(
            method: .HEAD, url: url("/v2/\(repository)/blobs/\(digest)"), scope: Self.pullScope(repository),
            operation: "the check for blob \(digest) in \(repository)"
        )
        let response = try await sendIgnoringBody(request, accepting: [404])
        return response.status.code != 404
    }

    /// Uploads `size` bytes of `file` as the blob `digest`: in one PUT up to the configured
    /// monolithic limit, otherwise in PATCH chunks of `configuration.chunkSize`. The file is
    /// streamed; the registry checks the digest and refuses a mismatch (`DIGEST_INVALID`).
    public func uploadBlob(repository: String, file: URL, digest: OCIDigest, size: Int64) async throws {
        try RegistryNames.validateRepository(repository)
        let operation = "the upload of blob \(digest) (\(size) bytes) to \(repository)"
        var location = try await startUpload(repository: repository, operation: operation)
        var offset: Int64 = 0
        if size > configuration.monolithicUploadLimit {
            while offset < size {
                let length = min(configuration.chunkSize, size - offset)
                location = try await uploadChunk(
                    repository: repository, location: location, file: file, offset: offset, length: length, operation: operation
                )
                offset += length
            }
        }
        // The closing PUT carries the rest of the file: all of it for a monolithic upload,
        // nothing after the chunks.
        var request = RegistryRequest(
            method: .PUT, url: Self.appendingQuery(to: location, "digest=\(digest)"),
            scope: Self.pushScope(repository), operation: operation, timeout: configuration.uploadTimeout
        )
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = size > offset ? .file(file, offset: offset, length: size - offset) : .bytes(ByteBuffer())
        try await sendIgnoringBody(request)
        logger.debug("uploaded blob", metadata: ["registry.blob": "\(digest)", "registry.repository": "\(repository)"])
    }

    /// Uploads bytes in memory (a config, a small layer) and returns their digest.
    @discardableResult
    public func uploadBlob(repository: String, bytes: Data) async throws -> OCIDigest {
        try RegistryNames.validateRepository(repository)
        let digest = OCIDigest.sha256(of: bytes)
        let operation = "the upload of blob \(digest) (\(bytes.count) bytes) to \(repository)"
        let location = try await startUpload(repository: repository, operation: operation)
        var request = RegistryRequest(
            method: .PUT, url: Self.appendingQuery(to: location, "digest=\(digest)"),
            scope: Self.pushScope(repository), operation: operation
        )
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(data: bytes))
        try await sendIgnoringBody(request)
        return digest
    }

    /// `POST /v2/NAME/blobs/uploads/`: opens an upload session and returns its URL.
    private func startUpload(repository: String, operation: String) async throws -> String {
        let request = RegistryRequest(
            method: .POST, url: url("/v2/\(repository)/blobs/uploads/"), scope: Self.pushScope(repository), operation: operation
        )
        let response = try await sendIgnoringBody(request)
        return try location(of: response, request)
    }

    /// One `PATCH` with `Content-Range: FIRST-LAST`; returns the session URL for the next one,
    /// which registries may change after every chunk.
    private func uploadChunk(
        repository: String, location: String, file: URL, offset: Int64, length: Int64, operation: String
    ) async throws -> String {
        var request = RegistryRequest(
            method: .PATCH, url: location, scope: Self.pushScope(repository),
            operation: "\(operation), chunk at \(offset)", timeout: configuration.uploadTimeout
        )
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "Content-Range", value: "\(offset)-\(offset + length - 1)")
        request.body = .file(file, offset: offset, length: length)
        let response = try await sendIgnoringBody(request)
        return try self.location(of: response, request)
    }

    func location(of response: HTTPClientResponse, _ request: RegistryRequest) throws -> String {
        guard let location = response.headers.first(name: "Location"), !location.isEmpty else {
            throw invalidAnswer(request, "HTTP \(response.status.code) without a Location header for the upload session")
        }
        return resolve(location: location)
    }

    static func appendingQuery(to url: String, _ query: String) -> String {
        url + (url.contains("?") ? "&" : "?") + query
    }
}
