import Foundation

extension DockerClient {
    /// `POST /volumes/create`. Creating a volume that exists already is not an error (both
    /// engines return the existing one), so callers can "ensure" a volume before each start.
    public func createVolume(name: String, labels: [String: String]) async throws {
        try await sendIgnoringBody(.createVolume(name: name, labels: labels))
    }

    /// `GET /volumes` with label filters ("key=value" or "key"); the names of the matching volumes.
    public func listVolumes(labelFilters: [String]) async throws -> [String] {
        try await sendForJSON(.listVolumes(labelFilters: labelFilters), as: WireVolumeList.self).Volumes?.map(\.Name) ?? []
    }

    /// `DELETE /volumes/{name}`. A volume that is already gone is not an error; one still used
    /// by a container is (409).
    public func removeVolume(_ name: String) async throws {
        try await sendIgnoringBody(.removeVolume(name), accepting: [404])
    }
}

struct WireVolumeList: Decodable {
    struct Volume: Decodable { var Name: String }
    var Volumes: [Volume]?
}
