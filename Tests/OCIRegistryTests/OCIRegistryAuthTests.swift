import Foundation
import Logging
import OCIRegistry
import Testing

private let user = RegistryCredentials(username: "slipway", password: "s3cret-pass")

/// A push and pull through a registry that asks for credentials, and what the user sees
/// when the credentials are wrong or missing. Shared by the htpasswd (Basic) and token
/// (Bearer) suites.
private enum AuthScenarios {
    static func pushAndPull(_ registry: TestRegistry) async throws {
        let client = try registry.client()
        try await client.ping()
        let scratch = try Scratch()
        defer { scratch.remove() }
        let layer = try BlobFixture.random(size: 3 << 20, in: scratch.directory)
        let configFile = scratch.directory.appendingPathComponent("config.json")
        try Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8).write(to: configFile)
        let repository = uniqueRepository("auth")
        var configuration = OCIRegistryClient.Configuration()
        configuration.monolithicUploadLimit = 1 << 20
        configuration.chunkSize = 1 << 20
        let chunking = try registry.client(configuration: configuration)

        let reference = try await chunking.pushImage(
            repository: repository,
            config: ImageBlobFile(file: configFile, mediaType: OCIMediaType.imageConfig),
            layers: [ImageBlobFile(file: layer.file, mediaType: OCIMediaType.layerTarGzip)],
            tag: "v1"
        )
        let digest = try OCIDigest(String(reference.split(separator: "@")[1]))
        #expect(try await client.blobExists(repository: repository, digest: layer.digest))
        #expect(try await client.manifest(repository: repository, reference: "v1").digest == digest)
        #expect(try await client.tags(repository: repository) == ["v1"])
        try await client.deleteManifest(repository: repository, digest: digest)
        #expect(try await client.manifestDigest(repository: repository, reference: digest.rawValue) == nil)
    }

    static func wrongPasswordIsUnauthorized(_ registry: TestRegistry) async throws {
        let client = try registry.client(credentials: RegistryCredentials(username: user.username, password: "wrong"))
        let error = try await #require(throws: OCIRegistryError.self) {
            try await client.uploadBlob(repository: uniqueRepository("denied"), bytes: Data("x".utf8))
        }
        #expect(error.isUnauthorized, "\(error)")
        #expect(error.description.contains(registry.host), "\(error)")
        #expect(error.description.contains("check the username and password"), "\(error)")
    }

    static func noCredentialsIsUnauthorized(_ registry: TestRegistry) async throws {
        let anonymous = try OCIRegistryClient(baseURL: registry.baseURL, logger: .init(label: "t"))
        let error = try await #require(throws: OCIRegistryError.self) {
            try await anonymous.tags(repository: uniqueRepository("anonymous"))
        }
        #expect(error.isUnauthorized, "\(error)")
    }
}

@Suite(.registry(.basic(user))) struct OCIRegistryBasicAuthTests {
    @Test func pushAndPullWithCredentials() async throws {
        try await AuthScenarios.pushAndPull(try TestRegistry.require())
    }

    @Test func wrongPasswordIsUnauthorized() async throws {
        try await AuthScenarios.wrongPasswordIsUnauthorized(try TestRegistry.require())
    }

    @Test func noCredentialsIsUnauthorizedAndSaysSo() async throws {
        let registry = try TestRegistry.require()
        try await AuthScenarios.noCredentialsIsUnauthorized(registry)
        let anonymous = try OCIRegistryClient(baseURL: registry.baseURL, logger: .init(label: "t"))
        let error = try await #require(throws: OCIRegistryError.self) { try await anonymous.ping() }
        #expect(error.hasCode("UNAUTHORIZED"), "\(error)")
        #expect(error.description.contains("requires credentials"), "\(error)")
    }
}

@Suite(.registry(.token(user))) struct OCIRegistryTokenAuthTests {
    @Test func pushAndPullWithBearerTokens() async throws {
        try await AuthScenarios.pushAndPull(try TestRegistry.require())
    }

    @Test func tokensAreCachedPerScope() async throws {
        let registry = try TestRegistry.require()
        let counter = try #require(registry.tokenCounter)
        let client = try registry.client()
        let repository = uniqueRepository("cached")
        for index in 0..<5 {
            try await client.uploadBlob(repository: repository, bytes: Data("blob \(index)".utf8))
        }
        // One token for the push scope, reused by the 10 requests (POST + PUT per blob).
        #expect(await counter.count(scope: "repository:\(repository):pull,push") == 1)
    }

    @Test func wrongPasswordIsUnauthorized() async throws {
        try await AuthScenarios.wrongPasswordIsUnauthorized(try TestRegistry.require())
    }

    @Test func noCredentialsIsUnauthorized() async throws {
        try await AuthScenarios.noCredentialsIsUnauthorized(try TestRegistry.require())
    }
}
