import Crypto

/// The hashes in rendered objects: short name suffixes and the pod template's `checksum/config`
/// annotation. SHA-256, or HMAC-SHA256 under `key` for those that cover secret values: anyone
/// who may read a Deployment sees them, and a plain hash of a short secret can be guessed offline.
enum ContentHash {
    /// The digest of `bytes` as 64 lowercase hex characters.
    static func hex(_ bytes: [UInt8], key: [UInt8]? = nil) -> String {
        let digest: [UInt8]
        if let key {
            digest = Array(HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key)))
        } else {
            digest = Array(SHA256.hash(data: bytes))
        }
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
