import Foundation

/// How long to wait before polling again (RFC 8555 section 7.5.1, RFC 9110 section 10.2.3):
/// the server's Retry-After, in seconds or as an HTTP date, kept within `minimum...maximum`.
enum RetryAfter {
    static func delay(header: String?, now: Date, minimum: Duration, maximum: Duration) -> Duration {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return minimum }
        var asked: Duration?
        if let seconds = Int(header) {
            asked = .seconds(max(0, seconds))
        } else if let date = httpDate(header) {
            asked = .milliseconds(max(0, Int(date.timeIntervalSince(now) * 1000)))
        }
        guard let asked else { return minimum }
        return min(max(asked, minimum), maximum)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
