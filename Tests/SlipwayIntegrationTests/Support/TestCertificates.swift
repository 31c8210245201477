import Foundation
import SlipwayTestSupport

/// A private CA and a server certificate it signed (for 127.0.0.1 and localhost), made with the
/// real openssl in a temporary directory: what an operator makes for `slipway server --tls-cert`.
struct TestCertificates {
    let directory: URL
    var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    /// A CA the server's certificate does not come from (a client trusting only it must refuse).
    var otherCACertificate: String { directory.appendingPathComponent("other-ca.pem").path }

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-tls-\(UUID().uuidString.prefix(8))")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        for (name, subject) in [("ca", "Slipway Test CA"), ("other-ca", "Someone Else's CA")] {
            try await Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                         "-days", "2", "-subj", "/CN=\(subject)"])
        }
        try await Self.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try await Self.openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
                     "-out", path("server.pem"), "-days", "2", "-extfile", path("server.ext")])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path("server.key"))
    }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/openssl"), arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? "") failed: \(result.output)") }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
