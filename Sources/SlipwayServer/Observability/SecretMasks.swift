import Foundation
import SlipwayCore
import SlipwayStore

/// The secret values to mask in an app's output: those of its newest releases, not only the
/// current one, because a new release's replicas print before it becomes current. Looked up at
/// most once a second per app (a log line must not cost a database read); the pipeline
/// invalidates an app when it creates a release, before any replica of it starts.
actor SecretMasks {
    let store: SlipwayStore
    /// The current release and the one being rolled out (and one more, for a rollback racing a deploy).
    static let releasesConsidered = 3
    private var cache: [String: (loaded: ContinuousClock.Instant, mask: SecretMask)] = [:]

    init(store: SlipwayStore) { self.store = store }

    func mask(for app: String) -> SecretMask {
        if let entry = cache[app], ContinuousClock.now - entry.loaded < .seconds(1) { return entry.mask }
        let name = try? DNSLabel(app)
        let releases = name.flatMap { try? store.releases(of: $0) } ?? []
        // An add-on's password alone too (its URL is a secret config value): add-on output is in the app's logs.
        let addonPasswords = name.flatMap { try? store.addons(of: $0) }?.map(\.password) ?? []
        let mask = releases.prefix(Self.releasesConsidered).reduce(SecretMask(addonPasswords)) { $0.merging(SecretMask(release: $1)) }
        cache[app] = (ContinuousClock.now, mask)
        return mask
    }

    func invalidate(_ app: String) {
        cache[app] = nil
    }
}
