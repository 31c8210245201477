import Commands
import AsyncHTTPClient
import DockerAPI
import Foundation
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing
import TestPorts

/// A real `slipway server` process for one test: its own data directory and free ports,
/// on the real container engine. `TestServer.with { server in ... }` always cleans up:
/// apps destroyed, server stopped, data directory removed.
final class TestServer: @unchecked Sendable {
    let dataDirectory: URL
    let apiPort: Int
    let routerPort: Int
    let extraArguments: [String]
    let environment: [String: String]
    /// Set: the API is served over HTTPS with these certificates, and this test's clients trust their CA.
    let tls: TestCertificates?
    private(set) var process: BackgroundCommand?
    let http: HTTPClient
    var client: SlipwayClient
    /// The API token: SLIPWAY_TOKEN when the test sets it, else the one the server made in its
    /// data directory (read after start); nil with `--insecure-no-auth`.
    private(set) var token: String?
    /// The `slipway` binary this server runs (`Self.binary` unless the test gives another).
    var executable: URL = TestServer.binary

    var baseURL: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(apiPort)" }

    private init(dataDirectory: URL, extraArguments: [String], environment: [String: String], tls: TestCertificates?) throws {
        self.dataDirectory = dataDirectory
        apiPort = try freePort()
        routerPort = try freePort()
        self.extraArguments = extraArguments + (tls.map { ["--tls-cert", $0.serverCertificate, "--tls-key", $0.serverKey] } ?? [])
        self.environment = environment
        self.tls = tls
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                          configuration: try SlipwayClient.httpConfiguration(caFile: tls?.caCertificate))
        token = environment["SLIPWAY_TOKEN"]
        client = SlipwayClient(configuration: .init(baseURL: URL(string: "\(tls == nil ? "http" : "https")://127.0.0.1:\(apiPort)")!,
                                                     token: token), httpClient: http)
    }

    /// Runs `body` against a fresh server; fails the test (never skips) when the engine is required and missing.
    static func with(arguments: [String] = [], environment: [String: String] = [:], tls: TestCertificates? = nil, executable: URL? = nil,
                     _ body: (TestServer) async throws -> Void) async throws {
        try await TestEngine.requireEngine()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-it-\(UUID().uuidString.prefix(8))")
        let server = try TestServer(dataDirectory: directory, extraArguments: arguments, environment: environment, tls: tls)
        if let executable { server.executable = executable }
        do {
            try await server.start()
            try await body(server)
        } catch {
            print("--- server log (\(directory.path)) ---\n\(server.serverLog().suffix(4000))")
            await server.cleanUp()
            throw error
        }
        await server.cleanUp()
    }

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SLIPWAY_BIN"] { return URL(fileURLWithPath: path) }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("slipway")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/slipway")
    }

    var logFile: URL { dataDirectory.deletingLastPathComponent().appendingPathComponent(dataDirectory.lastPathComponent + ".log") }

    func serverLog() -> String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Starts (or restarts) the server process and waits until /healthz answers.
    func start() async throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let process = try await BackgroundCommand.start(Command(
            executable.path,
            ["server", "--listen", "127.0.0.1:\(apiPort)", "--http", "127.0.0.1:\(routerPort)",
             "--data", dataDirectory.path, "--engine-socket", TestEngine.socketPath,
             // Test repositories are made in the temporary directory and deployed as file:// URLs.
             "--allow-source-dir", FileManager.default.temporaryDirectory.path] + extraArguments,
            environment: environment), log: logFile.path)
        self.process = process
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await get("/healthz").status) == 200 {
                try adoptToken()
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("slipway server did not come up:\n\(serverLog().suffix(2000))")
    }

    /// Reads the token the server made (the same file the CLI on this machine finds) and hands it
    /// to the typed client, the raw requests and `runCLI` against this server.
    private func adoptToken() throws {
        if environment["SLIPWAY_TOKEN"] == nil, !extraArguments.contains("--insecure-no-auth") {
            let file = dataDirectory.appendingPathComponent("admin.token")
            token = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var configuration = client.configuration
        configuration.token = token
        client = SlipwayClient(configuration: configuration, httpClient: http)
        ServerTokens.shared.set(token, for: baseURL)
    }

    /// Graceful stop (SIGTERM), as an operator or systemd would.
    func stop() async {
        guard let process, process.isRunning else { return }
        await process.stop(grace: .seconds(20))
        self.process = nil
    }

    /// kill -9: the server dies at once, mid-whatever.
    func kill() async {
        guard let process, process.isRunning else { return }
        await process.kill()
        self.process = nil
    }

    /// The pid of the router process (the default; not with `--in-process-router`) serving this
    /// data directory, if one runs.
    var routerProcessID: Int32? {
        (try? String(contentsOf: dataDirectory.appendingPathComponent("router/router.pid"), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap { Self.isRunning($0) ? $0 : nil }
    }

    /// Whether `pid` runs: a router that exited stays a zombie until this machine's init reaps it
    /// (here up to 2 s later: it is detached, so nobody else waits for it), and that is not running.
    static func isRunning(_ pid: Int32) -> Bool {
        guard Foundation.kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let state = stat.split(separator: ")").last?.split(separator: " ").first else { return false }
        return state != "Z" && state != "X"
    }

    /// SIGTERM to the router process, if any: it outlives the server on purpose.
    func stopRouterProcess() async {
        guard let pid = routerProcessID else { return }
        Foundation.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(15)
        while Self.isRunning(pid) && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    }

    func cleanUp() async {
        if process == nil { try? await start() }
        if let apps = try? await client.apps() {
            for app in apps.apps { _ = try? await client.destroy(app: try DNSLabel(app.name)) }
        }
        await stop()
        // By command line, not by its pid file, which a router still starting has not written yet.
        await RouterProcesses.stop(data: dataDirectory.path)
        // Anything still labelled with this server's id is a leak the test should not leave behind.
        if let id = try? String(contentsOf: dataDirectory.appendingPathComponent("server-id"), encoding: .utf8) {
            let docker = TestEngine.docker()
            if let leftovers = try? await docker.listContainers(all: true, labelFilters: ["io.slipway.server=\(id)"]) {
                for container in leftovers { try? await docker.removeContainer(container.id, force: true) }
            }
            for volume in (try? await docker.listVolumes(labelFilters: ["io.slipway.server=\(id)"])) ?? [] {
                try? await docker.removeVolume(volume)
            }
            for network in (try? await docker.listNetworks(labelFilters: ["io.slipway.server=\(id)"])) ?? [] {
                try? await docker.removeNetwork(network)
            }
        }
        try? await http.shutdown()
        ServerTokens.shared.set(nil, for: baseURL)
        try? FileManager.default.removeItem(at: dataDirectory)
        try? FileManager.default.removeItem(at: logFile)
    }

    // MARK: - Requests

    struct Answer {
        var status: Int
        var body: String
        var headers: HTTPHeaders
    }

    /// A raw request to the API (for status codes and bodies the typed client would turn into errors).
    func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token, headers["Authorization"] == nil {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            // The API reads JSON only when it says so (415 otherwise); tests that send other types say so.
            if headers["Content-Type"] == nil { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Answer {
        try await request(.GET, path, headers: headers)
    }

    /// A request through the router, as a browser would send it to http://HOST:ROUTER/.
    func viaRouter(host: String, path: String = "/") async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(routerPort)\(path)")
        request.headers.add(name: "Host", value: host)
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers)
    }

    /// Queues a git deploy and waits for it to end.
    func deploy(_ app: String, source: String, ref: String? = nil) async throws -> DeployView {
        let trace = try await client.deploy(app: try DNSLabel(app), source: source, ref: ref)
        return try await waitForDeploy(trace.traceId)
    }

    func waitForDeploy(_ traceId: String, timeout: Duration = .seconds(120)) async throws -> DeployView {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let view = try await client.deployStatus(traceId: traceId)
            if view.status == .error { print("deploy \(traceId) of \(view.app) ended ERROR: \(view.error ?? "")") }
            if view.status != .inProgress { return view }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("deploy \(traceId) did not finish within \(timeout)")
    }

    /// Follows a deploy to its end, requesting the app through the router between status polls
    /// (and calling `sample` each round). Returns the final view, the 200 bodies and every other answer.
    func followUnderLoad(_ traceId: String, host: String, sample: () async throws -> Void = {}) async throws
        -> (view: DeployView, bodies: [String], failures: [String]) {
        var bodies: [String] = []
        var failures: [String] = []
        var view = try await client.deployStatus(traceId: traceId)
        while view.status == .inProgress {
            try await sample()
            let answer = try await viaRouter(host: host)
            if answer.status == 200 { bodies.append(answer.body) } else { failures.append("\(answer.status) \(answer.body)") }
            view = try await client.deployStatus(traceId: traceId)
        }
        return (view, bodies, failures)
    }

    /// This server's containers on the engine (of one app, if given).
    func containers(app: String? = nil) async throws -> [ContainerSummary] {
        let id = try String(contentsOf: dataDirectory.appendingPathComponent("server-id"), encoding: .utf8)
        var filters = ["io.slipway.server=\(id)"]
        if let app { filters.append("app.kubernetes.io/name=\(app)") }
        return try await TestEngine.docker().listContainers(all: true, labelFilters: filters)
    }
}

/// The token of each running test server by its base URL, so `runCLI ... --server URL` sends it
/// (as SLIPWAY_TOKEN) like an operator's CLI finds its server's token.
final class ServerTokens: @unchecked Sendable {
    static let shared = ServerTokens()
    private let lock = NSLock()
    private var tokens: [String: String] = [:]

    func set(_ token: String?, for baseURL: String) {
        lock.withLock { tokens[baseURL] = token }
    }

    func token(for baseURL: String) -> String? {
        lock.withLock { tokens[baseURL] }
    }
}

/// A free loopback port for a server the test starts (see `TestPorts`: never the ephemeral range).
func freePort() throws -> Int {
    try TestPorts.next()
}
