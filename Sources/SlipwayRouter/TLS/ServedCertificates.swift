import Atomics
import NIOConcurrencyHelpers
import NIOSSL

/// The certificates the HTTPS listener serves, by host: exact names (`shop.example.com`) and
/// wildcards (`*.apps.example.com`, for names one label below). Replaced as a whole when the
/// certificate store changes; a handshake looks up the name its client asked for (SNI) and gets
/// that host's certificate, or fails: a client never gets another host's certificate.
public final class ServedCertificates: Sendable {
    /// One host's certificate chain (leaf first) and private key, as PEM.
    public struct Entry: Sendable {
        public var host: String
        public var chainPEM: String
        public var keyPEM: String
        public init(host: String, chainPEM: String, keyPEM: String) {
            self.host = host
            self.chainPEM = chainPEM
            self.keyPEM = keyPEM
        }
    }

    /// Parsed once per reload, used by every handshake of the host.
    struct Loaded: Sendable {
        var chain: [NIOSSLCertificateSource]
        var key: NIOSSLPrivateKeySource
        var source: Entry
    }

    private let table = NIOLockedValueBox<[String: Loaded]>([:])
    /// Bumped on every change: connections cache "has a certificate" per host while it is unchanged.
    private let changes = ManagedAtomic<Int>(0)

    public init() {}

    /// Serves exactly `entries` from now on (new handshakes; open connections keep theirs).
    /// An entry BoringSSL cannot load is skipped with its reason in the result, and the host keeps
    /// the certificate it had, if any.
    @discardableResult
    public func replace(with entries: [Entry]) -> [(host: String, error: String)] {
        var loaded: [String: Loaded] = [:]
        var failures: [(host: String, error: String)] = []
        let previous = self.table.withLockedValue { $0 }
        for entry in entries {
            let host = Self.normalized(entry.host)
            if let same = previous[host], same.source.chainPEM == entry.chainPEM, same.source.keyPEM == entry.keyPEM {
                loaded[host] = same
                continue
            }
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(entry.chainPEM.utf8))
                guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                let key = try NIOSSLPrivateKey(bytes: Array(entry.keyPEM.utf8), format: .pem)
                loaded[host] = Loaded(chain: chain.map { .certificate($0) }, key: .privateKey(key), source: entry)
            } catch {
                failures.append((host, "\(error)"))
                if let old = previous[host] { loaded[host] = old }
            }
        }
        self.table.withLockedValue { $0 = loaded }
        self.changes.wrappingIncrement(ordering: .releasing)
        return failures
    }

    /// The hosts served, sorted.
    public var hosts: [String] { self.table.withLockedValue { Array($0.keys) }.sorted() }

    var generation: Int { self.changes.load(ordering: .acquiring) }

    /// The certificate for a server name: the exact host's, else the wildcard one label up.
    func lookup(_ serverName: String) -> Loaded? {
        let name = Self.normalized(serverName)
        return self.table.withLockedValue { table in
            if let exact = table[name] { return exact }
            guard let dot = name.firstIndex(of: "."), !name.hasPrefix("*.") else { return nil }
            return table["*" + name[dot...]]
        }
    }

    /// Whether `host` (a Host header's name, port already removed) has a certificate.
    public func covers(host: String) -> Bool {
        self.lookup(host) != nil
    }

    static func normalized(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }
}
