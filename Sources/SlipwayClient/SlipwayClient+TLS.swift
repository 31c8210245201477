import AsyncHTTPClient
import Foundation
import NIOSSL
import SlipwayCore

/// HTTPS to a server whose certificate a private CA signed (`--ca-file`, `SLIPWAY_CA_FILE`, or
/// `ca-file:` in ~/.slipway/config): that CA is trusted besides the system's roots.
extension SlipwayClient {
    /// The client TLS settings trusting the PEM CA certificates in `caFile` too.
    public static func tlsConfiguration(trusting caFile: String) throws -> TLSConfiguration {
        guard FileManager.default.isReadableFile(atPath: caFile) else {
            throw SlipwayError.invalidRequest("the CA file \(caFile) does not exist or cannot be read; give the PEM certificate of the CA that signed the server's certificate (--ca-file, SLIPWAY_CA_FILE or ca-file in ~/.slipway/config)")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw SlipwayError.invalidRequest("the CA file \(caFile) holds no readable PEM certificate (\(error)); give the CA's certificate in PEM (-----BEGIN CERTIFICATE-----)")
        }
        guard !certificates.isEmpty else {
            throw SlipwayError.invalidRequest("the CA file \(caFile) holds no PEM certificate; give the CA's certificate in PEM (-----BEGIN CERTIFICATE-----)")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(certificates)]
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// What a TLS failure means for the user, or nil when `error` is not one.
    static func tlsFailure(_ error: any Error, server: String) -> SlipwayError? {
        guard error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError else { return nil }
        let text = String(describing: error)
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return SlipwayError(code: "tls_failed", message: "the server at \(server) does not speak TLS (\(text)); is it a plain http:// server? Use http:// or start it with --tls-cert/--tls-key", httpStatus: 502)
        }
        return SlipwayError(code: "tls_failed", message: "the server at \(server) could not be verified over TLS (\(text)); if a private CA signed its certificate, pass --ca-file CA.pem (or set SLIPWAY_CA_FILE, or ca-file in ~/.slipway/config), and call it by a name or address its certificate lists", httpStatus: 502)
    }
}
