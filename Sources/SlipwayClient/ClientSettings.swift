import Foundation
import SlipwayCore
import Yams

/// Where the CLI finds its server and API token, the way kubectl finds its kubeconfig:
/// 1. `SLIPWAY_TOKEN` (and `--server` / `SLIPWAY_SERVER`) win;
/// 2. then the config file `~/.slipway/config` (or `$SLIPWAY_CONFIG`), YAML with `server:`,
///    `token:` and `ca-file:`; its token is sent only to its own server;
/// 3. then, for a server on loopback, the token a server on this machine made in its data
///    directory (`~/.slipway/admin.token`, the default `--data`, then `/var/lib/slipway/admin.token`)
///    when this user can read it.
public struct ClientSettings: Sendable {
    public static let dataDirectoryTokens = ["~/.slipway/admin.token", "/var/lib/slipway/admin.token"]

    public var environment: [String: String]
    public var home: String
    /// Reads a file, nil when missing or unreadable (a seam for tests).
    public var readFile: @Sendable (String) -> String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, home: String? = nil,
                readFile: @escaping @Sendable (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }) {
        self.environment = environment
        self.home = home ?? environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        self.readFile = readFile
    }

    /// What the config file says.
    public struct ConfigFile: Sendable, Equatable {
        public var server: String?
        public var token: String?
        public var caFile: String?
    }

    public var configFilePath: String { environment["SLIPWAY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.slipway/config" }

    public func configFile() throws -> ConfigFile? {
        guard let text = readFile(configFilePath) else { return nil }
        let node: Any?
        do {
            node = try Yams.load(yaml: text)
        } catch {
            throw SlipwayError.invalidRequest("\(configFilePath) is not valid YAML: \(error); it holds `server: URL`, `token: TOKEN` and `ca-file: PATH`")
        }
        guard let map = node as? [String: Any] else {
            throw SlipwayError.invalidRequest("\(configFilePath) must be a YAML map with `server:`, `token:` and `ca-file:`")
        }
        return ConfigFile(server: map["server"] as? String, token: map["token"] as? String, caFile: map["ca-file"] as? String)
    }

    /// The client's configuration for `serverFlag` (the `--server` option, if given).
    public func configuration(serverFlag: String?, caFileFlag: String? = nil) throws -> SlipwayClient.Configuration {
        let file = try configFile()
        let server = serverFlag ?? nonEmpty(environment["SLIPWAY_SERVER"]) ?? nonEmpty(file?.server) ?? SlipwayClient.Configuration.defaultServer
        var configuration = try SlipwayClient.Configuration(server: server, token: nil)
        configuration.token = token(for: configuration.baseURL, file: file)
        configuration.caFile = caFileFlag ?? nonEmpty(environment["SLIPWAY_CA_FILE"])
            ?? (Self.sameServer(file?.server, configuration.baseURL) ? nonEmpty(file?.caFile).map(expand) : nil)
        return configuration
    }

    func token(for server: URL, file: ConfigFile?) -> String? {
        if let token = nonEmpty(environment["SLIPWAY_TOKEN"]) { return token }
        if let file, let token = nonEmpty(file.token), file.server == nil || Self.sameServer(file.server, server) { return token }
        // A local server's token never goes to another machine.
        guard let host = server.host, Self.isLoopback(host) else { return nil }
        for path in Self.dataDirectoryTokens {
            if let text = readFile(expand(path)), let token = nonEmpty(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return token }
        }
        return nil
    }

    static func sameServer(_ configured: String?, _ url: URL) -> Bool {
        guard let configured, let other = try? SlipwayClient.Configuration(server: configured).baseURL else { return false }
        func key(_ url: URL) -> String {
            let scheme = url.scheme?.lowercased() ?? "http"
            return "\(scheme)://\(url.host?.lowercased() ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
        }
        return key(other) == key(url)
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func expand(_ path: String) -> String { path.hasPrefix("~/") ? home + path.dropFirst(1) : path }
    func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
}
