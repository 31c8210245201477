import Foundation

/// The forges whose webhooks Slipway verifies, each as it documents its deliveries.
public enum Forge: String, Codable, Sendable, CaseIterable {
    case github, gitlab, gitea, bitbucket

    public init(validating raw: String) throws {
        guard let forge = Forge(rawValue: raw.lowercased()) else {
            throw SlipwayError.invalidRequest("unknown forge \"\(raw.prefix(40))\"; use one of: \(Forge.allCases.map(\.rawValue).joined(separator: ", ")) (gitea also covers Forgejo)")
        }
        self = forge
    }
}

/// `PUT /v1/apps/{app}/git`: the repository a forge's webhook deploys from.
public struct GitConnectRequest: Codable, Sendable {
    public var repo: String
    public var branch: String?
    public var forge: String?
    public init(repo: String, branch: String? = nil, forge: String? = nil) {
        (self.repo, self.branch, self.forge) = (repo, branch, forge)
    }
}

/// An app's git connection. `secret` is there only in the answer to `connect` (shown once);
/// the webhook URL is the path on the API listener (the forge must reach it).
public struct GitConnectionView: Codable, Sendable, Equatable {
    public var app: String
    public var repo: String
    public var branch: String
    public var forge: String
    public var webhookURL: String
    public var secret: String?
    /// The deploy key's public half (OpenSSH format), once `slipway git key` made one.
    public var deployKey: String?
    /// The pinned host key line(s) of the forge (known_hosts format).
    public var knownHosts: [String]?
    public var createdAt: Date
    public init(app: String, repo: String, branch: String, forge: String, webhookURL: String, secret: String? = nil,
                deployKey: String? = nil, knownHosts: [String]? = nil, createdAt: Date) {
        (self.app, self.repo, self.branch, self.forge, self.webhookURL, self.secret) = (app, repo, branch, forge, webhookURL, secret)
        (self.deployKey, self.knownHosts, self.createdAt) = (deployKey, knownHosts, createdAt)
    }
}

/// `POST /v1/apps/{app}/git/key`: make (or make again, with `rotate`) the app's deploy key, and pin the
/// forge's host key (`knownHost`: a known_hosts line, `HOST KEYTYPE BASE64`).
public struct DeployKeyRequest: Codable, Sendable {
    public var knownHost: String?
    public var rotate: Bool?
    public init(knownHost: String? = nil, rotate: Bool? = nil) { (self.knownHost, self.rotate) = (knownHost, rotate) }
}

/// What a webhook delivery did: queued a deploy (or a preview's), destroyed a preview, or nothing and why.
public struct WebhookAnswer: Codable, Sendable, Equatable {
    public var traceId: String?
    public var app: String?
    public var ignored: String?
    public var destroyed: String?
    public init(traceId: String? = nil, app: String? = nil, ignored: String? = nil, destroyed: String? = nil) {
        (self.traceId, self.app, self.ignored, self.destroyed) = (traceId, app, ignored, destroyed)
    }
}

/// `PUT /v1/apps/{app}/previews`: previews on, with their idle lifetime and how many at once.
public struct PreviewSettingsRequest: Codable, Sendable {
    /// `7d`, `12h`, `30m` or seconds.
    public var ttl: String?
    public var max: Int?
    public init(ttl: String? = nil, max: Int? = nil) { (self.ttl, self.max) = (ttl, max) }

    /// `7d` -> seconds; between a minute and a year.
    public static func seconds(_ text: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        var value = trimmed, unit = 1
        if let last = trimmed.last, let factor = units[last] { value = String(trimmed.dropLast()); unit = factor }
        guard !value.isEmpty, value.count <= 6, value.allSatisfy(\.isASCII), let number = Int(value), number > 0,
              (60...31_536_000).contains(number * unit) else {
            throw SlipwayError.invalidRequest("ttl \"\(text.prefix(40))\" is not a duration between 1m and 365d; write it like 7d, 12h or 30m")
        }
        return number * unit
    }

    public static let maxPreviews = 100
}

/// One running preview: the pull/merge request it shows, the commit, where.
public struct PreviewView: Codable, Sendable, Equatable {
    public var app: String
    public var number: Int
    public var commit: String
    public var branch: String?
    public var url: String
    public var updatedAt: Date
    public var expiresAt: Date
    public init(app: String, number: Int, commit: String, branch: String?, url: String, updatedAt: Date, expiresAt: Date) {
        (self.app, self.number, self.commit, self.branch, self.url, self.updatedAt, self.expiresAt) = (app, number, commit, branch, url, updatedAt, expiresAt)
    }
}

/// `GET /v1/apps/{app}/previews`.
public struct PreviewList: Codable, Sendable, Equatable {
    public var app: String
    public var enabled: Bool
    public var ttlSeconds: Int?
    public var max: Int?
    public var previews: [PreviewView]
    public init(app: String, enabled: Bool, ttlSeconds: Int?, max: Int?, previews: [PreviewView]) {
        (self.app, self.enabled, self.ttlSeconds, self.max, self.previews) = (app, enabled, ttlSeconds, max, previews)
    }
}
