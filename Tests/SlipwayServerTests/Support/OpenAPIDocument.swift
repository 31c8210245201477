import Foundation
import Yams

/// Sources/SlipwayServer/Resources/openapi.yaml, read as the tests need it: operations with their
/// documented statuses and the required fields of their JSON answers.
struct OpenAPIDocument: Sendable {
    struct Operation: Sendable {
        /// "GET /v1/apps/{app}"
        var key: String
        var statuses: [String]
    }

    let text: String
    let operations: [Operation]
    /// Per "KEY STATUS", the `required` fields of the JSON answer's schema (one level, $ref resolved).
    private let required: [String: [String]]

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/SlipwayServer/Resources/openapi.yaml")

    /// The document in the repository (the one the server serves at /openapi.yaml).
    static func served() async throws -> OpenAPIDocument {
        try OpenAPIDocument(text: String(contentsOf: url, encoding: .utf8))
    }

    init(text: String) throws {
        self.text = text
        let spec = try Yams.load(yaml: text) as? [String: Any] ?? [:]
        let paths = spec["paths"] as? [String: [String: Any]] ?? [:]
        let schemas = (spec["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        var operations: [Operation] = []
        var required: [String: [String]] = [:]
        for (path, item) in paths {
            for method in ["get", "put", "post", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any], let responses = operation["responses"] as? [String: Any] else { continue }
                let key = "\(method.uppercased()) \(path)"
                operations.append(Operation(key: key, statuses: responses.keys.sorted()))
                for (status, response) in responses {
                    let content = (response as? [String: Any])?["content"] as? [String: Any]
                    guard var schema = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any] else { continue }
                    if let ref = schema["$ref"] as? String, let name = ref.split(separator: "/").last {
                        schema = schemas[String(name)] as? [String: Any] ?? [:]
                    }
                    required["\(key) \(status)"] = schema["required"] as? [String] ?? []
                }
            }
        }
        self.operations = operations.sorted { $0.key < $1.key }
        self.required = required
    }

    func requiredFields(_ operation: String, status: Int) -> [String]? {
        required["\(operation) \(status)"]
    }

    /// "GET /v1/apps/{app}" and "GET /v1/apps/:app" both become "GET /v1/apps/{}".
    static func normalized(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") || part.hasPrefix("{") ? "{}" : String(part)
        }.joined(separator: "/")
    }
}
