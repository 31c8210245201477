import AsyncHTTPClient
import Foundation
import Logging

extension DockerClient {
    /// `POST /build` with an uncompressed tar of the build context.
    ///
    /// The file is streamed; output lines reach `onOutput` as they arrive. A failing step
    /// throws `DockerAPIError` with the engine's message (and no status code, since the
    /// engine answers 200 before the build runs). The layer cache stays on.
    ///
    /// - Returns: the image id, as "sha256:<64 hex>" whenever the engine's answer allows.
    public func buildImage(
        contextTar: URL,
        tag: String,
        dockerfile: String = "Dockerfile",
        labels: [String: String] = [:],
        memoryBytes: Int64? = nil,
        network: String? = nil,
        cgroupParent: String? = nil,
        onOutput: @Sendable @escaping (String) async -> Void
    ) async throws -> String {
        var logger = self.logger
        logger[metadataKey: "image.tag"] = .string(tag)
        let request = try DockerRequest.build(tag: tag, dockerfile: dockerfile, labels: labels, memoryBytes: memoryBytes,
                                             network: network, cgroupParent: cgroupParent, contextTar: contextTar)
        // No deadline: builds take as long as they take; the caller cancels.
        let response = try await send(request, timeout: nil)

        var parser = BuildOutputParser()
        func handle(_ events: [BuildOutputParser.Event]) async throws {
            for event in events {
                switch event {
                case .output(let line):
                    await onOutput(line)
                case .failure(let message):
                    logger.debug("image build failed", metadata: ["error": .string(message)])
                    throw DockerAPIError(statusCode: nil, message: message)
                }
            }
        }
        for try await buffer in response.body {
            try await handle(parser.consume(buffer))
        }
        try await handle(parser.finish())

        guard let reported = parser.imageID else {
            throw DockerAPIError(statusCode: nil, message: "the build of \(tag) ended without reporting an image id")
        }
        let id = Self.normalizedImageID(reported)
        if Self.isFullImageID(id) {
            return id
        }
        // A short id ("Successfully built 1a2b3c4d5e6f"): the tag now names the image, so ask for the full one.
        return try await inspectImage(tag)?.id ?? id
    }
}
