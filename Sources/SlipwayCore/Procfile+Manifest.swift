import Foundation
import Yams

/// A repository with both `slipway.yaml` and a `Procfile`, as Dokku reads app.json beside a
/// Procfile: the Procfile names the process types and their commands, slipway.yaml gives each
/// type's settings.
extension Procfile {
    /// What `merged(into:)` made of the two files, for the deploy log and the config stage.
    public struct Merge: Sendable, Equatable {
        public var spec: AppSpec
        /// One line: which process types came from where, and which manifest commands won.
        public var summary: String
    }

    /// `manifest` with this Procfile's process types merged in:
    /// - a type slipway.yaml also defines keeps its settings and takes the Procfile's command,
    ///   unless `services.NAME.command` is set (that wins, and the summary says so);
    /// - a type only the Procfile names becomes a service built from the Dockerfile the
    ///   manifest's services share (one replica; only `web` is routed);
    /// - a Procfile type slipway.yaml defines without `routed:` is routed only if it is `web`
    ///   (`routedExplicitly`: the services whose `routed` the manifest sets);
    /// - the `release:` line is the release phase unless slipway.yaml's `release` is set (that wins).
    /// Throws, naming both files, when a new type has no Dockerfile to build from (the manifest's
    /// services use several).
    public func merged(into manifest: AppSpec, routedExplicitly: Set<String>) throws -> Merge {
        var spec = manifest
        var fromProcfile: [String] = []
        var manifestWins: [String] = []
        let dockerfiles = Set(manifest.services.map(\.dockerfile))
        for process in processes {
            let isWeb = process.name.value == Self.webProcess
            if let index = spec.services.firstIndex(where: { $0.name == process.name }) {
                if spec.services[index].command == nil {
                    spec.services[index].command = Self.shell(process.command)
                    fromProcfile.append(process.name.value)
                } else {
                    manifestWins.append("services.\(process.name).command")
                }
                if !routedExplicitly.contains(process.name.value) { spec.services[index].routed = isWeb }
                continue
            }
            guard dockerfiles.count <= 1 else {
                throw SlipwayError.invalidManifest(
                    "the Procfile's `\(process.name):` line names a process type slipway.yaml does not define, and slipway.yaml's services build from different Dockerfiles (\(dockerfiles.sorted().joined(separator: ", "))), so it is not clear which one builds it: add `services.\(process.name)` with its `dockerfile:` to slipway.yaml, or remove the line from the Procfile")
            }
            spec.services.append(ServiceSpec(name: process.name, dockerfile: dockerfiles.first ?? "Dockerfile", replicas: 1,
                                             command: Self.shell(process.command), routed: isWeb))
            fromProcfile.append(process.name.value)
        }
        if let release {
            if spec.releaseCommand == nil {
                spec.releaseCommand = Self.shell(release)
                fromProcfile.append("release")
            } else {
                manifestWins.append("release.command")
            }
        }
        var summary = "Procfile and slipway.yaml: "
        summary += fromProcfile.isEmpty ? "no command from the Procfile" : "commands of \(fromProcfile.joined(separator: ", ")) from the Procfile"
        summary += ", settings from slipway.yaml"
        if !manifestWins.isEmpty {
            summary += "; slipway.yaml's \(manifestWins.joined(separator: ", ")) used instead of the Procfile's line\(manifestWins.count == 1 ? "" : "s")"
        }
        return Merge(spec: spec, summary: summary)
    }
}

extension ManifestParser {
    /// The services of a (valid) slipway.yaml that set `routed:` themselves.
    public static func servicesSettingRouted(_ text: String) -> Set<String> {
        let services = ((try? Yams.load(yaml: text)) as? [String: Any])?["services"] as? [String: Any] ?? [:]
        return Set(services.compactMap { name, fields in (fields as? [String: Any])?["routed"] == nil ? nil : name })
    }
}
