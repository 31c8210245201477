import KubernetesResources

// The table of kinds is `KubernetesResources` (shared with the renderer); what needs the
// client's own types (its errors, JSON values) is here.
extension KubernetesResource {
    /// The known resource for an object's `apiVersion` and `kind`.
    /// - Throws: `KubernetesAPIError` (`.unknownKind`) for a kind outside `known`.
    public static func forKind(_ kind: String, apiVersion: String) throws -> KubernetesResource {
        guard let resource = known.first(where: { $0.kind == kind && $0.apiVersion == apiVersion }) else {
            throw KubernetesAPIError.unknownKind(kind: kind, apiVersion: apiVersion)
        }
        return resource
    }

    /// The known resource for an object value (its `apiVersion` and `kind` fields).
    public static func forObject(_ object: JSONValue) throws -> KubernetesResource {
        try forKind(object["kind"]?.stringValue ?? "", apiVersion: object["apiVersion"]?.stringValue ?? "")
    }
}

// MARK: - Object accessors

extension JSONValue {
    /// `metadata.name`.
    public var metadataName: String? { self[path: "metadata", "name"]?.stringValue }
    /// `metadata.namespace`.
    public var metadataNamespace: String? { self[path: "metadata", "namespace"]?.stringValue }
    /// `metadata.resourceVersion`.
    public var resourceVersion: String? { self[path: "metadata", "resourceVersion"]?.stringValue }
    /// `metadata.labels`, as strings.
    public var labels: [String: String] {
        (self[path: "metadata", "labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
