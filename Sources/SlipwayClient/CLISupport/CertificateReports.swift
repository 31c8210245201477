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
            guard view.error == nil, let notAfter = view.notAfter else {
                table.rows.append([view.host, "-", "-", view.source ?? "-", "UNUSABLE: \(view.error ?? "unreadable")"])
                continue
            }
            let expires = Format.dateTime(notAfter, timeZone: timeZone) + (notAfter <= now ? " (EXPIRED)" : "")
            let renewal = view.renewAt.map { Format.dateTime($0, timeZone: timeZone) } ?? "manual: replace before it expires"
            table.rows.append([view.host, view.issuer ?? "-", expires, view.source ?? "-", renewal])
        }
        return table.render()
    }

    /// `slipway certs add`: what is now served.
    public static func certificateAdded(_ view: CertificateView, timeZone: TimeZone = .current) -> String {
        let expires = view.notAfter.map { Format.dateTime($0, timeZone: timeZone) } ?? "?"
        return "stored the certificate for \(view.host) (issuer \(view.issuer ?? "?"), expires \(expires)); the router serves it over HTTPS now"
    }
}
