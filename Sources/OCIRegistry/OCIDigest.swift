import Crypto
import Foundation

/// A content digest as the distribution spec writes it: `ALGORITHM:HEX`, e.g. `sha256:9f86…`.
///
/// Validated on creation, so a digest that reaches a URL path cannot smuggle in `/` or `?`.
/// Only sha256 is computed here; sha512 digests are accepted when a registry returns them.
public struct OCIDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws {
        guard Self.isValid(rawValue) else {
            throw OCIRegistryError.invalidArgument("\"\(rawValue.prefix(100))\" is not a digest (expected sha256: followed by 64 lowercase hex digits)")
        }
        self.rawValue = rawValue
    }

    private init(validated rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public var algorithm: Substring { rawValue.prefix { $0 != ":" } }
    /// The hex part, as used in storage paths.
    public var encoded: Substring { rawValue.drop { $0 != ":" }.dropFirst() }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The sha256 digest of bytes in memory (manifests, configs).
    public static func sha256(of bytes: some DataProtocol) -> OCIDigest {
        OCIDigest(hashing: SHA256.hash(data: bytes))
    }

    /// The sha256 digest and size of a file, read in chunks so a layer of any size hashes in
    /// constant memory.
    public static func sha256(ofFile url: URL) throws -> (digest: OCIDigest, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw OCIRegistryError.invalidArgument("cannot read \(url.path) to compute its digest: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (OCIDigest(hashing: hasher.finalize()), size)
    }

    private init(hashing digest: SHA256.Digest) {
        self.init(validated: "sha256:" + digest.map { String(format: "%02x", $0) }.joined())
    }

    static func isValid(_ value: String) -> Bool {
        let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let hexLength: Int
        switch parts[0] {
        case "sha256": hexLength = 64
        case "sha512": hexLength = 128
        default: return false
        }
        return parts[1].utf8.count == hexLength
            && parts[1].utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
