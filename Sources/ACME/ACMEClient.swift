import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A client of an ACME server (RFC 8555): Let's Encrypt, a private CA, or pebble in the tests.
///
/// One client is one account key talking to one directory. It keeps the nonces the server
/// hands out and retries a request the server refuses with `badNonce` (section 6.5: servers
/// may reject any nonce; pebble rejects about 5% on purpose). Every request goes through
/// `send`, every signed one through `post`. Call `shutdown()` when done.
public actor ACMEClient {
    public struct Configuration: Sendable {
        /// The directory URL, e.g. `ACMEClient.letsEncryptProduction`.
        public var directoryURL: String
        /// PEM file of the CA that signed the directory's HTTPS certificate, for a private CA
        /// (pebble); nil trusts the system's roots.
        public var caCertificateFile: String?
        /// Put in the account's contact as `mailto:` (the CA writes there about expiring certificates).
        public var contactEmail: String?
        /// How long an authorization or order may stay pending or processing.
        public var pollTimeout: Duration = .seconds(180)
        /// The shortest wait between polls (a server's Retry-After may ask for longer, up to `maxPollInterval`).
        public var minPollInterval: Duration = .milliseconds(500)
        public var maxPollInterval: Duration = .seconds(10)
        /// A request refused with badNonce is sent again with a fresh nonce, this many times in all.
        public var badNonceAttempts = 10
        public var requestTimeout: TimeAmount = .seconds(30)

        public init(directoryURL: String, caCertificateFile: String? = nil, contactEmail: String? = nil) {
            self.directoryURL = directoryURL
            self.caCertificateFile = caCertificateFile
            self.contactEmail = contactEmail
        }
    }

    public static let letsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory"
    public static let letsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"

    public let configuration: Configuration
    public let accountKey: ACMEAccountKey
    let httpClient: HTTPClient
    let logger: Logger

    var cachedDirectory: ACMEDirectory?
    var nonces: [String] = []
    /// The account URL (the `kid` of every request after newAccount).
    public internal(set) var accountURL: String?

    /// - Throws: `ACMEError.invalidArgument` when the CA file cannot be read as PEM certificates.
    public init(configuration: Configuration, accountKey: ACMEAccountKey, logger: Logger) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.caCertificateFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw ACMEError.invalidArgument("the ACME CA certificate file \(file) is not readable as PEM certificates: \(error)")
            }
        }
        guard let url = URL(string: configuration.directoryURL), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ACMEError.invalidArgument("the ACME directory \"\(configuration.directoryURL)\" is not an https URL")
        }
        self.configuration = configuration
        self.accountKey = accountKey
        self.httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(tlsConfiguration: tls, redirectConfiguration: .disallow))
        var logger = logger
        logger[metadataKey: "acme.directory"] = .string(configuration.directoryURL)
        self.logger = logger
    }

    /// Closes the connections. Call once, after the last request.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    deinit {
        // A client dropped without `shutdown()` (a caller that threw first) still closes its
        // connections; after `shutdown()` this only reports "already shut down", ignored here.
        httpClient.shutdown { _ in }
    }

    /// The directory, fetched once.
    public func directory() async throws -> ACMEDirectory {
        if let cachedDirectory { return cachedDirectory }
        let response = try await send(HTTPClientRequest(url: configuration.directoryURL), operation: "reading the directory")
        guard response.isSuccess else { throw response.error(operation: "reading the directory") }
        let directory: ACMEDirectory = try response.decode(operation: "reading the directory")
        cachedDirectory = directory
        return directory
    }

    /// A nonce the server gave in an earlier answer, or a new one from newNonce (section 7.2).
    func nextNonce() async throws -> String {
        if let nonce = nonces.popLast() { return nonce }
        var request = HTTPClientRequest(url: try await directory().newNonce)
        request.method = .HEAD
        let response = try await send(request, operation: "getting a nonce")
        guard response.isSuccess, let nonce = nonces.popLast() else {
            throw ACMEError.invalidAnswer("the newNonce answer carried no Replay-Nonce header", statusCode: response.status)
        }
        return nonce
    }

    /// A signed POST (section 6.2): `payload` JSON, or nil for POST-as-GET (section 6.3).
    /// Signed with the account URL once there is one, with the key itself before.
    func post(_ url: String, payload: Data?, operation: String, accept: String? = nil) async throws -> ACMEResponse {
        let signer: JWS.Signer = accountURL.map { .kid($0) } ?? .jwk(accountKey.jwk)
        var attempt = 1
        while true {
            let jws = try JWS(key: accountKey, signer: signer, nonce: try await nextNonce(), url: url, payload: payload)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/jose+json")
            if let accept { request.headers.add(name: "Accept", value: accept) }
            request.body = .bytes(ByteBuffer(bytes: try jws.encoded()))
            let response = try await send(request, operation: operation)
            if response.isSuccess { return response }
            let error = response.error(operation: operation)
            guard error.isBadNonce, attempt < configuration.badNonceAttempts else { throw error }
            logger.debug("ACME server refused a nonce; sending again with a fresh one", metadata: ["acme.operation": .string(operation)])
            attempt += 1
        }
    }

    /// The one place requests go out. Keeps the answer's nonce for the next signed request.
    func send(_ request: HTTPClientRequest, operation: String) async throws -> ACMEResponse {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: configuration.requestTimeout)
            // ACME answers are small JSON documents or a PEM chain of a few certificates.
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            var message = "cannot reach the ACME server at \(request.url) while \(operation): \(error)"
            if "\(error)".contains("SSL") || "\(error)".contains("certificate") {
                message += " (for a private CA, give the certificate that signed its HTTPS certificate as the ACME CA file)"
            }
            throw ACMEError(kind: .unreachable, message: message)
        }
        if let nonce = response.headers.first(name: "Replay-Nonce"), !nonce.isEmpty {
            nonces.append(nonce)
        }
        return ACMEResponse(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView), url: request.url)
    }
}

/// An answer of the ACME server, read whole.
struct ACMEResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: Data
    let url: String

    var isSuccess: Bool { (200..<300).contains(status) }
    var location: String? { headers.first(name: "Location") }

    func decode<T: Decodable>(operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw ACMEError.invalidAnswer("the answer to \(operation) is not the JSON RFC 8555 describes: \(error)", statusCode: status)
        }
    }

    /// The error for a non-2xx answer, with the server's problem document when it sent one.
    func error(operation: String) -> ACMEError {
        let problem = try? JSONDecoder().decode(ACMEProblem.self, from: body)
        let message = "the ACME server refused \(operation)"
        if problem == nil {
            let text = String(decoding: body.prefix(300), as: UTF8.self)
            return ACMEError(kind: .refused, message: message + (text.isEmpty ? "" : ": " + text), statusCode: status)
        }
        return ACMEError(kind: .refused, message: message, problem: problem, statusCode: status)
    }
}
