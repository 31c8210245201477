import Foundation
import SlipwayCore

/// The `config` stage: finds out which apps and services a source tree holds.
/// Looks, in order, for `slipway.yaml`, RAD's `config.json`, then a `Procfile` and a `Dockerfile`:
/// a Procfile gives the process types, the Dockerfile builds them; without a Dockerfile the
/// stack is detected and a Dockerfile generated (see `StackDetector`). A Procfile beside
/// slipway.yaml is read too: its lines are the process types' commands, the manifest their
/// settings (`Procfile.merged(into:)`).
package enum AppConfigLoader {
    /// An app to build and release, with every service's port resolved.
    package struct LoadedApp: Sendable {
        package var name: AppName
        package var spec: AppSpec

        /// Release vN of this app from built images (service name -> image; a service without one
        /// gets ""): the formation, the Kubernetes settings and the release phase, no config vars.
        package func release(version: Int, traceId: String, source: SourceInfo, images: [String: String],
                             description: String, createdBy: String) -> Release {
            let services = spec.services.map { service in
                var released = ReleasedService(
                    name: service.name.value, image: images[service.name.value] ?? "",
                    port: service.port ?? ServiceSpec.defaultPort, replicas: service.replicas,
                    env: service.env, command: service.command, health: service.health, rollout: service.rollout,
                    routed: service.routed, dependsOn: service.dependsOn.map(\.value), volumes: service.volumes)
                released.settings = service.settings
                return released
            }
            var release = Release(app: name, version: version, traceId: traceId, createdAt: Date(), source: source,
                                  services: services, defaultService: spec.defaultService?.value,
                                  description: description, createdBy: createdBy)
            release.releaseCommand = spec.releaseCommand
            release.cronJobs = spec.cronJobs
            return release
        }
    }

    /// `log` gets lines for the deploy log (a generated Dockerfile's full text).
    package static func load(workspace: URL, requestedApp: AppName, nameIsExplicit: Bool, stackImages: StackImages = .defaults,
                     log: (String) async -> Void = { _ in }) async throws -> [LoadedApp] {
        var apps: [LoadedApp]
        if let yaml = try readFile(workspace, "slipway.yaml") ?? readFile(workspace, "slipway.yml") {
            var spec = try ManifestParser.parseSlipwayYAML(yaml)
            if let procfile = try readFile(workspace, "Procfile").map(Procfile.parse) {
                let merge = try procfile.merged(into: spec, routedExplicitly: ManifestParser.servicesSettingRouted(yaml))
                spec = merge.spec
                await log(merge.summary)
            }
            // The deploy request's app name wins over the manifest's.
            let name = nameIsExplicit ? requestedApp : (spec.name ?? requestedApp)
            apps = [LoadedApp(name: name, spec: spec)]
        } else if let json = try readFile(workspace, "config.json") {
            apps = try ManifestParser.parseRADConfig(Data(json.utf8)).map { LoadedApp(name: $0.name ?? requestedApp, spec: $0) }
        } else {
            let spec = try await processTypes(workspace: workspace, stackImages: stackImages, log: log)
            apps = [LoadedApp(name: requestedApp, spec: spec)]
        }
        for appIndex in apps.indices {
            for serviceIndex in apps[appIndex].spec.services.indices {
                let service = apps[appIndex].spec.services[serviceIndex]
                guard let dockerfile = try readFile(workspace, service.dockerfile) else {
                    throw SlipwayError.invalidManifest(
                        "service \(service.name) of \(apps[appIndex].name): Dockerfile `\(service.dockerfile)` was not found in the repository; add it or fix the `dockerfile:` path")
                }
                apps[appIndex].spec.services[serviceIndex].dockerfileUser = ManifestParser.dockerfileUser(dockerfile: dockerfile)
                if service.port == nil {
                    apps[appIndex].spec.services[serviceIndex].port = ManifestParser.exposedPort(dockerfile: dockerfile) ?? ServiceSpec.defaultPort
                }
            }
        }
        return apps
    }

    /// Reads a regular file inside the workspace; nil if it is missing. Refuses paths that resolve outside.
    static func readFile(_ workspace: URL, _ relativePath: String) throws -> String? {
        let url = workspace.appendingPathComponent(relativePath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        let resolved = url.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(workspace.resolvingSymlinksInPath().path + "/") else {
            throw SlipwayError.invalidSource("\(relativePath) points outside the repository")
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw SlipwayError.invalidManifest("\(relativePath) is not UTF-8 text")
        }
        return text
    }

    /// One line per app for the stage message, e.g. "hello: web (port 8080, 2 replicas)".
    package static func summary(_ apps: [LoadedApp]) -> String {
        apps.map { app in
            let services = app.spec.services.map { "\($0.name) (port \($0.port ?? 0), \($0.replicas) replica\($0.replicas == 1 ? "" : "s"))" }
            return "\(app.name): " + services.joined(separator: ", ")
        }.joined(separator: "; ")
    }
}
