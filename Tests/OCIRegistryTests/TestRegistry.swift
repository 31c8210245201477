import AsyncHTTPClient
import Foundation
import Logging
import OCIRegistry
import Testing

/// A real CNCF registry (`docker-registry` from Debian) on a free loopback port with its
/// own storage directory, started for one suite and stopped after it.
///
/// A missing binary fails the suite with the install command: these tests exist to run
/// against the real registry, and skipping would hide that they did not.
final class TestRegistry: @unchecked Sendable {  // `process` is only read after start
    enum Auth: Sendable {
        case none
        /// htpasswd (bcrypt) with one user.
        case basic(RegistryCredentials)
        /// Bearer tokens issued by `TokenServer` for one user.
        case token(RegistryCredentials)
    }

    @TaskLocal static var current: TestRegistry?

    let port: Int
    let directory: URL
    let auth: Auth
    private let process: Process
    private let tokenServer: TokenServer?

    var host: String { "127.0.0.1:\(port)" }
    var baseURL: URL { URL(string: "http://\(host)")! }
    var logFile: URL { directory.appendingPathComponent("registry.log") }
    /// How many tokens the token server issued (token auth only).
    var tokenCounter: TokenCounter? { tokenServer?.issued }

    private init(port: Int, directory: URL, auth: Auth, process: Process, tokenServer: TokenServer?) {
        self.port = port
        self.directory = directory
        self.auth = auth
        self.process = process
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
        let binary = try Tools.require("docker-registry", package: "docker-registry")
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
                let line = try Tools.run(htpasswd, ["-Bbn", credentials.username, credentials.password])
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
            let port = try FreePort.find()
            let config = """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: \(directory.path)/storage
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:\(port)
                  secret: slipway-test-secret
                \(authSection)
                """
            let configFile = directory.appendingPathComponent("config.yml")
            try config.write(to: configFile, atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = binary
            process.arguments = ["serve", configFile.path]
            FileManager.default.createFile(atPath: directory.appendingPathComponent("registry.log").path, contents: nil)
            let log = try FileHandle(forWritingTo: directory.appendingPathComponent("registry.log"))
            process.standardOutput = log
            process.standardError = log
            try process.run()
            let registry = TestRegistry(port: port, directory: directory, auth: auth, process: process, tokenServer: tokenServer)
            do {
                try await registry.waitUntilAnswering()
            } catch {
                await registry.stop()
                throw error
            }
            return registry
        } catch {
            try? await tokenServer?.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Polls `/v2/` until it answers (200, or 401 with auth) or the process exits.
    private func waitUntilAnswering() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestSupportError("docker-registry exited at start (status \(process.terminationStatus)); its log:\n\(logTail())")
            }
            var request = HTTPClientRequest(url: "http://\(host)/v2/")
            request.method = .GET
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if [200, 401].contains(response.status.code) { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("docker-registry did not answer on \(host)/v2/ within 20 s; its log:\n\(logTail())")
    }

    func stop() async {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? await tokenServer?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// How many requests with `method` on a path containing `pathPart` the registry's access
    /// log shows, waiting up to 2 s for it to reach `expected` (lines are written just after
    /// the answer is sent).
    func accessLogCount(method: String, pathPart: String, expected: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            let count = text.split(separator: "\n").filter { $0.contains("\"\(method) ") && $0.contains(pathPart) }.count
            if count >= expected || ContinuousClock.now >= deadline { return count }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func logTail() -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
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
        guard let current else { throw TestSupportError("no registry: the suite needs the .registry(...) trait") }
        return current
    }
}
