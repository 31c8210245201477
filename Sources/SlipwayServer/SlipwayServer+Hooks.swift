import SlipwayCore
import Hummingbird

extension SlipwayServer {
    /// The deploy endpoints' controller, as the API and the webhooks share it (queueing, cancelling).
    static func deployController(_ parts: APIParts) -> DeployController {
        let events = parts.events
        return DeployController(store: parts.store, logs: parts.logs, configuration: parts.configuration, workers: parts.workers,
                                report: { events.report($0) }, queueLimit: parts.queueLimit)
    }

    /// Webhook deploys and preview apps over the API's parts.
    static func previews(_ parts: APIParts) -> Previews {
        let events = parts.events
        let deploys = deployController(parts)
        return Previews(store: parts.store, configuration: parts.configuration, queue: gitDeployQueue(parts),
                        removal: AppRemoval(store: parts.store, engine: parts.engine, appLogs: parts.appLogs.lines, edge: parts.edge,
                                           repositories: parts.gitPush?.repositories),
                        cancel: { _ = try await deploys.cancel($0, by: "preview closed") }, report: { events.report($0) })
    }

    static func gitDeployQueue(_ parts: APIParts) -> GitDeployQueue {
        GitDeployQueue(store: parts.store, workers: parts.workers, queueLimit: parts.queueLimit)
    }

    /// `slipway git` and `slipway previews` routes, and the forges' `/hooks/{app}`.
    static func addHookRoutes(_ parts: APIParts, to router: Router<BasicRequestContext>) {
        let previews = previews(parts)
        GitConnectionController(store: parts.store, configuration: parts.configuration).addRoutes(to: router)
        PreviewController(store: parts.store, previews: previews).addRoutes(to: router)
        WebhookController(store: parts.store, configuration: parts.configuration, queue: gitDeployQueue(parts), previews: previews)
            .addRoutes(to: router)
    }
}
