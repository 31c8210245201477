import Foundation

/// A kind of repository Slipway can build without a Dockerfile (see `StackDetector`).
public enum Stack: String, Sendable, CaseIterable, Equatable {
    case staticSite = "static"
    case python
    case node
    case go
    case swift

    /// How the stack reads in a deploy log: "a Python app".
    public var displayName: String {
        switch self {
        case .staticSite: "a static site"
        case .python: "a Python app"
        case .node: "a Node.js app"
        case .go: "a Go app"
        case .swift: "a Swift app"
        }
    }
}

/// The base images generated Dockerfiles start from, per stack: the official images by default,
/// replaced with `slipway server --stack-image STACK=IMAGE` (e.g. an internal mirror, or a local
/// image where no registry is reachable). Go and Swift build in one image and run in another:
/// `go` and `swift` name the build image, `go-run` and `swift-run` the runtime one.
public struct StackImages: Sendable, Equatable {
    /// The keys `--stack-image` accepts, in the order help texts list them.
    public static let keys = ["static", "python", "node", "go", "go-run", "swift", "swift-run"]

    public static let defaults = StackImages(images: [
        "static": "docker.io/library/busybox:latest",
        "python": "docker.io/library/python:3.12-slim",
        "node": "docker.io/library/node:20-slim",
        "go": "docker.io/library/golang:1.22",
        "go-run": "docker.io/library/debian:bookworm-slim",
        "swift": "docker.io/library/swift:6.0",
        "swift-run": "docker.io/library/swift:6.0-slim",
    ])

    private var images: [String: String]

    private init(images: [String: String]) {
        self.images = images
    }

    /// The defaults with each `STACK=IMAGE` assignment applied; the last one for a stack wins.
    public init(overrides: [String]) throws {
        self = .defaults
        for assignment in overrides { try set(assignment) }
    }

    /// The image for `key` (one of `keys`).
    public func image(_ key: String) -> String {
        images[key] ?? Self.defaults.images[key] ?? ""
    }

    /// Applies one `STACK=IMAGE` assignment; errors say which stacks exist and what an image looks like.
    public mutating func set(_ assignment: String) throws {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw SlipwayError.invalidRequest("--stack-image \"\(assignment)\": expected STACK=IMAGE, e.g. python=registry.internal/python:3.12-slim")
        }
        let key = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
        let image = String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        guard Self.keys.contains(key) else {
            throw SlipwayError.invalidRequest("--stack-image \"\(assignment)\": unknown stack \"\(key)\"; use one of \(Self.keys.joined(separator: ", "))")
        }
        // The image lands on a FROM line: refuse anything that could add lines or words to it.
        guard !image.isEmpty, image.allSatisfy(Self.isImageCharacter) else {
            throw SlipwayError.invalidRequest("--stack-image \"\(assignment)\": \"\(image)\" is not an image reference; use letters, digits and . _ - / : @ (e.g. python:3.12-slim)")
        }
        images[key] = image
    }

    private static func isImageCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || "._-/:@".contains(character)
    }
}
