import Foundation

/// The last route table a router process was given, on disk: read at its start, so a restarted
/// router serves at once, before any server talks to it. Written to a temporary file and renamed
/// over the old one, so a crash mid-write leaves the previous table, never half of one.
public struct RouteStateFile: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// nil when there is none yet; throws when it is there but unreadable.
    public func read() throws -> RouteTable.Routes? {
        guard FileManager.default.fileExists(atPath: self.url.path) else { return nil }
        return try JSONDecoder().decode(RouteTable.Routes.self, from: Data(contentsOf: self.url))
    }

    public func write(_ routes: RouteTable.Routes) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(routes).write(to: self.url, options: .atomic)
    }
}
