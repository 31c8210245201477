import Foundation

/// A Heroku-style `Procfile`: one process type per line, `TYPE: command`.
///
///     web: gunicorn app:app --bind 0.0.0.0:$PORT
///     worker: python worker.py
///     release: python manage.py migrate
///
/// Blank lines and lines starting with `#` are ignored. Process type names are DNS labels (they
/// become service names); each may appear once. `release` is not a process type: it is the
/// release phase command, run once per deploy.
public struct Procfile: Sendable, Equatable {
    public struct Process: Sendable, Equatable {
        public var name: DNSLabel
        /// The command line as written; it runs through `/bin/sh -c`, so `$PORT` and pipes work.
        public var command: String
    }

    /// Process types in the order they appear.
    public var processes: [Process]
    /// The `release:` line's command, if there is one.
    public var release: String?

    public init(processes: [Process], release: String? = nil) {
        self.processes = processes
        self.release = release
    }

    /// The name of the process type the router sends traffic to.
    public static let webProcess = "web"
    static let releaseType = "release"

    /// Parses a Procfile; errors name the line and say what a valid line looks like.
    public static func parse(_ text: String) throws -> Procfile {
        var processes: [Process] = []
        var release: String?
        var seen: Set<String> = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let context = "Procfile line \(index + 1) (`\(line)`)"
            guard let colon = line.firstIndex(of: ":") else {
                throw SlipwayError.invalidManifest("\(context): expected `TYPE: command`, e.g. `web: ./server --port $PORT`")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let command = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let problem = DNSLabel.problem(with: name) {
                throw SlipwayError.invalidManifest(
                    "\(context): process type \"\(name)\" \(problem); use 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit (e.g. \"web\", \"worker\")")
            }
            guard !command.isEmpty else {
                throw SlipwayError.invalidManifest("\(context): process type \"\(name)\" has no command; write `\(name): COMMAND`")
            }
            guard seen.insert(name).inserted else {
                throw SlipwayError.invalidManifest("\(context): process type \"\(name)\" is defined twice; keep one line per type")
            }
            if name == releaseType {
                release = command
            } else {
                processes.append(Process(name: try DNSLabel(name, kind: "process type"), command: command))
            }
        }
        return Procfile(processes: processes, release: release)
    }

    /// The `web` process's command, if there is one.
    public var webCommand: String? { processes.first { $0.name.value == Self.webProcess }?.command }

    /// Every process type as a service built from `dockerfile`: one replica each (`slipway scale`
    /// changes that), run through `/bin/sh -c`; only `web` is routed. The release line becomes the
    /// app's release phase command.
    public func appSpec(dockerfile: String) -> AppSpec {
        let services = processes.map { process in
            ServiceSpec(name: process.name, dockerfile: dockerfile, replicas: 1,
                        command: Self.shell(process.command), routed: process.name.value == Self.webProcess)
        }
        return AppSpec(services: services, releaseCommand: release.map(Self.shell))
    }

    static func shell(_ command: String) -> [String] { ["/bin/sh", "-c", command] }
}
