import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

extension Config {
    struct Files: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mount config files read-only into every process: slipway config files APP --from-file PATH [--mount /etc/app]",
            discussion: """
            Like `kubectl create configmap --from-file`: each PATH is a file, or a directory whose regular files \
            are taken (not its subdirectories). The files replace what was mounted at --mount before. Every change \
            makes a new release, without a build, rolled out like a deploy. Without --from-file, lists what is mounted.
            """)
        @OptionGroup var target: AppArgument
        @Option(name: .customLong("from-file"), help: ArgumentHelp("A file or a directory to mount (repeatable).", valueName: "PATH"))
        var paths: [String] = []
        @Option(help: "Where the files appear inside the containers.")
        var mount = "/etc/app"
        @Flag(help: "Remove the files mounted at --mount.")
        var remove = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if remove && !paths.isEmpty { throw ValidationError("--remove takes no --from-file") }
            do { try ConfigFiles.validateMount(mount) } catch { throw ValidationError(Output.message(for: error)) }
        }

        func run() async throws {
            let name = try target.name
            if remove {
                try await ReleaseChangeFollower.run(global, announce: "Removing the config files at \(mount) from \(name)") {
                    try await $0.removeConfigFiles(app: name, mount: mount)
                }
                return
            }
            guard !paths.isEmpty else {
                let view = try await global.withClient { try await $0.configFiles(app: name) }
                if global.json { try Output.json(view); return }
                if view.mounts.isEmpty { Output.line("\(name) has no config files; add some with `slipway config files \(name) --from-file PATH`") }
                for mount in view.mounts.keys.sorted() {
                    Output.line(mount)
                    for file in view.mounts[mount] ?? [] { Output.line("  \(file.name) (\(file.size) bytes)") }
                }
                return
            }
            let files = try Self.read(paths)
            try ConfigFiles.validate(mount: mount, files: files)
            try await ReleaseChangeFollower.run(global, announce: "Mounting \(files.count) file\(files.count == 1 ? "" : "s") at \(mount) in \(name)") {
                try await $0.setConfigFiles(app: name, mount: mount, files: files)
            }
        }

        /// Name -> contents of every file given, directories expanded one level.
        static func read(_ paths: [String]) throws -> [String: Data] {
            var files: [String: Data] = [:]
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw SlipwayError.invalidRequest("\(path) does not exist")
                }
                let url = URL(fileURLWithPath: path)
                let entries = isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { url.appendingPathComponent($0) }
                    : [url]
                for entry in entries {
                    guard (try? entry.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                    if files[entry.lastPathComponent] != nil {
                        throw SlipwayError.invalidRequest("two files are named \(entry.lastPathComponent); names must be unique per mount")
                    }
                    files[entry.lastPathComponent] = try Data(contentsOf: entry)
                }
            }
            return files
        }
    }
}
