import AsyncHTTPClient
import FileChunks
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SlipwayCore

/// Typed client of the Slipway HTTP API, used by the CLI and by tests.
/// Every call goes through one helper, `send`, which adds headers, applies the deadline and turns
/// transport failures into a `SlipwayError` that says how to reach the server.
public struct SlipwayClient: Sendable {
    public struct Configuration: Sendable {
        public static let defaultServer = "http://127.0.0.1:7070"

        public var baseURL: URL
        /// Sent as `Authorization: Bearer TOKEN` when set.
        public var token: String?
        /// PEM file of the CA that signed an https server's certificate (self-signed servers); nil: the system's roots.
        public var caFile: String?
        /// The deadline for one ordinary request.
        public var timeout: Duration
        /// The deadline for an upload, which may carry a large archive.
        public var uploadTimeout: Duration
        /// Sent as `X-Slipway-User`, so releases record who made them (default: $USER).
        public var user: String? = ProcessInfo.processInfo.environment["USER"]

        public init(baseURL: URL, token: String? = nil, timeout: Duration = .seconds(30), uploadTimeout: Duration = .seconds(600)) {
            self.baseURL = baseURL
            self.token = token
            self.timeout = timeout
            self.uploadTimeout = uploadTimeout
        }

        /// Validates a server URL as typed by a user (`--server`, `SLIPWAY_SERVER`).
        public init(server: String, token: String? = nil, timeout: Duration = .seconds(30)) throws {
            let text = server.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty else {
                throw SlipwayError.invalidRequest("the server URL \"\(server)\" is not an http:// or https:// URL; use e.g. --server \(Configuration.defaultServer)")
            }
            self.init(baseURL: url, token: token, timeout: timeout)
        }
    }

    public let configuration: Configuration
    let httpClient: HTTPClient

    /// A client using `httpClient`, which the caller owns and shuts down.
    public init(configuration: Configuration, httpClient: HTTPClient) {
        self.configuration = configuration
        self.httpClient = httpClient
    }

