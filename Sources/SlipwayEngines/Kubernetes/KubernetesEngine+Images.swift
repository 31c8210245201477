import Commands
import DockerAPI
import Foundation
import OCIRegistry
import SlipwayCore

/// Images: built by the local engine (`build`), exported from it as a docker-archive, pushed (`push`) to the
/// registry as OCI images (uncompressed layers: their digest is their diff_id) and referenced
/// by digest.
extension KubernetesEngine {
    /// `push`, after `build`.
    public var imageSteps: [ImageStep] {
        [ImageStep(stage: .push, verb: "pushed") { app, images, traceId, log in
            try await push(app: app, images: images, traceId: traceId, log: log)
        }]
    }

    /// The `build` stage: the local engine builds; `push` then sends the images to the registry.
    public func build(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String] {
        guard let builder else {
            throw SlipwayError.engine("this server has no container engine to build images with")
        }
        return try await builder.build(app: app, spec: spec, workspace: workspace, traceId: traceId, log: log)
    }

    /// The `push` stage: each distinct local image (id per service) to `REGISTRY/PREFIX/APP-SERVICE`,
    /// tagged with the deploy's trace id; returns the digest references the release pins.
    public func push(app: AppName, images local: [String: String], traceId: String, log: @escaping LogSink) async throws -> [String: String] {
        guard let docker else {
            throw SlipwayError.engine("this server has no container engine to export images from")
        }
        var pushed: [String: String] = [:]  // local image id -> digest ref
        var refs: [String: String] = [:]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-push-\(app.value)-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let registry = try registryClient()
            for service in local.keys.sorted() {
                guard let image = local[service] else { continue }
                if let ref = pushed[image] { refs[service] = ref; continue }
                let repository = try repository(app: app, service: service)
                await log("Pushing \(service) to \(registry.registry)/\(repository)")
                let started = ContinuousClock.now
                let ref = try await Self.push(image: image, docker: docker, registry: registry, repository: repository,
                                              tag: String(traceId.prefix(12)).lowercased(),
                                              directory: directory.appendingPathComponent(service))
                await log("Pushed \(ref) in \(Self.seconds(since: started))")
                pushed[image] = ref
                refs[service] = ref
            }
        } catch {
            throw Self.slipwayError(error, doing: "pushing the images of \(app) to \(configuration.registry)")
        }
        return refs
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.1f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    func registryClient() throws -> OCIRegistryClient {
        let (host, _) = try Configuration.splitRegistry(configuration.registry)
        return try OCIRegistryClient(baseURL: OCIRegistryClient.baseURL(forRegistry: host, insecure: configuration.registryInsecure),
                                     credentials: configuration.registryCredentials, logger: logger)
    }

    /// `PREFIX/APP-SERVICE`.
    func repository(app: AppName, service: String) throws -> String {
        let (_, prefix) = try Configuration.splitRegistry(configuration.registry)
        let name = "\(app.value)-\(service)".lowercased()
        return prefix.isEmpty ? name : "\(prefix)/\(name)"
    }

    /// Exports `image` into `directory`, unpacks the archive and pushes its config and layers,
    /// then the manifest. Returns `REGISTRY/REPOSITORY@sha256:...`.
    static func push(image: String, docker: DockerClient, registry: OCIRegistryClient, repository: String, tag: String?,
                     directory: URL) async throws -> String {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        let archive = directory.appendingPathComponent("image.tar")
        try await docker.exportImage(image, to: archive)
        let contents = directory.appendingPathComponent("image")
        try fileManager.createDirectory(at: contents, withIntermediateDirectories: true)
        try await untar(archive, into: contents)
        try? fileManager.removeItem(at: archive)
        let manifest = try DockerArchiveManifest.read(contents)
        return try await registry.pushImage(
            repository: repository,
            config: ImageBlobFile(file: contents.appendingPathComponent(manifest.config), mediaType: OCIMediaType.imageConfig),
            layers: manifest.layers.map { ImageBlobFile(file: contents.appendingPathComponent($0), mediaType: OCIMediaType.layerTar) },
            tag: tag)
    }

    static func untar(_ archive: URL, into directory: URL) async throws {
        let result: CommandResult
        do {
            result = try await Command("tar", ["-xf", archive.path, "-C", directory.path], timeout: .seconds(900)).run()
        } catch let error as CommandError {
            throw SlipwayError.engine("could not unpack the exported image: \(error.description)")
        }
        guard result.succeeded else {
            throw SlipwayError.engine("could not unpack the exported image: \(result.reason)")
        }
    }

    public func missingImages(of release: Release) async -> [String] {
        // Images live in the registry; a rollback pulls them from there.
        []
    }

    /// Local builds a failed deploy made go; registry images (`...@sha256:`) are kept (a
    /// registry's garbage collection removes unreferenced ones).
    public func discardImages(_ images: [String]) async {
        let local = images.filter { !$0.contains("@sha256:") }
        if !local.isEmpty { await builder?.discardImages(local) }
    }

    public func discardImages(_ images: [String], builtBy traceIds: [String]) async {
        let local = images.filter { !$0.contains("@sha256:") }
        if !local.isEmpty { await builder?.discardImages(local, builtBy: traceIds) }
    }
}

/// `manifest.json` of a docker-archive: `[{"Config": "...", "RepoTags": [...], "Layers": [...]}]`.
struct DockerArchiveManifest: Decodable {
    var config: String
    var layers: [String]

    enum CodingKeys: String, CodingKey {
        case config = "Config"
        case layers = "Layers"
    }

    static func read(_ directory: URL) throws -> DockerArchiveManifest {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        guard let first = try JSONDecoder().decode([DockerArchiveManifest].self, from: data).first else {
            throw SlipwayError.engine("the exported image has an empty manifest.json")
        }
        for path in [first.config] + first.layers where path.contains("..") || path.hasPrefix("/") {
            throw SlipwayError.engine("the exported image names a file outside it: \(path)")
        }
        return first
    }
}
