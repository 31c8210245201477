import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore
import SourceArchive

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a folder or a git repository, and follow the deploy until it ends.",
        discussion: """
        A folder on this machine is uploaded as an archive, honouring its .dockerignore (.git is never sent). \
        Anything else is a git URL the server clones. The app is named by --app, else by slipway.yaml's \
        `name:`, else after the folder or repository. Exits 0 once the new release serves, 1 if the deploy failed.
        """)

    @Argument(help: ArgumentHelp("A folder, or a git URL (https://, ssh://, file://, git@host:path).", valueName: "source"))
    var source: String

    @Option(help: ArgumentHelp("The app's name (default: slipway.yaml's name, else the folder or repository name).", valueName: "name"))
    var app: String?

    @Option(help: ArgumentHelp("The branch, tag or commit to deploy (git sources only).", valueName: "ref"))
    var ref: String?

    @Flag(help: "Also print the build output as it comes.")
    var verbose = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do {
            if let ref { try GitRef.validate(ref) }
            if let app { _ = try DNSLabel(app) }
        } catch {
            throw ValidationError(Output.message(for: error))
        }
    }

    func run() async throws {
        let currentDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let deploySource = try DeploySource.classify(source, currentDirectory: currentDirectory, kind: Self.pathKind)
        var manifest: String?
        if case .folder(let folder) = deploySource {
            if ref != nil {
                throw SlipwayError.invalidSource("--ref applies to git sources; a folder is uploaded as it is on disk")
            }
            manifest = try? String(contentsOf: folder.appendingPathComponent("slipway.yaml"), encoding: .utf8)
        }
        let appName = try deploySource.appName(explicit: app, manifestText: manifest)
        let live = !global.json

        let final = try await global.withClient { client in
            let trace = try await start(deploySource, app: appName, client: client, live: live)
            let follower = DeployFollower(client: client, traceId: trace.traceId, live: live,
                                          terminal: live && Output.stdoutIsTerminal, verbose: verbose && live)
            let view = try await follower.follow()
            try await DeployOutcome.report(view, client: client, json: global.json)
            return view
        }
        if final.status != .completed { throw ExitCode.failure }
    }

    /// Uploads the folder or asks the server to clone the repository; returns the deploy's trace id.
    func start(_ source: DeploySource, app: AppName, client: SlipwayClient, live: Bool) async throws -> TraceResponse {
        switch source {
        case .git(let url):
            let trace = try await client.deploy(app: app, source: url, ref: ref)
            if live { Output.line("Deploying \(url)\(ref.map { "@\($0)" } ?? "") as \(app) (trace \(trace.traceId))") }
            return trace
        case .folder(let folder):
            let archive = FileManager.default.temporaryDirectory
                .appendingPathComponent("slipway-upload-\(UUID().uuidString).tar.gz")
            defer { try? FileManager.default.removeItem(at: archive) }
            try await SourceArchive.createTarGz(of: folder, to: archive, excludeGit: true)
            let size = (try? FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? NSNumber)?.int64Value ?? 0
            if live { Output.line("Uploading \(folder.path) as \(app) (\(Format.bytes(size)))") }
            let trace = try await client.deploy(app: app, archive: archive)
            if live { Output.line("Deploying \(app) (trace \(trace.traceId))") }
            return trace
        }
    }

    static func pathKind(_ path: String) -> DeploySource.PathKind? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        return isDirectory.boolValue ? .directory : .file
    }
}
