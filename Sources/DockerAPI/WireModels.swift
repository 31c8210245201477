import Foundation

// The JSON shapes the engine sends, decoded leniently: every field is optional because
// Docker and Podman differ in what they fill in (Podman sends `null` for empty maps, Docker
// omits fields older API versions lacked). The conversions to public values are pure, so
// tests feed them captured bodies.

struct WireVersion: Decodable {
    var Version: String?
    var ApiVersion: String?
}

struct WireErrorBody: Decodable {
    var message: String?
}

struct WireCreateResponse: Decodable {
    var Id: String
    var Warnings: [String]?
}

struct WireWaitResponse: Decodable {
    struct WaitError: Decodable { var Message: String? }
    var StatusCode: Int
    var Error: WaitError?
}

struct WirePortBinding: Decodable {
    var HostIp: String?
    var HostPort: String?
}

struct WireContainer: Decodable {
    struct StateInfo: Decodable {
        var Status: String?
        var Running: Bool?
        var ExitCode: Int?
        var OOMKilled: Bool?
        var StartedAt: String?
        var FinishedAt: String?
        var Error: String?
    }
    struct ConfigInfo: Decodable {
        var Image: String?
        var Labels: [String: String]?
        var Tty: Bool?
    }
    struct NetworkInfo: Decodable {
        var Ports: [String: [WirePortBinding]?]?
    }
    var Id: String
    var Name: String?
    var Image: String?
    var Created: String?
    var State: StateInfo?
    var Config: ConfigInfo?
    var NetworkSettings: NetworkInfo?
}

struct WireContainerSummary: Decodable {
    var Id: String
    var Names: [String]?
    var Image: String?
    var Labels: [String: String]?
    var State: String?
    var Status: String?
    var Created: Int64?
}

struct WireImage: Decodable {
    struct ConfigInfo: Decodable {
        // Values are empty objects; only the keys ("8080/tcp") matter.
        var ExposedPorts: [String: EmptyObject]?
        var Labels: [String: String]?
    }
    struct EmptyObject: Decodable {}
    var Id: String
    var RepoTags: [String]?
    var Created: String?
    var Config: ConfigInfo?
}

struct WireEvent: Decodable {
    struct ActorInfo: Decodable {
        var ID: String?
        var Attributes: [String: String]?
    }
    var kind: String?
    var Action: String?
    // Pre-1.22 fields, still sent by both engines; used when the newer ones are missing.
    var status: String?
    var id: String?
    var Actor: ActorInfo?
    var time: Int64?
    var timeNano: Int64?

    enum CodingKeys: String, CodingKey {
        case kind = "Type"
        case Action, status, id, Actor, time, timeNano
    }
}

extension DockerVersion {
    init(wire: WireVersion) {
        self.init(version: wire.Version ?? "", apiVersion: wire.ApiVersion ?? "")
    }
}

extension ContainerDetails {
    init(wire: WireContainer) {
        let state = wire.State
        self.init(
            id: wire.Id,
            name: Self.trimSlash(wire.Name ?? ""),
            image: wire.Config?.Image ?? wire.Image ?? "",
            imageID: wire.Image ?? "",
            labels: wire.Config?.Labels ?? [:],
            state: ContainerState(
                status: state?.Status ?? "",
                running: state?.Running ?? false,
                exitCode: state?.ExitCode ?? 0,
                oomKilled: state?.OOMKilled ?? false,
                startedAt: state?.StartedAt.flatMap(DockerDate.parse),
                finishedAt: state?.FinishedAt.flatMap(DockerDate.parse),
                error: state?.Error ?? ""
            ),
            hostPorts: Self.hostPorts(wire.NetworkSettings?.Ports ?? [:]),
            createdAt: wire.Created.flatMap(DockerDate.parse),
            tty: wire.Config?.Tty ?? false
        )
    }

    /// `{"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "40123"}]}` -> [8080: 40123].
    /// Exposed but unpublished ports come as `null` and are left out; when a port is bound
    /// on several addresses (Docker binds 0.0.0.0 and ::), the first binding wins.
    static func hostPorts(_ ports: [String: [WirePortBinding]?]) -> [Int: Int] {
        var result: [Int: Int] = [:]
        for (key, bindings) in ports {
            let parts = key.split(separator: "/")
            guard parts.count <= 2, parts.count == 1 || parts[1] == "tcp",
                  let containerPort = Int(parts[0]) else { continue }
            if let hostPort = (bindings ?? []).lazy.compactMap({ $0.HostPort.flatMap { Int($0) } }).first(where: { $0 > 0 }) {
                result[containerPort] = hostPort
            }
        }
        return result
    }

    static func trimSlash(_ name: String) -> String {
        name.hasPrefix("/") ? String(name.dropFirst()) : name
    }
}

extension ContainerSummary {
    init(wire: WireContainerSummary) {
        self.init(
            id: wire.Id,
            names: (wire.Names ?? []).map(ContainerDetails.trimSlash),
            image: wire.Image ?? "",
            labels: wire.Labels ?? [:],
            state: wire.State ?? "",
            status: wire.Status ?? "",
            created: DockerDate.fromUnix(seconds: wire.Created)
        )
    }
}

extension ImageDetails {
    init(wire: WireImage) {
        let ports = (wire.Config?.ExposedPorts ?? [:]).keys.compactMap { key -> Int? in
            let parts = key.split(separator: "/")
            guard parts.count == 1 || (parts.count == 2 && parts[1] == "tcp") else { return nil }
            return Int(parts[0])
        }
        self.init(
            id: DockerClient.normalizedImageID(wire.Id),
            repoTags: wire.RepoTags ?? [],
            exposedPorts: ports.sorted(),
            labels: wire.Config?.Labels ?? [:],
            created: wire.Created.flatMap(DockerDate.parse)
        )
    }
}

extension DockerEvent {
    init(wire: WireEvent) {
        self.init(
            type: wire.kind ?? "",
            action: wire.Action ?? wire.status ?? "",
            actorID: wire.Actor?.ID ?? wire.id ?? "",
            attributes: wire.Actor?.Attributes ?? [:],
            time: DockerDate.fromUnix(seconds: wire.time, nanoseconds: wire.timeNano) ?? Date(timeIntervalSince1970: 0)
        )
    }
}
