import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import OCIRegistry
import SlipwayTestSupport
import TestPorts

/// A real Bearer token endpoint for the CNCF registry's `auth.token` mode: it checks Basic
/// credentials and issues ES256 JWTs whose `x5c` certificate is the registry's
/// `rootcertbundle`, granting whatever scope was asked. Counts the tokens it issued, so
/// tests can see the client cache them.
final class TokenServer: Sendable {
    static let service = "slipway-test-registry"
    static let issuer = "slipway-test-issuer"

    let realm: String
    let certificateFile: URL
    let issued: TokenCounter
    private let task: Task<Void, any Error>

    private init(realm: String, certificateFile: URL, issued: TokenCounter, task: Task<Void, any Error>) {
        self.realm = realm
        self.certificateFile = certificateFile
        self.issued = issued
        self.task = task
    }

    static func start(directory: URL, credentials: RegistryCredentials) async throws -> TokenServer {
        let openssl = try Tools.require("openssl", package: "openssl")
        let keyFile = directory.appendingPathComponent("token.key")
        let certificateFile = directory.appendingPathComponent("token.crt")
        try await Tools.run(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyFile.path, "-out", certificateFile.path, "-days", "1", "-subj", "/CN=slipway-test-token",
        ])
        let key = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOf: keyFile, encoding: .utf8))
        // x5c carries the certificate's DER in standard base64: the PEM body without its lines.
        let certificate = try String(contentsOf: certificateFile, encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let signer = TokenSigner(key: key, certificateBase64: certificate)
        let expectedAuthorization = "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
        let issued = TokenCounter()

        let router = Router()
        router.get("token") { request, _ -> Response in
            guard request.headers[.authorization] == expectedAuthorization else {
                return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: #"{"details":"invalid credentials"}"#)))
            }
            let scopes = request.uri.queryParameters.getAll("scope")
            let token = try signer.token(service: request.uri.queryParameters.get("service") ?? service, scopes: scopes)
            await issued.increment(scopes: scopes)
            let body = try JSONSerialization.data(withJSONObject: ["token": token, "expires_in": 300])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: body)))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "OCIRegistryTests.TokenServer")
        logger.logLevel = .critical  // cancelling the server at the end logs an error
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: try TestPorts.next())),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let task = Task {
            defer { portContinuation.finish() }  // a server that fails to start ends the wait
            try await app.run()
        }
        var port: Int?
        for await value in ports { port = value }
        guard let port, port > 0 else {
            task.cancel()
            throw TestFailure("the token server did not start")
        }
        return TokenServer(
            realm: "http://127.0.0.1:\(port)/token", certificateFile: certificateFile, issued: issued, task: task
        )
    }

    func stop() async throws {
        task.cancel()
        _ = await task.result
    }
}

/// Tokens issued, per requested scope (parallel tests ask for other scopes meanwhile).
actor TokenCounter {
    private var counts: [String: Int] = [:]
    func increment(scopes: [String]) { counts[scopes.joined(separator: " "), default: 0] += 1 }
    func count(scope: String) -> Int { counts[scope, default: 0] }
}

/// Makes the JWTs the CNCF registry accepts (docs: "Token Authentication Implementation").
struct TokenSigner: Sendable {
    let key: P256.Signing.PrivateKey
    let certificateBase64: String

    func token(service: String, scopes: [String]) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let access: [[String: Any]] = scopes.compactMap { scope in
            // "repository:NAME:pull,push"
            let parts = scope.split(separator: ":")
            guard parts.count >= 3 else { return nil }
            return [
                "type": String(parts[0]),
                "name": parts[1..<(parts.count - 1)].joined(separator: ":"),
                "actions": parts[parts.count - 1].split(separator: ",").map(String.init),
            ]
        }
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "x5c": [certificateBase64]]
        let claims: [String: Any] = [
            "iss": TokenServer.issuer, "sub": "slipway-test", "aud": service,
            "iat": now, "nbf": now - 10, "exp": now + 300, "jti": UUID().uuidString, "access": access,
        ]
        let signingInput = try Self.base64URL(JSONSerialization.data(withJSONObject: header))
            + "." + Self.base64URL(JSONSerialization.data(withJSONObject: claims))
        let signature = try key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
