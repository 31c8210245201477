import Crypto
import Foundation
import SlipwayCore

/// A webhook delivery as a forge sends it: the headers and payload shape each one documents (only
/// the fields a receiver reads, plus a few around them), signed with the webhook's secret.
package struct ForgeDelivery: Sendable {
    package var headers: [(String, String)]
    package var body: Data

    /// A push of `commit` to `branch`.
    package static func push(_ forge: Forge, branch: String, commit: String, repo: String, secret: String,
                             deliveryId: String = UUID().uuidString) -> ForgeDelivery {
        let payload: [String: Any]
        let event: String
        switch forge {
        case .github, .gitea:
            event = "push"
            payload = ["ref": "refs/heads/\(branch)", "before": String(repeating: "0", count: 40), "after": commit,
                       "created": false, "deleted": false, "forced": false,
                       "repository": ["full_name": "team/shop", "clone_url": repo, "default_branch": "main"],
                       "head_commit": ["id": commit, "message": "change"], "commits": [["id": commit, "message": "change"]]]
        case .gitlab:
            event = "Push Hook"
            payload = ["object_kind": "push", "event_name": "push", "ref": "refs/heads/\(branch)",
                       "before": String(repeating: "0", count: 40), "after": commit, "checkout_sha": commit,
                       "project": ["path_with_namespace": "team/shop", "git_http_url": repo, "default_branch": "main"],
                       "commits": [["id": commit, "message": "change"]], "total_commits_count": 1]
        case .bitbucket:
            event = "repo:push"
            payload = ["push": ["changes": [["new": ["type": "branch", "name": branch, "target": ["type": "commit", "hash": commit]],
                                              "old": NSNull(), "created": true, "closed": false]]],
                       "repository": ["full_name": "team/shop", "type": "repository"]]
        }
        return signed(forge, event: event, payload: payload, secret: secret, deliveryId: deliveryId)
    }

    package enum PullRequestAction: Sendable { case opened, updated, closed }

    /// Pull (merge) request `number` with head `commit` on `branch`, opened, given new commits, or closed.
    package static func pullRequest(_ forge: Forge, number: Int, action: PullRequestAction, commit: String, branch: String,
                                    secret: String, deliveryId: String = UUID().uuidString) -> ForgeDelivery {
        let payload: [String: Any]
        let event: String
        switch forge {
        case .github, .gitea:
            event = "pull_request"
            let name: String
            switch action {
            case .opened: name = "opened"
            case .updated: name = forge == .github ? "synchronize" : "synchronized"
            case .closed: name = "closed"
            }
            payload = ["action": name, "number": number,
                       "pull_request": ["number": number, "state": action == .closed ? "closed" : "open", "merged": false,
                                        "head": ["ref": branch, "sha": commit], "base": ["ref": "main"]],
                       "repository": ["full_name": "team/shop"]]
        case .gitlab:
            event = "Merge Request Hook"
            let name: String
            switch action {
            case .opened: name = "open"
            case .updated: name = "update"
            case .closed: name = "close"
            }
            var attributes: [String: Any] = ["iid": number, "action": name, "state": action == .closed ? "closed" : "opened",
                                             "source_branch": branch, "target_branch": "main",
                                             "last_commit": ["id": commit, "message": "change"]]
            if action == .updated { attributes["oldrev"] = String(repeating: "1", count: 40) }
            payload = ["object_kind": "merge_request", "event_type": "merge_request", "object_attributes": attributes,
                       "project": ["path_with_namespace": "team/shop"]]
        case .bitbucket:
            switch action {
            case .opened: event = "pullrequest:created"
            case .updated: event = "pullrequest:updated"
            case .closed: event = "pullrequest:fulfilled"
            }
            payload = ["pullrequest": ["id": number, "state": action == .closed ? "MERGED" : "OPEN",
                                       "source": ["branch": ["name": branch], "commit": ["hash": String(commit.prefix(12))]],
                                       "destination": ["branch": ["name": "main"]]],
                       "repository": ["full_name": "team/shop"]]
        }
        return signed(forge, event: event, payload: payload, secret: secret, deliveryId: deliveryId)
    }

    /// `body` signed as `forge` signs it, with its event and delivery id headers.
    package static func signed(_ forge: Forge, event: String, payload: [String: Any], secret: String, deliveryId: String) -> ForgeDelivery {
        let body = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
        return signed(forge, event: event, body: body, secret: secret, deliveryId: deliveryId)
    }

    package static func signed(_ forge: Forge, event: String, body: Data, secret: String, deliveryId: String) -> ForgeDelivery {
        let mac = hmac(body, secret: secret)
        var headers = [("Content-Type", "application/json")]
        switch forge {
        case .github:
            headers += [("X-GitHub-Event", event), ("X-GitHub-Delivery", deliveryId), ("X-Hub-Signature-256", "sha256=\(mac)"),
                        ("User-Agent", "GitHub-Hookshot/test")]
        case .gitlab:
            headers += [("X-Gitlab-Event", event), ("X-Gitlab-Event-UUID", deliveryId), ("X-Gitlab-Token", secret),
                        ("User-Agent", "GitLab/17.0.0")]
        case .gitea:
            headers += [("X-Gitea-Event", event), ("X-Gitea-Delivery", deliveryId), ("X-Gitea-Signature", mac),
                        ("X-GitHub-Event", event), ("X-GitHub-Delivery", deliveryId)]
        case .bitbucket:
            headers += [("X-Event-Key", event), ("X-Request-UUID", deliveryId), ("X-Hub-Signature", "sha256=\(mac)"),
                        ("User-Agent", "Bitbucket-Webhooks/2.0")]
        }
        return ForgeDelivery(headers: headers, body: body)
    }

    /// The signature header's name for a forge (GitLab's is its token).
    package static func signatureHeader(_ forge: Forge) -> String {
        switch forge {
        case .github: "X-Hub-Signature-256"
        case .gitlab: "X-Gitlab-Token"
        case .gitea: "X-Gitea-Signature"
        case .bitbucket: "X-Hub-Signature"
        }
    }

    package static func hmac(_ body: Data, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    /// The same delivery with `header` replaced (or removed when `value` is nil).
    package func with(_ header: String, _ value: String?) -> ForgeDelivery {
        var copy = self
        copy.headers.removeAll { $0.0.lowercased() == header.lowercased() }
        if let value { copy.headers.append((header, value)) }
        return copy
    }
}
