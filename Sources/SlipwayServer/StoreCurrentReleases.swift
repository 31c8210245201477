import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// The store as the engines' one record of current releases (`CurrentReleases`).
struct StoreCurrentReleases: CurrentReleases {
    let store: SlipwayStore

    func currentReleases() throws -> [Release] { try store.currentReleases() }

    func makeCurrent(_ release: Release) throws { try store.activate(app: release.app, version: release.version) }
}

/// The store as the local engine's record of the add-ons that must run (`DesiredAddons`).
struct StoreAddons: DesiredAddons {
    let store: SlipwayStore

    func addons() throws -> [AddonSpec] { try store.addons() }
}
