import ArgumentParser
import Foundation
import SlipwayServer

/// `slipway install-systemd`: writes the server's and the router's units (see `SystemdUnits`).
struct InstallSystemdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-systemd",
        abstract: "Write systemd units for the server and the router (the router keeps serving while the server is stopped).",
        discussion: """
        Writes slipway-router.service and slipway.service into --directory (default /etc/systemd/system), both \
        Restart=always; the server's unit starts after the router's and never stops it. Then: \
        systemctl daemon-reload && systemctl enable --now slipway-router slipway. \
        More `slipway server` options go after `--`, e.g. `slipway install-systemd --https :443 -- --acme-email ops@example.com`.
        """)

    @Flag(help: "Print the units instead of writing them.") var dryRun = false
    @Option(help: "Where the units are written.") var directory = "/etc/systemd/system"
    @Option(help: "State directory of the server and the router.") var data = "/var/lib/slipway"
    @Option(help: "Address of the HTTP API.") var listen = "127.0.0.1:7070"
    @Option(help: "Address of the router's plain-HTTP listener.") var http = "0.0.0.0:80"
    @Option(help: ArgumentHelp("Address of the router's HTTPS listener.", valueName: "host:port")) var https: String?
    @Option(help: "Domain apps are routed under: APP.DOMAIN.") var domain = "localhost"
    @Flag(help: "Output JSON.") var json = false
    @Argument(parsing: .postTerminator, help: "More `slipway server` options (after --).") var serverArguments: [String] = []

    struct WrittenUnit: Encodable {
        var path: String
        var contents: String
    }

    struct Report: Encodable {
        var written: Bool
        var units: [WrittenUnit]
    }

    func validate() throws {
        _ = try ServerCommand.hostPort(listen, option: "--listen")
        _ = try ServerCommand.hostPort(http, option: "--http")
        if let https { _ = try ServerCommand.hostPort(https, option: "--https") }
        guard !domain.isEmpty, domain.utf8.count <= 253,
              domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            throw ValidationError("--domain takes a DNS name like apps.example.com (got \"\(domain)\")")
        }
    }

    func run() async throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let units = SystemdUnits(executable: executable, dataDirectory: data, listen: listen, http: http, https: https, domain: domain,
                                 serverArguments: serverArguments)
        try units.validate()
        let folder = URL(fileURLWithPath: directory)
        let report = Report(written: !dryRun, units: units.files.map {
            WrittenUnit(path: folder.appendingPathComponent($0.name).path, contents: $0.contents)
        })
        if !dryRun {
            guard FileManager.default.fileExists(atPath: folder.path) else {
                throw ValidationError("--directory \(directory) does not exist (systemd reads /etc/systemd/system)")
            }
            for unit in report.units {
                try Data(unit.contents.utf8).write(to: URL(fileURLWithPath: unit.path), options: .atomic)
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: unit.path)
            }
        }
        if json { return try Output.json(report) }
        for unit in report.units {
            if dryRun {
                Output.line("# \(unit.path)\n\(unit.contents)")
            } else {
                Output.line("wrote \(unit.path)")
            }
        }
        if !dryRun {
            Output.line("next: systemctl daemon-reload && systemctl enable --now \(SystemdUnits.routerUnit) \(SystemdUnits.serverUnit)")
        }
    }
}
