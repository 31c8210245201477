import Foundation
import Logging

extension OCIRegistryClient {
    /// Pushes an image: every blob the registry lacks (config and layers, streamed from
    /// their files), then its manifest, by `tag` when given and by digest otherwise.
    ///
    /// - Parameter manifestMediaType: `OCIMediaType.imageManifest` or
    ///   `OCIMediaType.dockerManifest`; the blobs' media types should match its family.
    /// - Returns: the pullable reference `REGISTRY/REPOSITORY@sha256:...`.
    public func pushImage(
        repository: String,
        config: ImageBlobFile,
        layers: [ImageBlobFile],
        tag: String? = nil,
        manifestMediaType: String = OCIMediaType.imageManifest
    ) async throws -> String {
        try RegistryNames.validateRepository(repository)
        if let tag { try RegistryNames.validateTag(tag) }
        var descriptors: [OCIDescriptor] = []
        for blob in [config] + layers {
            descriptors.append(try await pushBlobIfMissing(repository: repository, blob))
        }
        let manifest = ImageManifest(mediaType: manifestMediaType, config: descriptors[0], layers: Array(descriptors.dropFirst()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = try encoder.encode(manifest)
        let digest = OCIDigest.sha256(of: bytes)
        try await putManifest(repository: repository, reference: tag ?? digest.rawValue, manifest: bytes, mediaType: manifestMediaType)
        logger.info("pushed image", metadata: ["registry.repository": "\(repository)", "registry.manifest": "\(digest)"])
        return "\(registry)/\(repository)@\(digest)"
    }

    private func pushBlobIfMissing(repository: String, _ blob: ImageBlobFile) async throws -> OCIDescriptor {
        let (digest, size) = try OCIDigest.sha256(ofFile: blob.file)
        if try await blobExists(repository: repository, digest: digest) {
            logger.debug("blob already in registry", metadata: ["registry.blob": "\(digest)"])
        } else {
            try await uploadBlob(repository: repository, file: blob.file, digest: digest, size: size)
        }
        return OCIDescriptor(mediaType: blob.mediaType, digest: digest, size: size)
    }
}
