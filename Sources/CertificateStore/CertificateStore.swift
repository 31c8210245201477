import CoreFoundation
import Foundation
import Glibc
#if canImport(Glibc)
#endif

/// Certificates and keys in the data directory: `certs/HOST/cert.pem` (the chain, leaf first),
/// `certs/HOST/key.pem` (mode 0600) and `certs/HOST/meta.json` (source, when added).
///
/// A host's files are replaced as a whole: they are written and synced in a private staging
/// folder (mode 0700) and the folder is renamed into place, so a reader never finds a new
/// certificate beside an old key, and a crash mid-write leaves the old pair (see `recover`).
/// Used by the API (`slipway certs add`) and by the ACME client; the router reloads what it finds
/// here when `changeToken` changes.
public struct CertificateStore: Sendable {
    public let directory: URL

    static let certificateFile = "cert.pem"
    static let keyFile = "key.pem"
    static let metadataFile = "meta.json"

    /// `directory` is the store itself (`DATA/certs`), made on first write.
    public init(directory: URL) {
        self.directory = directory
    }

    /// Checks the PEM texts (see `CertificateBundle`) and stores them for `host`, replacing any
    /// certificate it had. Nothing is written if a check fails.
    @discardableResult
    public func add(host: String, certificatePEM: String, keyPEM: String, source: CertificateSource,
                    now: Date = Date()) throws -> StoredCertificate {
        let bundle = try CertificateBundle(host: try CertificateHost(host), certificatePEM: certificatePEM, keyPEM: keyPEM, now: now)
        return try self.store(bundle, source: source, now: now)
    }

    /// Stores a checked bundle, replacing the host's previous files as a whole.
    @discardableResult
    public func store(_ bundle: CertificateBundle, source: CertificateSource, now: Date = Date()) throws -> StoredCertificate {
        let record = StoredCertificate(bundle: bundle, source: source, addedAt: now)
        try self.makePrivateDirectory(self.directory, withParents: true)
        let token = UUID().uuidString.lowercased()
        let staging = self.directory.appendingPathComponent(".staging-\(token)")
        do {
            try self.makePrivateDirectory(staging)
            try Self.write(Data(bundle.certificatePEM.utf8), to: staging.appendingPathComponent(Self.certificateFile), mode: 0o644)
            try Self.write(Data(bundle.keyPEM.utf8), to: staging.appendingPathComponent(Self.keyFile), mode: 0o600)
            try Self.write(try Self.encoder.encode(Metadata(source: source, addedAt: now)),
                           to: staging.appendingPathComponent(Self.metadataFile), mode: 0o644)
            try Self.syncDirectory(staging)
            let final = self.folder(bundle.host)
            let old = self.directory.appendingPathComponent(".old-\(bundle.host.name)-\(token)")
            let hadOne = FileManager.default.fileExists(atPath: final.path)
            if hadOne { try Self.rename(final, to: old) }
            try Self.rename(staging, to: final)
            try Self.syncDirectory(self.directory)
            if hadOne { try? FileManager.default.removeItem(at: old) }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        return record
    }

    /// Every stored host, sorted, each with its checked certificate or the reason it is unusable.
    public func entries() -> [CertificateEntry] {
        self.hostFolders().map { name in
            CertificateEntry(host: name, result: Result { try self.load(name) }.mapError {
                $0 as? CertificateStoreError ?? .storage("\(name): \($0)")
            })
        }
    }

    /// The host's stored certificate, nil if there is none.
    public func certificate(for host: CertificateHost) throws -> LoadedCertificate? {
        guard FileManager.default.fileExists(atPath: self.folder(host).path) else { return nil }
        return try self.load(host.name)
    }

    /// Removes the host's certificate and key; throws `notFound` if it has none.
    public func remove(host: CertificateHost) throws {
        let folder = self.folder(host)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw CertificateStoreError.notFound("no certificate is stored for \(host); `slipway certs` lists them")
        }
        // Renamed away first, so readers never see a folder with some files gone.
        let doomed = self.directory.appendingPathComponent(".removed-\(host.name)-\(UUID().uuidString.lowercased())")
        try Self.rename(folder, to: doomed)
        try? FileManager.default.removeItem(at: doomed)
    }

