import Commands
import Foundation
import SlipwayCore
import SlipwayStore

/// What a push does with each branch it brings: the app's deploy branch is deployed through the
/// pipeline (the commit's tree is the source, the release records the commit), and the branch
/// moves only if the deploy succeeded; any other branch is stored and not deployed. Progress goes
/// to the pusher as text (git shows it as `remote:` lines).
struct PushDeployer: Sendable {
    let store: SlipwayStore
    let logs: DeployLogs
    let workers: DeployWorkers
    let queueLimit: DeployQueueLimit?
    let repositories: GitRepositories
    let lanes: PushLanes
    /// The URL an app serves at, printed last.
    let appURL: @Sendable (String) -> String
    /// Each push's deploy branch (`slipway git set APP --branch B`; `main` by default).
    let deployBranch: @Sendable (AppName) throws -> String

    typealias Progress = @Sendable (String) async -> Void

    func handle(_ update: RefUpdate, app: AppName, remoteURL: String, progress: Progress) async -> RefResult {
        guard let branch = update.branch else { return .rejected("only branches are handled here") }
        let deployed: String
        do {
            deployed = try deployBranch(app)
        } catch {
            return .rejected("\(error)")
        }
        guard branch == deployed else { return await store(update, branch: branch, deployBranch: deployed, app: app, progress: progress) }
        if update.isDeletion {
            return .rejected("\(branch) is \(app)'s deploy branch and cannot be deleted; push to it to deploy, or `slipway git set \(app) --branch B` to deploy another branch")
        }
        if await lanes.isBusy(app.value) {
            await progress("-----> Waiting for the push before this one to finish deploying \(app)")
        }
        return await lanes.run(app.value) {
            await deploy(update, branch: branch, app: app, remoteURL: remoteURL, progress: progress)
        }
    }

    /// Not the deploy branch: stored as git would (the old value must still be current), not deployed.
    private func store(_ update: RefUpdate, branch: String, deployBranch: String, app: AppName, progress: Progress) async -> RefResult {
        do {
            try await moveRef(update, app: app, expected: update.old)
        } catch {
            return .rejected("\(error)")
        }
        if update.isDeletion {
            await progress("-----> Branch \(branch) deleted; nothing deployed")
        } else {
            await progress("-----> Branch \(branch) stored; not deployed: only \(deployBranch) deploys to \(app) (`slipway git set \(app) --branch \(branch)` changes that)")
        }
        return .ok
    }

    /// The deploy branch, with the app's lane held.
    private func deploy(_ update: RefUpdate, branch: String, app: AppName, remoteURL: String, progress: Progress) async -> RefResult {
        let short = String(update.new.prefix(7))
        do {
            // The branch as the last push left it. A push based on an older state is refused unless
            // it still leads on from the current one (another push deployed in between).
            let current = try await currentValue(of: update.ref, app: app)
            if current != update.old, !(try await isAncestor(current, of: update.new, app: app)) {
                return .rejected("\(branch) moved to \(current.prefix(7)) (another push) while this one waited; fetch, merge and push again")
            }
            try queueLimit?.check(app)
            let traceId = UUID().uuidString.lowercased()
            try store.enqueueDeploy(traceId: traceId, app: app,
                                    source: SourceInfo(kind: .push, url: remoteURL, ref: branch, commit: update.new),
                                    uploadPath: nil, requestedBy: "git push")
            workers.wake()
            await progress("-----> Deploying \(short) (\(branch)) to \(app): deploy \(traceId)")
            let view = try await follow(traceId, progress: progress)
            guard view.status == .completed else {
                let stage = view.stages.first { $0.status == .error }?.name ?? "deploy"
                let reason = view.error ?? "unknown error"
                let serving = (try? store.currentRelease(of: app)).flatMap { $0 }.map { "\($0.label) keeps serving" } ?? "nothing was serving"
                await progress(" !     Deploy failed at \(stage): \(reason)")
                await progress(" !     \(app): \(serving); \(branch) is unchanged (`slipway status \(traceId)` shows the deploy)")
                return .rejected("deploy failed: \(stage): \(reason)")
            }
            try await moveRef(update, app: app, expected: current)
            let version = view.release.map { " v\($0)" } ?? ""
            await progress("=====> \(app)\(version) (\(short)) is live at \(appURL(app.value))")
            return .ok
        } catch let error as TooManyRequests {
            return .rejected(error.error.message)
        } catch {
            return .rejected("\(error)")
        }
    }

    /// Streams the deploy's log to the pusher until the deploy has ended; returns how it ended.
    private func follow(_ traceId: String, progress: Progress) async throws -> DeployView {
        var offset: UInt64 = 0
        var partial = ""
        while true {
            let view = try store.deploy(traceId)
            let data = logs.read(traceId, from: offset)
            offset += UInt64(data.count)
            partial += String(decoding: data, as: UTF8.self)
            while let newline = partial.firstIndex(of: "\n") {
                await progress(String(partial[..<newline]))
                partial = String(partial[partial.index(after: newline)...])
            }
            if let view, view.status != .inProgress, data.isEmpty {
                if !partial.isEmpty { await progress(partial) }
                return view
            }
            if data.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
    }

    private func currentValue(of ref: String, app: AppName) async throws -> String {
        let repository = repositories.repository(app).path
        let result = try await repositories.run(["--git-dir=\(repository)", "rev-parse", "--verify", "--quiet", ref + "^{commit}"])
        let value = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return result.succeeded && RefUpdate.isObjectId(value) ? value : RefUpdate.zero
    }

    private func isAncestor(_ ancestor: String, of commit: String, app: AppName) async throws -> Bool {
        if ancestor == RefUpdate.zero { return true }
        let repository = repositories.repository(app).path
        return try await repositories.run(["--git-dir=\(repository)", "merge-base", "--is-ancestor", ancestor, commit]).succeeded
    }

    /// `git update-ref`, checking that the ref still holds `expected` (zeros: that it does not exist).
    private func moveRef(_ update: RefUpdate, app: AppName, expected: String) async throws {
        let repository = repositories.repository(app).path
        let arguments = update.isDeletion
            ? ["--git-dir=\(repository)", "update-ref", "-d", update.ref, expected]
            : ["--git-dir=\(repository)", "update-ref", update.ref, update.new, expected]
        let result = try await repositories.run(arguments)
        guard result.succeeded else {
            throw SlipwayError.conflict("could not update \(update.ref): \(result.reason)")
        }
    }
}
