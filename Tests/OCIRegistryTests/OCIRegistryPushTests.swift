import Foundation
import Logging
import OCIRegistry
import SlipwayTestSupport
import Testing
import TestPorts

/// Against a real CNCF registry without auth (see `TestRegistry`).
@Suite(.registry(.none)) struct OCIRegistryPushTests {
    @Test func pingAnswers() async throws {
        let registry = try TestRegistry.require()
        try await registry.client().ping()
    }

    /// 64 KiB goes up in one PUT; 12 MiB in PATCH chunks (5 MiB: the last chunk is short and
    /// the closing PUT empty; 4 MiB: chunks divide the blob exactly).
    @Test(arguments: [(64 * 1024, Int64(5 << 20)), (12 << 20, Int64(5 << 20)), (12 << 20, Int64(4 << 20))])
    func uploadBlobAndReadItBack(size: Int, chunkSize: Int64) async throws {
        let registry = try TestRegistry.require()
        var configuration = OCIRegistryClient.Configuration()
        configuration.monolithicUploadLimit = 1 << 20
        configuration.chunkSize = chunkSize
        let client = try registry.client(configuration: configuration)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let blob = try BlobFixture.random(size: size, in: scratch.directory)
        let repository = uniqueRepository("blob")

        #expect(try await client.blobExists(repository: repository, digest: blob.digest) == false)
        try await client.uploadBlob(repository: repository, file: blob.file, digest: blob.digest, size: blob.size)
        #expect(try await client.blobExists(repository: repository, digest: blob.digest))

        // The registry saw the chunks: none for a blob under the monolithic limit.
        let chunks = size > 1 << 20 ? Int((Int64(size) + chunkSize - 1) / chunkSize) : 0
        #expect(try await registry.accessLogCount(method: "PATCH", pathPart: "/v2/\(repository)/", expected: chunks) == chunks)

        let (served, servedSize) = try await fetchBlobDigest(registry: registry, repository: repository, digest: blob.digest)
        #expect(served == blob.digest)
        #expect(servedSize == blob.size)
    }

    @Test func uploadWithWrongDigestIsRefusedWithTheRegistrysCode() async throws {
        let registry = try TestRegistry.require()
        let scratch = try Scratch()
        defer { scratch.remove() }
        let blob = try BlobFixture.random(size: 1000, in: scratch.directory)
        let wrong = OCIDigest.sha256(of: Data("something else".utf8))
        let error = try await #require(throws: OCIRegistryError.self) {
            try await registry.client().uploadBlob(repository: uniqueRepository("bad"), file: blob.file, digest: wrong, size: blob.size)
        }
        #expect(error.hasCode("DIGEST_INVALID"), "\(error)")
        #expect(error.description.contains(registry.host), "\(error)")
    }

    @Test func manifestByTagAndByDigestThenTagsThenDelete() async throws {
        let registry = try TestRegistry.require()
        let client = try registry.client()
        let repository = uniqueRepository("manifest")
        let config = Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let configDigest = try await client.uploadBlob(repository: repository, bytes: config)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let layer = try BlobFixture.random(size: 4096, in: scratch.directory)
        try await client.uploadBlob(repository: repository, file: layer.file, digest: layer.digest, size: layer.size)
        let manifest = try manifestBytes(
            config: OCIDescriptor(mediaType: OCIMediaType.imageConfig, digest: configDigest, size: Int64(config.count)),
            layers: [OCIDescriptor(mediaType: OCIMediaType.layerTarGzip, digest: layer.digest, size: layer.size)]
        )

        let digest = try await client.putManifest(repository: repository, reference: "v1", manifest: manifest)
        #expect(digest == OCIDigest.sha256(of: manifest))
        #expect(try await client.putManifest(repository: repository, reference: digest.rawValue, manifest: manifest) == digest)

        let byTag = try await client.manifest(repository: repository, reference: "v1")
        #expect(byTag.digest == digest)
        #expect(byTag.bytes == manifest)
        #expect(byTag.mediaType == OCIMediaType.imageManifest)
        let byDigest = try await client.manifest(repository: repository, reference: digest.rawValue)
        #expect(byDigest == byTag)
        #expect(try await client.manifestDigest(repository: repository, reference: "v1") == digest)
        #expect(try await client.manifestDigest(repository: repository, reference: "missing") == nil)

        for tag in ["v2", "v3", "latest"] {
            try await client.putManifest(repository: repository, reference: tag, manifest: manifest)
        }
        #expect(try await client.tags(repository: repository).sorted() == ["latest", "v1", "v2", "v3"])
        // Pages of one tag: four requests, chained by the Link header.
        #expect(try await client.tags(repository: repository, pageSize: 1).sorted() == ["latest", "v1", "v2", "v3"])

        try await client.deleteManifest(repository: repository, digest: digest)
        #expect(try await client.manifestDigest(repository: repository, reference: digest.rawValue) == nil)
        let error = try await #require(throws: OCIRegistryError.self) {
            try await client.manifest(repository: repository, reference: "v1")
        }
        #expect(error.isNotFound, "\(error)")
        #expect(error.hasCode("MANIFEST_UNKNOWN"), "\(error)")
    }

    @Test func dockerV2ManifestKeepsItsMediaType() async throws {
        let registry = try TestRegistry.require()
        let client = try registry.client()
        let repository = uniqueRepository("docker")
        let config = Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let configDigest = try await client.uploadBlob(repository: repository, bytes: config)
        let manifest = try manifestBytes(
            config: OCIDescriptor(mediaType: OCIMediaType.dockerConfig, digest: configDigest, size: Int64(config.count)),
            layers: [], mediaType: OCIMediaType.dockerManifest
        )
        let digest = try await client.putManifest(
            repository: repository, reference: "v1", manifest: manifest, mediaType: OCIMediaType.dockerManifest
        )
        let fetched = try await client.manifest(repository: repository, reference: digest.rawValue)
        #expect(fetched.mediaType == OCIMediaType.dockerManifest)
        #expect(fetched.bytes == manifest)
    }

    @Test func manifestReferringToAMissingBlobGivesTheRegistrysError() async throws {
        let registry = try TestRegistry.require()
        let client = try registry.client()
        let repository = uniqueRepository("missing")
        let config = Data(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let configDigest = try await client.uploadBlob(repository: repository, bytes: config)
        let absent = OCIDigest.sha256(of: Data("never pushed".utf8))
        let manifest = try manifestBytes(
            config: OCIDescriptor(mediaType: OCIMediaType.imageConfig, digest: configDigest, size: Int64(config.count)),
            layers: [OCIDescriptor(mediaType: OCIMediaType.layerTarGzip, digest: absent, size: 12)]
        )
        let error = try await #require(throws: OCIRegistryError.self) {
            try await client.putManifest(repository: repository, reference: "v1", manifest: manifest)
        }
        #expect(error.hasCode("MANIFEST_BLOB_UNKNOWN"), "\(error)")
        #expect(error.description.contains("MANIFEST_BLOB_UNKNOWN"), "\(error)")
        #expect(error.description.contains("push every blob"), "\(error)")
    }

    @Test func pushImageSkipsBlobsAlreadyThere() async throws {
        let registry = try TestRegistry.require()
        let client = try registry.client()
        let scratch = try Scratch()
        defer { scratch.remove() }
        let layer = try BlobFixture.random(size: 2048, in: scratch.directory)
        let configFile = scratch.directory.appendingPathComponent("config.json")
        try Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8).write(to: configFile)
        let repository = uniqueRepository("image")
        let config = ImageBlobFile(file: configFile, mediaType: OCIMediaType.imageConfig)
        let layers = [ImageBlobFile(file: layer.file, mediaType: OCIMediaType.layerTarGzip)]

        let reference = try await client.pushImage(repository: repository, config: config, layers: layers, tag: "v1")
        #expect(reference.hasPrefix("\(registry.host)/\(repository)@sha256:"))
        // A second push finds every blob and only puts the manifest again: same digest.
        #expect(try await client.pushImage(repository: repository, config: config, layers: layers) == reference)
        let digest = try OCIDigest(String(reference.split(separator: "@")[1]))
        #expect(try await client.manifestDigest(repository: repository, reference: "v1") == digest)
    }

    @Test func mountLinksABlobFromAnotherRepository() async throws {
        let registry = try TestRegistry.require()
        let client = try registry.client()
        let source = uniqueRepository("source")
        let target = uniqueRepository("target")
        let digest = try await client.uploadBlob(repository: source, bytes: Data("shared layer".utf8))
        #expect(try await client.blobExists(repository: target, digest: digest) == false)
        #expect(try await client.mountBlob(repository: target, digest: digest, from: source))
        #expect(try await client.blobExists(repository: target, digest: digest))
        // A blob the source does not have is not mounted; the caller uploads it instead.
        let absent = OCIDigest.sha256(of: Data("nowhere".utf8))
        #expect(try await client.mountBlob(repository: target, digest: absent, from: source) == false)
    }

    @Test func unreachableRegistryIsAReadableError() async throws {
        let port = try TestPorts.next()
        let client = try OCIRegistryClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, logger: .init(label: "t"))
        let started = ContinuousClock.now
        let error = try await #require(throws: OCIRegistryError.self) { try await client.ping() }
        #expect(ContinuousClock.now - started < .seconds(10), "the probe's deadline bounds a registry that is down")
        #expect(error.kind == .unreachable)
        #expect(error.description.contains("127.0.0.1:\(port)"), "\(error)")
    }
}
