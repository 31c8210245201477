import AsyncHTTPClient
import FileChunks
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of the Docker Engine REST API (as served by Docker or by `podman system service`)
/// over a unix socket.
///
/// Every call goes through one request helper (`send`), which adds the Host header Podman
/// insists on and turns non-2xx answers into `DockerAPIError` carrying the engine's message.
/// Long answers (build output, logs, events) are read incrementally, never collected whole.
public struct DockerClient: Sendable {
    public let socketPath: String
    let httpClient: HTTPClient
    let logger: Logger

    /// - Parameters:
    ///   - socketPath: e.g. "/var/run/docker.sock" or "/run/podman/podman.sock".
    ///   - httpClient: defaults to `DockerClient.sharedHTTPClient`, which has no read timeout
    ///     (see there). A client with a read timeout makes quiet builds, idle event
    ///     streams and followed logs of a quiet container fail after that timeout.
    public init(socketPath: String, httpClient: HTTPClient = DockerClient.sharedHTTPClient, logger: Logger) {
        self.socketPath = socketPath
        self.httpClient = httpClient
        var logger = logger
        logger[metadataKey: "docker.socket"] = .string(socketPath)
        self.logger = logger
    }

    /// A process-wide HTTP client for engine sockets. Unlike `HTTPClient.shared` it has no
    /// read timeout: the engine legitimately stays silent for long stretches (`/wait` until a
    /// container exits, `/events` between events, a build step that prints nothing), and a
    /// read timeout would break those calls. Per-call deadlines bound the short requests.
    /// Like `HTTPClient.shared`, it lives for the whole process and is never shut down.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        // Connecting to a local socket is immediate when the engine is up; AsyncHTTPClient
        // retries failed connects until this timeout, so it also bounds how long a call to a
        // stopped engine takes to fail.
        configuration.timeout = .init(connect: .seconds(3), read: nil)
        configuration.redirectConfiguration = .disallow
        // Long-lived streams (events, one output attach per replica, log follows) each hold a
        // connection; room for them, so short calls never queue behind streams.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Deadline for requests that answer quickly (inspect, create, start, remove...).
    static let shortRequestTimeout: TimeAmount = .seconds(60)
    /// Largest JSON answer read into memory (a list of a few thousand containers fits).
    static let maxJSONBodyBytes = 32 * 1024 * 1024
    /// Largest error body read; the engine's messages are a few hundred bytes.
    static let maxErrorBodyBytes = 1024 * 1024

    // MARK: System

    /// `GET /version`.
    public func version() async throws -> DockerVersion {
        let wire = try await sendForJSON(.version(), as: WireVersion.self)
        return DockerVersion(wire: wire)
    }

    /// Whether the engine answers on the socket within a few seconds. Never throws.
    ///
    /// Asks `/_ping`, the engines' liveness endpoint, rather than `/version`: Podman builds
    /// its `/version` answer by running conmon and the OCI runtime (over a second here),
    /// while `/_ping` answers in milliseconds on both engines.
    public func ping() async -> Bool {
        do {
            try await sendIgnoringBody(.ping(), timeout: .seconds(5))
            return true
        } catch {
            logger.debug("container engine does not answer", metadata: ["error": "\(error)"])
            return false
        }
    }
}

// MARK: - The request helper

