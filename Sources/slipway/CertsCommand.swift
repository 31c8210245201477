import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

/// `slipway certs`: the TLS certificates the router serves; `add` and `remove` manage own ones.
struct Certs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the TLS certificates the router serves: host, issuer, expiry, source, next renewal.",
        subcommands: [List.self, Add.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored certificates (the default).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let list = try await global.withClient { try await $0.certificates() }
            if global.json { try Output.json(list) } else { Output.line(Reports.certificates(list)) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve your own certificate for a host (replaces the one it has).",
            discussion: """
            The server checks that both files are PEM, that the key is the certificate's, that the certificate
            covers HOST (a wildcard *.example.com covers one label) and that it has not expired; nothing is
            stored otherwise. The key is kept with mode 0600 in the server's data directory.
            """)
        @Argument(help: "The host name, e.g. shop.example.com or *.apps.example.com.") var host: String
        @Option(help: "PEM file with the certificate, then any intermediates.") var cert: String
        @Option(help: "PEM file with its unencrypted private key.") var key: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let certificatePEM = try Self.read(cert, what: "certificate")
            let keyPEM = try Self.read(key, what: "key")
            let view = try await global.withClient { try await $0.addCertificate(host: host, certificatePEM: certificatePEM, keyPEM: keyPEM) }
            if global.json { try Output.json(view) } else { Output.line(Reports.certificateAdded(view)) }
        }

        /// A PEM file from this machine (at most 1 MiB: a chain is a few KiB).
        static func read(_ path: String, what: String) throws -> String {
            let url = URL(fileURLWithPath: path)
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            guard let size = attributes?[.size] as? Int else { throw SlipwayError.invalidRequest("cannot read the \(what) file \(path): no such file") }
            guard size <= 1 << 20 else { throw SlipwayError.invalidRequest("the \(what) file \(path) is \(size) bytes: not a PEM \(what)") }
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                throw SlipwayError.invalidRequest("cannot read the \(what) file \(path) as text (PEM); convert DER with openssl")
            }
            return text
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop serving a host's certificate and delete it (and its key).")
        @Argument(help: "The host name as `slipway certs` lists it.") var host: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let result = try await global.withClient { try await $0.removeCertificate(host: host) }
            if global.json { try Output.json(result) } else { Output.line("removed the certificate for \(result.host)") }
        }
    }
}
