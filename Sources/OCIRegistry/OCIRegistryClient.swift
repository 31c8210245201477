import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client of one registry speaking the OCI distribution API (`/v2/...`): the CNCF
/// registry, Docker Hub, GHCR, Harbor, ...
///
/// Every call goes through one request helper (`send`), which answers the registry's 401
/// challenges (Basic or Bearer token) and turns refusals into `OCIRegistryError` with the
/// registry's own error entries. Blobs are streamed from files, never held whole in memory.
public struct OCIRegistryClient: Sendable {
    public struct Configuration: Sendable {
        /// Blobs up to this size are uploaded in one PUT; larger ones in PATCH chunks.
        public var monolithicUploadLimit: Int64 = 16 * 1024 * 1024
        /// Size of each PATCH of a chunked upload.
        public var chunkSize: Int64 = 8 * 1024 * 1024
        /// Deadline for requests without a large body (manifests, tags, upload sessions).
        public var requestTimeout: TimeAmount = .seconds(60)
        /// Deadline for `ping()`. Short: AsyncHTTPClient retries a refused connection until
        /// the deadline, so this is how long a probe of a registry that is down takes to fail.
        public var probeTimeout: TimeAmount = .seconds(5)
        /// Deadline for one request carrying blob bytes (a monolithic PUT or one chunk).
        public var uploadTimeout: TimeAmount = .minutes(30)

        public init() {}
    }

    /// e.g. `http://127.0.0.1:5000` or `https://ghcr.io`, without a trailing slash.
    public let baseURL: String
    /// `host[:port]`, as image references name the registry.
    public let registry: String
    public let configuration: Configuration
    let credentials: RegistryCredentials?
    let httpClient: HTTPClient
    let logger: Logger
    let authenticator: RegistryAuthenticator

    /// - Parameters:
    ///   - baseURL: the registry's scheme, host and port. `http` for loopback or other
    ///     registries without TLS, `https` otherwise (see `baseURL(forRegistry:insecure:)`).
    ///   - httpClient: any client; the shared one by default. Blob uploads set their own
    ///     deadlines, so a client without a read timeout is fine.
    public init(
        baseURL: URL,
        credentials: RegistryCredentials? = nil,
        configuration: Configuration = Configuration(),
        httpClient: HTTPClient = .shared,
        logger: Logger
    ) throws {
        guard let scheme = baseURL.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = baseURL.host, !host.isEmpty
        else {
            throw OCIRegistryError.invalidArgument("registry URL \(baseURL.absoluteString) must be http://HOST[:PORT] or https://HOST[:PORT]")
        }
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.registry = baseURL.port.map { "\(host):\($0)" } ?? host
        self.credentials = credentials
        self.configuration = configuration
        self.httpClient = httpClient
        self.authenticator = RegistryAuthenticator(credentials: credentials)
        var logger = logger
        logger[metadataKey: "registry.host"] = .string(registry)
        self.logger = logger
    }

    /// The base URL for a registry named as in image references (`host[:port]`): plain http
    /// when `insecure` is true, or when it is nil and the host is a loopback address
    /// (as Docker and Podman treat them); https otherwise.
    public static func baseURL(forRegistry registry: String, insecure: Bool? = nil) throws -> URL {
        let host = registry.hasPrefix("[")
            ? String(registry.dropFirst().prefix { $0 != "]" })
            : String(registry.prefix { $0 != ":" })
        let isLoopback = host == "localhost" || host.hasPrefix("127.") || host == "::1"
        let scheme = (insecure ?? isLoopback) ? "http" : "https"
        guard !host.isEmpty, let url = URL(string: "\(scheme)://\(registry)") else {
            throw OCIRegistryError.invalidArgument("\"\(registry)\" is not a registry host[:port]")
        }
        return url
    }

    /// `GET /v2/`: whether the registry speaks the distribution API and accepts the
    /// credentials. Throws `OCIRegistryError` (unreachable, unauthorized) when not.
    public func ping() async throws {
        let request = RegistryRequest(
            method: .GET, url: url("/v2/"), operation: "the API probe /v2/", timeout: configuration.probeTimeout
        )
        try await sendIgnoringBody(request)
    }

    func url(_ path: String) -> String { baseURL + path }

    /// Resolves a `Location` header, which registries send absolute or relative to the host.
    func resolve(location: String) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        guard let url = URL(string: location, relativeTo: URL(string: baseURL + "/")) else { return baseURL + location }
        return url.absoluteString
    }

    static func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }
    static func pushScope(_ repository: String) -> String { "repository:\(repository):pull,push" }
}
