/// A release's services are stored (SQLite) and shown (the API's `ReleasedService`) with the
/// settings' fields beside the others, as they were before `ServiceSettings` existed: old rows
/// read as they are, and the JSON does not change shape.
extension ReleasedService: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, image, port, replicas, env, command, health, rollout, routed, dependsOn, volumes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try container.decode(String.self, forKey: .name)
        self.image = try container.decode(String.self, forKey: .image)
        self.port = try container.decode(Int.self, forKey: .port)
        self.replicas = try container.decode(Int.self, forKey: .replicas)
        self.env = try container.decode([String: String].self, forKey: .env)
        self.command = try container.decodeIfPresent([String].self, forKey: .command)
        self.health = try container.decodeIfPresent(HealthCheck.self, forKey: .health)
        self.rollout = try container.decodeIfPresent(RolloutPolicy.self, forKey: .rollout)
        self.routed = try container.decodeIfPresent(Bool.self, forKey: .routed)
        self.dependsOn = try container.decodeIfPresent([String].self, forKey: .dependsOn)
        self.volumes = try container.decodeIfPresent([String: String].self, forKey: .volumes)
        self.settings = try ServiceSettings(from: decoder)  // its keys sit beside the ones above
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(image, forKey: .image)
        try container.encode(port, forKey: .port)
        try container.encode(replicas, forKey: .replicas)
        try container.encode(env, forKey: .env)
        try container.encodeIfPresent(command, forKey: .command)
        try container.encodeIfPresent(health, forKey: .health)
        try container.encodeIfPresent(rollout, forKey: .rollout)
        try container.encodeIfPresent(routed, forKey: .routed)
        try container.encodeIfPresent(dependsOn, forKey: .dependsOn)
        try container.encodeIfPresent(volumes, forKey: .volumes)
        try settings.encode(to: encoder)
    }
}
