import Foundation

/// The names Slipway gives its containers, volumes and networks on the engine.
///
/// App, service, volume and process names are DNS labels (`[a-z0-9-]`), so joining them with
/// `-` was ambiguous: app `a-b` with service `c` and app `a` with service `b-c` made the same
/// container name (and a deploy of one removed the other's replica, taking its name), volumes
/// `shop`+`db-data` and `shop-db`+`data` the same volume (one app read the other's data).
/// `_` cannot occur in any of them, so with it as the separator each name has exactly one
/// reading. The server id comes first and keeps servers sharing an engine apart. Slipway finds
/// its objects by their labels, never by parsing these names.
struct EngineNames: Sendable {
    let serverID: String

    private var prefix: String { "slipway_\(serverID.prefix(6))" }

    func replica(app: String, version: Int, service: String, index: Int) -> String {
        "\(prefix)_\(app)_v\(version)_\(service)_\(index)"
    }

    /// A one-off container (`run`, the release phase); `process` is `release` or `run.N`.
    func oneOff(app: String, process: String, release: String) -> String {
        "\(prefix)_\(app)_\(process)_\(release)"
    }

    func volume(app: String, volume: String) -> String {
        "\(prefix)_\(app)_\(volume)"
    }

    /// An add-on's container (`addon` never names a one-off's process: those are `release` and `run.N`).
    func addon(app: String, addon: String) -> String {
        "\(prefix)_\(app)_addon_\(addon)"
    }

    /// An add-on's data volume (four parts after the prefix: never an app volume's name).
    func addonVolume(app: String, addon: String, id: String) -> String {
        "\(prefix)_\(app)_addon_\(addon)_\(id)"
    }

    /// The app's own network: its replicas and one-off containers, nobody else's.
    func network(app: String) -> String {
        "\(prefix)_\(app)"
    }
}
