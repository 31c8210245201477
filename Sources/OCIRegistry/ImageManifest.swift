import Foundation

/// A content descriptor: what a manifest says about each blob it refers to.
public struct OCIDescriptor: Codable, Sendable, Equatable {
    public var mediaType: String
    public var digest: OCIDigest
    public var size: Int64

    public init(mediaType: String, digest: OCIDigest, size: Int64) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
    }
}

/// An image manifest (OCI image manifest or Docker v2 schema 2: the same shape).
public struct ImageManifest: Codable, Sendable, Equatable {
    public var schemaVersion = 2
    public var mediaType: String
    public var config: OCIDescriptor
    public var layers: [OCIDescriptor]

    public init(mediaType: String = OCIMediaType.imageManifest, config: OCIDescriptor, layers: [OCIDescriptor]) {
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
    }
}

/// A blob to push as part of an image: a file and its media type.
public struct ImageBlobFile: Sendable {
    public var file: URL
    public var mediaType: String

    public init(file: URL, mediaType: String) {
        self.file = file
        self.mediaType = mediaType
    }
}
