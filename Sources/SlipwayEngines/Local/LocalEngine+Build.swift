import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SourceArchive

extension LocalEngine {
    /// Image tag of a service built by one deploy; the release pins the image id, not this tag.
    static func imageTag(app: AppName, service: String, traceId: String) -> String {
        "localhost/slipway/\(app.value)-\(service):\(traceId.prefix(12).lowercased())"
    }

    /// Builds every image of `spec` within the policy's build timeout: past it the build is
    /// cancelled (its request closed, which ends Docker's build; Podman's goes on, so what runs in
    /// the build's cgroup is killed, see `BuildCgroup`) and the deploy fails.
    public func build(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String] {
        let timeout = replicas.policy.buildTimeout
        return try await withThrowingTaskGroup(of: [String: String]?.self) { group in
            group.addTask { try await buildImages(app: app, spec: spec, workspace: workspace, traceId: traceId, log: log) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first: [String: String]?
            do {
                first = try await group.next() ?? nil
            } catch {
                group.cancelAll()
                if Task.isCancelled {
                    // The deploy was cancelled: the build's steps are stopped and what it tagged goes
                    // too, from a task the cancel does not reach.
                    let tags = Self.builtTags(app: app, spec: spec, traceId: traceId)
                    await Task { await stopBuild(app: app, spec: spec, traceId: traceId, discarding: tags) }.value
                }
                throw error
            }
            group.cancelAll()
            guard let images = first else {
                await stopBuild(app: app, spec: spec, traceId: traceId, discarding: Self.builtTags(app: app, spec: spec, traceId: traceId))
                throw SlipwayError.invalidSource("the build of \(app) took longer than \(timeout.components.seconds) s (the server's --build-timeout) and was stopped")
            }
            return images
        }
    }

    /// After the build's request was closed: kills what its RUN steps still run (Podman goes on
    /// without the request), then removes what it tagged.
    private func stopBuild(app: AppName, spec: AppSpec, traceId: String, discarding tags: [String]) async {
        await withTaskGroup(of: Int.self) { group in
            for service in spec.services {
                group.addTask { await BuildCgroup(traceId: traceId, service: service.name.value).stopAll() }
            }
            for await killed in group where killed > 0 {
                logger.info("stopped a build's processes", metadata: ["app.name": "\(app)", "deploy.trace": "\(traceId)", "processes": "\(killed)"])
            }
        }
        await discardImages(tags)
    }

    static func builtTags(app: AppName, spec: AppSpec, traceId: String) -> [String] {
        spec.services.map { imageTag(app: app, service: $0.name.value, traceId: traceId) }
    }

    private func buildImages(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String] {
        // The build context is the repository root, as `docker build -f DOCKERFILE .` would send it.
        let contextTar = workspace.deletingLastPathComponent().appendingPathComponent("context-\(app.value).tar")
        defer { try? FileManager.default.removeItem(at: contextTar) }
        do {
            try await SourceArchive.createTar(of: workspace, to: contextTar, excludeGit: true)
        } catch {
            throw SlipwayError.invalidSource("could not pack the build context: \(error)")
        }
        var imageByDockerfile: [String: String] = [:]
        var images: [String: String] = [:]
        for service in spec.services {
            if let image = imageByDockerfile[service.dockerfile] {
                images[service.name.value] = image
                continue
            }
            let tag = Self.imageTag(app: app, service: service.name.value, traceId: traceId)
            await log("Building \(service.name) from \(service.dockerfile) as \(tag)")
            do {
                // No build labels: each one is an extra committed layer (about 0.1 s apiece with
                // Podman), and the tag already says which app and deploy the image belongs to.
                // RUN steps run in a network namespace of their own (never the host's), on the app's
                // network with Docker and on Podman's default bridge with Podman, which ignores
                // `networkmode`: either way a repository's build reaches no other app's replicas and
                // nothing on the host's loopback (AppIsolationTests performs both attacks).
                let image = try await docker.buildImage(contextTar: contextTar, tag: tag, dockerfile: service.dockerfile,
                                                        memoryBytes: replicas.policy.buildMemoryBytes,
                                                        network: try await replicas.networks.ensure(app: app.value),
                                                        cgroupParent: BuildCgroup(traceId: traceId, service: service.name.value).parent,
                                                        onOutput: log)
                imageByDockerfile[service.dockerfile] = image
                images[service.name.value] = image
                try await refuseReservedLabels(image: image, service: service)
            } catch let error as DockerAPIError {
                await discardImages(Array(images.values))
                throw SlipwayError.invalidSource("building \(service.name) (\(service.dockerfile)) failed: \(error.message)"
                                                 + Self.memoryHint(error.message, limit: replicas.policy.buildMemoryBytes))
            }
        }
        return images
    }

    /// A step killed by SIGKILL (exit status 137) most likely ran into the build memory limit: say
    /// which, and how to raise it.
    static func memoryHint(_ message: String, limit: Int64) -> String {
        guard message.contains("exit status 137") || message.contains("exit code: 137") else { return "" }
        return "; a build step that is killed (exit status 137) most likely used more than its memory limit of "
            + "\(ContainerPolicy.bytes(limit)): use less, or ask the operator to raise `slipway server --build-memory-mb`"
    }

    /// Slipway's own labels set by a `LABEL` (in the Dockerfile or its base image) fail the build.
    private func refuseReservedLabels(image: String, service: ServiceSpec) async throws {
        let labels = try await docker.inspectImage(image)?.labels ?? [:]
        let reserved = labels.keys.filter(Labels.isReserved).sorted()
        guard reserved.isEmpty else {
            throw DockerAPIError(statusCode: nil, message:
                "the image sets \(reserved.joined(separator: ", ")) (a LABEL in the Dockerfile or its base image); labels io.slipway.* and \(Labels.managedBy) are Slipway's own: remove them")
        }
    }

    public func missingImages(of release: Release) async -> [String] {
        var missing: [String] = []
        for image in Set(release.services.map(\.image)) where (try? await docker.inspectImage(image)) == nil {
            missing.append(image)
        }
        return missing
    }

    /// Untags the image's tags that `traceIds` built (`imageTag`); the engine removes the image with
    /// its last tag. An image without tags goes by its id; one another deploy still tags stays.
    public func discardImages(_ images: [String], builtBy traceIds: [String]) async {
        let ownSuffixes = Set(traceIds.map { ":" + $0.prefix(12).lowercased() })
        for image in Set(images) {
            guard let details = try? await docker.inspectImage(image) else { continue }
            let own = details.repoTags.filter { tag in
                tag.hasPrefix("localhost/slipway/") && tag.lastIndex(of: ":").map { ownSuffixes.contains(String(tag[$0...])) } == true
            }
            if details.repoTags.isEmpty {
                await discardImages([image])
                continue
            }
            for tag in own {
                do {
                    try await docker.removeImage(tag, force: false)
                } catch {
                    logger.debug("image tag kept", metadata: ["image": "\(tag)", "reason": "\(error)"])
                }
            }
        }
    }

    public func discardImages(_ images: [String]) async {
        for image in Set(images) {
            do {
                try await docker.removeImage(image, force: false)
            } catch {
                // Still used by a release or a running container: keeping it is right.
                logger.debug("image kept", metadata: ["image": "\(image)", "reason": "\(error)"])
            }
        }
    }
}
