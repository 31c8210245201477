import AsyncHTTPClient
import Foundation
import Logging
import OCIRegistry
import SlipwayTestSupport
import Testing

/// The shared `DockerRegistry` with this suite's auth (none, htpasswd, or tokens from
/// `TokenServer`), started for one suite and stopped after it.
final class TestRegistry: Sendable {
    enum Auth: Sendable {
        case none
        /// htpasswd (bcrypt) with one user.
        case basic(RegistryCredentials)
        /// Bearer tokens issued by `TokenServer` for one user.
        case token(RegistryCredentials)
    }

    @TaskLocal static var current: TestRegistry?

    let registry: DockerRegistry
    let auth: Auth
    private let tokenServer: TokenServer?

    var host: String { registry.host }
    var baseURL: URL { URL(string: "http://\(host)")! }
    /// How many tokens the token server issued (token auth only).
    var tokenCounter: TokenCounter? { tokenServer?.issued }

    private init(registry: DockerRegistry, auth: Auth, tokenServer: TokenServer?) {
        self.registry = registry
        self.auth = auth
        self.tokenServer = tokenServer
    }

    /// A client of this registry; `credentials` nil means the ones the registry was made with.
    func client(
        credentials: RegistryCredentials? = nil, configuration: OCIRegistryClient.Configuration = .init()
    ) throws -> OCIRegistryClient {
        var given = credentials
        if given == nil {
            switch auth {
            case .none: break
            case .basic(let credentials), .token(let credentials): given = credentials
            }
        }
        var logger = Logger(label: "OCIRegistryTests")
        logger.logLevel = .warning
        return try OCIRegistryClient(baseURL: baseURL, credentials: given, configuration: configuration, logger: logger)
    }

    static func start(auth: Auth) async throws -> TestRegistry {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-oci-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tokenServer: TokenServer?
        do {
            var authSection = ""
            switch auth {
            case .none:
                break
            case .basic(let credentials):
                let htpasswd = try Tools.require("htpasswd", package: "apache2-utils")
                let line = try await Tools.run(htpasswd, ["-Bbn", credentials.username, credentials.password])
                try line.write(to: directory.appendingPathComponent("htpasswd"), atomically: true, encoding: .utf8)
                authSection = """
                    auth:
                      htpasswd:
                        realm: slipway-test
                        path: \(directory.path)/htpasswd
                    """
            case .token(let credentials):
                let server = try await TokenServer.start(directory: directory, credentials: credentials)
                tokenServer = server
                authSection = """
                    auth:
                      token:
                        realm: \(server.realm)
                        service: \(TokenServer.service)
                        issuer: \(TokenServer.issuer)
                        rootcertbundle: \(server.certificateFile.path)
                    """
            }
            let registry = try await DockerRegistry.start(authSection: authSection, directory: directory)
            return TestRegistry(registry: registry, auth: auth, tokenServer: tokenServer)
        } catch {
            try? await tokenServer?.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func stop() async {
        registry.stop()
        try? await tokenServer?.stop()
    }

    func accessLogCount(method: String, pathPart: String, expected: Int) async throws -> Int {
        try await registry.accessLogCount(method: method, pathPart: pathPart, expected: expected)
    }
}

/// Gives each suite that carries it a fresh `TestRegistry` (as `TestRegistry.current`),
/// stopped when the suite ends.
struct RegistryTrait: SuiteTrait, TestScoping {
    let auth: TestRegistry.Auth
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let registry = try await TestRegistry.start(auth: auth)
        do {
            try await TestRegistry.$current.withValue(registry) { try await function() }
        } catch {
            await registry.stop()
            throw error
        }
        await registry.stop()
    }
}

extension Trait where Self == RegistryTrait {
    static func registry(_ auth: TestRegistry.Auth) -> RegistryTrait { RegistryTrait(auth: auth) }
}

extension TestRegistry {
    /// The suite's registry; fails the test when the suite has none.
    static func require() throws -> TestRegistry {
        guard let current else { throw TestFailure("no registry: the suite needs the .registry(...) trait") }
        return current
    }
}
