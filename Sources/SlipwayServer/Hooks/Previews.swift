import Foundation
import Logging
import SlipwayCore
import SlipwayStore

/// Preview apps: pull/merge request N of APP runs as the app `APP-pr-N` at `pr-N.APP.DOMAIN`, from
/// its head commit, starting from APP's config (its own after that: `config set APP-pr-N`) with its
/// own releases. Closing or merging the request destroys it, volumes included; so does idling
/// past the parent's TTL (no new commits).
struct Previews: Sendable {
    let store: SlipwayStore
    let configuration: ServerConfiguration
    let queue: GitDeployQueue
    let removal: AppRemoval
    /// Stops a preview's deploys that are queued or running before it is destroyed.
    let cancel: @Sendable (String) async throws -> Void
    let report: @Sendable (AppEvent) -> Void

    func deploy(parent: AppName, connection: GitConnection, number: Int, commit: String, branch: String?,
                requestedBy: String) async throws -> WebhookAnswer {
        guard let settings = try store.previewSettings(of: parent) else {
            return WebhookAnswer(app: parent.value, ignored: "previews are off for \(parent) (`slipway previews enable \(parent)` turns them on)")
        }
        let app = try SlipwayStore.previewApp(parent: parent, number: number)
        // Bitbucket names the head by a 12-digit abbreviation git cannot fetch: its branch deploys.
        let ref = commit.count >= 40 ? commit : try branch.map { try ForgeEvent.checkedBranch($0) } ?? commit
        switch try store.claimPreview(parent: parent, number: number, commit: commit, branch: branch, max: settings.max,
                                      now: configuration.hooks.clock()) {
        case .full(let max, let numbers):
            let message = "\(parent) already has \(max) previews (\(numbers.map { "#\($0)" }.joined(separator: ", "))), its --max: #\(number) gets none. Close one of those, or raise it with `slipway previews enable \(parent) --max N`"
            report(AppEvent(app: parent.value, kind: .previewRefused, message: "preview #\(number) refused: \(message)"))
            throw SlipwayError(code: "too_many_previews", message: message, httpStatus: 409)
        case .claimed:
            try await removal.edge.sync(app)
        }
        let traceId = try await queue.queue(app, from: connection, ref: ref, requestedBy: "\(requestedBy), #\(number)")
        return WebhookAnswer(traceId: traceId, app: app.value)
    }

    func close(parent: AppName, number: Int, requestedBy: String) async throws -> WebhookAnswer {
        let app = try SlipwayStore.previewApp(parent: parent, number: number)
        guard try store.preview(app) != nil else {
            return WebhookAnswer(app: parent.value, ignored: "#\(number) has no preview")
        }
        try await destroy(app, parent: parent, why: "#\(number) was closed")
        return WebhookAnswer(app: parent.value, destroyed: app.value)
    }

    /// Destroys every preview idle past its parent's TTL (or whose parent turned previews off); returns their names.
    @discardableResult
    func reapExpired() async -> [AppName] {
        let now = configuration.hooks.clock()
        var reaped: [AppName] = []
        for preview in (try? store.previews()) ?? [] {
            let settings = try? store.previewSettings(of: preview.parent)
            if let settings, preview.updatedAt.addingTimeInterval(TimeInterval(settings.ttlSeconds)) > now { continue }
            let why = settings.map { "no new commits for \(Self.duration($0.ttlSeconds)) (its TTL)" } ?? "previews were turned off"
            do {
                try await destroy(preview.app, parent: preview.parent, why: why)
                reaped.append(preview.app)
            } catch {
                report(AppEvent(app: preview.parent.value, kind: .previewRefused, message: "preview \(preview.app) could not be removed: \(error)"))
            }
        }
        return reaped
    }

    func destroy(_ app: AppName, parent: AppName, why: String) async throws {
        for deploy in try store.deploys(app: app) where deploy.status == .inProgress {
            try? await cancel(deploy.traceId)
        }
        try store.forgetPreview(app)
        if try store.app(app) != nil {
            _ = try await removal.destroy(app, removingVolumes: true)
        } else {
            await removal.edge.forget(app)
        }
        report(AppEvent(app: parent.value, kind: .previewDestroyed, message: "preview \(app) destroyed: \(why)"))
    }

    func list(_ parent: AppName) throws -> PreviewList {
        let settings = try store.previewSettings(of: parent)
        let views = try store.previews(of: parent).map { record in
            PreviewView(app: record.app.value, number: record.number, commit: record.commit, branch: record.branch,
                        url: configuration.hostURL(Self.host(number: record.number, parent: parent, domain: configuration.domain)),
                        updatedAt: record.updatedAt,
                        expiresAt: record.updatedAt.addingTimeInterval(TimeInterval(settings?.ttlSeconds ?? 0)))
        }
        return PreviewList(app: parent.value, enabled: settings != nil, ttlSeconds: settings?.ttlSeconds, max: settings?.max, previews: views)
    }

    /// `pr-N.APP.DOMAIN`.
    static func host(number: Int, parent: AppName, domain: String) -> String { "pr-\(number).\(parent).\(domain)" }

    static func duration(_ seconds: Int) -> String {
        seconds % 86400 == 0 ? "\(seconds / 86400)d" : seconds % 3600 == 0 ? "\(seconds / 3600)h" : seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }
}
