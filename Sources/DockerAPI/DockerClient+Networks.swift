import Foundation

extension DockerClient {
    /// `POST /networks/create`: a bridge network. `isolated` asks Podman (netavark) to keep
    /// containers of other networks from reaching this one's (Docker ignores the option: its
    /// bridge networks are isolated from each other anyway). A network of that name that exists
    /// already is not an error, so callers can "ensure" it before each container they start.
    public func createNetwork(name: String, labels: [String: String], isolated: Bool) async throws {
        do {
            try await sendIgnoringBody(.createNetwork(name: name, labels: labels, isolated: isolated))
        } catch let error as DockerAPIError where error.isConflict || error.message.lowercased().contains("already") {
            return
        }
    }

    /// `GET /networks` with label filters ("key=value" or "key"); the names of the networks that
    /// match every filter (checked again here, as engines differ in how they combine them).
    public func listNetworks(labelFilters: [String]) async throws -> [String] {
        try await sendForJSON(.listNetworks(labelFilters: labelFilters), as: [WireNetwork].self)
            .filter { LabelFilter.matchesAll(labelFilters, $0.Labels ?? [:]) }.map(\.Name)
    }

    /// `DELETE /networks/{name}`. A network that is already gone is not an error; one that a
    /// container still uses is (409 or 500 "in use").
    public func removeNetwork(_ name: String) async throws {
        try await sendIgnoringBody(.removeNetwork(name), accepting: [404])
    }
}

struct WireNetwork: Decodable {
    var Name: String
    var Labels: [String: String]?
}
