import Foundation

/// A request to the engine as a plain value: what `DockerClient` sends, built by pure
/// static functions so the query strings and JSON bodies are testable without a socket.
struct DockerRequest: Sendable, Equatable {
    /// Our own method type: NIOHTTP1's is not a declared dependency of this target.
    enum Method: String, Sendable, Equatable {
        case GET, POST, DELETE, PUT
    }

    enum Body: Sendable, Equatable {
        case none
        case json(Data)
        /// A small tar archive held in memory (files copied into a container).
        case tar(Data)
        /// A file streamed from disk (build contexts can be hundreds of megabytes).
        case tarFile(URL)
    }

    /// The API version every path is prefixed with. 1.41 is what Podman 4 speaks fully and
    /// what every Docker since 20.10 accepts.
    static let apiVersion = "v1.41"

    var method: Method
    /// Path below the version prefix, already percent-encoded, e.g. "/containers/abc/start".
    var path: String
    var query: [(name: String, value: String)] = []
    var body: Body = .none

    /// Path and query as sent: "/v1.41/containers/json?all=1".
    var uri: String {
        var uri = "/\(Self.apiVersion)\(path)"
        if !query.isEmpty {
            uri += "?" + query.map { "\(Self.escape($0.name))=\(Self.escape($0.value))" }.joined(separator: "&")
        }
        return uri
    }

    static func == (lhs: DockerRequest, rhs: DockerRequest) -> Bool {
        lhs.method == rhs.method && lhs.uri == rhs.uri && lhs.body == rhs.body
    }

    /// Percent-encodes a query component: everything but RFC 3986 unreserved characters,
    /// so JSON filters, "+" and "&" in values survive.
    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? value
    }

    /// Percent-encodes a path segment (container id or name, image reference). Slashes,
    /// colons and "@" stay: the engines route `/images/{name:.*}/json`, so a reference such
    /// as "localhost/app:v1" or "app@sha256:..." goes in as is.
    static func escapePath(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? value
    }

    private static let queryAllowed = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    private static let pathAllowed = queryAllowed.union(CharacterSet(charactersIn: "/:@"))

    /// JSON with sorted keys so bodies and filters are deterministic (and testable).
    static func encodeJSON<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func flag(_ value: Bool) -> String { value ? "1" : "0" }
}

// MARK: - Builders

extension DockerRequest {
    static func version() -> DockerRequest {
        DockerRequest(method: .GET, path: "/version")
    }

    static func ping() -> DockerRequest {
        DockerRequest(method: .GET, path: "/_ping")
    }

    static func build(tag: String, dockerfile: String, labels: [String: String], memoryBytes: Int64? = nil,
                      network: String? = nil, cgroupParent: String? = nil, contextTar: URL) throws -> DockerRequest {
        var query: [(name: String, value: String)] = [("t", tag), ("dockerfile", dockerfile)]
        // The network RUN steps' containers join: Docker reads `networkmode`. Podman (4.x) reads
        // `nsoptions` and, without it, runs RUN steps in the HOST's network namespace, where a
        // repository's build reaches every service on the host's loopback and every app's replicas.
        // Docker ignores `nsoptions`.
        if let network { query.append(("networkmode", network)) }
        let namespace = [BuildNamespaceOption(Name: "network", Host: false, Path: network)]
        query.append(("nsoptions", String(decoding: try encodeJSON(namespace), as: UTF8.self)))
        if let memoryBytes {
            // Each RUN step's container: memory and memory+swap (no swap beyond the limit).
            query += [("memory", String(memoryBytes)), ("memswap", String(memoryBytes))]
        }
        // The cgroup RUN steps' processes run in (both engines read it): a caller can find and stop them.
        if let cgroupParent { query.append(("cgroupparent", cgroupParent)) }
        if !labels.isEmpty {
            query.append(("labels", String(decoding: try encodeJSON(labels), as: UTF8.self)))
        }
        // rm/forcerm: remove intermediate containers even when a step fails. The layer
        // cache is left on (no nocache) so unchanged steps are reused between deploys.
        query += [("rm", "1"), ("forcerm", "1")]
        return DockerRequest(method: .POST, path: "/build", query: query, body: .tarFile(contextTar))
    }

    static func inspectImage(_ reference: String) -> DockerRequest {
        DockerRequest(method: .GET, path: "/images/\(escapePath(reference))/json")
    }

    static func removeImage(_ reference: String, force: Bool) -> DockerRequest {
        DockerRequest(method: .DELETE, path: "/images/\(escapePath(reference))", query: [("force", flag(force))])
    }

    static func createContainer(name: String?, spec: ContainerSpec) throws -> DockerRequest {
        let query: [(name: String, value: String)] = name.map { [("name", $0)] } ?? []
        return DockerRequest(
            method: .POST, path: "/containers/create", query: query,
            body: .json(try encodeJSON(CreateContainerBody(spec: spec)))
        )
    }

