import Crypto
import Foundation

/// The master keys a cipher uses, shared by every copy of the store: one key seals, and every key
/// that may still have sealed something opens. During a rotation the new key seals while the old
/// one still opens what was not re-sealed yet; when the rotation is done only the new key remains.
public final class SecretKeyring: @unchecked Sendable {
    private let lock = NSLock()
    private var sealing: MasterKey
    private var retiring: [MasterKey]

    public init(sealing: MasterKey, retiring: [MasterKey] = []) {
        self.sealing = sealing
        self.retiring = retiring
    }

    /// The key new values are sealed with.
    public var sealingKey: MasterKey { lock.withLock { sealing } }
    /// The sealing key first, then the keys being retired.
    var openingKeys: [MasterKey] { lock.withLock { [sealing] + retiring } }
    /// Whether a rotation is under way (an old key still opens values).
    public var isRotating: Bool { lock.withLock { !retiring.isEmpty } }

    /// From now on `key` seals; the current key keeps opening until `retireOldKeys`.
    func beginRotation(to key: MasterKey) {
        lock.withLock {
            retiring.insert(sealing, at: 0)
            sealing = key
        }
    }

    /// Every stored value is sealed with the sealing key: the others go.
    func retireOldKeys() { lock.withLock { retiring = [] } }
}
