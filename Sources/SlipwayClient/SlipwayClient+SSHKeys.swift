import Foundation
import SlipwayCore

extension APIRequest {
    /// `GET /v1/keys`.
    public static func sshKeys() -> APIRequest {
        APIRequest(method: .get, path: "/v1/keys")
    }

    /// `POST /v1/keys` with a public key file's text.
    public static func addSSHKey(_ request: SSHKeyRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/keys", body: .json(try Timestamp.encoder().encode(request)))
    }

    /// `DELETE /v1/keys?key=NAME_OR_FINGERPRINT`.
    public static func removeSSHKey(_ nameOrFingerprint: String) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/keys" + query(["key": nameOrFingerprint]))
    }
}

extension SlipwayClient {
    /// The public keys that may push over SSH.
    public func sshKeys() async throws -> SSHKeyList {
        try await json(.sshKeys(), as: SSHKeyList.self)
    }

    /// Lists a public key (the text of its .pub file); the server checks it first.
    public func addSSHKey(publicKey: String, name: String? = nil, apps: [String]? = nil) async throws -> SSHKeyView {
        try await json(try .addSSHKey(SSHKeyRequest(publicKey: publicKey, name: name, apps: apps)), as: SSHKeyView.self)
    }

    /// Removes the key with this name or `SHA256:` fingerprint.
    public func removeSSHKey(_ nameOrFingerprint: String) async throws -> SSHKeyView {
        try await json(.removeSSHKey(nameOrFingerprint), as: SSHKeyView.self)
    }
}
