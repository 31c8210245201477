import Foundation

/// The managed services an app can have beside its replicas (`slipway addons create`).
public enum AddonKind: String, Codable, Sendable, CaseIterable {
    case postgres
    case redis

    public var defaultVersion: String {
        switch self {
        case .postgres: "15"
        case .redis: "7"
        }
    }

    /// Major versions the official images publish and Slipway knows how to run.
    public var supportedVersions: [String] {
        switch self {
        case .postgres: ["13", "14", "15", "16", "17"]
        case .redis: ["6", "7"]
        }
    }

    public var port: Int {
        switch self {
        case .postgres: 5432
        case .redis: 6379
        }
    }

    /// The config key every app gets for its first add-on of this kind.
    public var defaultConfigKey: String {
        switch self {
        case .postgres: "DATABASE_URL"
        case .redis: "REDIS_URL"
        }
    }

    /// Where the image keeps its data (the volume is mounted there).
    public var dataPath: String {
        switch self {
        case .postgres: "/var/lib/postgresql/data"
        case .redis: "/data"
        }
    }

    /// The line the server prints once it accepts connections (its readiness signal).
    public var readyLine: String {
        switch self {
        case .postgres: "database system is ready to accept connections"
        case .redis: "Ready to accept connections"
        }
    }

    /// The official image of `version`, the default unless the server says otherwise.
    public func officialImage(version: String) -> String { "\(rawValue):\(version)" }
}

/// An add-on as the server keeps it: what the engine runs, with the credentials the server made.
/// The password never leaves the server but in the app's (secret) config and the add-on's container.
public struct AddonSpec: Codable, Sendable, Equatable {
    public var app: AppName
    public var name: DNSLabel
    public var kind: AddonKind
    public var version: String
    public var image: String
    public var password: String
    /// Makes the data volume's name unique to this add-on: one created again after a destroy
    /// that kept the old volume starts empty (its new password would not open the old data).
    public var volumeID: String
    /// The config keys the add-on set on the app (e.g. DATABASE_URL, DB_URL).
    public var configKeys: [String]
    public var createdAt: Date

    public init(app: AppName, name: DNSLabel, kind: AddonKind, version: String, image: String, password: String,
                volumeID: String, configKeys: [String], createdAt: Date) {
        (self.app, self.name, self.kind, self.version, self.image, self.password, self.volumeID, self.configKeys, self.createdAt)
            = (app, name, kind, version, image, password, volumeID, configKeys, createdAt)
    }

    /// The user and database a Postgres add-on is made with.
    public static let user = "slipway"

    /// The host name the app's processes reach the add-on at (a network alias on the local
    /// engine, the headless Service on Kubernetes).
    public var host: String { name.value }

    /// The URL the app gets, with the password, or with `***` in its place.
    public func connectionURL(redacted: Bool = false) -> String {
        let secret = redacted ? "***" : password
        switch kind {
        case .postgres: return "postgres://\(Self.user):\(secret)@\(host):\(kind.port)/\(Self.user)"
        case .redis: return "redis://default:\(secret)@\(host):\(kind.port)/0"
        }
    }

    /// Where an add-on's (and its client's) secret files are written into the container before it
    /// starts, owned by the user that reads them, mode 0600. Never in the environment or on a
    /// command line: `inspect` shows both to anyone who can list containers, and /proc/PID/cmdline
    /// shows the command line to every user of the host.
    public static let secretDirectory = "/run/slipway"

    /// The add-on container's secret file: Postgres' password (read by `command` as root), Redis'
    /// configuration with `requirepass`.
    public var secretFile: AddonSecretFile {
        switch kind {
        case .postgres: AddonSecretFile(path: Self.secretDirectory + "/password", contents: password + "\n", owner: "postgres")
        case .redis: AddonSecretFile(path: Self.secretDirectory + "/redis.conf", contents: "requirepass \(password)\nappendonly yes\n", owner: "redis")
        }
    }

    /// The add-on container's environment (the official images' variables); no password.
    public var environment: [String: String] {
        switch kind {
        case .postgres: ["POSTGRES_USER": Self.user, "POSTGRES_DB": Self.user]
        case .redis: [:]
        }
    }

