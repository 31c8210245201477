import Crypto
import Foundation
import NIOSSH

/// A user's public key as `ssh-keygen` writes it (`ssh-ed25519 AAAA... alice@laptop`): checked
/// before it is trusted, and known by the fingerprint `ssh-keygen -l` shows (`SHA256:...`).
public struct AuthorizedKey: Sendable, Equatable {
    /// The algorithm, `ssh-ed25519` or `ecdsa-sha2-nistp256/384/521`.
    public let type: String
    /// The key in SSH wire format (what the base64 field holds).
    public let blob: [UInt8]
    /// The text after the key, if any (often `user@host`).
    public let comment: String?

    /// Key types swift-nio-ssh verifies signatures of; others can never authenticate here.
    public static let supportedTypes = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]
    /// Longest key file accepted (an ed25519 line is about 100 bytes, a P-521 one about 270).
    public static let maxFileBytes = 16 * 1024

    /// `ssh-ed25519 AAAA...` without the comment: the form stored and compared.
    public var openSSH: String { "\(type) \(Data(blob).base64EncodedString())" }

    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints it.
    public var fingerprint: String { Self.fingerprint(of: blob) }

    public static func fingerprint(of blob: [UInt8]) -> String {
        var digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        while digest.hasSuffix("=") { digest.removeLast() }
        return "SHA256:" + digest
    }

    /// The key a client presented (its signature already verified by swift-nio-ssh).
    public init(_ key: NIOSSHPublicKey) {
        let text = String(openSSHPublicKey: key)
        let fields = text.split(separator: " ")
        type = String(fields.first ?? "")
        blob = fields.count > 1 ? Array(Data(base64Encoded: String(fields[1])) ?? Data()) : []
        comment = nil
    }

    /// Reads a public key file's text (one key, `TYPE BASE64 [COMMENT]`); every other text is refused
    /// with what was wrong and what to give instead.
    public init(fileText text: String) throws(AuthorizedKeyError) {
        guard text.utf8.count <= Self.maxFileBytes else {
            throw .init("the file is larger than \(Self.maxFileBytes / 1024) KiB: a public key is one short line (~/.ssh/id_ed25519.pub)")
        }
        if text.contains("PRIVATE KEY") {
            throw .init("this is a private key: give its public half, the .pub file beside it (a private key never leaves your machine)")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let line = lines.first else {
            throw .init("no key found: give a public key file such as ~/.ssh/id_ed25519.pub (make one with `ssh-keygen -t ed25519`)")
        }
        guard lines.count == 1 else {
            throw .init("found \(lines.count) keys: add one key at a time (each with its own --name)")
        }
        try self.init(line: line)
    }

    private init(line: String) throws(AuthorizedKeyError) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let type = fields[0]
        guard Self.supportedTypes.contains(type) else { throw Self.unsupported(type) }
        guard fields.count >= 2, let data = Data(base64Encoded: fields[1]), !data.isEmpty else {
            throw .init("the key's base64 field is missing or damaged: copy the whole line of the .pub file")
        }
        let blob = Array(data)
        guard Self.leadingString(of: blob) == type else {
            throw .init("the key's data is not a \(type) key (the line was edited or pieced together): copy the whole line of the .pub file")
        }
        let parsed: NIOSSHPublicKey
        do { parsed = try NIOSSHPublicKey(openSSHPublicKey: "\(type) \(fields[1])") } catch {
            throw .init("the \(type) key does not decode (\(error)): copy the whole line of the .pub file")
        }
        // The canonical encoding must be what was given: no trailing bytes, no second key hidden in it.
        guard AuthorizedKey(parsed).blob == blob else {
            throw .init("the \(type) key has bytes after the key itself: copy the whole line of the .pub file")
        }
        let comment = fields.dropFirst(2).joined(separator: " ")
        guard comment.count <= 200, !comment.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .init("the key's comment is over 200 characters or holds control characters: shorten it")
        }
        self.type = type
        self.blob = blob
        self.comment = comment.isEmpty ? nil : comment
    }

    private static func unsupported(_ type: String) -> AuthorizedKeyError {
        switch type {
        case "ssh-rsa", "ssh-dss":
            return .init("\(type) keys are not supported (the SSH server verifies ed25519 and ECDSA signatures): make an ed25519 key with `ssh-keygen -t ed25519` and add its .pub file")
        case _ where type.hasSuffix("-cert-v01@openssh.com"):
            return .init("SSH certificates are not supported: add the plain public key (the .pub file, not -cert.pub)")
        case _ where type.hasPrefix("sk-"):
            return .init("security-key (FIDO) keys are not supported yet: make an ed25519 key with `ssh-keygen -t ed25519`")
        case _ where type.contains("=") || type.contains(","):
            return .init("options before the key (command=, from=, ...) are not supported: give the key line alone, as in the .pub file")
        default:
            let shown = type.count > 40 ? String(type.prefix(40)) + "..." : type
            return .init("'\(shown)' is not a public key type (expected one of \(supportedTypes.joined(separator: ", "))): give a .pub file such as ~/.ssh/id_ed25519.pub")
        }
    }

    /// The first SSH string of a blob (its algorithm name), if well formed.
    private static func leadingString(of blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = blob.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard length <= blob.count - 4 else { return nil }
        return String(decoding: blob[4..<(4 + length)], as: UTF8.self)
    }
}

/// Why a public key was refused: the message says what to give instead.
public struct AuthorizedKeyError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
