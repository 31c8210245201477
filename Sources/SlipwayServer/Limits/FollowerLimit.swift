import Synchronization

/// Bounds the open log and event streams (follow, WebSocket) per app: each holds a connection
/// and a subscription for as long as the client likes, so without a cap one client could open
/// thousands. A stream takes a place before it starts and gives it back when it ends.
final class FollowerLimit: Sendable {
    let perApp: Int
    private let open = Mutex([String: Int]())

    init(perApp: Int) {
        self.perApp = perApp
    }

    /// Takes a place for a follower of `app`, or throws a 429 when all are taken.
    func enter(_ app: String) throws {
        let taken = open.withLock { open -> Bool in
            let count = open[app, default: 0]
            guard count < perApp else { return false }
            open[app] = count + 1
            return true
        }
        guard taken else { throw full(app) }
    }

    /// Throws the 429 `enter` would, without taking a place.
    func refuseIfFull(_ app: String) throws {
        if count(app) >= perApp { throw full(app) }
    }

    private func full(_ app: String) -> TooManyRequests {
        TooManyRequests("too_many_followers",
                        "\(app) already has \(perApp) open log or event streams (the server's --max-followers-per-app); close one, or read without follow",
                        retryAfterSeconds: 5)
    }

    func leave(_ app: String) {
        open.withLock { open in
            let count = open[app, default: 1] - 1
            open[app] = count > 0 ? count : nil
        }
    }

    func count(_ app: String) -> Int { open.withLock { $0[app, default: 0] } }
}
