import Foundation
import NIOCore
import NIOFoundationCompat

/// Turns a non-2xx answer into `OCIRegistryError`. Pure, so it is tested without a registry.
enum RegistryErrorBody {
    /// The spec's `{"errors":[{"code","message","detail"}]}`. `detail` may be any JSON value,
    /// hence JSONSerialization rather than Codable.
    static func entries(from body: ByteBuffer?) -> [RegistryErrorEntry] {
        guard let body, body.readableBytes > 0,
              let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]]
        else { return [] }
        return errors.compactMap { entry in
            guard let code = entry["code"] as? String else { return nil }
            return RegistryErrorEntry(code: code, message: entry["message"] as? String ?? "", detail: detailText(entry["detail"]))
        }
    }

    private static func detailText(_ detail: Any?) -> String? {
        switch detail {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let value?:
            guard JSONSerialization.isValidJSONObject(value),
                  let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func error(
        status: Int, reason: String, body: ByteBuffer?, registry: String, operation: String, hasCredentials: Bool
    ) -> OCIRegistryError {
        let entries = entries(from: body)
        let codes = Set(entries.map(\.code))
        let kind: OCIRegistryError.Kind
        if status == 401 || status == 403 || codes.contains("UNAUTHORIZED") || codes.contains("DENIED") {
            kind = .unauthorized
        } else if status == 404 {
            kind = .notFound
        } else {
            kind = .refused
        }
        var message = reason
        if entries.isEmpty, let body, body.readableBytes > 0 {
            let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { message = String(text.prefix(2000)) }
        }
        return OCIRegistryError(
            kind: kind, registry: registry, operation: operation, statusCode: status, errors: entries, message: message,
            hint: hint(kind: kind, status: status, codes: codes, registry: registry, hasCredentials: hasCredentials)
        )
    }

    static func hint(kind: OCIRegistryError.Kind, status: Int, codes: Set<String>, registry: String, hasCredentials: Bool) -> String? {
        if kind == .unauthorized {
            return hasCredentials
                ? "check the username and password given for \(registry), and that this user may access the repository"
                : "the registry requires credentials: give a username and password for \(registry)"
        }
        if codes.contains("MANIFEST_BLOB_UNKNOWN") || codes.contains("BLOB_UNKNOWN") && status != 404 {
            return "push every blob the manifest refers to (config and layers) before the manifest"
        }
        if codes.contains("DIGEST_INVALID") || codes.contains("SIZE_INVALID") || codes.contains("BLOB_UPLOAD_INVALID") {
            return "the bytes sent do not match the digest or size given: check them, and that the file did not change during the upload"
        }
        if codes.contains("MANIFEST_INVALID") || codes.contains("MANIFEST_UNVERIFIED") {
            return "the manifest is not valid for its media type: check its JSON and the Content-Type it is sent with"
        }
        if codes.contains("UNSUPPORTED") || status == 405 {
            return "the registry does not allow this operation (deleting needs it enabled, e.g. storage.delete.enabled in the CNCF registry)"
        }
        if codes.contains("TOOMANYREQUESTS") || status == 429 {
            return "the registry is rate limiting: wait and try again"
        }
        if kind == .notFound {
            return "check the repository name and the tag or digest"
        }
        if status >= 500 {
            return "the registry failed on its side: see its log"
        }
        return nil
    }
}