    /// The add-on container's command; nil keeps the image's.
    public var command: [String]? {
        switch kind {
        // A shell (run by the image's entrypoint, which passes commands other than `postgres` on)
        // reads the file into POSTGRES_PASSWORD for the entrypoint's own environment, then runs it
        // as usual: this works with every image that takes POSTGRES_PASSWORD (the official one and
        // setup.sh's stand-in), and the password is on no command line (the line holds `$(cat ...)`).
        case .postgres: ["/bin/sh", "-c", "POSTGRES_PASSWORD=\"$(cat \(secretFile.path))\" exec docker-entrypoint.sh postgres"]
        case .redis: ["redis-server", secretFile.path]
        }
    }

    /// The password file `slipway addons connect` gives its client (read by root, who runs it).
    public var clientSecretFile: AddonSecretFile {
        AddonSecretFile(path: Self.secretDirectory + "/client-password", contents: password, owner: nil)
    }

    /// The client `slipway addons connect` runs, connected to this add-on. A shell puts the
    /// password from `clientSecretFile` into the client's own environment (`PGPASSWORD`,
    /// `REDISCLI_AUTH`): it is then on no command line and in no container configuration.
    public var clientCommand: [String] {
        let password = "$(cat \(clientSecretFile.path))"
        return switch kind {
        case .postgres:
            ["/bin/sh", "-c", "PGPASSWORD=\"\(password)\" exec psql -h \(host) -p \(kind.port) -U \(Self.user) \(Self.user)"]
        case .redis:
            ["/bin/sh", "-c", "REDISCLI_AUTH=\"\(password)\" exec redis-cli -h \(host) -p \(kind.port) --no-auth-warning"]
        }
    }

    /// What the app's config gets.
    public var config: [String: String] {
        Dictionary(configKeys.map { ($0, connectionURL()) }, uniquingKeysWith: { first, _ in first })
    }

    /// A new random password: 32 hex digits, safe in a URL without escaping.
    public static func makePassword() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    public static func makeVolumeID() -> String {
        (0..<3).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// The config key an add-on named `name` gets besides its kind's default: `db` -> `DB_URL`.
    public static func namedConfigKey(_ name: DNSLabel) -> String {
        name.value.uppercased().replacingOccurrences(of: "-", with: "_") + "_URL"
    }
}

/// A file with a secret in it that Slipway writes into an add-on's container before it starts.
public struct AddonSecretFile: Sendable, Equatable {
    /// Absolute path in the container.
    public var path: String
    public var contents: String
    /// The user (by name in the image's /etc/passwd) who owns it; nil or a user the image does
    /// not have: root.
    public var owner: String?

    public init(path: String, contents: String, owner: String?) {
        (self.path, self.contents, self.owner) = (path, contents, owner)
    }
}

/// `POST /v1/apps/{app}/addons`.
public struct AddonRequest: Codable, Sendable {
    public var type: String
    public var name: String?
    public var version: String?

    public init(type: String, name: String? = nil, version: String? = nil) {
        (self.type, self.name, self.version) = (type, name, version)
    }

