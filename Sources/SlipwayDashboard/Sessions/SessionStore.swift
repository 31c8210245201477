import Crypto
import Foundation

/// A signed-in browser: the session id its cookie carries, the CSRF token its forms carry, and when
/// it ends. The cookie holds nothing but the random id; the CSRF token is derived from it.
struct Session: Sendable, Equatable {
    var id: String
    var csrfToken: String
    var expires: Date
}

/// Where sessions are kept so that a server restart keeps everyone signed in: only a SHA-256 of each
/// session id (whoever reads the database cannot sign in with it) and the session's expiry.
public protocol DashboardSessionArchive: Sendable {
    func saveDashboardSession(idHash: String, expires: Date) throws
    func deleteDashboardSession(idHash: String) throws
    /// The sessions that have not expired at `now`; expired ones are forgotten.
    func dashboardSessions(now: Date) throws -> [(idHash: String, expires: Date)]
}

/// The server's signed-in sessions, by the hash of their id, in memory and in the archive (when
/// there is one). Sessions end at their expiry (no sliding), on sign-out, and the oldest go first
/// beyond `capacity`. An archive that fails is not fatal: the session lives on in memory.
actor SessionStore {
    let lifetime: Duration
    let capacity: Int
    private let archive: (any DashboardSessionArchive)?
    private var expiries: [String: Date] = [:]

    init(lifetime: Duration = .seconds(12 * 3600), capacity: Int = 1000, archive: (any DashboardSessionArchive)? = nil, now: Date = Date()) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.archive = archive
        for kept in (try? archive?.dashboardSessions(now: now)) ?? [] { expiries[kept.idHash] = kept.expires }
    }

    func create(now: Date = Date()) -> Session {
        removeExpired(now: now)
        if expiries.count >= capacity, let oldest = expiries.min(by: { $0.value < $1.value })?.key {
            forget(oldest)
        }
        let id = RandomToken.make()
        let expires = now.addingTimeInterval(Double(lifetime.components.seconds))
        expiries[Self.hash(id)] = expires
        try? archive?.saveDashboardSession(idHash: Self.hash(id), expires: expires)
        return Session(id: id, csrfToken: Self.csrfToken(id), expires: expires)
    }

    /// The live session with this id; an expired one is removed and not returned.
    func session(_ id: String, now: Date = Date()) -> Session? {
        let key = Self.hash(id)
        guard let expires = expiries[key] else { return nil }
        guard expires > now else {
            forget(key)
            return nil
        }
        return Session(id: id, csrfToken: Self.csrfToken(id), expires: expires)
    }

    func remove(_ id: String) { forget(Self.hash(id)) }

    private func forget(_ key: String) {
        expiries[key] = nil
        try? archive?.deleteDashboardSession(idHash: key)
    }

    private func removeExpired(now: Date) {
        for (key, expires) in expiries where expires <= now { forget(key) }
    }

    /// What the archive keeps of a session id.
    static func hash(_ id: String) -> String {
        SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The session's CSRF token: tied to the session, and telling nothing of its id.
    static func csrfToken(_ id: String) -> String {
        hash("slipway-dashboard-csrf:" + id)
    }
}

/// Unguessable tokens from the system's CSPRNG: 32 bytes as 64 hex characters.
enum RandomToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Compares without an early exit, so timing does not tell how much of a guess was right.
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
