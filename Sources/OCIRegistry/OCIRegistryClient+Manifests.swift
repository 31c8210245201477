import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A manifest as the registry served it: its exact bytes (the digest is over them), media
/// type and digest.
public struct RegistryManifest: Sendable, Equatable {
    public let digest: OCIDigest
    public let mediaType: String
    public let bytes: Data
}

extension OCIRegistryClient {
    /// Largest manifest read; the spec asks registries to accept at least 4 MiB.
    static let maxManifestBytes = 4 * 1024 * 1024

    /// `PUT /v2/NAME/manifests/REFERENCE` (a tag or the manifest's digest) with `mediaType`
    /// as Content-Type; returns the manifest's digest.
    @discardableResult
    public func putManifest(
        repository: String, reference: String, manifest: Data, mediaType: String = OCIMediaType.imageManifest
    ) async throws -> OCIDigest {
        try RegistryNames.validateRepository(repository)
        try RegistryNames.validateReference(reference)
        let digest = OCIDigest.sha256(of: manifest)
        if OCIDigest.isValid(reference), reference != digest.rawValue {
            throw OCIRegistryError.invalidArgument("manifest pushed by digest \(reference) has digest \(digest)")
        }
        var request = RegistryRequest(
            method: .PUT, url: url("/v2/\(repository)/manifests/\(reference)"), scope: Self.pushScope(repository),
            operation: "the push of manifest \(Self.display(repository, reference))"
        )
        request.headers.add(name: "Content-Type", value: mediaType)
        request.body = .bytes(ByteBuffer(data: manifest))
        let response = try await sendIgnoringBody(request)
        if let answered = response.headers.first(name: "Docker-Content-Digest"), answered != digest.rawValue {
            throw invalidAnswer(request, "registry stored the manifest as \(answered), expected \(digest)")
        }
        return digest
    }

    /// `GET /v2/NAME/manifests/REFERENCE`. Throws `OCIRegistryError` with `isNotFound` when
    /// there is no such manifest. A manifest fetched by digest is checked against it.
    public func manifest(repository: String, reference: String) async throws -> RegistryManifest {
        let request = try manifestRequest(.GET, repository: repository, reference: reference, operation: "the fetch of manifest")
        let response = try await send(request)
        let body = Data(buffer: try await response.body.collect(upTo: Self.maxManifestBytes))
        let computed = OCIDigest.sha256(of: body)
        if OCIDigest.isValid(reference), reference != computed.rawValue {
            throw invalidAnswer(request, "manifest fetched by digest \(reference) hashes to \(computed)")
        }
        let mediaType = response.headers.first(name: "Content-Type")
            .map { String($0.prefix { $0 != ";" }) } ?? Self.mediaType(inManifest: body) ?? OCIMediaType.imageManifest
        return RegistryManifest(digest: computed, mediaType: mediaType, bytes: body)
    }

    /// `HEAD /v2/NAME/manifests/REFERENCE`: the manifest's digest (Docker-Content-Digest), or
    /// nil when there is no such manifest.
    public func manifestDigest(repository: String, reference: String) async throws -> OCIDigest? {
        let request = try manifestRequest(.HEAD, repository: repository, reference: reference, operation: "the check for manifest")
        let response = try await sendIgnoringBody(request, accepting: [404])
        if response.status.code == 404 { return nil }
        if let header = response.headers.first(name: "Docker-Content-Digest") {
            return try OCIDigest(header)
        }
        if OCIDigest.isValid(reference) { return try OCIDigest(reference) }
        // Without the header the digest can only be computed from the body.
        return try await manifest(repository: repository, reference: reference).digest
    }

    /// `DELETE /v2/NAME/manifests/DIGEST`. Registries delete by digest only; the tags
    /// pointing at the manifest go with it.
    public func deleteManifest(repository: String, digest: OCIDigest) async throws {
        try RegistryNames.validateRepository(repository)
        let request = RegistryRequest(
            method: .DELETE, url: url("/v2/\(repository)/manifests/\(digest)"), scope: "repository:\(repository):delete",
            operation: "the deletion of manifest \(repository)@\(digest)"
        )
        try await sendIgnoringBody(request)
    }

    private func manifestRequest(_ method: HTTPMethod, repository: String, reference: String, operation: String) throws -> RegistryRequest {
        try RegistryNames.validateRepository(repository)
        try RegistryNames.validateReference(reference)
        var request = RegistryRequest(
            method: method, url: url("/v2/\(repository)/manifests/\(reference)"), scope: Self.pullScope(repository),
            operation: "\(operation) \(Self.display(repository, reference))"
        )
        request.headers.add(name: "Accept", value: OCIMediaType.acceptedManifests.joined(separator: ", "))
        return request
    }

    static func display(_ repository: String, _ reference: String) -> String {
        OCIDigest.isValid(reference) ? "\(repository)@\(reference)" : "\(repository):\(reference)"
    }

    static func mediaType(inManifest body: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["mediaType"] as? String
    }
}