    static func startContainer(_ id: String) -> DockerRequest {
        DockerRequest(method: .POST, path: "/containers/\(escapePath(id))/start")
    }

    static func stopContainer(_ id: String, timeoutSeconds: Int) -> DockerRequest {
        DockerRequest(method: .POST, path: "/containers/\(escapePath(id))/stop", query: [("t", String(timeoutSeconds))])
    }

    static func killContainer(_ id: String, signal: String) -> DockerRequest {
        DockerRequest(method: .POST, path: "/containers/\(escapePath(id))/kill", query: [("signal", signal)])
    }

    static func removeContainer(_ id: String, force: Bool) -> DockerRequest {
        // v=1 also removes anonymous volumes, which would otherwise pile up with every deploy.
        DockerRequest(method: .DELETE, path: "/containers/\(escapePath(id))", query: [("force", flag(force)), ("v", "1")])
    }

    static func inspectContainer(_ id: String) -> DockerRequest {
        DockerRequest(method: .GET, path: "/containers/\(escapePath(id))/json")
    }

    static func listContainers(all: Bool, labelFilters: [String]) throws -> DockerRequest {
        var query: [(name: String, value: String)] = [("all", flag(all))]
        if !labelFilters.isEmpty {
            query.append(("filters", try filtersJSON(["label": labelFilters])))
        }
        return DockerRequest(method: .GET, path: "/containers/json", query: query)
    }

    static func createVolume(name: String, labels: [String: String]) throws -> DockerRequest {
        DockerRequest(method: .POST, path: "/volumes/create",
                      body: .json(try encodeJSON(CreateVolumeBody(Name: name, Labels: labels))))
    }

    static func listVolumes(labelFilters: [String]) throws -> DockerRequest {
        DockerRequest(method: .GET, path: "/volumes", query: [("filters", try filtersJSON(["label": labelFilters]))])
    }

    static func inspectVolume(_ name: String) -> DockerRequest {
        DockerRequest(method: .GET, path: "/volumes/\(escapePath(name))")
    }

    static func removeVolume(_ name: String) -> DockerRequest {
        DockerRequest(method: .DELETE, path: "/volumes/\(escapePath(name))")
    }

    static func createNetwork(name: String, labels: [String: String], isolated: Bool) throws -> DockerRequest {
        DockerRequest(method: .POST, path: "/networks/create",
                      body: .json(try encodeJSON(CreateNetworkBody(Name: name, Labels: labels, Options: isolated ? ["isolate": "true"] : [:]))))
    }

    static func listNetworks(labelFilters: [String]) throws -> DockerRequest {
        DockerRequest(method: .GET, path: "/networks", query: [("filters", try filtersJSON(["label": labelFilters]))])
    }

    static func removeNetwork(_ name: String) -> DockerRequest {
        DockerRequest(method: .DELETE, path: "/networks/\(escapePath(name))")
    }

    static func putArchive(_ id: String, directory: String, tar: Data) -> DockerRequest {
        DockerRequest(method: .PUT, path: "/containers/\(escapePath(id))/archive", query: [("path", directory)], body: .tar(tar))
    }

    static func getArchive(_ id: String, path: String) -> DockerRequest {
        DockerRequest(method: .GET, path: "/containers/\(escapePath(id))/archive", query: [("path", path)])
    }

    static func resizeContainer(_ id: String, rows: Int, columns: Int) -> DockerRequest {
        DockerRequest(method: .POST, path: "/containers/\(escapePath(id))/resize", query: [("h", String(rows)), ("w", String(columns))])
    }

    static func waitContainer(_ id: String) -> DockerRequest {
        DockerRequest(method: .POST, path: "/containers/\(escapePath(id))/wait")
    }

    static func logs(_ id: String, follow: Bool, tail: Int?, timestamps: Bool, since: Date? = nil, until: Date? = nil) -> DockerRequest {
        var query: [(name: String, value: String)] = [
            ("stdout", "1"), ("stderr", "1"),
            ("follow", flag(follow)),
            ("tail", tail.map { String(max(0, $0)) } ?? "all"),
            ("timestamps", flag(timestamps)),
        ]
        // Unix seconds with a fraction, which both engines accept.
        if let since { query.append(("since", String(format: "%.6f", since.timeIntervalSince1970))) }
        if let until { query.append(("until", String(format: "%.6f", until.timeIntervalSince1970))) }
        return DockerRequest(method: .GET, path: "/containers/\(escapePath(id))/logs", query: query)
    }

    static func attachOutput(_ id: String) -> DockerRequest {
        DockerRequest(method: .POST, path: "/containers/\(escapePath(id))/attach", query: [
            ("stream", "1"), ("stdout", "1"), ("stderr", "1"), ("logs", "0"),
        ])
    }

    static func events(filters: [String: [String]]) throws -> DockerRequest {
        let query: [(name: String, value: String)] = filters.isEmpty ? [] : [("filters", try filtersJSON(filters))]
        return DockerRequest(method: .GET, path: "/events", query: query)
    }

