import Foundation

/// The API's admin token. Safe by default: unless the operator configured one (`SLIPWAY_TOKEN`)
/// or switched authentication off (`--insecure-no-auth`), the server makes a random token on
/// first start and keeps it in the data directory with mode 0600, where the CLI on the same
/// machine finds it (as kubectl finds its kubeconfig).
enum AdminToken {
    static let fileName = "admin.token"
    /// Shorter tokens are refused: 32 characters of hex are 128 bits.
    static let minimumLength = 32
    static let makeOne = "openssl rand -hex 32"

    /// The token every API call but /healthz needs, or nil with `insecureNoAuth`.
    static func resolve(configured: String?, insecureNoAuth: Bool, dataDirectory: URL) throws -> String? {
        if insecureNoAuth { return nil }
        if let configured, !configured.isEmpty {
            try check(configured, origin: "SLIPWAY_TOKEN")
            return configured
        }
        let file = dataDirectory.appendingPathComponent(fileName)
        if let existing = try read(file) { return existing }
        return try create(file)
    }

    static func check(_ token: String, origin: String) throws {
        guard token.count >= minimumLength else {
            throw ServerStartupError("\(origin) is \(token.count) characters long; an API token needs at least \(minimumLength) random characters. Make one with `\(makeOne)`")
        }
        guard token.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw ServerStartupError("\(origin) holds spaces or non-ASCII characters; make a token with `\(makeOne)`")
        }
    }

    private static func read(_ file: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw ServerStartupError("the API token file \(file.path) can be read by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(file.path)`")
        }
        let token = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try check(token, origin: file.path)
        return token
    }

    /// 32 bytes from the system's CSPRNG as 64 hex characters, written 0600 from the start
    /// (never readable by others, not even for a moment).
    private static func create(_ file: URL) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: file.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerStartupError("cannot create the API token file \(file.path); check that the data directory is writable")
        }
        return token
    }
}
