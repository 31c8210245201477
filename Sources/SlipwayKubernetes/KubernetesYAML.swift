import Yams

/// Writes objects as YAML documents (`kubectl apply -f`, Argo CD and Flux read them).
public enum KubernetesYAML {
    /// One object as a YAML document (no `---`).
    public static func document(_ value: KubernetesValue) throws -> String {
        try Yams.serialize(node: node(value), indent: 2, width: -1, allowUnicode: true)
    }

    /// Every object as a multi-document YAML stream: each document starts with `---`.
    public static func stream(_ objects: [KubernetesObject]) throws -> String {
        var out = ""
        for object in objects {
            out += "---\n"
            out += try document(object.body)
        }
        return out
    }

    static func node(_ value: KubernetesValue) -> Node {
        switch value {
        // Strings that would read back as something else ("true", "8080", "1e3", "null") are quoted.
        case .string(let text): .scalar(text.represented())
        case .int(let number): .scalar(.init(String(number), Tag(.int)))
        case .bool(let flag): .scalar(.init(flag ? "true" : "false", Tag(.bool)))
        case .list(let items): .sequence(.init(items.map(node)))
        case .map(let fields): .mapping(.init(fields.map { (Node.scalar($0.key.represented()), node($0.value)) }))
        }
    }
}
