import Foundation
import SlipwayCore

extension KubernetesRenderer {
    /// Names of a release's ConfigMaps and Secret. Each ends in a hash of the object's content
    /// and is `immutable`, so applying a new release's config (the release-phase Job does, before
    /// the rollout) adds objects beside the running pods' instead of changing what they read: a
    /// failed deploy leaves the old pods' config as it was. A content hash rather than the
    /// version: a failed release's number is given again to the next one, whose config may differ.
    struct ConfigNames: Sendable {
        /// The ConfigMap of plain config vars.
        let vars: String
        let secret: String
        /// The ConfigMap per config-files mount, by mount path.
        let files: [String: String]

        /// `secretHashKey` keys the Secret's hash (see `KubernetesRenderOptions.secretHashKey`).
        init(app: AppName, plain: [String: String], secret: [String: String], files: [String: [String: Data]], secretHashKey: [UInt8]?) {
            vars = KubernetesNames.configVars(app: app, contentHash: Self.hash(plain.mapValues { Data($0.utf8) }))
            self.secret = KubernetesNames.secret(app: app, contentHash: Self.hash(secret.mapValues { Data($0.utf8) }, key: secretHashKey))
            self.files = Dictionary(uniqueKeysWithValues: files.map { mount, contents in
                (mount, KubernetesNames.files(app: app, mount: mount, contentHash: Self.hash(contents)))
            })
        }

        /// 10 hex characters of the sha256 of the sorted entries (40 bits: a collision within
        /// one app's few kept releases is not a concern).
        static func hash(_ entries: [String: Data], key: [UInt8]? = nil) -> String {
            var bytes: [UInt8] = []
            for key in entries.keys.sorted() {
                bytes += Array(key.utf8) + [0] + Array(entries[key] ?? Data()) + [0]
            }
            return String(ContentHash.hex(bytes, key: key).prefix(10))
        }
    }
}
