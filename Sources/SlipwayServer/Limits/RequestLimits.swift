/// `slipway server` flags that keep one client from starving the rest (issue 14, "no client
/// starves the rest"). Over any of them the API answers 429 with `Retry-After`.
public struct RequestLimits: Sendable {
    /// `--max-queued-per-app`: deploys (builds, rollbacks, config changes, scales) waiting per app.
    public var queuedPerApp = 10
    /// `--max-queued`: deploys waiting over all apps.
    public var queued = 100
    /// `--api-rate-limit`: state-changing calls per minute per token (0: no limit); bursts of a
    /// quarter of it pass at once.
    public var mutatingPerMinute = 600
    /// `--max-followers-per-app`: open log and event streams (follow, WebSocket) per app.
    public var followersPerApp = 20
    /// `--max-deploy-log-mb`: a deploy's log stops growing past this (a marker says so); the deploy goes on.
    public var deployLogBytes = 20 * 1_048_576
    /// `--max-live-views-per-session`: the dashboard's live streams one sign-in holds open (more: 429).
    public var liveViewsPerSession = 8
    /// `--max-live-views`: the dashboard's live streams over every sign-in (more: 503).
    public var liveViews = 64

    public init() {}
}
