import SlipwayCore

/// The labels that mark Slipway's containers and volumes on the local engine, and the filters
/// that select those of this server.
struct ContainerLabels: Sendable {
    /// Every container and volume carries this server's id, so several Slipway servers can share
    /// one engine without adopting or removing each other's.
    static let server = "io.slipway.server"
    /// One-off containers (the release phase, `slipway run`) carry their purpose instead of replica labels.
    static let oneOff = "io.slipway.oneoff"
    /// Named volumes carry their name in the app.
    static let volume = "io.slipway.volume"
    /// An add-on's container and volume carry its name in the app (see `LocalAddons`).
    static let addon = "io.slipway.addon"
    /// Add-on containers made with their password in a file (`AddonSpec.secretFile`) carry this
    /// with the value `file`; one without it was made by an older Slipway with its password in its
    /// environment or command line, and is made again (same volume, same password).
    static let addonCredentials = "io.slipway.addon-credentials"
    /// An app's network carries the app's name (see `AppNetworks`).
    static let network = "io.slipway.network"

    let serverID: String

    /// The engine names of this server's objects.
    var names: EngineNames { EngineNames(serverID: serverID) }

    /// Label filters that select this server's containers (of one app, if given).
    func filters(app: AppName? = nil) -> [String] {
        var filters = ["\(Labels.managedBy)=\(Labels.managedByValue)", "\(Self.server)=\(serverID)"]
        if let app { filters.append("\(Labels.name)=\(app.value)") }
        return filters
    }

    /// The label filter of this server's engine events. Podman ORs several `label` filters of
    /// `/events` (Docker ANDs them; listings AND them in both), so events are selected by this
    /// server's own label alone, and checked again with `owns`.
    var eventFilter: [String] { ["\(Self.server)=\(serverID)"] }

    /// Whether a container (its labels, or an event's attributes) is one of this server's.
    func owns(_ labels: [String: String]) -> Bool {
        labels[Self.server] == serverID && labels[Labels.managedBy] == Labels.managedByValue
    }

    /// The labels every container and volume of `app` carries.
    func owned(by app: String) -> [String: String] {
        [Labels.managedBy: Labels.managedByValue, Self.server: serverID, Labels.name: app]
    }
}

/// What Slipway's labels say about one of its replica containers.
struct ReplicaLabels {
    var app: String
    var service: String
    var version: Int
    var index: Int
    var port: Int

    init?(_ labels: [String: String]) {
        guard let app = labels[Labels.name], let service = labels[Labels.component],
              let versionText = labels[Labels.version], versionText.hasPrefix("v"),
              let version = Int(versionText.dropFirst()),
              let index = labels[Labels.replica].flatMap(Int.init),
              let port = labels[Labels.port].flatMap(Int.init) else { return nil }
        self.app = app
        self.service = service
        self.version = version
        self.index = index
        self.port = port
    }
}
