import Foundation
import SlipwayCore

/// One call of the Slipway HTTP API as a value: built by the static functions below, turned into
/// bytes on the wire by `SlipwayClient`'s single request helper. Keeping requests as plain values
/// lets tests check paths, headers and bodies without a network.
public struct APIRequest: Sendable, Equatable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", patch = "PATCH", put = "PUT", delete = "DELETE"
    }

    public enum Body: Sendable, Equatable {
        case none
        case json(Data)
        /// A file streamed from disk, never loaded whole: uploads can be large.
        case file(URL, contentType: String)
    }

    public var method: Method
    /// The path below the server's base URL, each segment already percent-encoded.
    public var path: String
    public var body: Body
    /// What the answer is expected to be: `application/json`, or `text/plain` for the deploy log.
    public var accept: String

    public init(method: Method, path: String, body: Body = .none, accept: String = "application/json") {
        self.method = method
        self.path = path
        self.body = body
        self.accept = accept
    }

    /// `GET /v1/apps` in messages.
    public var summary: String { "\(method.rawValue) \(path)" }

    /// The full URL against `baseURL`; a base with a path prefix (`http://host/slipway/`) keeps it.
    public func url(baseURL: URL) -> String {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// Headers for this request: content negotiation, the content type of the body, and the bearer token.
    public func headers(token: String?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Accept", accept), ("User-Agent", "slipway-cli")]
        switch body {
        case .none: break
        case .json: headers.append(("Content-Type", "application/json"))
        case .file(_, let contentType): headers.append(("Content-Type", contentType))
        }
        if let token, !token.isEmpty {
            headers.append(("Authorization", "Bearer \(token)"))
        }
        return headers
    }

    /// Percent-encodes one path segment. Everything but letters, digits, `-`, `_` and `~` is encoded,
    /// dots included, so a user-typed id such as `..` or `a/b` cannot change which resource is addressed.
    public static func segment(_ raw: String) -> String {
        var out = ""
        for byte in raw.utf8 {
            let isUnreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "~")
            if isUnreserved { out.append(Character(UnicodeScalar(byte))) }
            else { out += String(format: "%%%02X", byte) }
        }
        return out
    }
}

// MARK: - The API's endpoints

extension APIRequest {
    /// `POST /v1/apps/{app}/deploys` with a git source.
    public static func deploy(app: AppName, source: String, ref: String?) throws -> APIRequest {
        let body = try Timestamp.encoder().encode(DeployRequest(source: source, ref: ref))
        return APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/deploys", body: .json(body))
    }

    /// `POST /v1/apps/{app}/deploys` with a `.tar.gz` of the source as the body.
    public static func upload(app: AppName, archive: URL) -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/deploys",
                   body: .file(archive, contentType: "application/gzip"))
    }

    public static func deployStatus(traceId: String) -> APIRequest {
        APIRequest(method: .get, path: "/v1/deploys/\(segment(traceId))")
    }

    /// `DELETE /v1/deploys/{id}`: cancels a queued or running deploy.
    public static func cancelDeploy(traceId: String) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/deploys/\(segment(traceId))")
    }

    public static func deployLog(traceId: String) -> APIRequest {
        APIRequest(method: .get, path: "/v1/deploys/\(segment(traceId))/log", accept: "text/plain")
    }

    public static func apps() -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps")
    }

    public static func app(_ name: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(name.value))")
    }

    public static func releases(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/releases")
    }

    public static func replicas(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/replicas")
    }

    public static func rollback(app: AppName, to version: Int?) throws -> APIRequest {
        let body = try JSONEncoder().encode(RollbackRequest(to: version))
        return APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/rollback", body: .json(body))
    }

    public static func config(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/config")
    }

    public static func changeConfig(app: AppName, set: [String: String], unset: [String], secret: [String] = []) throws -> APIRequest {
        let body = try JSONEncoder().encode(ConfigChangeRequest(set: set.isEmpty ? nil : set, unset: unset.isEmpty ? nil : unset,
                                                                secret: secret.isEmpty ? nil : secret.sorted()))
        return APIRequest(method: .patch, path: "/v1/apps/\(segment(app.value))/config", body: .json(body))
    }

    public static func configFiles(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/files")
    }

    public static func setConfigFiles(app: AppName, _ request: ConfigFilesRequest) throws -> APIRequest {
        APIRequest(method: .put, path: "/v1/apps/\(segment(app.value))/files", body: .json(try JSONEncoder().encode(request)))
    }

    public static func removeConfigFiles(app: AppName, mount: String) -> APIRequest {
        let query = mount.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? mount
        return APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/files?mount=\(query)")
    }

    public static func scale(app: AppName, formation: [String: Int]) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/scale", body: .json(try JSONEncoder().encode(formation)))
    }

    public static func destroy(app: AppName, volumes: Bool = false) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))" + (volumes ? "?volumes=true" : ""))
    }

    public static func run(app: AppName, _ run: RunRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/run", body: .json(try JSONEncoder().encode(run)),
                   accept: "application/x-ndjson")
    }

    public static func logs(app: AppName, _ query: SlipwayClient.LogQuery, follow: Bool) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/logs" + self.query([
            "since": query.since, "process": query.process, "tail": query.tail.map(String.init), "follow": follow ? "true" : nil,
        ]), accept: follow ? "text/event-stream" : "application/json")
    }

    public static func events(app: AppName, since: String?, tail: Int?, follow: Bool) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/events" + query(["since": since, "tail": tail.map(String.init),
                                                                                        "follow": follow ? "true" : nil]),
                   accept: follow ? "text/event-stream" : "application/json")
    }

    /// `?a=1&b=2` from the parameters that are set (values percent-encoded); "" when none is.
    static func query(_ parameters: [String: String?]) -> String {
        let items = parameters.keys.sorted().compactMap { key in
            parameters[key].flatMap { $0 }.map { "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" }
        }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    public static func domains(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/domains")
    }

    public static func addDomain(app: AppName, _ request: DomainRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/domains", body: .json(try JSONEncoder().encode(request)))
    }

    public static func removeDomain(app: AppName, host: String) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/domains" + query(["host": host]))
    }

    public static func maintenance(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/maintenance")
    }

    public static func setMaintenance(app: AppName, message: String?, retryAfterSeconds: Int? = nil) throws -> APIRequest {
        APIRequest(method: .put, path: "/v1/apps/\(segment(app.value))/maintenance",
                   body: .json(try JSONEncoder().encode(MaintenanceRequest(message: message, retryAfterSeconds: retryAfterSeconds))))
    }

    public static func clearMaintenance(app: AppName) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/maintenance")
    }

    public static func rotateSecretsKey() -> APIRequest {
        APIRequest(method: .post, path: "/v1/secrets/rotate-key")
    }

    public static func health() -> APIRequest {
        APIRequest(method: .get, path: "/healthz", accept: "*/*")
    }
}
