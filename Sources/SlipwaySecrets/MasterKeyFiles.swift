import Crypto
import Foundation

/// The master key's files under the data directory and the crash-safe steps of a key rotation:
///
/// 1. `beginRotation` writes the new key to `master.key.next` (through a temporary file, fsynced,
///    renamed), so the new key is on disk before anything is sealed with it;
/// 2. the caller re-seals every stored value in one database transaction;
/// 3. `finishRotation` renames `master.key.next` over `master.key`.
///
/// A kill at any moment leaves a key on disk for every sealed value: before step 3 both files
/// exist and `load` opens with both (and reports the rotation as unfinished, to be completed);
/// after it, every value was re-sealed under the key that `master.key` now holds.
public struct MasterKeyFiles: Sendable {
    public let file: URL
    var next: URL { file.appendingPathExtension("next") }
    var temporary: URL { file.appendingPathExtension("next.tmp") }

    public init(file: URL) { self.file = file }

    /// What `load` found.
    public struct Loaded: Sendable {
        public let keyring: SecretKeyring
        /// The key came from SLIPWAY_MASTER_KEY: there is no file to rotate.
        public let fromEnvironment: Bool
        /// `master.key.next` was there: a rotation was cut off and must be completed.
        public let unfinishedRotation: Bool
    }

    /// The keyring of the environment's key, else of `master.key` (made on first use) and, after an
    /// interrupted rotation, of `master.key.next`, which then seals.
    public func load(environment: [String: String]) throws -> Loaded {
        try? FileManager.default.removeItem(at: temporary)
        let current = try MasterKey.load(environment: environment, file: file)
        if environment[MasterKey.environmentVariable] != nil {
            return Loaded(keyring: SecretKeyring(sealing: current), fromEnvironment: true, unfinishedRotation: false)
        }
        guard FileManager.default.fileExists(atPath: next.path) else {
            return Loaded(keyring: SecretKeyring(sealing: current), fromEnvironment: false, unfinishedRotation: false)
        }
        let pending = try MasterKey(encoded: try String(contentsOf: next, encoding: .utf8), origin: next.path)
        return Loaded(keyring: SecretKeyring(sealing: pending, retiring: [current]), fromEnvironment: false, unfinishedRotation: true)
    }

    /// Step 1: a new key, durable in `master.key.next`, seals from now on. When an unfinished
    /// rotation's key is there already, that one is kept (some values may be sealed with it).
    public func beginRotation(_ keyring: SecretKeyring) throws {
        if keyring.isRotating, FileManager.default.fileExists(atPath: next.path) { return }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try? FileManager.default.removeItem(at: temporary)
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(encoded.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SecretError("cannot write the new master key to \(temporary.path); check that the data directory is writable")
        }
        try Self.sync(temporary)
        try FileManager.default.moveItem(at: temporary, to: next)
        try Self.sync(file.deletingLastPathComponent())
        keyring.beginRotation(to: MasterKey(key: key))
    }

    /// Step 3, once every stored value is sealed with the new key: it becomes `master.key`.
    public func finishRotation(_ keyring: SecretKeyring) throws {
        guard rename(next.path, file.path) == 0 else {
            throw SecretError("cannot move \(next.path) over \(file.path): \(String(cString: strerror(errno))); the next start completes the rotation")
        }
        try Self.sync(file.deletingLastPathComponent())
        keyring.retireOldKeys()
    }

    /// A keyring of one key given as its file's text (base64), e.g. a backed-up key.
    public func keyring(encoded text: String) throws -> SecretKeyring {
        SecretKeyring(sealing: try MasterKey(encoded: text, origin: file.path))
    }

    /// fsync of a file or directory, so a rename or a write outlives a power cut, not only a kill.
    static func sync(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw SecretError("cannot open \(url.path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw SecretError("cannot sync \(url.path): \(String(cString: strerror(errno)))") }
    }
}
