import Foundation
import SlipwayCore

extension Reports {
    /// `slipway git connect` / `git key` / `git show`: where the forge sends its webhook and with what.
    public static func gitConnection(_ view: GitConnectionView) -> String {
        var lines = [
            "\(view.app) deploys \(view.branch) of \(view.repo) (\(view.forge))",
            "Webhook URL:    \(view.webhookURL)",
        ]
        if let secret = view.secret {
            lines.append("Webhook secret: \(secret)")
            lines.append("Shown this once: paste both into the repository's webhook settings (content type application/json; push\(view.forge == "bitbucket" ? "" : " and pull/merge request") events). Reconnect for a new secret.")
        }
        if let key = view.deployKey {
            lines.append("Deploy key (add it to the repository, read-only):")
            lines.append("  \(key)")
        }
        if let hosts = view.knownHosts {
            lines.append("Pinned host keys:")
            lines += hosts.map { "  \($0)" }
        } else if view.deployKey != nil {
            lines.append("No host key pinned yet: `slipway git key \(view.app) --known-host \"$(ssh-keyscan HOST)\"` after checking it against the forge's fingerprints")
        }
        return lines.joined(separator: "\n")
    }

    /// `slipway git show`: the deploy branch, the push remote, and the forge connection if any.
    public static func gitSettings(_ view: GitRemoteView) -> String {
        var lines = [
            "\(view.app) deploys pushes to \(view.branch) (`slipway git set \(view.app) --branch B` changes it)",
            "Push remote:    \(view.remote)",
        ]
        if let connection = view.connection {
            lines += gitConnection(connection).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        } else {
            lines.append("Not connected to a forge (`slipway git connect \(view.app) --repo URL` deploys from its webhooks)")
        }
        return lines.joined(separator: "\n")
    }

    /// `slipway previews APP`: each preview's pull request, commit, URL and expiry.
    public static func previews(_ list: PreviewList, timeZone: TimeZone = .current) -> String {
        guard list.enabled else {
            return "previews are off for \(list.app); `slipway previews enable \(list.app)` turns them on" + (list.previews.isEmpty ? "" : " (\(list.previews.count) left)")
        }
        let ttl = list.ttlSeconds.map { Format.duration(Double($0)) } ?? "?"
        let header = "previews of \(list.app): on, at most \(list.max ?? 0), removed after \(ttl) without new commits"
        guard !list.previews.isEmpty else { return header + "\nno previews running; a pull/merge request opened on the repository makes one" }
        var table = TextTable(header: ["PR", "APP", "COMMIT", "URL", "EXPIRES"])
        for preview in list.previews {
            table.rows.append(["#\(preview.number)", preview.app, String(preview.commit.prefix(12)), preview.url,
                               Format.dateTime(preview.expiresAt, timeZone: timeZone)])
        }
        return header + "\n" + table.render()
    }
}
