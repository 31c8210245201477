import Foundation

extension DockerClient {
    /// `POST /volumes/create`. Creating a volume that exists already is not an error (both
    /// engines return the existing one), so callers can "ensure" a volume before each start.
    public func createVolume(name: String, labels: [String: String]) async throws {
        try await sendIgnoringBody(.createVolume(name: name, labels: labels))
    }

    /// `GET /volumes` with label filters ("key=value" or "key"); the names of the volumes that
    /// match every filter. Podman ORs several label filters of this listing (Docker ANDs them), so
    /// they are checked again here: otherwise a lookup of one app's volume finds every volume.
    public func listVolumes(labelFilters: [String]) async throws -> [String] {
        let volumes = try await sendForJSON(.listVolumes(labelFilters: labelFilters), as: WireVolumeList.self).Volumes ?? []
        return volumes.filter { LabelFilter.matchesAll(labelFilters, $0.Labels ?? [:]) }.map(\.Name)
    }

    /// `GET /volumes/{name}`: where the volume's data lives on the engine's host; nil if there is no such volume.
    public func volumeMountpoint(_ name: String) async throws -> String? {
        try await sendForOptionalJSON(.inspectVolume(name), as: WireVolumeList.Volume.self)?.Mountpoint
    }

    /// `DELETE /volumes/{name}`. A volume that is already gone is not an error; one still used
    /// by a container is (409).
    public func removeVolume(_ name: String) async throws {
        try await sendIgnoringBody(.removeVolume(name), accepting: [404])
    }
}

struct WireVolumeList: Decodable {
    struct Volume: Decodable {
        var Name: String
        var Labels: [String: String]?
        var Mountpoint: String?
    }
    var Volumes: [Volume]?
}

/// Docker's `label` filters ("key" or "key=value"), evaluated here as both engines should: all of them.
enum LabelFilter {
    static func matchesAll(_ filters: [String], _ labels: [String: String]) -> Bool {
        filters.allSatisfy { filter in
            guard let equals = filter.firstIndex(of: "=") else { return labels[filter] != nil }
            return labels[String(filter[..<equals])] == String(filter[filter.index(after: equals)...])
        }
    }
}
