import Crypto
import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `POST /hooks/{app}`: a forge's webhook. No API token: the delivery is authenticated by its
/// forge's signature under the app's webhook secret (see `WebhookSignature`), checked on the raw
/// body before any of it is parsed. Then a delivery id (or a signed body) seen before is ignored;
/// a push to the connected branch queues a deploy of that commit; a pull/merge request opened or
/// updated deploys its preview app, closed or merged removes it; anything else answers 202 with why
/// it was ignored.
struct WebhookController: Sendable {
    let store: SlipwayStore
    let configuration: ServerConfiguration
    let queue: GitDeployQueue
    let previews: Previews

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/hooks/:app") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let answer = try await receive(request, app: app)
            return try JSONResponse.make(answer, status: .accepted)
        }
    }

    func receive(_ request: Request, app: AppName) async throws -> WebhookAnswer {
        let limit = configuration.hooks.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Self.tooLarge(limit)
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: limit))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Self.tooLarge(limit)
        }
        guard let connection = try store.gitConnection(app) else {
            throw SlipwayError.notFound("no webhook is connected for \(app); `slipway git connect \(app) --repo URL` makes one")
        }
        let delivery = try WebhookSignature.verify(connection.forge, headers: request.headers, body: body, secret: connection.webhookSecret)
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        guard try store.recordDelivery(app: app, deliveryId: delivery.id, bodyDigest: digest,
                                       keep: configuration.hooks.rememberedDeliveries) else {
            return WebhookAnswer(app: app.value, ignored: "delivery \(delivery.id.prefix(80)) (or the same signed body) was received before: a replay does nothing")
        }
        do {
            return try await act(on: delivery, body: body, request: request, connection: connection)
        } catch {
            // Not handled: the forge's redelivery of it must not count as a replay.
            try? store.forgetDelivery(app: app, deliveryId: delivery.id)
            throw error
        }
    }

    private func act(on delivery: WebhookSignature.Delivery, body: [UInt8], request: Request, connection: GitConnection) async throws -> WebhookAnswer {
        let app = connection.app
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw SlipwayError(code: "unsupported_media_type",
                               message: "webhook bodies must be JSON: set the webhook's content type to application/json (this one was \(contentType.isEmpty ? "not given" : String(contentType.prefix(60))))",
                               httpStatus: 415)
        }
        let requester = "webhook (\(connection.forge.rawValue))"
        switch try ForgeEvent.parse(connection.forge, event: delivery.event, body: body) {
        case .ignored(let why):
            return WebhookAnswer(app: app.value, ignored: why)
        case .push(let branch, let commit):
            let deployBranch = try store.deployBranch(of: app)?.branch ?? SlipwayStore.defaultDeployBranch
            guard branch == deployBranch else {
                return WebhookAnswer(app: app.value, ignored: "a push to \(branch), not to \(deployBranch) (the branch \(app) deploys; `slipway git set \(app) --branch B` changes it)")
            }
            let traceId = try await queue.queue(app, from: connection, ref: commit, requestedBy: requester)
            return WebhookAnswer(traceId: traceId, app: app.value)
        case .pullRequest(let number, let change, let commit, let branch):
            switch change {
            case .headChanged:
                return try await previews.deploy(parent: app, connection: connection, number: number, commit: commit, branch: branch,
                                                 requestedBy: requester)
            case .closed:
                return try await previews.close(parent: app, number: number, requestedBy: requester)
            }
        }
    }

    static func tooLarge(_ limit: Int) -> SlipwayError {
        .payloadTooLarge("the delivery is larger than \(limit / 1_048_576) MiB, more than any push or pull request event needs")
    }
}

/// Queues a git deploy of a connected app (or its preview) at a ref, as `POST /v1/apps/{app}/deploys` would.
struct GitDeployQueue: Sendable {
    let store: SlipwayStore
    let workers: DeployWorkers
    let queueLimit: DeployQueueLimit

    func queue(_ app: AppName, from connection: GitConnection, ref: String, requestedBy: String) async throws -> String {
        try queueLimit.check(app)
        let traceId = UUID().uuidString.lowercased()
        try store.enqueueDeploy(traceId: traceId, app: app, source: SourceInfo(kind: .git, url: connection.repo, ref: ref),
                                uploadPath: nil, requestedBy: requestedBy)
        if let credentials = connection.credentials {
            try store.setDeployCredentials(traceId, username: credentials.username, password: credentials.password)
        }
        workers.wake()
        return traceId
    }
}
