import Crypto
import Foundation

/// Encrypts and decrypts single config values with AES-GCM. A sealed value is text, so it can
/// sit in the same JSON as plain ones: `slipway-secret:v1:` + base64(nonce | ciphertext | tag).
/// The value's context (app and key) is authenticated too, so a sealed value copied to another
/// key or app does not open. Values are sealed with the keyring's sealing key and opened with
/// whichever of its keys sealed them (during a key rotation, the old or the new one).
public struct SecretCipher: Sendable {
    static let prefix = "slipway-secret:v1:"
    public let keyring: SecretKeyring

    public init(masterKey: MasterKey) { self.keyring = SecretKeyring(sealing: masterKey) }
    public init(keyring: SecretKeyring) { self.keyring = keyring }

    public func seal(_ value: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(value.utf8), using: keyring.sealingKey.key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SecretError("AES-GCM produced no combined box") }
        return Self.prefix + combined.base64EncodedString()
    }

    public func open(_ sealed: String, context: String) throws -> String {
        guard Self.isSealed(sealed), let data = Data(base64Encoded: String(sealed.dropFirst(Self.prefix.count))) else {
            throw SecretError("a stored secret (\(context)) is not in the sealed format")
        }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(combined: data)
        } catch {
            throw SecretError("a stored secret (\(context)) is damaged: \(error)")
        }
        // AES-GCM authenticates: a key that did not seal the value fails instead of yielding garbage.
        for key in keyring.openingKeys {
            if let plain = try? AES.GCM.open(box, using: key.key, authenticating: Data(context.utf8)) {
                return String(decoding: plain, as: UTF8.self)
            }
        }
        throw SecretError("cannot decrypt the stored secret \(context): the master key is not the one it was encrypted with (check \(MasterKey.environmentVariable) or the key file in the data directory)")
    }

    public static func isSealed(_ value: String) -> Bool { value.hasPrefix(prefix) }
    /// What every sealed value starts with, to find the records that hold one.
    public static var sealedMarker: String { prefix }
}
