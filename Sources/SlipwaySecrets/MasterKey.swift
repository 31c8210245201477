import Crypto
import Foundation

/// The key that encrypts secret config values at rest. It comes from `SLIPWAY_MASTER_KEY`
/// (32 bytes, base64), else from a key file under the data directory, created on first use
/// with permissions 0600. Losing it makes the stored secrets unreadable: back it up with the data.
public struct MasterKey: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    public static let environmentVariable = "SLIPWAY_MASTER_KEY"

    /// The key named by the environment, else the one in `file` (made if missing).
    public static func load(environment: [String: String], file: URL) throws -> MasterKey {
        if let text = environment[environmentVariable] {
            return try MasterKey(encoded: text, origin: environmentVariable)
        }
        if FileManager.default.fileExists(atPath: file.path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
                throw SecretError("the master key file \(file.path) can be read by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(file.path)`")
            }
            return try MasterKey(encoded: try String(contentsOf: file, encoding: .utf8), origin: file.path)
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        // Created with 0600 from the start: never world-readable, not even for a moment.
        guard FileManager.default.createFile(atPath: file.path, contents: Data(encoded.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SecretError("cannot create the master key file \(file.path); check that the data directory is writable")
        }
        return MasterKey(key: key)
    }

    /// A key for another purpose (e.g. "kubernetes-secret-hashes"), derived with HKDF-SHA256 so
    /// that what it keys reveals nothing about the master key or about other purposes' keys.
    public func derivedKey(purpose: String) -> [UInt8] {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array("slipway \(purpose)".utf8), outputByteCount: 32)
        return derived.withUnsafeBytes { Array($0) }
    }

    init(encoded text: String, origin: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed), data.count == 32 else {
            throw SecretError("\(origin) must hold 32 random bytes in base64 (make one with `openssl rand -base64 32`)")
        }
        key = SymmetricKey(data: data)
    }
}

public struct SecretError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
