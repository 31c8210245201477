import AsyncHTTPClient
import Foundation
import NIOHTTP1

extension OCIRegistryClient {
    /// Cross-repository mount: `POST /v2/NAME/blobs/uploads/?mount=DIGEST&from=SOURCE` links a
    /// blob the registry already holds in `source` into `repository` without sending it.
    /// Returns false when the registry would not mount (it then opened an upload session
    /// instead, which is cancelled here); the caller uploads the blob as usual.
    public func mountBlob(repository: String, digest: OCIDigest, from source: String) async throws -> Bool {
        try RegistryNames.validateRepository(repository)
        try RegistryNames.validateRepository(source)
        let request = RegistryRequest(
            method: .POST, url: url("/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)"),
            // Token registries want pull on the source too; they name both scopes in one token.
            scope: Self.pushScope(repository),
            operation: "the mount of blob \(digest) from \(source) into \(repository)"
        )
        let response = try await sendIgnoringBody(request)
        if response.status.code == 201 { return true }
        if let location = response.headers.first(name: "Location") {
            let cancel = RegistryRequest(
                method: .DELETE, url: resolve(location: location), scope: Self.pushScope(repository),
                operation: "the cancellation of an upload session in \(repository)"
            )
            _ = try? await sendIgnoringBody(cancel)
        }
        return false
    }
}