    /// Changes whenever a host's certificate is added, replaced or removed: each host folder's
    /// identity (replacing one renames a new folder into place, with a new inode).
    public func changeToken() -> String {
        self.hostFolders().map { name -> String in
            var info = stat()
            guard stat(self.directory.appendingPathComponent(name).path, &info) == 0 else { return name }
            return "\(name):\(info.st_ino):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }.joined(separator: "\n")
    }

    /// After a crash: a host whose folder was renamed away for a replacement that never landed
    /// gets its old folder back; staging folders and removed folders go.
    public func recover() {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: self.directory.path) else { return }
        for name in names where name.hasPrefix(".") {
            let url = self.directory.appendingPathComponent(name)
            if name.hasPrefix(".old-"), let host = Self.hostOfOldFolder(name),
               !fileManager.fileExists(atPath: self.directory.appendingPathComponent(host).path) {
                try? Self.rename(url, to: self.directory.appendingPathComponent(host))
            } else if name.hasPrefix(".staging-") || name.hasPrefix(".old-") || name.hasPrefix(".removed-") {
                try? fileManager.removeItem(at: url)
            }
        }
    }

    // MARK: Internals

    struct Metadata: Codable {
        var source: CertificateSource
        var addedAt: Date
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    func folder(_ host: CertificateHost) -> URL {
        self.directory.appendingPathComponent(host.name)
    }

    private func hostFolders() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    private func load(_ name: String) throws -> LoadedCertificate {
        let host = try CertificateHost(name)
        let folder = self.folder(host)
        let certificatePEM = try Self.read(folder.appendingPathComponent(Self.certificateFile))
        let keyPEM = try Self.read(folder.appendingPathComponent(Self.keyFile))
        let metadata = (try? Self.decoder.decode(Metadata.self, from: Data(Self.read(folder.appendingPathComponent(Self.metadataFile)).utf8)))
            ?? Metadata(source: .manual, addedAt: Date(timeIntervalSince1970: 0))
        // Checked again (but not against the clock: an expired certificate keeps serving until replaced).
        let bundle = try CertificateBundle(host: host, certificatePEM: certificatePEM, keyPEM: keyPEM, now: nil)
        return LoadedCertificate(record: StoredCertificate(bundle: bundle, source: metadata.source, addedAt: metadata.addedAt), bundle: bundle)
    }

    private static func hostOfOldFolder(_ name: String) -> String? {
        // ".old-HOST-UUID": the UUID is the last 36 characters.
        let body = name.dropFirst(".old-".count)
        guard body.count > 37 else { return nil }
        return String(body.dropLast(37))
    }

    private func makePrivateDirectory(_ url: URL, withParents: Bool = false) throws {
        if withParents {
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        if mkdir(url.path, 0o700) != 0 && errno != EEXIST {
            throw CertificateStoreError.storage("cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    private static func read(_ url: URL) throws -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw CertificateStoreError.storage("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Creates the file with `mode` from the start (a key is never readable by others, not even
    /// for a moment), writes it whole and syncs it to disk.
    private static func write(_ data: Data, to url: URL, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw storageError("cannot create", url) }
        defer { close(fd) }
        _ = fchmod(fd, mode)  // the umask may have taken bits away from a public file
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, data.count - offset) }
            guard written > 0 else {
                if written < 0 && errno == EINTR { continue }
                throw storageError("cannot write", url)
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw storageError("cannot sync", url) }
    }

    private static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw storageError("cannot open", url) }
        defer { close(fd) }
        _ = fsync(fd)
    }

    private static func rename(_ from: URL, to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else { throw storageError("cannot rename \(from.lastPathComponent) to", to) }
    }

    private static func storageError(_ what: String, _ url: URL) -> CertificateStoreError {
        .storage("\(what) \(url.path): \(String(cString: strerror(errno)))")
    }
}
