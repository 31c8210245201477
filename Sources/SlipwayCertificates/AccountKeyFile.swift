import ACME
import Foundation

/// The ACME account key in the data directory (`DATA/acme/account-key.pem`, mode 0600): made on
/// first use, kept so that every later order is made by the same account.
public enum AccountKeyFile {
    public static func loadOrCreate(at file: URL) throws -> ACMEAccountKey {
        if let pem = try? String(contentsOf: file, encoding: .utf8) {
            return try ACMEAccountKey(pemRepresentation: pem)
        }
        let key = ACMEAccountKey()
        let folder = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Written 0600 from creation under a temporary name, then renamed: a crash never leaves
        // a readable or half-written key.
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CertificateRenewalError("cannot write the ACME account key to \(temporary.path)")
        }
        do {
            try FileManager.default.moveItem(at: temporary, to: file)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CertificateRenewalError("cannot put the ACME account key in place at \(file.path): \(error)")
        }
        return key
    }
}

public struct CertificateRenewalError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
