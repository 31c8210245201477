import SlipwayCore

/// A 429: the error the client reads, and when it is worth trying again (`Retry-After`, seconds).
struct TooManyRequests: Error {
    var error: SlipwayError
    var retryAfterSeconds: Int

    init(_ code: String, _ message: String, retryAfterSeconds: Int) {
        error = SlipwayError(code: code, message: message, httpStatus: 429)
        self.retryAfterSeconds = max(1, retryAfterSeconds)
    }
}
