import AsyncHTTPClient
import Foundation
import KubernetesResources
import NIOHTTP1

/// One event of a watch: `{"type": "ADDED", "object": {...}}`.
public struct KubernetesWatchEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        /// Only `metadata.resourceVersion` of `object` is meaningful: where to resume.
        case bookmark = "BOOKMARK"
        /// `object` is a Status (e.g. code 410, reason "Expired": list again).
        case error = "ERROR"
    }

    public var type: EventType
    public var object: JSONValue

    public init(type: EventType, object: JSONValue) {
        self.type = type
        self.object = object
    }

    /// The Status an `ERROR` event carries.
    public var status: KubernetesStatus? {
        type == .error ? KubernetesStatus(object) ?? (try? object.decode(KubernetesStatus.self)) : nil
    }

    /// Parses one line of a watch stream.
    static func parse(line: [UInt8], operation: KubernetesOperation) throws -> KubernetesWatchEvent {
        let value: JSONValue
        do {
            value = try JSONValue(jsonData: line)
        } catch {
            throw KubernetesAPIError.badResponse(operation, "a watch event is not JSON: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        guard let typeName = value["type"]?.stringValue, let type = EventType(rawValue: typeName) else {
            throw KubernetesAPIError.badResponse(operation, "a watch event has no known type: \(value.jsonString.prefix(200))")
        }
        return KubernetesWatchEvent(type: type, object: value["object"] ?? .null)
    }
}

/// What a watch asks for.
public struct WatchOptions: Sendable, Hashable {
    /// Start after this version (from a list or the last event); `nil`: the current state
    /// arrives first as ADDED events.
    public var resourceVersion: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Watch one object: adds `metadata.name=NAME` to the field selector.
    public var name: String?
    /// The server ends the watch after this long (the stream then finishes normally).
    public var timeoutSeconds: Int?
    public var allowWatchBookmarks: Bool

    public init(
        resourceVersion: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, name: String? = nil,
        timeoutSeconds: Int? = nil, allowWatchBookmarks: Bool = true
    ) {
        self.resourceVersion = resourceVersion
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.name = name
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
    }

    var query: [(name: String, value: String)] {
        var query: [(name: String, value: String)] = [("watch", "true")]
        if let resourceVersion, !resourceVersion.isEmpty { query.append(("resourceVersion", resourceVersion)) }
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        let fields = [name.map { "metadata.name=\($0)" }, fieldSelector].compactMap { $0 }.filter { !$0.isEmpty }
        if !fields.isEmpty { query.append(("fieldSelector", fields.joined(separator: ","))) }
        if let timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
        if allowWatchBookmarks { query.append(("allowWatchBookmarks", "true")) }
        return query
    }
}

extension KubernetesClient {
    /// Largest single watch event (one object).
    static let maxWatchEventBytes = 16 * 1024 * 1024

    /// Watches a collection: `GET …/{plural}?watch=true&…`. Returns once the server has
    /// accepted the watch (errors such as 403 are thrown here); the stream then yields one
    /// event per line until the server ends the watch (`timeoutSeconds`), the connection
    /// drops (the stream throws) or the consuming task is cancelled. ERROR events are yielded,
    /// not thrown: a 410 means list again.
    public func watch(
        _ resource: KubernetesResource, namespace: String?, options: WatchOptions = WatchOptions()
    ) async throws -> AsyncThrowingStream<KubernetesWatchEvent, any Error> {
        let namespace = resource.namespaced ? namespace : nil
        let operation = KubernetesOperation(verb: "watch", resource: resource, name: options.name, namespace: namespace)
        let response = try await send(
            KubernetesRequest(method: .GET, path: resource.collectionPath(namespace: namespace), query: options.query, operation: operation))
        let reader = LineReader(body: response.body, maxLineBytes: Self.maxWatchEventBytes)
        let client = self
        return AsyncThrowingStream(unfolding: {
            while true {
                let line: [UInt8]?
                do {
                    line = try await reader.nextLine()
                } catch {
                    throw client.transportError(error, operation: operation)
                }
                guard let line else { return nil }
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
                return try KubernetesWatchEvent.parse(line: line, operation: operation)
            }
        })
    }
}
