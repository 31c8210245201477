import Foundation
import Logging
import SlipwayCore
import SlipwaySecrets
import SlipwayStore

/// `slipway secrets rotate-key`: a new master key, every stored secret re-encrypted under it, the
/// old key removed — in the crash-safe steps of `MasterKeyFiles` (new key on disk first, one
/// transaction re-seals everything, then the new key replaces the old file). One rotation at a time.
actor SecretRotation {
    let store: SlipwayStore
    /// nil: the key comes from SLIPWAY_MASTER_KEY, which the server cannot rewrite.
    let files: MasterKeyFiles?
    let logger: Logger

    init(store: SlipwayStore, files: MasterKeyFiles?, logger: Logger) {
        self.store = store
        self.files = files
        self.logger = logger
    }

    func rotate() throws -> KeyRotationResult {
        guard let files else {
            throw SlipwayError(code: "key_from_environment", message: "the master key comes from \(MasterKey.environmentVariable), which the server cannot change; "
                + "to rotate, re-encrypt under a key file instead: unset \(MasterKey.environmentVariable) only after copying its value to DATA/master.key (mode 0600), restart, then run `slipway secrets rotate-key`",
                httpStatus: 409)
        }
        let interrupted = store.keyring.isRotating
        try files.beginRotation(store.keyring)
        let count = try store.resealSecrets()
        try files.finishRotation(store.keyring)
        logger.notice("master key rotated: every stored secret is encrypted under the new key, the old key is removed", metadata: [
            "secrets": "\(count.secrets)", "records": "\(count.records)", "key.file": "\(files.file.path)"])
        return KeyRotationResult(secrets: count.secrets, records: count.records, keyFile: files.file.path, completedInterrupted: interrupted)
    }

    /// At start, after a kill mid-rotation (both key files there): completes it.
    func completeInterrupted() throws {
        guard store.keyring.isRotating else { return }
        logger.warning("a master key rotation was cut off (the server stopped mid-way); completing it")
        _ = try rotate()
    }
}
