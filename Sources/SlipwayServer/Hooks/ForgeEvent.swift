import Foundation
import SlipwayCore

/// What a verified delivery says, whatever the forge: a push to a branch, a pull/merge request
/// opened, updated or closed, or something Slipway does not act on (with why).
enum ForgeEvent: Equatable {
    case push(branch: String, commit: String)
    case pullRequest(number: Int, change: PullRequestChange, commit: String, branch: String?)
    case ignored(String)

    enum PullRequestChange: Equatable {
        /// Opened, reopened, or new commits: deploy the head.
        case headChanged
        /// Closed or merged: the preview goes.
        case closed
    }

    /// Parses the body of an event the signature check let through. The payload shapes are each forge's
    /// documented ones; only the fields used are decoded, and their values are checked (branch
    /// names as git refs, commits as hex ids) before anything is queued.
    static func parse(_ forge: Forge, event: String, body: [UInt8]) throws -> ForgeEvent {
        let data = Data(body)
        let decoder = JSONDecoder()
        do {
            switch forge {
            case .github, .gitea:
                switch event {
                case "push": return try push(decoder.decode(GitHubPush.self, from: data))
                case "pull_request": return try gitHubPullRequest(decoder.decode(GitHubPullRequest.self, from: data))
                case "ping": return .ignored("ping: the webhook reaches Slipway and its signature verifies")
                default: return .ignored("\(event) events do not deploy (push and pull_request do)")
                }
            case .gitlab:
                switch event {
                case "Push Hook":
                    let payload = try decoder.decode(GitLabPush.self, from: data)
                    return try push(GitHubPush(ref: payload.ref, after: payload.checkout_sha ?? payload.after, deleted: nil))
                case "Merge Request Hook": return try gitLabMergeRequest(decoder.decode(GitLabMergeRequest.self, from: data))
                default: return .ignored("\(event) events do not deploy (Push Hook and Merge Request Hook do)")
                }
            case .bitbucket:
                switch event {
                case "repo:push": return try bitbucketPush(decoder.decode(BitbucketPush.self, from: data))
                case "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected":
                    return try bitbucketPullRequest(event, decoder.decode(BitbucketPullRequest.self, from: data))
                default: return .ignored("\(event) events do not deploy (repo:push and pullrequest:* do)")
                }
            }
        } catch let error as SlipwayError {
            throw error
        } catch {
            throw SlipwayError.invalidRequest("the \(event) payload is not the JSON \(forge.rawValue) documents: \(Self.describe(error)); set the webhook's content type to application/json")
        }
    }

    // MARK: GitHub and Gitea (Gitea's payloads follow GitHub's)

    private struct GitHubPush: Decodable {
        var ref: String
        var after: String?
        var deleted: Bool?
    }

    private struct GitHubPullRequest: Decodable {
        struct PullRequest: Decodable {
            struct Head: Decodable { var sha: String; var ref: String? }
            var head: Head
        }
        var action: String
        var number: Int
        var pull_request: PullRequest
    }

    private static func push(_ payload: GitHubPush) throws -> ForgeEvent {
        guard payload.ref.hasPrefix("refs/heads/") else { return .ignored("a push to \(payload.ref.prefix(100)), not to a branch") }
        let branch = String(payload.ref.dropFirst("refs/heads/".count))
        guard let after = payload.after, payload.deleted != true, !after.allSatisfy({ $0 == "0" }) else {
            return .ignored("branch \(branch.prefix(100)) was deleted")
        }
        return .push(branch: try checkedBranch(branch), commit: try checkedCommit(after))
    }

    private static func gitHubPullRequest(_ payload: GitHubPullRequest) throws -> ForgeEvent {
        let change: PullRequestChange
        switch payload.action {
        case "opened", "reopened", "synchronize", "synchronized": change = .headChanged
        case "closed": change = .closed
        default: return .ignored("pull request #\(payload.number) \(payload.action.prefix(40)): only opened, reopened, new commits and closed change a preview")
        }
        return .pullRequest(number: try checkedNumber(payload.number), change: change,
                            commit: try checkedCommit(payload.pull_request.head.sha), branch: payload.pull_request.head.ref)
    }