    /// `{"label":["a=b","c"]}`: the engines' filter format, a map of filter name to values.
    static func filtersJSON(_ filters: [String: [String]]) throws -> String {
        String(decoding: try encodeJSON(filters), as: UTF8.self)
    }
}

struct CreateNetworkBody: Encodable, Equatable {
    var Name: String
    var Labels: [String: String]
    /// `isolate`: Podman's (netavark's) option that keeps other networks' containers out.
    var Options: [String: String]
    var CheckDuplicate = true
}

struct CreateVolumeBody: Encodable, Equatable {
    var Name: String
    var Labels: [String: String]
}

/// The body of `POST /containers/create`, limited to what `ContainerSpec` expresses.
struct CreateContainerBody: Encodable, Equatable {
    struct PortBinding: Encodable, Equatable {
        var HostIp: String
        /// Empty: the engine picks a free port.
        var HostPort: String
    }
    struct LogConfigBody: Encodable, Equatable {
        var `Type`: String
        var Config: [String: String]
    }
    struct HostConfigBody: Encodable, Equatable {
        var Init: Bool
        var PortBindings: [String: [PortBinding]]
        var Binds: [String]?
        var Memory: Int64?
        var MemorySwap: Int64?
        var CpuShares: Int?
        var PidsLimit: Int?
        var SecurityOpt: [String]?
        var CapDrop: [String]?
        var LogConfig: LogConfigBody?
        var NetworkMode: String?
    }
    struct Empty: Encodable, Equatable {}

    var Image: String
    var Cmd: [String]?
    var Env: [String]
    var Labels: [String: String]
    var ExposedPorts: [String: Empty]
    var StopTimeout: Int?
    var WorkingDir: String?
    var OpenStdin: Bool?
    var Tty: Bool?
    var AttachStdout: Bool?
    var AttachStderr: Bool?
    var StdinOnce: Bool?
    var AttachStdin: Bool?
    var HostConfig: HostConfigBody
    struct EndpointBody: Encodable, Equatable {
        var Aliases: [String]
    }
    struct NetworkingBody: Encodable, Equatable {
        var EndpointsConfig: [String: EndpointBody]
    }
    var NetworkingConfig: NetworkingBody?

    init(spec: ContainerSpec) {
        Image = spec.image
        Cmd = spec.command
        // Sorted so the same spec always produces the same body.
        Env = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        Labels = spec.labels
        let keys = spec.publishedPorts.map { "\($0)/tcp" }
        // Exposed as well as bound, as `docker run -p` does, so the port shows in inspect
        // output even when the image has no EXPOSE for it.
        ExposedPorts = Dictionary(keys.map { ($0, Empty()) }, uniquingKeysWith: { first, _ in first })
        StopTimeout = spec.stopTimeoutSeconds
        WorkingDir = spec.workingDirectory
        if spec.openStdin {
            // StdinOnce: the container's stdin closes when the attached client closes its side.
            OpenStdin = true
            AttachStdout = true
            AttachStderr = true
            StdinOnce = true
            AttachStdin = true
        }
        HostConfig = HostConfigBody(
            Init: spec.useInit,
            PortBindings: Dictionary(
                keys.map { ($0, [PortBinding(HostIp: spec.hostIP, HostPort: "")]) },
                uniquingKeysWith: { first, _ in first }
            ),
            Binds: spec.binds.isEmpty ? nil : spec.binds
        )
        HostConfig.NetworkMode = spec.network
        if spec.tty { Tty = true }
        if let network = spec.network, !spec.networkAliases.isEmpty {
            NetworkingConfig = NetworkingBody(EndpointsConfig: [network: EndpointBody(Aliases: spec.networkAliases)])
        }
        let limits = spec.limits
        HostConfig.Memory = limits.memoryBytes
        HostConfig.MemorySwap = limits.memoryBytes
        HostConfig.CpuShares = limits.cpuShares
        HostConfig.PidsLimit = limits.pidsLimit
        HostConfig.SecurityOpt = limits.noNewPrivileges ? ["no-new-privileges"] : nil
        HostConfig.CapDrop = limits.dropCapabilities.isEmpty ? nil : limits.dropCapabilities
        if let size = limits.logMaxSize {
            // json-file: Docker's default driver; Podman maps it to its own k8s-file, which rotates too.
            var config = ["max-size": size]
            if let files = limits.logMaxFiles { config["max-file"] = String(files) }
            HostConfig.LogConfig = LogConfigBody(Type: "json-file", Config: config)
        }
    }
}

/// One of Podman's (buildah's) `nsoptions` for /build: a namespace RUN steps get, here the
/// network one, private (`Host: false`), joined to the network named `Path` (none: the default).
private struct BuildNamespaceOption: Encodable {
    var Name: String
    var Host: Bool
    var Path: String?
}
