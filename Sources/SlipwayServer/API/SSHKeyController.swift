import Foundation
import Hummingbird
import SlipwayCore
import SlipwaySSH
import SlipwayStore

/// Users' public keys (`slipway keys`): the keys that may `git push` over SSH. A key is checked
/// (one key, a type the SSH server verifies, well formed) before it is listed; removing it shuts
/// it out of the next connection.
struct SSHKeyController: Sendable {
    let store: SlipwayStore

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/keys") { _, _ in
            try JSONResponse.make(SSHKeyList(keys: try store.sshKeys().map(Self.view)))
        }
        router.post("/v1/keys") { request, _ in
            let body = try await JSONResponse.decode(SSHKeyRequest.self, from: request, limit: 64 * 1024)
            let key: AuthorizedKey
            do { key = try AuthorizedKey(fileText: body.publicKey) } catch let error as AuthorizedKeyError {
                throw SlipwayError(code: "invalid_key", message: "not a usable public key: \(error.message)", httpStatus: 400)
            }
            let name = try Self.name(body.name, key: key)
            let apps = try body.apps.map(SSHKeyRequest.checkedApps)
            let record = SSHKeyRecord(name: name, fingerprint: key.fingerprint, type: key.type, publicKey: key.openSSH,
                                      comment: key.comment, addedAt: Date(), apps: apps)
            switch try store.addSSHKey(record) {
            case .fingerprint(let existing):
                throw SlipwayError.conflict("this key (\(key.fingerprint)) is already listed as \(existing.name)")
            case .name(let existing):
                throw SlipwayError.conflict("a key named \(name) is already listed (\(existing.fingerprint)): choose another --name, or remove that one first")
            case nil:
                return try JSONResponse.make(Self.view(record), status: .created)
            }
        }
        router.delete("/v1/keys") { request, _ in
            guard let raw = request.uri.queryParameters.get("key"), !raw.isEmpty else {
                throw SlipwayError.invalidRequest("say which key to remove with ?key=NAME or ?key=SHA256:FINGERPRINT (`slipway keys` lists them)")
            }
            let key = String(raw)
            guard let removed = try store.removeSSHKey(nameOrFingerprint: key) else {
                let names = try store.sshKeys().map(\.name)
                throw SlipwayError.notFound("no key named or fingerprinted \(Self.shown(key)) (listed: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            }
            return try JSONResponse.make(Self.view(removed))
        }
    }

    /// `--name`, else the key's comment if it makes a valid name, else `key-` and the fingerprint's start.
    static func name(_ given: String?, key: AuthorizedKey) throws -> String {
        if let given {
            guard SSHKeyRequest.isValidName(given) else {
                throw SlipwayError.invalidName("key name '\(shown(given))': use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
            }
            return given
        }
        if let comment = key.comment, SSHKeyRequest.isValidName(comment) { return comment }
        let digest = key.fingerprint.dropFirst("SHA256:".count).filter { $0.isLetter || $0.isNumber }
        return "key-" + digest.prefix(8)
    }

    static func view(_ record: SSHKeyRecord) -> SSHKeyView {
        SSHKeyView(name: record.name, fingerprint: record.fingerprint, type: record.type, publicKey: record.publicKey,
                   comment: record.comment, addedAt: record.addedAt, apps: record.apps)
    }

    private static func shown(_ text: String) -> String {
        let safe = text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined()
        return safe.count > 80 ? String(safe.prefix(80)) + "..." : safe
    }
}

/// The keys listed in the store, asked at every SSH authentication (a removed key is out at once).
struct StoreKeyring: SSHKeyring {
    let store: SlipwayStore

    func keyName(for key: AuthorizedKey) async -> String? {
        guard let record = try? store.sshKey(fingerprint: key.fingerprint), record.publicKey == key.openSSH else { return nil }
        return record.name
    }
}
