import Synchronization
import SlipwayCore

/// The one record of which release of each app is current — what must run. The server gives
/// engines its store; a `Rollout`'s `commit` writes it, the reconciler and `restore` read it.
public protocol CurrentReleases: Sendable {
    /// Every app's current release.
    func currentReleases() throws -> [Release]
    /// Records `release` as its app's current release.
    func makeCurrent(_ release: Release) throws
}

/// Current releases kept in memory, for an engine used without a store (tests, tools).
public final class InMemoryCurrentReleases: CurrentReleases {
    private let releases = Mutex<[String: Release]>([:])

    public init(_ releases: [Release] = []) {
        for release in releases { makeCurrent(release) }
    }

    public func currentReleases() -> [Release] {
        releases.withLock { $0.values.sorted { $0.app.value < $1.app.value } }
    }

    public func makeCurrent(_ release: Release) {
        releases.withLock { $0[release.app.value] = release }
    }
}
