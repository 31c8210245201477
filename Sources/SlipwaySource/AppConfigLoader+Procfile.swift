import Foundation
import SlipwayCore

extension AppConfigLoader {
    /// A repository without slipway.yaml or config.json: its Procfile's process types (else one
    /// `web` service), built from its Dockerfile, or from a generated one when it has none.
    static func processTypes(workspace: URL, stackImages: StackImages, log: (String) async -> Void) async throws -> AppSpec {
        let procfile = try readFile(workspace, "Procfile").map(Procfile.parse)
        let dockerfile: String
        if try readFile(workspace, "Dockerfile") != nil {
            dockerfile = "Dockerfile"
        } else {
            let root = try repositoryRoot(workspace)
            guard let generated = try StackDetector.generate(for: root, procfile: procfile, images: stackImages) else {
                let found = procfile == nil ? "none of them" : "only a Procfile, which needs a Dockerfile or a stack's files to build an image from"
                throw SlipwayError.invalidManifest(
                    "nothing to deploy: looked at the repository root for \(StackDetector.lookedFor.joined(separator: ", ")) and found \(found); add a Dockerfile (or a slipway.yaml that names one), or the files of a supported stack (see README: builds without a Dockerfile)")
            }
            try write(generated, into: workspace)
            dockerfile = GeneratedDockerfile.path
            await log("Found \(generated.evidence) (\(generated.stack.displayName)) and no Dockerfile; building with this generated \(GeneratedDockerfile.path):")
            for line in generated.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                await log("       \(line)")
            }
        }
        if let procfile {
            await log("Procfile: " + (procfile.processes.map(\.name.value) + (procfile.release == nil ? [] : ["release"])).joined(separator: ", "))
        }
        var spec = procfile?.appSpec(dockerfile: dockerfile) ?? AppSpec(services: [])
        if spec.services.isEmpty {
            // No Procfile, or one with only a release line: the image's own CMD is the web process.
            spec.services = [ServiceSpec(name: try DNSLabel(Procfile.webProcess), dockerfile: dockerfile)]
        }
        return spec
    }

    /// The names at the workspace's root, and the texts detection reads.
    private static func repositoryRoot(_ workspace: URL) throws -> RepositoryRoot {
        var root = RepositoryRoot(files: [])
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workspace.path)) ?? []
        for name in names {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workspace.appendingPathComponent(name).path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue { root.directories.insert(name) } else { root.files.insert(name) }
        }
        for name in RepositoryRoot.filesRead {
            if let text = try readFile(workspace, name) { root.contents[name] = text }
        }
        return root
    }

    /// Writes the generated Dockerfile where the repository's own files cannot be.
    private static func write(_ generated: GeneratedDockerfile, into workspace: URL) throws {
        let url = workspace.appendingPathComponent(GeneratedDockerfile.path)
        let folder = url.deletingLastPathComponent()
        let folderIsOurs = !FileManager.default.fileExists(atPath: folder.path)
            || (isDirectory(folder) && folder.resolvingSymlinksInPath().path == workspace.resolvingSymlinksInPath().appendingPathComponent(folder.lastPathComponent).path)
        // attributesOfItem does not follow symlinks: a dangling link there counts as a clash too.
        if !folderIsOurs || (try? FileManager.default.attributesOfItem(atPath: url.path)) != nil {
            throw SlipwayError.invalidManifest(
                "the repository has its own \(GeneratedDockerfile.path) but no Dockerfile at its root; Slipway writes a generated Dockerfile there: move yours to the root (or name it in slipway.yaml)")
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(generated.text.utf8).write(to: url, options: .atomic)
        } catch {
            throw SlipwayError.internal("could not write the generated Dockerfile into the workspace: \(error.localizedDescription)")
        }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
