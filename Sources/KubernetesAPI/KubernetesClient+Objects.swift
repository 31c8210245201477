import Foundation
import KubernetesResources
import NIOHTTP1

/// How `delete` removes an object's dependents (`DeleteOptions.propagationPolicy`).
public enum PropagationPolicy: String, Sendable {
    /// Dependents are deleted in the background after the object.
    case background = "Background"
    /// The object stays (with a deletionTimestamp) until its dependents are gone.
    case foreground = "Foreground"
    /// Dependents are left behind.
    case orphan = "Orphan"
}

/// Selectors of a list or watch.
public struct ListOptions: Sendable, Hashable {
    /// e.g. "app.kubernetes.io/managed-by=slipway,app.kubernetes.io/name=shop".
    public var labelSelector: String?
    /// e.g. "status.phase=Running".
    public var fieldSelector: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }
}

/// The items of a list answer and the resourceVersion to watch from.
public struct KubernetesList: Sendable, Hashable {
    public var items: [JSONValue]
    /// `metadata.resourceVersion` of the list: start a watch here to miss nothing.
    public var resourceVersion: String?

    public init(items: [JSONValue], resourceVersion: String?) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}

extension KubernetesClient {
    /// Server-side apply: `PATCH …/{plural}/{name}?fieldManager=…&force=true` with
    /// `Content-Type: application/apply-patch+yaml` and the object as JSON (valid YAML).
    /// The object's `apiVersion` and `kind` choose the resource; `metadata.namespace`, else
    /// `namespace`, the namespace. Returns the object as the cluster now has it. With `dryRun`
    /// (`dryRun=All`) the server validates and admits the object without storing it. `fieldManager`
    /// replaces the configuration's (to hand a field over to a second manager).
    public func apply(_ object: JSONValue, namespace: String? = nil, dryRun: Bool = false,
                      fieldManager: String? = nil) async throws -> JSONValue {
        let resource = try KubernetesResource.forObject(object)
        guard let name = object.metadataName, !name.isEmpty else {
            throw KubernetesAPIError(
                kind: .invalid,
                description: "cannot apply a \(resource.kind) without metadata.name; give every object a name")
        }
        let namespace = resource.namespaced ? (object.metadataNamespace ?? namespace ?? configuration.namespace) : nil
        let request = KubernetesRequest(
            method: .PATCH, path: resource.objectPath(name: name, namespace: namespace),
            query: [("fieldManager", fieldManager ?? configuration.fieldManager), ("force", "true")] + (dryRun ? [("dryRun", "All")] : []),
            contentType: "application/apply-patch+yaml", body: try object.jsonData(),
            operation: KubernetesOperation(verb: "patch", resource: resource, name: name, namespace: namespace))
        return try await sendForJSON(request)
    }

    /// `POST` a new object to its collection (409 `.conflict` when it exists). Prefer `apply`,
    /// which creates or updates; this is for objects that must not exist yet.
    public func create(_ object: JSONValue, namespace: String? = nil) async throws -> JSONValue {
        let resource = try KubernetesResource.forObject(object)
        let namespace = resource.namespaced ? (object.metadataNamespace ?? namespace ?? configuration.namespace) : nil
        return try await sendForJSON(
            KubernetesRequest(
                method: .POST, path: resource.collectionPath(namespace: namespace),
                query: [("fieldManager", configuration.fieldManager)],
                contentType: "application/json", body: try object.jsonData(),
                operation: KubernetesOperation(verb: "create", resource: resource, name: object.metadataName, namespace: namespace)))
    }

    /// `GET` one object; `nil` when it does not exist.
    public func get(_ resource: KubernetesResource, name: String, namespace: String? = nil) async throws -> JSONValue? {
        let namespace = resource.namespaced ? (namespace ?? configuration.namespace) : nil
        return try await sendForJSONUnlessNotFound(
            KubernetesRequest(
                method: .GET, path: resource.objectPath(name: name, namespace: namespace),
                operation: KubernetesOperation(verb: "get", resource: resource, name: name, namespace: namespace)))
    }

    /// `GET` the collection, with label and field selectors. `namespace: nil` lists a
    /// namespaced kind in every namespace. Follows `continue` tokens until the list is whole.
    public func list(_ resource: KubernetesResource, namespace: String?, options: ListOptions = ListOptions()) async throws -> KubernetesList {
        let operation = KubernetesOperation(verb: "list", resource: resource, namespace: namespace)
        var items: [JSONValue] = []
        var continueToken: String?
        var resourceVersion: String?
        repeat {
            var query: [(name: String, value: String)] = []
            if let selector = options.labelSelector, !selector.isEmpty { query.append(("labelSelector", selector)) }
            if let selector = options.fieldSelector, !selector.isEmpty { query.append(("fieldSelector", selector)) }
            if let token = continueToken { query.append(("continue", token)) }
            let answer = try await sendForJSON(
                KubernetesRequest(method: .GET, path: resource.collectionPath(namespace: namespace), query: query, operation: operation))
            guard let page = answer["items"]?.arrayValue ?? (answer["items"]?.isNull == true ? [] : nil) else {
                throw KubernetesAPIError.badResponse(operation, "a list without items")
            }
            items += page
            resourceVersion = answer[path: "metadata", "resourceVersion"]?.stringValue ?? resourceVersion
            continueToken = answer[path: "metadata", "continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        return KubernetesList(items: items, resourceVersion: resourceVersion)
    }

    /// `DELETE` with a DeleteOptions body. Returns `false` when the object did not exist
    /// (a 404 is not an error: it is already gone).
    @discardableResult
    public func delete(
        _ resource: KubernetesResource, name: String, namespace: String? = nil, propagationPolicy: PropagationPolicy = .background
    ) async throws -> Bool {
        let namespace = resource.namespaced ? (namespace ?? configuration.namespace) : nil
        let options: JSONValue = ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": .string(propagationPolicy.rawValue)]
        let answer = try await sendForJSONUnlessNotFound(
            KubernetesRequest(
                method: .DELETE, path: resource.objectPath(name: name, namespace: namespace),
                contentType: "application/json", body: try options.jsonData(),
                operation: KubernetesOperation(verb: "delete", resource: resource, name: name, namespace: namespace)))
        return answer != nil
    }

    /// JSON merge patch (RFC 7386): `PATCH` with `Content-Type: application/merge-patch+json`,
    /// on the object or on a subresource such as `status`. Returns the patched object.
    public func mergePatch(
        _ resource: KubernetesResource, name: String, namespace: String? = nil, patch: JSONValue, subresource: String? = nil
    ) async throws -> JSONValue {
        let namespace = resource.namespaced ? (namespace ?? configuration.namespace) : nil
        return try await sendForJSON(
            KubernetesRequest(
                method: .PATCH, path: resource.objectPath(name: name, namespace: namespace, subresource: subresource),
                query: [("fieldManager", configuration.fieldManager)],
                contentType: "application/merge-patch+json", body: try patch.jsonData(),
                operation: KubernetesOperation(verb: "patch", resource: resource, name: name, namespace: namespace, subresource: subresource)))
    }

    /// `GET /version`: the server's version info (`gitVersion`, `major`, `minor`); a cheap
    /// check that the cluster is reachable and the credentials work.
    public func serverVersion() async throws -> JSONValue {
        try await sendForJSON(
            KubernetesRequest(method: .GET, path: "/version", operation: KubernetesOperation(verb: "get", resource: .version)))
    }
}

extension KubernetesResource {
    /// The `/version` endpoint, for messages only.
    static let version = KubernetesResource(group: "", version: "", kind: "Version", plural: "version", namespaced: false)
}
