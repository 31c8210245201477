import Foundation

/// A private certificate authority made with the real `openssl` command, and leaf certificates it
/// signs: what the certificate store and the router's TLS tests use. Everything lives in a
/// temporary folder, removed by `remove()`.
public final class TestPKI: Sendable {
    public let directory: URL
    /// The CA's certificate: clients trust this (curl --cacert, AsyncHTTPClient's trust roots).
    public let caCertificate: URL
    private let caKey: URL

    public init(name: String = "Slipway Test CA") throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        self.caCertificate = self.directory.appendingPathComponent("ca.pem")
        self.caKey = self.directory.appendingPathComponent("ca.key")
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", self.caKey.path, "-out", self.caCertificate.path, "-days", "30", "-subj", "/CN=\(name)"])
    }

    /// A leaf certificate file and its key file.
    public struct Leaf: Sendable {
        public var certificate: URL
        public var key: URL
        public var certificatePEM: String { (try? String(contentsOf: certificate, encoding: .utf8)) ?? "" }
        public var keyPEM: String { (try? String(contentsOf: key, encoding: .utf8)) ?? "" }
    }

    /// A leaf for `names` (subjectAltName DNS entries; `*.x.y` allowed) signed by the CA.
    /// `days: -1` makes one that has already expired. `rsa` makes an RSA key instead of P-256.
    public func leaf(_ names: [String], days: Int = 10, rsa: Bool = false) throws -> Leaf {
        let id = UUID().uuidString.prefix(8)
        let key = self.directory.appendingPathComponent("leaf-\(id).key")
        let csr = self.directory.appendingPathComponent("leaf-\(id).csr")
        let certificate = self.directory.appendingPathComponent("leaf-\(id).pem")
        let extensions = self.directory.appendingPathComponent("leaf-\(id).ext")
        let keyOptions = rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        try Self.openssl(["req", "-new"] + keyOptions + ["-nodes", "-keyout", key.path, "-out", csr.path, "-subj", "/CN=\(names.first ?? "none")"])
        let san = names.map { "DNS:\($0)" }.joined(separator: ",")
        try Data("subjectAltName=\(san)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8).write(to: extensions)
        try Self.openssl(["x509", "-req", "-in", csr.path, "-CA", self.caCertificate.path, "-CAkey", self.caKey.path,
                          "-CAcreateserial", "-days", String(days), "-extfile", extensions.path, "-out", certificate.path])
        return Leaf(certificate: certificate, key: key)
    }

    /// A file in the PKI's folder with `text` in it (for hostile-input tests).
    public func file(_ name: String, _ text: String) throws -> URL {
        let url = self.directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    public func remove() {
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Runs openssl to its end; throws with its output when it fails.
    public static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestPKIError(description: "openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: data, as: UTF8.self))")
        }
    }
}

public struct TestPKIError: Error, CustomStringConvertible {
    public var description: String
}
