import Foundation
import SlipwayCore

/// What `slipway deploy SOURCE` means by SOURCE: a folder on this machine (uploaded as an archive)
/// or a git URL (cloned by the server). Pure apart from the `kind` lookup the caller passes in.
public enum DeploySource: Sendable, Equatable {
    case folder(URL)
    case git(url: String)

    public enum PathKind: Sendable { case directory, file }

    /// - Parameters:
    ///   - raw: SOURCE as typed.
    ///   - currentDirectory: what relative paths are relative to.
    ///   - kind: what exists at an absolute path on this machine, if anything.
    public static func classify(_ raw: String, currentDirectory: URL, kind: (String) -> PathKind?) throws -> DeploySource {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let expanded = text.hasPrefix("~") ? NSString(string: text).expandingTildeInPath : text
        // The base must be marked as a directory, or "shop" would resolve next to it instead of inside it.
        let base = URL(fileURLWithPath: currentDirectory.path, isDirectory: true)
        let url = URL(fileURLWithPath: expanded, relativeTo: base).standardizedFileURL
        switch kind(url.path) {
        case .directory:
            return .folder(URL(fileURLWithPath: url.path, isDirectory: true))
        case .file:
            throw SlipwayError.invalidSource("\(text) is a file; give the folder that holds the app (with its Dockerfile), or a git URL")
        case nil:
            break
        }
        switch try SourceLocation(text) {
        case .git(let url):
            return .git(url: url)
        case .localPath:
            throw SlipwayError.invalidSource("there is no folder at \(url.path); give an existing folder, or a git URL (https://, ssh://, file://, git@host:path)")
        }
    }

    /// The app name when `--app` is not given: slipway.yaml's `name:`, else the folder's or repository's name.
    /// `manifestText` is the folder's slipway.yaml, if any; a manifest that does not parse is ignored
    /// here, because the server reports its errors precisely during the deploy.
    public func appName(explicit: String?, manifestText: String?) throws -> AppName {
        if let explicit {
            return try DNSLabel(explicit)
        }
        if let manifestText, let spec = try? ManifestParser.parseSlipwayYAML(manifestText), let name = spec.name {
            return name
        }
        let last: String
        switch self {
        case .folder(let url):
            last = url.lastPathComponent
            if let name = DNSLabel.sanitized(last) { return name }
        case .git(let url):
            last = url
            if let name = SourceLocation.git(url: url).suggestedAppName { return name }
        }
        throw SlipwayError.invalidName("cannot make an app name from \"\(last)\"; pass one with --app NAME (lowercase letters, digits and '-')")
    }
}
