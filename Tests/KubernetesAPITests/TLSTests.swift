import Foundation
import KubernetesAPI
import KubernetesResources
import NIOCore
import NIOHTTP1
import NIOSSL
import SlipwayTestSupport
import Testing

/// A CA, a server certificate (by default for 127.0.0.1 and kubernetes.test) and a client
/// certificate for "alice", made with the openssl CLI.
struct TestPKI {
    let directory: String

    static func make(in directory: String, serverNames: String = "DNS:kubernetes.test,IP:127.0.0.1") async throws -> TestPKI {
        let openssl = "/usr/bin/openssl"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Tools.run(openssl, ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=slipway-test-ca"], currentDirectory: URL(fileURLWithPath: directory))
        try write("subjectAltName=\(serverNames)\nextendedKeyUsage=serverAuth\n", to: "\(directory)/server.ext")
        try write("extendedKeyUsage=clientAuth\n", to: "\(directory)/client.ext")
        for (name, subject) in [("server", "/CN=kube-apiserver"), ("client", "/CN=alice/O=system:masters")] {
            try await Tools.run(openssl, ["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject], currentDirectory: URL(fileURLWithPath: directory))
            try await Tools.run(openssl, [
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext",
            ], currentDirectory: URL(fileURLWithPath: directory))
        }
        return TestPKI(directory: directory)
    }

    func pem(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
    }

    /// A server that requires a client certificate signed by the CA.
    func mutualTLSServer() async throws -> ScriptedServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(pem("server.crt")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: pem("server.key"), format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem("ca.crt")))
        return try await ScriptedServer(tls: tls)
    }
}

@Suite struct TLSTests {
    func kubeconfig(server: ScriptedServer, pki: TestPKI, cluster: String, user: String) throws -> KubernetesClient.Configuration {
        let path = "\(pki.directory)/kubeconfig"
        try write("""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters: [{name: test, cluster: {server: "https://127.0.0.1:\(server.port)", \(cluster)}}]
            users: [{name: alice, user: {\(user)}}]
            contexts: [{name: test, context: {cluster: test, user: alice, namespace: slipway-shop}}]
            """, to: path)
        var configuration = try Kubeconfig.load(path: path).configuration()
        configuration.connectTimeout = .seconds(2)
        return configuration
    }

    /// Does `get` through a client with `configuration`; returns the error, if any.
    func attempt(_ configuration: KubernetesClient.Configuration, server: ScriptedServer) async throws -> KubernetesAPIError? {
        server.script(.json(.ok, #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"slipway-shop"}}"#))
        let client = try KubernetesClient(configuration: configuration, logger: testLogger)
        var failure: KubernetesAPIError?
        do {
            let namespace = try await client.get(.namespace, name: "slipway-shop")
            #expect(namespace?.metadataName == "slipway-shop")
        } catch let error as KubernetesAPIError {
            failure = error
        }
        try await client.shutdown()
        return failure
    }

    let clientCertificate = "client-certificate-data: %CERT%, client-key-data: %KEY%"

    func user(_ pki: TestPKI) throws -> String {
        clientCertificate
            .replacingOccurrences(of: "%CERT%", with: Data(try pki.pem("client.crt")).base64EncodedString())
            .replacingOccurrences(of: "%KEY%", with: Data(try pki.pem("client.key")).base64EncodedString())
    }

    @Test func clientCertificateAndCustomCA() async throws {
        try await withTemporaryDirectory { dir in
            let pki = try await TestPKI.make(in: dir)
            let server = try await pki.mutualTLSServer()
            // certificate-authority as a path relative to the kubeconfig's directory.
            let configuration = try kubeconfig(server: server, pki: pki, cluster: "certificate-authority: ca.crt", user: user(pki))
            let error = try await attempt(configuration, server: server)
            #expect(error == nil)
            #expect(server.requests.count == 1)
            #expect(server.requests.first?.header("Authorization") == nil)
            try await server.stop()
        }
    }

    @Test func serverRefusesAClientWithoutCertificate() async throws {
        try await withTemporaryDirectory { dir in
            let pki = try await TestPKI.make(in: dir)
            let server = try await pki.mutualTLSServer()
            let caData = Data(try pki.pem("ca.crt")).base64EncodedString()
            let configuration = try kubeconfig(server: server, pki: pki, cluster: "certificate-authority-data: \(caData)", user: "token: abc")
            let error = try await attempt(configuration, server: server)
            #expect(error?.kind == .tls)
            #expect(error?.description.contains("127.0.0.1:\(server.port)") == true)
            #expect(server.requests.isEmpty)
            try await server.stop()
        }
    }

    @Test func untrustedServerCertificateIsATLSError() async throws {
        try await withTemporaryDirectory { dir in
            let pki = try await TestPKI.make(in: dir)
            let server = try await pki.mutualTLSServer()
            let configuration = try kubeconfig(server: server, pki: pki, cluster: "insecure-skip-tls-verify: false", user: user(pki))
            let error = try await attempt(configuration, server: server)
            #expect(error?.kind == .tls)
            #expect(error?.description.contains("certificate-authority") == true)
            try await server.stop()
        }
    }

    @Test func insecureSkipTLSVerify() async throws {
        try await withTemporaryDirectory { dir in
            let pki = try await TestPKI.make(in: dir)
            let server = try await pki.mutualTLSServer()
            let configuration = try kubeconfig(server: server, pki: pki, cluster: "insecure-skip-tls-verify: true", user: user(pki))
            #expect(try await attempt(configuration, server: server) == nil)
            try await server.stop()
        }
    }

    /// The certificate is checked against tls-server-name, and against the URL's host without
    /// it. This certificate names only kubernetes.test: NIOSSL (RFC 6125) also accepts a
    /// certificate whose IP address entry matches the address connected to, whatever name was
    /// expected, so a certificate that also named 127.0.0.1 would pass every case below.
    @Test func tlsServerNameIsWhatTheCertificateIsCheckedAgainst() async throws {
        try await withTemporaryDirectory { dir in
            let pki = try await TestPKI.make(in: dir, serverNames: "DNS:kubernetes.test")
            let server = try await pki.mutualTLSServer()
            let good = try kubeconfig(server: server, pki: pki, cluster: "certificate-authority: ca.crt, tls-server-name: kubernetes.test", user: user(pki))
            #expect(try await attempt(good, server: server) == nil)
            #expect(server.requests.count == 1)

            let wrong = try kubeconfig(server: server, pki: pki, cluster: "certificate-authority: ca.crt, tls-server-name: other.test", user: user(pki))
            let wrongError = try await attempt(wrong, server: server)
            #expect(wrongError?.kind == .tls, "\(String(describing: wrongError))")
            #expect(wrongError?.description.contains("other.test") == true, "the message names the name that was not found")

            var byAddress = try kubeconfig(server: server, pki: pki, cluster: "certificate-authority: ca.crt", user: user(pki))
            byAddress.server = "https://localhost:\(server.port)"
            let byAddressError = try await attempt(byAddress, server: server)
            #expect(byAddressError?.kind == .tls, "\(String(describing: byAddressError))")
            #expect(server.requests.count == 1, "no request may reach a server whose certificate does not match")
            try await server.stop()
        }
    }
}
