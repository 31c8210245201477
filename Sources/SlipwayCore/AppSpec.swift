/// What one app is made of, as read from its repository: the services to build and run.
/// Produced by the `config` stage from `slipway.yaml`, RAD's `config.json` or a lone Dockerfile.
public struct AppSpec: Sendable, Equatable, Codable {
    /// The app's name from the manifest, if it names one (the deploy request's name wins).
    public var name: AppName?
    public var services: [ServiceSpec]
    /// The release phase: run once per deploy in a one-off container from the new image, after
    /// the build and before any replica changes (e.g. database migrations). nil: no release phase.
    public var releaseCommand: [String]?
    /// Scheduled jobs (`cron:`), run as one-off containers of the current release. nil: none.
    public var cronJobs: [CronJobSpec]?

    public init(name: AppName? = nil, services: [ServiceSpec], releaseCommand: [String]? = nil) {
        self.name = name
        self.services = services
        self.releaseCommand = releaseCommand
    }

    /// The service `APP.DOMAIN` routes to: `web` if there is one, else the only routed service.
    public var defaultService: DNSLabel? {
        let routed = services.filter(\.routed)
        if let web = routed.first(where: { $0.name.value == "web" }) { return web.name }
        return routed.count == 1 ? routed[0].name : nil
    }
}

@dynamicMemberLookup
public struct ServiceSpec: Sendable, Equatable, Codable {
    public static let defaultPort = 8080

    public var name: DNSLabel
    /// Path of the Dockerfile relative to the repository root, which is the build context.
    public var dockerfile: String
    /// The port the service listens on inside its container; nil means "read EXPOSE, else 8080".
    public var port: Int?
    public var replicas: Int
    public var env: [String: String]
    public var command: [String]?
    /// nil: ready once the port accepts connections, and kept checked that way.
    public var health: HealthCheck?
    public var rollout: RolloutPolicy
    /// Whether the router sends traffic to it. Procfile process types other than `web` are not
    /// routed (workers): they have no port, and are ready once running.
    public var routed: Bool
    /// Services that must be ready before this one starts.
    public var dependsOn: [DNSLabel]
    /// Named volumes: volume name -> absolute mount path inside the container.
    public var volumes: [String: String]
    /// Resources, autoscaling, placement, volume sizes, security context: carried into releases as
    /// they are, and read as properties of the service (`spec.tolerations`).
    public var settings = ServiceSettings()

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<ServiceSettings, Value>) -> Value {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(name: DNSLabel, dockerfile: String = "Dockerfile", port: Int? = nil, replicas: Int = 1,
                env: [String: String] = [:], command: [String]? = nil, health: HealthCheck? = nil,
                rollout: RolloutPolicy = .standard, routed: Bool = true, dependsOn: [DNSLabel] = [],
                volumes: [String: String] = [:]) {
        self.routed = routed
        self.dependsOn = dependsOn
        self.volumes = volumes
        self.name = name
        self.dockerfile = dockerfile
        self.port = port
        self.replicas = replicas
        self.env = env
        self.command = command
        self.health = health
        self.rollout = rollout
    }
}
