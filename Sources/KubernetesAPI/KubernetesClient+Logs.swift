import AsyncHTTPClient
import KubernetesResources
import NIOHTTP1

/// What a pod log request asks for (`GET …/pods/{name}/log`).
public struct PodLogOptions: Sendable, Hashable {
    /// Required when the pod has more than one container.
    public var container: String?
    /// Keep streaming new lines until the container ends or the stream is cancelled.
    public var follow: Bool
    /// Prefix each line with an RFC 3339 timestamp and a space.
    public var timestamps: Bool
    public var sinceSeconds: Int?
    public var tailLines: Int?
    /// The previous (crashed) instance of the container.
    public var previous: Bool

    public init(
        container: String? = nil, follow: Bool = false, timestamps: Bool = false, sinceSeconds: Int? = nil, tailLines: Int? = nil,
        previous: Bool = false
    ) {
        self.container = container
        self.follow = follow
        self.timestamps = timestamps
        self.sinceSeconds = sinceSeconds
        self.tailLines = tailLines
        self.previous = previous
    }

    var query: [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if let container { query.append(("container", container)) }
        if follow { query.append(("follow", "true")) }
        if timestamps { query.append(("timestamps", "true")) }
        if let sinceSeconds { query.append(("sinceSeconds", String(sinceSeconds))) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if previous { query.append(("previous", "true")) }
        return query
    }
}

/// A log line, split into its timestamp (when `timestamps` was asked for) and its text.
public struct PodLogLine: Sendable, Hashable {
    public var timestamp: String?
    public var text: String

    /// Splits "2024-05-01T10:00:00.123456789Z text" at the first space.
    public init(line: String, hasTimestamp: Bool) {
        if hasTimestamp, let space = line.firstIndex(of: " ") {
            timestamp = String(line[..<space])
            text = String(line[line.index(after: space)...])
        } else {
            timestamp = nil
            text = line
        }
    }
}

extension KubernetesClient {
    /// Longest log line kept whole.
    static let maxLogLineBytes = 4 * 1024 * 1024

    /// A container's log, line by line (without newlines): `GET /api/v1/namespaces/{ns}/pods/{name}/log`.
    /// With `follow`, the stream lasts until the container ends or the consuming task is cancelled.
    public func podLogs(
        name: String, namespace: String? = nil, options: PodLogOptions = PodLogOptions()
    ) async throws -> AsyncThrowingStream<String, any Error> {
        let namespace = namespace ?? configuration.namespace
        let operation = KubernetesOperation(verb: "get", resource: .pod, name: name, namespace: namespace, subresource: "log")
        let response = try await send(
            KubernetesRequest(
                method: .GET, path: KubernetesResource.pod.objectPath(name: name, namespace: namespace, subresource: "log"),
                query: options.query, operation: operation))
        let reader = LineReader(body: response.body, maxLineBytes: Self.maxLogLineBytes)
        let client = self
        return AsyncThrowingStream(unfolding: {
            do {
                return try await reader.nextLine().map { String(decoding: $0, as: UTF8.self) }
            } catch {
                throw client.transportError(error, operation: operation)
            }
        })
    }
}
