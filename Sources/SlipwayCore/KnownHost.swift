import Foundation

/// The host keys an ssh clone of a repository accepts: `--known-host` pins them (no trust on first
/// use). Given as `ssh-keyscan` prints them (`HOST KEYTYPE BASE64`, one a line) or as `KEYTYPE BASE64`;
/// stored as known_hosts lines for the repository's own host (and port), whatever host the input named.
public enum KnownHost {
    static let keyTypes: Set<String> = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// The known_hosts lines for `repo`'s host; throws with what was wrong.
    public static func lines(_ text: String, repo: String) throws -> [String] {
        guard let pattern = hostPattern(of: repo) else {
            throw SlipwayError.invalidRequest("--known-host pins an ssh host key, but the repository \(repo) is not reached over ssh (ssh://host/path or git@host:path)")
        }
        guard text.utf8.count <= 64 * 1024 else { throw SlipwayError.invalidRequest("--known-host is longer than 64 KiB") }
        var lines: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let typeIndex = fields.firstIndex(where: keyTypes.contains), typeIndex <= 1, typeIndex + 1 < fields.count else {
                throw SlipwayError.invalidRequest("--known-host line \"\(line.prefix(60))\" is not a host key: write it as `ssh-keyscan` prints it (HOST KEYTYPE BASE64), key types \(keyTypes.sorted().joined(separator: ", "))")
            }
            let type = fields[typeIndex], key = fields[typeIndex + 1]
            guard let blob = Data(base64Encoded: key), blob.count >= 4 + type.utf8.count,
                  blob.prefix(4) == Data([0, 0, 0, UInt8(type.utf8.count)]),
                  blob.dropFirst(4).prefix(type.utf8.count) == Data(type.utf8) else {
                throw SlipwayError.invalidRequest("--known-host: the \(type) key \"\(key.prefix(24))...\" is not a valid \(type) public key (base64 of its wire form)")
            }
            lines.append("\(pattern) \(type) \(key)")
        }
        guard !lines.isEmpty else { throw SlipwayError.invalidRequest("--known-host has no host key; `ssh-keyscan HOST` prints the forge's") }
        return lines
    }

    /// `host`, or `[host]:port` for another port than 22, as known_hosts and ssh name it; nil unless ssh.
    public static func hostPattern(of repo: String) -> String? {
        let lower = repo.lowercased()
        if lower.hasPrefix("ssh://") {
            let rest = repo.dropFirst(6)
            var authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            var host = Substring(authority), port: Substring?
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") { port = after.dropFirst() }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) else { return nil }
            if let port, port != "22" {
                guard let number = Int(port), (1...65535).contains(number) else { return nil }
                return "[\(host.lowercased())]:\(number)"
            }
            return host.lowercased()
        }
        guard !lower.contains("://"), SourceLocation.isSCPLike(repo), let host = GitURLSafety.host(of: repo),
              !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return host
    }
}
