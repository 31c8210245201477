import Foundation

/// What stack detection sees of a repository: the names at its root and the texts of the root
/// files it reads (`Package.swift`, for the product to run). Made by the config stage from the
/// workspace; tests make it from literals.
public struct RepositoryRoot: Sendable, Equatable {
    public var files: Set<String>
    public var directories: Set<String>
    /// Texts of root files, by name; only the ones detection reads need to be here.
    public var contents: [String: String]

    public init(files: Set<String>, directories: Set<String> = [], contents: [String: String] = [:]) {
        self.files = files
        self.directories = directories
        self.contents = contents
    }

    /// Root files whose text detection reads.
    public static let filesRead = ["Package.swift"]
}

/// Finds out how to build a repository that has no Dockerfile, and generates one.
///
/// Looked for, in order: `requirements.txt` (Python), `package.json` (Node.js), `go.mod` (Go),
/// `Package.swift` (Swift), then `index.html` at the root or a `public/` directory (a static site).
/// A `Procfile`'s `web:` command, when there is one, is what the image runs.
public enum StackDetector {
    /// Everything the config stage looks for, in its order, for the "nothing to deploy" message.
    public static let lookedFor = ["slipway.yaml", "config.json", "Dockerfile", "Procfile", "requirements.txt",
                                   "package.json", "go.mod", "Package.swift", "index.html", "public/"]

    /// The stack `root` holds, or nil if none is recognised.
    public static func detect(_ root: RepositoryRoot) -> Stack? {
        if root.files.contains("requirements.txt") { return .python }
        if root.files.contains("package.json") { return .node }
        if root.files.contains("go.mod") { return .go }
        if root.files.contains("Package.swift") { return .swift }
        if root.files.contains("index.html") || root.directories.contains("public") { return .staticSite }
        return nil
    }

    /// The Dockerfile for `root`, or nil when no stack is recognised. Throws when the stack is
    /// recognised but cannot be built as it is (a Python app without a `web:` command, a Swift
    /// package without an executable product), saying what to add.
    public static func generate(for root: RepositoryRoot, procfile: Procfile?, images: StackImages) throws -> GeneratedDockerfile? {
        guard let stack = detect(root) else { return nil }
        let web = procfile?.webCommand
        switch stack {
        case .staticSite:
            // A root index.html means the root is the site (public/ then is one of its folders).
            let folder = root.files.contains("index.html") ? "." : "public"
            return .staticSite(folder: folder, image: images.image("static"), webCommand: web)
        case .python:
            guard let web else {
                throw SlipwayError.invalidManifest(
                    "found requirements.txt (a Python app) but no command to start it: add a Procfile with a `web:` line, e.g. `web: gunicorn app:app --bind 0.0.0.0:$PORT` (Slipway sets PORT), or add a Dockerfile")
            }
            return .python(image: images.image("python"), webCommand: web)
        case .node:
            return .node(image: images.image("node"), hasLockfile: root.files.contains("package-lock.json"), webCommand: web)
        case .go:
            return .go(buildImage: images.image("go"), runImage: images.image("go-run"),
                       hasGoSum: root.files.contains("go.sum"), webCommand: web)
        case .swift:
            guard let product = executableProduct(packageSwift: root.contents["Package.swift"] ?? "") else {
                throw SlipwayError.invalidManifest(
                    "found Package.swift (a Swift package) but no executable product to run: declare one with `.executable(name:targets:)` or `.executableTarget(name:)`, or add a Dockerfile")
            }
            return .swift(buildImage: images.image("swift"), runImage: images.image("swift-run"),
                          product: product, webCommand: web)
        }
    }

    /// The executable a Swift package builds: the first `.executable(name: "X"` product, else the
    /// first `.executableTarget(name: "X"` (whose product SwiftPM names the same).
    static func executableProduct(packageSwift text: String) -> String? {
        for marker in [".executable(", ".executableTarget("] {
            var rest = Substring(text)
            while let range = rest.range(of: marker) {
                rest = rest[range.upperBound...]
                let arguments = rest.drop(while: { $0.isWhitespace })
                guard arguments.hasPrefix("name:") else { continue }
                let value = arguments.dropFirst("name:".count).drop(while: { $0.isWhitespace })
                guard value.first == "\"", let end = value.dropFirst().firstIndex(of: "\"") else { continue }
                let name = String(value[value.index(after: value.startIndex)..<end])
                if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
                    return name
                }
            }
        }
        return nil
    }
}
