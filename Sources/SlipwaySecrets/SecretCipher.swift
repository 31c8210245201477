import Crypto
import Foundation

/// Encrypts and decrypts single config values with AES-GCM. A sealed value is text, so it can
/// sit in the same JSON as plain ones: `slipway-secret:v1:` + base64(nonce | ciphertext | tag).
/// The value's context (app and key) is authenticated too, so a sealed value copied to another
/// key or app does not open.
public struct SecretCipher: Sendable {
    static let prefix = "slipway-secret:v1:"
    let masterKey: MasterKey

    public init(masterKey: MasterKey) { self.masterKey = masterKey }

    public func seal(_ value: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(value.utf8), using: masterKey.key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SecretError("AES-GCM produced no combined box") }
        return Self.prefix + combined.base64EncodedString()
    }

    public func open(_ sealed: String, context: String) throws -> String {
        guard Self.isSealed(sealed), let data = Data(base64Encoded: String(sealed.dropFirst(Self.prefix.count))) else {
            throw SecretError("a stored secret (\(context)) is not in the sealed format")
        }
        do {
            let plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: masterKey.key, authenticating: Data(context.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw SecretError("cannot decrypt the stored secret \(context): the master key is not the one it was encrypted with (check \(MasterKey.environmentVariable) or the key file in the data directory)")
        }
    }

    public static func isSealed(_ value: String) -> Bool { value.hasPrefix(prefix) }
}