    // MARK: GitLab

    private struct GitLabPush: Decodable {
        var ref: String
        var after: String?
        var checkout_sha: String?
    }

    private struct GitLabMergeRequest: Decodable {
        struct Attributes: Decodable {
            struct Commit: Decodable { var id: String }
            var iid: Int
            var action: String?
            var oldrev: String?
            var source_branch: String?
            var last_commit: Commit
        }
        var object_attributes: Attributes
    }

    private static func gitLabMergeRequest(_ payload: GitLabMergeRequest) throws -> ForgeEvent {
        let attributes = payload.object_attributes
        let change: PullRequestChange
        switch attributes.action ?? "" {
        case "open", "reopen": change = .headChanged
        // An update without `oldrev` changed the title, labels or the like, not the code.
        case "update" where attributes.oldrev != nil: change = .headChanged
        case "close", "merge": change = .closed
        default: return .ignored("merge request !\(attributes.iid) \(attributes.action?.prefix(40) ?? "changed") without new commits")
        }
        return .pullRequest(number: try checkedNumber(attributes.iid), change: change,
                            commit: try checkedCommit(attributes.last_commit.id), branch: attributes.source_branch)
    }

    // MARK: Bitbucket Cloud

    private struct BitbucketPush: Decodable {
        struct Push: Decodable {
            struct Change: Decodable {
                struct Ref: Decodable {
                    struct Target: Decodable { var hash: String }
                    var type: String
                    var name: String
                    var target: Target
                }
                var new: Ref?
            }
            var changes: [Change]
        }
        var push: Push
    }

    private struct BitbucketPullRequest: Decodable {
        struct PullRequest: Decodable {
            struct Side: Decodable {
                struct Branch: Decodable { var name: String }
                struct Commit: Decodable { var hash: String }
                var branch: Branch?
                var commit: Commit?
            }
            var id: Int
            var source: Side
        }
        var pullrequest: PullRequest
    }

    private static func bitbucketPush(_ payload: BitbucketPush) throws -> ForgeEvent {
        // One delivery may carry several refs; the newest state of a branch is what deploys.
        guard let new = payload.push.changes.compactMap(\.new).last(where: { $0.type == "branch" }) else {
            return .ignored("a push without a branch's new head (a tag, or a deleted branch)")
        }
        return .push(branch: try checkedBranch(new.name), commit: try checkedCommit(new.target.hash))
    }

    private static func bitbucketPullRequest(_ event: String, _ payload: BitbucketPullRequest) throws -> ForgeEvent {
        let request = payload.pullrequest
        // Bitbucket gives the head as a 12-digit abbreviation, which git cannot fetch: the preview
        // deploys the source branch, and shows the abbreviation.
        guard let hash = request.source.commit?.hash else { throw SlipwayError.invalidRequest("the pull request's source has no commit") }
        let change: PullRequestChange = event == "pullrequest:created" || event == "pullrequest:updated" ? .headChanged : .closed
        return .pullRequest(number: try checkedNumber(request.id), change: change, commit: try checkedCommit(hash, minimum: 7),
                            branch: try request.source.branch.map { try checkedBranch($0.name) })
    }

    // MARK: checks

    static func checkedBranch(_ branch: String) throws -> String {
        guard branch.count <= 255 else { throw SlipwayError.invalidRequest("the branch name is longer than 255 characters") }
        try GitRef.validate(branch)
        return branch
    }

    static func checkedCommit(_ commit: String, minimum: Int = 40) throws -> String {
        guard (minimum...64).contains(commit.count), commit.allSatisfy(\.isHexDigit), commit.allSatisfy(\.isASCII) else {
            throw SlipwayError.invalidRequest("the commit \"\(commit.prefix(80))\" is not a git commit id (\(minimum) to 64 hex digits)")
        }
        return commit.lowercased()
    }

    static func checkedNumber(_ number: Int) throws -> Int {
        guard (1...999_999_999).contains(number) else { throw SlipwayError.invalidRequest("pull request number \(number) is out of range") }
        return number
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "no \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted:
            return "not valid JSON"
        default:
            return "not valid JSON"
        }
    }
}
