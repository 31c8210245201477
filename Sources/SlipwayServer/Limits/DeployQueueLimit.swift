import SlipwayCore
import SlipwayStore

/// Bounds the deploy queue before a deploy is accepted: at most `limits.queuedPerApp` waiting per
/// app and `limits.queued` over all, so one app (or one script in a loop) cannot fill the queue
/// and hold back every other app's deploys.
struct DeployQueueLimit: Sendable {
    let store: SlipwayStore
    let limits: RequestLimits

    /// Throws a 429 that says how long the queue is when `app` may not queue another deploy now.
    func check(_ app: AppName) throws {
        let queued = try store.queuedDeploys(app: app)
        // A deploy takes about half a minute here; by then one place in the queue has usually freed up.
        if queued.app >= limits.queuedPerApp {
            throw TooManyRequests("queue_full",
                                  "\(app) already has \(queued.app) deploys waiting (the server allows \(limits.queuedPerApp) per app, --max-queued-per-app); wait for them to run, or cancel one with `slipway cancel TRACE`",
                                  retryAfterSeconds: 30)
        }
        if queued.total >= limits.queued {
            throw TooManyRequests("queue_full",
                                  "the server already has \(queued.total) deploys waiting (it allows \(limits.queued), --max-queued); try again later",
                                  retryAfterSeconds: 30)
        }
    }
}
