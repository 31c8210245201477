import Foundation
import SlipwayCore

extension Reports {
    /// `slipway certs`: one line per host.
    public static func certificates(_ list: CertificateList, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        guard !list.certificates.isEmpty else {
            return "no certificates yet: `slipway certs add HOST --cert FILE --key FILE`, or run the server with --acme-email"
        }
        var table = TextTable(header: ["HOST", "ISSUER", "EXPIRES", "SOURCE", "NEXT RENEWAL"])
        for view in list.certificates {
            if view.notAfter == nil, view.lastFailure != nil {
                table.rows.append([view.host, "-", "-", "acme", "none yet: see below"])
                continue
            }
            guard view.error == nil, let notAfter = view.notAfter else {
                table.rows.append([view.host, "-", "-", view.source ?? "-", "UNUSABLE: \(view.error ?? "unreadable")"])
                continue
            }
            let expires = Format.dateTime(notAfter, timeZone: timeZone) + (notAfter <= now ? " (EXPIRED)" : "")
            let renewal = view.renewAt.map { Format.dateTime($0, timeZone: timeZone) } ?? "manual: replace before it expires"
            table.rows.append([view.host, view.issuer ?? "-", expires, view.source ?? "-", renewal])
        }
        var text = table.render()
        for view in list.certificates {
            guard let failure = view.lastFailure else { continue }
            let retry = failure.nextRetry.map { "next try \(Format.dateTime($0, timeZone: timeZone))" } ?? "no retry planned"
            let serving = view.notAfter == nil ? "no certificate yet" : "the current certificate keeps serving"
            text += "\nACME failed for \(view.host) (\(failure.failures) in a row; \(retry); \(serving)): \(failure.reason)"
        }
        return text
    }

    /// `slipway certs add`: what is now served.
    public static func certificateAdded(_ view: CertificateView, timeZone: TimeZone = .current) -> String {
        let expires = view.notAfter.map { Format.dateTime($0, timeZone: timeZone) } ?? "?"
        return "stored the certificate for \(view.host) (issuer \(view.issuer ?? "?"), expires \(expires)); the router serves it over HTTPS now"
    }
}
