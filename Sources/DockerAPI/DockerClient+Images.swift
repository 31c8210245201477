import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

extension DockerClient {
    /// `GET /images/{reference}/json`; nil when there is no such image.
    public func inspectImage(_ reference: String) async throws -> ImageDetails? {
        try await sendForOptionalJSON(.inspectImage(reference), as: WireImage.self).map(ImageDetails.init(wire:))
    }

    /// `DELETE /images/{reference}`. An image that is already gone is not an error; one
    /// still used by a container is (409) unless `force` is set.
    public func removeImage(_ reference: String, force: Bool = false) async throws {
        let status = try await sendIgnoringBody(.removeImage(reference, force: force), accepting: [404])
        logger.debug("removed image", metadata: ["image.reference": "\(reference)", "docker.status": "\(status)"])
    }

    /// "sha256:" + 64 hex digits, the form Docker uses everywhere; Podman sometimes sends
    /// the bare hex. Anything else (a short id) is returned unchanged.
    static func normalizedImageID(_ id: String) -> String {
        let trimmed = id.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, trimmed.allSatisfy(\.isHexDigit) {
            return "sha256:" + trimmed.lowercased()
        }
        return trimmed
    }

    static func isFullImageID(_ id: String) -> Bool {
        id.hasPrefix("sha256:") && id.count == 71 && id.dropFirst(7).allSatisfy(\.isHexDigit)
    }
}

extension DockerClient {
    /// `GET /images/{reference}/get`: the image as a docker-archive tar (`manifest.json`, the
    /// config JSON and one tar per layer), streamed to `file` (never held in memory).
    public func exportImage(_ reference: String, to file: URL) async throws {
        let response = try await send(
            DockerRequest(method: .GET, path: "/images/\(DockerRequest.escapePath(reference))/get"), timeout: nil)
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: file) else {
            throw DockerAPIError(statusCode: nil, message: "cannot write the exported image to \(file.path)")
        }
        defer { try? handle.close() }
        for try await buffer in response.body {
            try handle.write(contentsOf: buffer.readableBytesView)
        }
    }
}
