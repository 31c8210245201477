import Foundation
import SlipwayCore

/// The `config` stage: finds out which apps and services a source tree holds.
/// Looks, in order, for `slipway.yaml`, RAD's `config.json`, then a `Procfile` and a `Dockerfile`:
/// a Procfile gives the process types, the Dockerfile builds them; without a Dockerfile the
/// stack is detected and a Dockerfile generated (see `StackDetector`).
enum AppConfigLoader {
    /// An app to build and release, with every service's port resolved.
    struct LoadedApp: Sendable {
        var name: AppName
        var spec: AppSpec
    }

    /// `log` gets lines for the deploy log (a generated Dockerfile's full text).
    static func load(workspace: URL, requestedApp: AppName, nameIsExplicit: Bool, stackImages: StackImages = .defaults,
                     log: (String) async -> Void = { _ in }) async throws -> [LoadedApp] {
        var apps: [LoadedApp]
        if let yaml = try readFile(workspace, "slipway.yaml") ?? readFile(workspace, "slipway.yml") {
            let spec = try ManifestParser.parseSlipwayYAML(yaml)
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
    static func summary(_ apps: [LoadedApp]) -> String {
        apps.map { app in
            let services = app.spec.services.map { "\($0.name) (port \($0.port ?? 0), \($0.replicas) replica\($0.replicas == 1 ? "" : "s"))" }
            return "\(app.name): " + services.joined(separator: ", ")
        }.joined(separator: "; ")
    }
}
