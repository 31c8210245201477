import Foundation

/// `slipway install-systemd`: units for a real host. The router runs as its own unit and the server
/// finds it (`--standalone-router --external-router`): stopping, restarting or upgrading
/// `slipway.service` never touches `slipway-router.service` (the server's unit only Wants it and
/// starts after it), and systemd restarts either one that dies (`Restart=always`).
public struct SystemdUnits: Sendable {
    public static let serverUnit = "slipway.service"
    public static let routerUnit = "slipway-router.service"

    /// The `slipway` binary the units run (absolute).
    public var executable: String
    public var dataDirectory: String
    public var listen: String
    public var http: String
    public var https: String?
    public var domain: String
    /// More `slipway server` arguments (e.g. `--acme-email`), after the ones above; those that set the
    /// router too (`--hsts`, `--idle-timeout`, `--trusted-proxy`...) go to the router's unit as well.
    public var serverArguments: [String]

    public init(executable: String, dataDirectory: String, listen: String, http: String, https: String?, domain: String,
                serverArguments: [String] = []) {
        (self.executable, self.dataDirectory, self.listen, self.http, self.https, self.domain) = (executable, dataDirectory, listen, http, https, domain)
        self.serverArguments = serverArguments
    }

    /// `slipway server` options that set the router too: after `--` they go into both units (the
    /// router process runs with its own copy of them). Each takes a value but `--hsts`.
    static let routerOptions: Set<String> = ["--header-timeout", "--idle-timeout", "--max-connections", "--trusted-proxy", "--log-level"]
    static let routerFlags: Set<String> = ["--hsts"]
    /// Options install-systemd takes itself, for both units: refused after `--`, where the server
    /// alone would get them and then refuse the router it finds (another --http, --https or --domain).
    static let ownOptions = ["--http", "--router", "--https", "--domain", "--data", "--listen"]

    /// The router's share of `serverArguments` (`--idle-timeout 30`, `--trusted-proxy=10.0.0.0/8`, `--hsts`), in order.
    var routerArguments: [String] {
        var arguments: [String] = []
        var words = serverArguments.makeIterator()
        while let word = words.next() {
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            if Self.routerFlags.contains(word) {
                arguments.append(word)
            } else if Self.routerOptions.contains(name) {
                arguments.append(word)
                if name == word, let value = words.next() { arguments.append(value) }  // `--option VALUE`, not `--option=VALUE`
            }
        }
        return arguments
    }

    /// Refuses what would not mean the same thing in a unit file: relative paths, control characters.
    public func validate() throws {
        for word in serverArguments {
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            if Self.ownOptions.contains(name) {
                throw ServerStartupError("give \(name) to install-systemd itself (before --): both units need the same one, and after -- only the server would get it")
            }
            if name == "--in-process-router" {
                throw ServerStartupError("--in-process-router contradicts the units: the router runs as slipway-router.service")
            }
        }
        for (option, path) in [("the slipway binary", executable), ("--data", dataDirectory)] where !path.hasPrefix("/") {
            throw ServerStartupError("\(option) must be an absolute path for a systemd unit (got \"\(path)\")")
        }
        for value in [executable, dataDirectory, listen, http, https ?? "", domain] + serverArguments
        where value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ServerStartupError("a unit's arguments cannot hold control characters or line breaks (got \(value.debugDescription))")
        }
    }

    /// File name -> contents.
    public var files: [(name: String, contents: String)] {
        var router = ["router", "--data", dataDirectory, "--http", http, "--domain", domain]
        var server = ["server", "--standalone-router", "--external-router", "--data", dataDirectory, "--listen", listen,
                      "--http", http, "--domain", domain]
        if let https {
            router += ["--https", https]
            server += ["--https", https]
        }
        router += routerArguments
        return [
            (Self.routerUnit, Self.unit(
                description: "Slipway router: serves the apps, and keeps serving while slipway.service stops or restarts",
                after: "network-online.target", wants: "network-online.target",
                command: [executable] + router, restartDelay: "100ms")),
            (Self.serverUnit, Self.unit(
                description: "Slipway server: API, deploys and the route table it hands to slipway-router.service",
                after: "network-online.target \(Self.routerUnit)", wants: "network-online.target \(Self.routerUnit)",
                command: [executable] + server + serverArguments, restartDelay: "1s")),
        ]
    }

    private static func unit(description: String, after: String, wants: String, command: [String], restartDelay: String) -> String {
        """
        # Written by `slipway install-systemd`.
        [Unit]
        Description=\(description)
        After=\(after)
        Wants=\(wants)

        [Service]
        Type=simple
        ExecStart=\(command.map(quoted).joined(separator: " "))
        Restart=always
        RestartSec=\(restartDelay)
        LimitNOFILE=65536

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// One ExecStart word: double-quoted, with systemd's specifiers (%) and variables ($) escaped.
    static func quoted(_ word: String) -> String {
        var escaped = ""
        for character in word {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "%": escaped += "%%"
            case "$": escaped += "$$"
            default: escaped.append(character)
            }
        }
        return "\"\(escaped)\""
    }
}
