import Foundation

/// A signed-in browser: the session id its cookie carries, the CSRF token its forms carry, and when
/// it ends. Kept on the server only (the cookie holds nothing but the random id).
struct Session: Sendable, Equatable {
    var id: String
    var csrfToken: String
    var expires: Date
}

/// The server's signed-in sessions, in memory: a restart signs everyone out. Sessions end at their
/// expiry (no sliding), on sign-out, and the oldest go first beyond `capacity`.
actor SessionStore {
    let lifetime: Duration
    let capacity: Int
    private var sessions: [String: Session] = [:]

    init(lifetime: Duration = .seconds(12 * 3600), capacity: Int = 1000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func create(now: Date = Date()) -> Session {
        removeExpired(now: now)
        if sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.expires < $1.expires }) {
            sessions[oldest.id] = nil
        }
        let session = Session(id: RandomToken.make(), csrfToken: RandomToken.make(),
                              expires: now.addingTimeInterval(Double(lifetime.components.seconds)))
        sessions[session.id] = session
        return session
    }

    /// The live session with this id; an expired one is removed and not returned.
    func session(_ id: String, now: Date = Date()) -> Session? {
        guard let session = sessions[id] else { return nil }
        guard session.expires > now else {
            sessions[id] = nil
            return nil
        }
        return session
    }

    func remove(_ id: String) { sessions[id] = nil }

    /// Ends a session at once (the tests' way to let one expire).
    func expire(_ id: String) { sessions[id]?.expires = .distantPast }

    private func removeExpired(now: Date) {
        sessions = sessions.filter { $0.value.expires > now }
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
