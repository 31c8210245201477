import Foundation
import Hummingbird
import Synchronization

/// Token buckets per key: `perMinute` tokens a minute, at most `burst` saved up. Buckets that
/// are full again are forgotten, so the table stays as small as the set of active clients.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let perMinute: Int
    let burst: Int
    private let buckets = Mutex([String: Bucket]())

    init(perMinute: Int, burst: Int? = nil) {
        self.perMinute = perMinute
        self.burst = max(1, burst ?? perMinute / 4)
    }

    /// Takes a token for `key`: nil when the call may go ahead, else how long until one is free.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        let perSecond = Double(perMinute) / 60
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(burst), updated: now)
            bucket.tokens = min(Double(burst), bucket.tokens + (now - bucket.updated).seconds * perSecond)
            bucket.updated = now
            defer {
                buckets[key] = bucket
                if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated).seconds * perSecond < Double(burst) } }
            }
            guard bucket.tokens >= 1 else { return .seconds((1 - bucket.tokens) / perSecond) }
            bucket.tokens -= 1
            return nil
        }
    }
}

/// Limits state-changing calls per API token (per client: every call past the guards carries
/// the token it was let in with; without auth, all callers share one bucket). Reads are not limited.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard limiter.perMinute > 0, RequestGuardMiddleware<Context>.mayChangeState(request), request.headers[.upgrade] == nil else {
            return try await next(request, context)
        }
        let key = request.headers[.authorization] ?? "no token"
        if let wait = limiter.take(key) {
            throw TooManyRequests("rate_limited",
                                  "too many state-changing calls: this token may make \(limiter.perMinute) a minute (bursts of \(limiter.burst)); try again in \(Int(wait.seconds.rounded(.up))) s, or ask the operator to raise --api-rate-limit",
                                  retryAfterSeconds: Int(wait.seconds.rounded(.up)))
        }
        return try await next(request, context)
    }
}
