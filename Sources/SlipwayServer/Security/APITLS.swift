import Foundation
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL

/// `--tls-cert FILE --tls-key FILE`: the API (and its WebSockets) over HTTPS. Both files are PEM;
/// the certificate file may hold the chain (server certificate first). They are read and checked
/// at start, so a wrong path, a key that does not match or an unreadable file stops the server
/// with the reason instead of failing every handshake later.
public struct APITLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }

    /// The TLS configuration the API listens with (TLS 1.2 or newer).
    func serverConfiguration(logger: Logger) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw ServerStartupError("--tls-cert \(certificate): cannot read a PEM certificate from it (\(error)); give the server's certificate (and its chain) in PEM")
        }
        guard !chain.isEmpty else {
            throw ServerStartupError("--tls-cert \(certificate) holds no PEM certificate; give the server's certificate (and its chain) in PEM")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw ServerStartupError("--tls-key \(key): cannot read a PEM private key from it (\(error)); give the certificate's unencrypted private key in PEM")
        }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            logger.warning("the TLS private key \(key) can be read by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(key)`")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Building a context checks that the key belongs to the certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerStartupError("--tls-cert \(certificate) and --tls-key \(key) do not make a usable TLS identity (\(error)); check that the key is the certificate's")
        }
        return configuration
    }

    /// The API's server: `base` as is, or wrapped in TLS.
    static func server(_ base: HTTPServerBuilder, tls: TLSConfiguration?) throws -> HTTPServerBuilder {
        guard let tls else { return base }
        return try .tls(base, tlsConfiguration: tls)
    }
}
