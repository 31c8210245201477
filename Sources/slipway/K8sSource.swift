import Foundation
import SlipwayCore
import SlipwaySource

/// The release `slipway k8s render` shows: the source's config read as the `config` stage does,
/// in a temporary copy (a generated Dockerfile must not land in the user's directory), with
/// placeholder images since nothing is built.
enum K8sSource {
    static func release(source: String, ref: String?, app: AppName?, version: Int) async throws -> Release {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let workspace = temporary.appendingPathComponent("src")
        var info: SourceInfo
        switch try SourceLocation(source.hasPrefix("/") || source.hasPrefix(".") || source.contains("://") || source.contains("@")
                                  ? source : "./" + source) {
        case .git(let url):
            info = SourceInfo(kind: .git, url: url, ref: ref)
            info.commit = try await SourceFetcher().clone(url: url, ref: ref, into: workspace)
        case .localPath(let path):
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SlipwayError.invalidSource("\(source) is not a directory; give the app's source directory or a git URL")
            }
            try SourceFetcher().copyDirectory(absolute, into: workspace)
            info = SourceInfo(kind: .upload, url: absolute)
        }
        let fallback = try app ?? DNSLabel.sanitized(URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent)
            ?? DNSLabel("app")
        let apps = try await AppConfigLoader.load(workspace: workspace, requestedApp: fallback, nameIsExplicit: app != nil)
        guard let loaded = apps.first(where: { $0.name == fallback }) ?? apps.first else {
            throw SlipwayError.invalidManifest("\(source) holds no app to render")
        }
        if apps.count > 1 && app == nil {
            throw SlipwayError.invalidRequest("\(source) holds several apps (\(apps.map(\.name.value).joined(separator: ", "))); choose one with --app")
        }
        let images = Dictionary(uniqueKeysWithValues: loaded.spec.services.map {
            ($0.name.value, "registry.invalid/slipway/\(loaded.name)-\($0.name):unbuilt")
        })
        return loaded.release(version: version, traceId: "render", source: info, images: images,
                              description: "Rendered by slipway k8s render", createdBy: "slipway k8s render")
    }
}