extension DockerClient {
    /// Sends a request and returns the response once its head has arrived; the body is
    /// left for the caller to stream. Statuses outside 2xx and `accepting` are thrown as
    /// `DockerAPIError` with the engine's message. `timeout` nil means no deadline (for
    /// streams and waits); the caller then owns cancellation.
    func send(
        _ request: DockerRequest,
        accepting: Set<Int> = [],
        timeout: TimeAmount? = DockerClient.shortRequestTimeout
    ) async throws -> HTTPClientResponse {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: request.uri) else {
            throw DockerAPIError(statusCode: nil, message: "invalid engine socket path \(socketPath)")
        }
        // Without the socket file AsyncHTTPClient would retry until its connect timeout;
        // failing at once makes `ping` and error reports fast when the engine is not running.
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw DockerAPIError.unreachable(socketPath: socketPath, underlying: NoSocketFile())
        }
        var http = HTTPClientRequest(url: url.absoluteString)
        http.method = switch request.method {
        case .GET: .GET
        case .POST: .POST
        case .DELETE: .DELETE
        case .PUT: .PUT
        }
        // AsyncHTTPClient sends no Host header for socket URLs; HTTP/1.1 requires one and
        // Podman rejects requests without it (400 "missing required Host header").
        http.headers.add(name: "Host", value: "localhost")
        switch request.body {
        case .none:
            break
        case .json(let data):
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(data: data))
        case .tar(let data):
            http.headers.add(name: "Content-Type", value: "application/x-tar")
            http.body = .bytes(ByteBuffer(data: data))
        case .tarFile(let file):
            let chunks: FileChunks
            do {
                chunks = try FileChunks(url: file)
            } catch {
                throw DockerAPIError(statusCode: nil, message: "cannot read build context: \(error)")
            }
            http.headers.add(name: "Content-Type", value: "application/x-tar")
            http.body = .stream(chunks, length: .known(chunks.length))
        }

        var logger = self.logger
        logger[metadataKey: "docker.request"] = "\(request.method.rawValue) \(request.uri)"
        logger.trace("sending request to container engine")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(
                http, deadline: timeout.map { .now() + $0 } ?? .distantFuture, logger: logger
            )
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw DockerAPIError.unreachable(socketPath: socketPath, underlying: error)
        }

        let status = Int(response.status.code)
        if (200..<300).contains(status) || accepting.contains(status) {
            return response
        }
        let body = try? await response.body.collect(upTo: Self.maxErrorBodyBytes)
        let error = Self.apiError(status: status, reason: response.status.reasonPhrase, body: body)
        logger.debug("container engine refused request", metadata: ["docker.status": "\(status)", "error": "\(error.message)"])
        throw error
    }

    /// Sends a request and decodes its JSON answer.
    func sendForJSON<T: Decodable>(
        _ request: DockerRequest, as type: T.Type, timeout: TimeAmount? = DockerClient.shortRequestTimeout
    ) async throws -> T {
        let response = try await send(request, timeout: timeout)
        return try await Self.decode(type, from: response)
    }

    /// Like `sendForJSON`, but a 404 (no such container or image) is nil, not an error.
    func sendForOptionalJSON<T: Decodable>(_ request: DockerRequest, as type: T.Type) async throws -> T? {
        let response: HTTPClientResponse
        do {
            response = try await send(request, accepting: [404])
        } catch let error as DockerAPIError where error.isNotFound {
            return nil  // Podman's 500 "no such container" for one removed a moment ago
        }
        if response.status.code == 404 {
            _ = try? await response.body.collect(upTo: Self.maxErrorBodyBytes)
            return nil
        }
        return try await Self.decode(type, from: response)
    }

    /// Sends a request whose answer carries nothing needed, reading the body to its end so
    /// the connection goes back to the pool. Returns the status (useful with `accepting`).
    @discardableResult
    func sendIgnoringBody(
        _ request: DockerRequest, accepting: Set<Int> = [], timeout: TimeAmount? = DockerClient.shortRequestTimeout
    ) async throws -> Int {
        let response = try await send(request, accepting: accepting, timeout: timeout)
        for try await _ in response.body {}
        return Int(response.status.code)
    }

    static func decode<T: Decodable>(_ type: T.Type, from response: HTTPClientResponse) async throws -> T {
        let body = try await response.body.collect(upTo: maxJSONBodyBytes)
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw DockerAPIError(
                statusCode: Int(response.status.code),
                message: "unexpected answer from the container engine (\(error)): \(String(buffer: body).prefix(500))"
            )
        }
    }

    struct NoSocketFile: Error, CustomStringConvertible {
        var description: String { "no such socket file" }
    }

    /// The engine's error body is `{"message": "..."}` (Podman adds "cause" and "response");
    /// anything else is passed on as text so no information is lost.
    static func apiError(status: Int, reason: String, body: ByteBuffer?) -> DockerAPIError {
        guard let body, body.readableBytes > 0 else {
            return DockerAPIError(statusCode: status, message: reason)
        }
        if let wire = try? JSONDecoder().decode(WireErrorBody.self, from: body), let message = wire.message, !message.isEmpty {
            return DockerAPIError(statusCode: status, message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        return DockerAPIError(statusCode: status, message: text.isEmpty ? reason : String(text.prefix(2000)))
    }
}
