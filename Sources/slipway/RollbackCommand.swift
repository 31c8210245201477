import ArgumentParser
import SlipwayClient
import SlipwayCore

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Roll an app back to an earlier release, without a rebuild.",
        discussion: """
        Makes a new release from the images and config of the one named by --to (default: the release before \
        the current one) and rolls it out like a deploy: no request is dropped, and if it fails the current \
        release keeps serving. Exits 0 once the rolled-back release serves.
        """)

    @OptionGroup var target: AppArgument

    @Option(help: ArgumentHelp("The release to go back to, e.g. v3 or 3 (default: the previous one).", valueName: "version"))
    var to: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let to, Self.version(to) == nil { throw ValidationError("--to must be a release like v3 (got \(to))") }
    }

    static func version(_ text: String) -> Int? {
        Int(text.hasPrefix("v") ? String(text.dropFirst()) : text).flatMap { $0 > 0 ? $0 : nil }
    }

    func run() async throws {
        let name = try target.name
        try await ReleaseChangeFollower.run(global, announce: "Rolling back \(name)\(to.map { " to \($0)" } ?? "")") {
            try await $0.rollback(app: name, to: to.flatMap(Self.version))
        }
    }
}
