import Hummingbird
import Synchronization

/// Bounds the dashboard's live streams (Server-Sent Events: the apps and app pages, deploys, logs):
/// each holds a connection and reads the API again and again for as long as the tab stays open, so
/// one session may hold `perSession` at once and the server `overall`. A stream takes its place
/// before it starts and gives it back when it ends (the tab closed or the stream finished).
final class LiveStreamLimit: Sendable {
    let perSession: Int
    let overall: Int
    private let open = Mutex(Counts())

    private struct Counts {
        var total = 0
        var bySession: [String: Int] = [:]
    }

    init(perSession: Int, overall: Int) {
        self.perSession = perSession
        self.overall = overall
    }

    /// Takes a place for a stream of `session`, or throws why not: 429 when the session has all
    /// of its own, 503 when the server has all it serves. The place is given back by
    /// `Place.leave()`, or when the last reference to it goes.
    func enter(session: String) throws -> Place {
        let refusal = open.withLock { counts -> DashboardError? in
            if counts.bySession[session, default: 0] >= perSession {
                return DashboardError(status: .tooManyRequests, heading: "Too many live views",
                                      message: "This sign-in already follows \(perSession) live views (pages open in other tabs or windows). Close one, then reload this page.",
                                      retryAfterSeconds: 10)
            }
            if counts.total >= overall {
                return DashboardError(status: .serviceUnavailable, heading: "Server busy",
                                      message: "The server already serves \(overall) live views, its limit. Try again in a minute, or close views you do not need.",
                                      retryAfterSeconds: 30)
            }
            counts.total += 1
            counts.bySession[session, default: 0] += 1
            return nil
        }
        if let refusal { throw refusal }
        return Place(limit: self, session: session)
    }

    fileprivate func leave(session: String) {
        open.withLock { counts in
            counts.total = max(0, counts.total - 1)
            let left = counts.bySession[session, default: 1] - 1
            counts.bySession[session] = left > 0 ? left : nil
        }
    }

    /// Open streams: of one session, or of everyone.
    func count(session: String? = nil) -> Int {
        open.withLock { counts in session.map { counts.bySession[$0, default: 0] } ?? counts.total }
    }
}

extension LiveStreamLimit {
    /// One stream's place. Given back once: by `leave()` when the stream ends, or when the place
    /// is dropped unused — a response whose body is never written (the client went away before
    /// its head was sent) would otherwise keep the place for the life of the server.
    final class Place: Sendable {
        private let limit: LiveStreamLimit
        private let session: String
        private let given = Atomic<Bool>(false)

        fileprivate init(limit: LiveStreamLimit, session: String) {
            self.limit = limit
            self.session = session
        }

        func leave() {
            guard !given.exchange(true, ordering: .relaxed) else { return }
            limit.leave(session: session)
        }

        deinit { leave() }
    }
}

extension Dashboard {
    /// A live stream of a signed-in session within the `LiveStreamLimit`: `open` makes the
    /// response; its place is given back when its body ends, or at once if it is not a stream.
    func liveStream(_ request: Request, to purpose: String, _ open: () async throws -> Response) async throws -> Response {
        guard let session = await session(of: request) else {
            throw DashboardError(status: .unauthorized, heading: "Signed out", message: "Sign in to \(purpose).", back: "/signin", backLabel: "Sign in")
        }
        let place = try streams.enter(session: session.id)
        var response: Response
        do {
            response = try await open()
        } catch {
            place.leave()
            throw error
        }
        let body = response.body
        response.body = ResponseBody { writer in
            defer { place.leave() }
            try await body.write(writer)
        }
        return response
    }
}