    /// Runs `body` with a client that has its own `HTTPClient`, shut down when `body` returns.
    public static func withClient<Result: Sendable>(
        _ configuration: Configuration,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (SlipwayClient) async throws -> Result
    ) async throws -> Result {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: try httpConfiguration(caFile: configuration.caFile))
        let result: Result
        do {
            result = try await body(SlipwayClient(configuration: configuration, httpClient: http))
        } catch {
            try? await http.shutdown()
            throw error
        }
        try? await http.shutdown()
        return result
    }

    /// The HTTP settings the CLI wants: fail at once when nothing listens (AsyncHTTPClient's default is
    /// to retry connecting until the request's deadline, which would make `slipway apps` hang for 30 s
    /// with no server), and no read timeout, because the deploy log stays open as long as the build runs.
    /// With `caFile`, https servers signed by that CA are trusted too.
    public static func httpConfiguration(caFile: String? = nil) throws -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        if let caFile { configuration.tlsConfiguration = try tlsConfiguration(trusting: caFile) }
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: nil)
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    // MARK: - Endpoints

    /// Starts a deploy of a git repository; answers with the deploy's trace id.
    public func deploy(app: AppName, source: String, ref: String? = nil) async throws -> TraceResponse {
        try await json(.deploy(app: app, source: source, ref: ref), as: TraceResponse.self)
    }

    /// Starts a deploy from a `.tar.gz` of the source (see `SourceArchive.createTarGz`), streamed from disk.
    public func deploy(app: AppName, archive: URL) async throws -> TraceResponse {
        try await json(.upload(app: app, archive: archive), as: TraceResponse.self, timeout: configuration.uploadTimeout)
    }

    public func deployStatus(traceId: String) async throws -> DeployView {
        try await json(.deployStatus(traceId: traceId), as: DeployView.self)
    }

    /// Cancels a queued or running deploy and answers with it once it has ended (the server waits
    /// up to a minute for a running one to wind down).
    public func cancel(traceId: String) async throws -> DeployView {
        try await json(.cancelDeploy(traceId: traceId), as: DeployView.self, timeout: max(configuration.timeout, .seconds(90)))
    }

    /// The deploy's log, line by line as the server writes it; the stream ends when the deploy ends.
    /// Errors for the request itself (unknown trace id, unreachable server) are thrown here, before streaming.
    public func deployLog(traceId: String) async throws -> AsyncThrowingStream<String, any Error> {
        try await lines(.deployLog(traceId: traceId))
    }

    /// Runs a one-off command from the app's current release; events arrive as the command prints,
    /// the last one carries its exit code (or the error that kept it from running).
    public func run(app: AppName, _ run: RunRequest) async throws -> AsyncThrowingStream<RunEvent, any Error> {
        let request = try APIRequest.run(app: app, run)
        let lines = try await lines(request)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await line in lines where !line.isEmpty {
                        continuation.yield(try JSONDecoder().decode(RunEvent.self, from: Data(line.utf8)))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// What `slipway logs` asks for: since (a duration or an RFC 3339 time), one process type or replica, the last N lines.
    public struct LogQuery: Sendable {
        public var since: String?
        public var process: String?
        public var tail: Int?
        public init(since: String? = nil, process: String? = nil, tail: Int? = nil) {
            self.since = since
            self.process = process
            self.tail = tail
        }
    }

    /// An app's stored output, in time order.
    public func logs(app: AppName, _ query: LogQuery = LogQuery()) async throws -> AppLogList {
        try await json(.logs(app: app, query, follow: false), as: AppLogList.self)
    }

    /// An app's output as it is printed (after the stored lines the query selects), until the caller stops iterating.
    public func followLogs(app: AppName, _ query: LogQuery = LogQuery()) async throws -> AsyncThrowingStream<AppLogLine, any Error> {
        try await serverSentEvents(.logs(app: app, query, follow: true), as: AppLogLine.self)
    }

    /// An app's recent events, oldest first.
    public func events(app: AppName, since: String? = nil, tail: Int? = nil) async throws -> EventList {
        try await json(.events(app: app, since: since, tail: tail, follow: false), as: EventList.self)
    }

    /// An app's events as they happen (after the recent ones), until the caller stops iterating.
    public func followEvents(app: AppName, since: String? = nil, tail: Int? = nil) async throws -> AsyncThrowingStream<AppEvent, any Error> {
        try await serverSentEvents(.events(app: app, since: since, tail: tail, follow: true), as: AppEvent.self)
    }

    /// Decodes each Server-Sent Event's data as JSON.
    func serverSentEvents<T: Decodable & Sendable>(_ request: APIRequest, as type: T.Type) async throws -> AsyncThrowingStream<T, any Error> {
        let lines = try await lines(request)
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = ServerSentEventParser()
                let decoder = Timestamp.decoder()
                do {
                    for try await line in lines {
                        guard let event = parser.feed(line) else { continue }
                        continuation.yield(try decoder.decode(T.self, from: Data(event.data.utf8)))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A streamed response, line by line as the server writes it. Errors for the request itself
    /// (unknown id, unreachable server) are thrown here, before streaming.
    func lines(_ request: APIRequest) async throws -> AsyncThrowingStream<String, any Error> {
        // No deadline: the stream stays open for as long as the build or the command runs.
        let response = try await send(request, deadline: .distantFuture)
        let status = Int(response.status.code)
        guard APIResponse.isSuccess(status) else {
            let body = try await collect(response.body, request: request)
            throw APIResponse.error(status: status, body: body, request: request)
        }
        let body = response.body
        let baseURL = configuration.baseURL
        return AsyncThrowingStream { continuation in
            // The stream's own task, cancelled when the consumer stops listening.
            let task = Task {
                var splitter = LineSplitter()
                do {
                    for try await chunk in body {
                        for line in splitter.append(chunk.readableBytesView) { continuation.yield(line) }
                    }
                    if let last = splitter.finish() { continuation.yield(last) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: SlipwayClient.transportError(error, baseURL: baseURL, request: request))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func apps() async throws -> AppList {
        try await json(.apps(), as: AppList.self)
    }

    public func app(_ name: AppName) async throws -> AppView {
        try await json(.app(name), as: AppView.self)
    }

    public func releases(app: AppName) async throws -> ReleaseList {
        try await json(.releases(app: app), as: ReleaseList.self)
    }

    /// The app's replicas: state, readiness, restarts, age, port.
    public func replicas(app: AppName) async throws -> ReplicaList {
        try await json(.replicas(app: app), as: ReplicaList.self)
    }

    /// Rolls back to release `version` (default: the one before the current), without a rebuild.
    public func rollback(app: AppName, to version: Int? = nil) async throws -> TraceResponse {
        try await json(try .rollback(app: app, to: version), as: TraceResponse.self)
    }

    public func config(app: AppName) async throws -> ConfigView {
        try await json(.config(app: app), as: ConfigView.self)
    }

    /// Sets and unsets config vars: a new release, rolled out like a deploy, without a build.
    public func changeConfig(app: AppName, set: [String: String], unset: [String], secret: [String] = []) async throws -> TraceResponse {
        try await json(try .changeConfig(app: app, set: set, unset: unset, secret: secret), as: TraceResponse.self)
    }

    public func configFiles(app: AppName) async throws -> ConfigFilesView {
        try await json(.configFiles(app: app), as: ConfigFilesView.self)
    }

    /// Mounts `files` at `mount` in every process: a new release, rolled out like a deploy.
    public func setConfigFiles(app: AppName, mount: String, files: [String: Data]) async throws -> TraceResponse {
        try await json(try .setConfigFiles(app: app, ConfigFilesRequest(mount: mount, files: files)), as: TraceResponse.self)
    }

    public func removeConfigFiles(app: AppName, mount: String) async throws -> TraceResponse {
        try await json(.removeConfigFiles(app: app, mount: mount), as: TraceResponse.self)
    }

    /// A new formation (replicas per service): a new release, rolled out like a deploy.
    public func scale(app: AppName, formation: [String: Int]) async throws -> TraceResponse {
        try await json(try .scale(app: app, formation: formation), as: TraceResponse.self)
    }

    /// Destroys the app: its replicas, route and releases.
    public func destroy(app: AppName, volumes: Bool = false) async throws -> DestroyResult {
        let request = APIRequest.destroy(app: app, volumes: volumes)
        let (status, body) = try await data(request, timeout: configuration.timeout)
        return try APIResponse.destroyResult(status: status, body: body, app: app, request: request)
    }

    /// The app's custom hosts.
    public func domains(app: AppName) async throws -> DomainList {
        try await json(.domains(app: app), as: DomainList.self)
    }

    /// Routes `host` (or `*.host` for every name below it) to the app, at once.
    public func addDomain(app: AppName, host: String, service: String? = nil) async throws -> DomainList {
        try await json(try .addDomain(app: app, DomainRequest(host: host, service: service)), as: DomainList.self)
    }

    public func removeDomain(app: AppName, host: String) async throws -> DomainList {
        try await json(.removeDomain(app: app, host: host), as: DomainList.self)
    }

    public func maintenance(app: AppName) async throws -> MaintenanceView {
        try await json(.maintenance(app: app), as: MaintenanceView.self)
    }

    /// Maintenance mode on: the router answers 503 with a page showing `message`; replicas keep running.
    public func setMaintenance(app: AppName, message: String?, retryAfterSeconds: Int? = nil) async throws -> MaintenanceView {
        try await json(try .setMaintenance(app: app, message: message, retryAfterSeconds: retryAfterSeconds), as: MaintenanceView.self)
    }

    public func clearMaintenance(app: AppName) async throws -> MaintenanceView {
        try await json(.clearMaintenance(app: app), as: MaintenanceView.self)
    }

    /// Re-encrypts every stored secret under a new master key (the upload deadline: it may be long).
    public func rotateSecretsKey() async throws -> KeyRotationResult {
        try await json(.rotateSecretsKey(), as: KeyRotationResult.self, timeout: configuration.uploadTimeout)
    }

    /// Succeeds if the server answers `GET /healthz` with 2xx.
    public func health() async throws {
        let request = APIRequest.health()
        let (status, body) = try await data(request, timeout: configuration.timeout)
        guard APIResponse.isSuccess(status) else { throw APIResponse.error(status: status, body: body, request: request) }
    }

    // MARK: - The one request helper

    func json<T: Decodable>(_ request: APIRequest, as type: T.Type, timeout: Duration? = nil) async throws -> T {
        let (status, body) = try await data(request, timeout: timeout ?? configuration.timeout)
        return try APIResponse.decode(T.self, status: status, body: body, request: request)
    }

    func data(_ request: APIRequest, timeout: Duration) async throws -> (status: Int, body: Data) {
        let response = try await send(request, deadline: .now() + TimeAmount(timeout))
        let body = try await collect(response.body, request: request)
        return (Int(response.status.code), body)
    }

    /// Sends `request` and returns the response head; the body is left to the caller to stream.
    func send(_ request: APIRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        var http = HTTPClientRequest(url: request.url(baseURL: configuration.baseURL))
        http.method = .init(rawValue: request.method.rawValue)
        for header in request.headers(token: configuration.token) {
            http.headers.add(name: header.name, value: header.value)
        }
        // Releases record who made them.
        if let user = configuration.user { http.headers.add(name: "X-Slipway-User", value: user) }
        switch request.body {
        case .none:
            break
        case .json(let data):
            http.body = .bytes(ByteBuffer(data: data))
        case .file(let url, _):
            let chunks: FileChunks
            do {
                chunks = try FileChunks(url: url)
            } catch {
                throw SlipwayError.invalidRequest("\(error) (it was to be uploaded)")
            }
            http.body = .stream(chunks, length: .known(chunks.length))
        }
        do {
            return try await httpClient.execute(http, deadline: deadline)
        } catch {
            throw SlipwayClient.transportError(error, baseURL: configuration.baseURL, request: request)
        }
    }

    /// Bodies of ordinary answers are small JSON documents; 16 MiB bounds a misbehaving server.
    func collect(_ body: HTTPClientResponse.Body, request: APIRequest) async throws -> Data {
        do {
            var buffer = try await body.collect(upTo: 16 * 1024 * 1024)
            return buffer.readData(length: buffer.readableBytes) ?? Data()
        } catch {
            throw SlipwayClient.transportError(error, baseURL: configuration.baseURL, request: request)
        }
    }

    /// A failure below HTTP as a `SlipwayError` that says what to do: a timeout, or a server that
    /// cannot be reached at all (nothing listening, wrong host).
    public static func transportError(_ error: any Error, baseURL: URL, request: APIRequest) -> SlipwayError {
        if let error = error as? SlipwayError { return error }
        if error is CancellationError {
            return SlipwayError(code: "cancelled", message: "\(request.summary) was cancelled", httpStatus: 499)
        }
        let server = baseURL.absoluteString
        if let failure = tlsFailure(error, server: server) { return failure }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout {
                return SlipwayError(code: "timeout",
                                    message: "the server at \(server) did not answer \(request.summary) in time; check `slipway server`'s output, or try again",
                                    httpStatus: 504)
            }
            if error == .remoteConnectionClosed {
                return SlipwayError(code: "connection_closed",
                                    message: "the server at \(server) closed the connection during \(request.summary); check `slipway server`'s output, or try again"
                                        + (baseURL.scheme == "http" ? " (a server started with --tls-cert answers https:// only)" : ""),
                                    httpStatus: 502)
            }
        }
        let text = String(describing: error)
        let reason = text.lowercased().contains("refused") ? "connection refused" : text
        return SlipwayError(code: "unreachable",
                            message: "the Slipway server at \(server) is not reachable (\(reason)); start it with `slipway server`, or point the CLI at it with --server URL or SLIPWAY_SERVER",
                            httpStatus: 503)
    }
}