    /// The kind, name (the kind's name unless given) and version asked for, or a 400 saying what is wrong.
    public func validated() throws -> (kind: AddonKind, name: DNSLabel, version: String) {
        guard let kind = AddonKind(rawValue: type) else {
            throw SlipwayError.invalidRequest("unknown add-on type \"\(type)\"; use one of: \(AddonKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let version = version ?? kind.defaultVersion
        guard kind.supportedVersions.contains(version) else {
            throw SlipwayError.invalidRequest("\(kind.rawValue) version \"\(version)\" is not available; use one of: \(kind.supportedVersions.joined(separator: ", ")) (default \(kind.defaultVersion))")
        }
        let name = try DNSLabel(name ?? kind.rawValue, kind: "add-on name")
        if name.value.count > 40 {
            throw SlipwayError.invalidName("add-on name \"\(name)\" is longer than 40 characters; choose a shorter --name")
        }
        return (kind, name, version)
    }
}

/// One add-on as the API shows it: the connection string with its password replaced by `***`.
public struct AddonView: Codable, Sendable, Equatable {
    public var app: String
    public var name: String
    public var type: String
    public var version: String
    public var image: String
    /// `running`, `starting`, `exited`, `missing`... as the engine sees the add-on's container.
    public var state: String
    /// The data volume (engine volume, or PersistentVolumeClaim on Kubernetes).
    public var volume: String?
    /// Bytes the data takes on disk, when the engine can tell.
    public var sizeBytes: Int64?
    public var configKeys: [String]
    public var connection: String
    public var createdAt: Date

    public init(app: String, name: String, type: String, version: String, image: String, state: String, volume: String?,
                sizeBytes: Int64?, configKeys: [String], connection: String, createdAt: Date) {
        (self.app, self.name, self.type, self.version, self.image, self.state, self.volume, self.sizeBytes, self.configKeys,
         self.connection, self.createdAt) = (app, name, type, version, image, state, volume, sizeBytes, configKeys, connection, createdAt)
    }
}

public struct AddonList: Codable, Sendable {
    public var app: String
    public var addons: [AddonView]
    public init(app: String, addons: [AddonView]) {
        self.app = app
        self.addons = addons
    }
}

/// The answer to `POST /v1/apps/{app}/addons`: the add-on, and the release that gives the app its config.
public struct AddonCreated: Codable, Sendable {
    public var addon: AddonView
    public var traceId: String
    public init(addon: AddonView, traceId: String) {
        self.addon = addon
        self.traceId = traceId
    }
}

/// The answer to `DELETE /v1/apps/{app}/addons/{name}`.
public struct AddonDestroyed: Codable, Sendable {
    public var app: String
    public var name: String
    public var volumesRemoved: [String]
    public var volumesKept: [String]
    /// The release that takes the add-on's keys out of the app's config.
    public var traceId: String?
    public init(app: String, name: String, volumesRemoved: [String], volumesKept: [String], traceId: String?) {
        (self.app, self.name, self.volumesRemoved, self.volumesKept, self.traceId) = (app, name, volumesRemoved, volumesKept, traceId)
    }
}

/// The image each add-on kind and version runs: the official `postgres:VERSION`/`redis:VERSION`
/// unless the server says otherwise (`--addon-image postgres=IMAGE` for the kind's default
/// version, `--addon-image postgres:16=IMAGE` for another one).
public struct AddonImages: Sendable, Equatable {
    private var overrides: [String: String] = [:]

    public init() {}

    /// The defaults with each `TYPE[:VERSION]=IMAGE` assignment applied; the last one wins.
    public init(assignments: [String]) throws {
        for assignment in assignments { try set(assignment) }
    }

    public func image(_ kind: AddonKind, version: String) -> String {
        overrides["\(kind.rawValue):\(version)"] ?? kind.officialImage(version: version)
    }

    public mutating func set(_ assignment: String) throws {
        let example = "e.g. postgres=localhost/slipway-addon-postgres:15"
        guard let equals = assignment.firstIndex(of: "=") else {
            throw SlipwayError.invalidRequest("--addon-image \"\(assignment)\": expected TYPE=IMAGE or TYPE:VERSION=IMAGE, \(example)")
        }
        let key = String(assignment[..<equals])
        let image = String(assignment[assignment.index(after: equals)...])
        let parts = key.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let kind = AddonKind(rawValue: parts[0]), parts.count <= 2 else {
            throw SlipwayError.invalidRequest("--addon-image \"\(assignment)\": unknown add-on type \"\(parts[0])\"; use one of \(AddonKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let version = parts.count == 2 ? parts[1] : kind.defaultVersion
        guard kind.supportedVersions.contains(version) else {
            throw SlipwayError.invalidRequest("--addon-image \"\(assignment)\": \(kind.rawValue) version \"\(version)\" is not available; use one of \(kind.supportedVersions.joined(separator: ", "))")
        }
        guard !image.isEmpty, image.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-/:@".contains($0)) }) else {
            throw SlipwayError.invalidRequest("--addon-image \"\(assignment)\": \"\(image)\" is not an image reference, \(example)")
        }
        overrides["\(kind.rawValue):\(version)"] = image
    }
}
