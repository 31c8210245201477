import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `DELETE /v1/deploys/{id}`: a queued deploy leaves the queue at once; a running one is stopped
/// where it is (a build or clone is ended, the containers it started are removed, the release
/// before keeps serving) and ends in ERROR "cancelled during STAGE". Once its route stage has
/// begun (traffic switching to the new release), a deploy can no longer be cancelled: 409.
extension DeployController {
    /// How long the answer waits for a running deploy to wind down before it returns the deploy as it is.
    static let cancelWait: Duration = .seconds(60)

    func addCancelRoute(to router: Router<BasicRequestContext>) {
        router.delete("/v1/deploys/:trace") { request, context in
            let traceId = try context.parameters.require("trace")
            let requester = Self.requester(request) ?? ""
            return try JSONResponse.make(try await cancel(traceId, by: requester))
        }
    }

    func cancel(_ traceId: String, by requester: String) async throws -> DeployView {
        let view = try deployView(traceId)
        guard view.status == .inProgress else {
            throw SlipwayError.conflict("deploy \(traceId) already ended (\(view.status.rawValue)); there is nothing to cancel")
        }
        let reason = "cancelled while queued" + (requester.isEmpty ? "" : " by \(requester)")
        let queued = try store.cancelQueuedDeploy(traceId, reason: reason)
        if queued.cancelled {
            if let upload = queued.uploadPath { try? FileManager.default.removeItem(atPath: upload) }
            await logs.append(traceId, "ERROR: \(reason)")
            await logs.close(traceId)
            report(AppEvent(app: view.app, kind: .deployFailed, message: "deploy \(traceId.prefix(8)) \(reason)", traceId: traceId))
            return try deployView(traceId)
        }
        if view.stages.contains(where: { $0.name == StageName.route.rawValue && $0.status != .pending }) {
            throw SlipwayError.conflict("deploy \(traceId) is already switching traffic to its new release; it can no longer be cancelled")
        }
        workers.cancellations.cancel(traceId, by: requester)
        let deadline = ContinuousClock.now + Self.cancelWait
        var current = try deployView(traceId)
        while current.status == .inProgress && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            current = try deployView(traceId)
        }
        return current
    }
}
