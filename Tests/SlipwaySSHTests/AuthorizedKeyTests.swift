import Commands
import Foundation
import Testing
@testable import SlipwaySSH

/// Public keys as users hand them in: what ssh-keygen makes is read with the fingerprint it shows;
/// everything else is refused with what to give instead.
@Suite struct AuthorizedKeyTests {
    /// A key made by the real ssh-keygen: (public key file text, private key file text, `ssh-keygen -l` fingerprint).
    static func keygen(_ type: String, bits: String? = nil) async throws -> (public: String, private: String, fingerprint: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-keygen-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("key").path
        try await Command("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "alice@laptop", "-f", file] + (bits.map { ["-b", $0] } ?? [])).runChecked()
        let listed = try await Command("ssh-keygen", ["-l", "-E", "sha256", "-f", file + ".pub"]).runChecked()
        let fingerprint = String(listed.standardOutput.split(separator: " ")[1])
        return (try String(contentsOfFile: file + ".pub", encoding: .utf8), try String(contentsOfFile: file, encoding: .utf8), fingerprint)
    }

    @Test(arguments: [("ed25519", nil), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521")] as [(String, String?)])
    func readsWhatSSHKeygenMakes(type: String, bits: String?) async throws {
        let made = try await Self.keygen(type, bits: bits)
        let key = try AuthorizedKey(fileText: made.public)
        #expect(key.fingerprint == made.fingerprint)
        #expect(key.comment == "alice@laptop")
        #expect(made.public.hasPrefix(key.openSSH + " "))
    }

    @Test func refusesWhatIsNotOnePublicKey() async throws {
        let ed25519 = try await Self.keygen("ed25519")
        let rsa = try await Self.keygen("rsa", bits: "2048")
        let fields = ed25519.public.split(separator: " ").map(String.init)
        var tampered = Array(Data(base64Encoded: fields[1])!)
        tampered.append(0)
        let cases: [(String, String)] = [
            ("", "no key found"),
            (ed25519.private, "private key"),
            (rsa.public, "ssh-rsa keys are not supported"),
            (ed25519.public + ed25519.public, "add one key at a time"),
            ("command=\"/bin/sh\" " + ed25519.public, "options before the key"),
            ("ssh-ed25519-cert-v01@openssh.com AAAA", "certificates are not supported"),
            ("ssh-ed25519 !!!notbase64", "base64"),
            ("ssh-ed25519 " + Data(tampered).base64EncodedString(), "bytes after the key"),
            ("ecdsa-sha2-nistp256 " + fields[1], "not a ecdsa-sha2-nistp256 key"),
            ("hello world", "is not a public key type"),
            (fields[0] + " " + fields[1] + " evil\u{1b}[2J", "control characters"),
            (String(repeating: "a", count: 20_000), "larger than"),
        ]
        for (text, expected) in cases {
            #expect {
                try AuthorizedKey(fileText: text)
            } throws: { error in
                (error as? AuthorizedKeyError)?.message.contains(expected) == true
            }
        }
    }
}

/// The host key: made once with mode 0600, the same key on every load; a damaged or exposed file
/// stops the start instead of being replaced.
@Suite struct SSHHostKeyTests {
    @Test func madeOnceAndKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-hostkey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ssh/host_ed25519_key")
        let first = try SSHHostKey.loadOrCreate(at: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let again = try SSHHostKey.loadOrCreate(at: path)
        #expect(again.publicKey == first.publicKey)
        #expect(first.knownHostsLine(host: "shop.example", port: 2222) == "[shop.example]:2222 \(first.publicKey.openSSH)")
        #expect(first.knownHostsLine(host: "shop.example", port: 22) == "shop.example \(first.publicKey.openSSH)")
    }

    @Test func damagedOrExposedFileStopsTheStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-hostkey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("host_ed25519_key")
        _ = try SSHHostKey.loadOrCreate(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path.path)
        #expect { try SSHHostKey.loadOrCreate(at: path) } throws: { "\($0)".contains("readable by other users") }
        try "# header\nnot a key\n".write(to: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path.path)
        #expect { try SSHHostKey.loadOrCreate(at: path) } throws: { "\($0)".contains("damaged") }
        #expect(try String(contentsOf: path, encoding: .utf8) == "# header\nnot a key\n", "the damaged file was left as it was")
    }
}
