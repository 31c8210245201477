import Crypto
import Foundation

/// An ed25519 deploy key made on the server: the private half in OpenSSH's own format
/// (`openssh-key-v1`, unencrypted, as `ssh-keygen -t ed25519 -N ''` writes it), which ssh reads
/// from a 0600 file for one clone; the public half as one `authorized_keys` line for the forge.
struct DeployKey {
    var privateKey: String
    var publicKey: String

    static func generate(comment: String) -> DeployKey {
        let key = Curve25519.Signing.PrivateKey()
        let publicBytes = [UInt8](key.publicKey.rawRepresentation)
        let publicBlob = string("ssh-ed25519") + string(publicBytes)

        // The private section: a random check number twice, the key (seed then public half), the comment, padding.
        let check = UInt32.random(in: .min ... .max)
        var section = uint32(check) + uint32(check) + string("ssh-ed25519") + string(publicBytes)
            + string([UInt8](key.rawRepresentation) + publicBytes) + string(comment)
        var pad: UInt8 = 1
        while section.count % 8 != 0 { section.append(pad); pad += 1 }

        let body = Array("openssh-key-v1".utf8) + [0] + string("none") + string("none") + string([UInt8]())
            + uint32(1) + string(publicBlob) + string(section)
        let base64 = Data(body).base64EncodedString()
        var lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"]
        var rest = Substring(base64)
        while !rest.isEmpty { lines.append(String(rest.prefix(70))); rest = rest.dropFirst(70) }
        lines.append("-----END OPENSSH PRIVATE KEY-----")
        return DeployKey(privateKey: lines.joined(separator: "\n") + "\n",
                         publicKey: "ssh-ed25519 \(Data(publicBlob).base64EncodedString()) \(comment)")
    }

    private static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    private static func string(_ bytes: [UInt8]) -> [UInt8] { uint32(UInt32(bytes.count)) + bytes }
    private static func string(_ text: String) -> [UInt8] { string(Array(text.utf8)) }
}
