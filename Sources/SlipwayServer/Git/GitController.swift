import Commands
import Foundation
import Hummingbird
import Logging
import SlipwayCore
import SlipwayStore

/// The git remote on the API listener: `https://HOST:7070/git/APP.git`, push only (smart HTTP,
/// served by `git http-backend` through `GitPush`). The token is checked before this (Basic
/// password, see `GitHTTPAuth`); the app's name is checked here, and the request given to git
/// is built from checked values only.
struct GitController: Sendable {
    let store: SlipwayStore
    let push: GitPush
    let secure: Bool

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/git/:repo/info/refs") { request, context in
            await answer(request) {
                let app = try checkedApp(context.parameters.require("repo"))
                guard request.uri.queryParameters["service"] == "git-receive-pack" else {
                    throw SlipwayError(code: "push_only", message: "this remote takes pushes only (git push); fetch from your own repository", httpStatus: 403)
                }
                return stream(request, app: app, service: .advertisement, contentType: "application/x-git-receive-pack-advertisement")
            }
        }
        router.post("/git/:repo/git-receive-pack") { request, context in
            await answer(request) {
                let app = try checkedApp(context.parameters.require("repo"))
                guard request.headers[.contentType] == "application/x-git-receive-pack-request" else {
                    throw SlipwayError(code: "unsupported_media_type", message: "a push is sent as application/x-git-receive-pack-request (use git push)", httpStatus: 415)
                }
                if let length = request.headers[.contentLength].flatMap(Int64.init), length > push.repositories.maxPushBytes {
                    throw Self.tooLarge(push.repositories.maxPushBytes)
                }
                return stream(request, app: app, service: .receivePack, contentType: "application/x-git-receive-pack-result")
            }
        }
    }

    /// `shop.git` or `shop`: an app that exists or was set up for pushes (`slipway git set`).
    func checkedApp(_ repository: String) throws -> AppName {
        let name = repository.hasSuffix(".git") ? String(repository.dropLast(4)) : repository
        let app = try DNSLabel(name)
        if try store.app(app) == nil, try store.deployBranch(of: app) == nil {
            throw SlipwayError.notFound("no app named \(app): deploy it once (`slipway deploy DIR --app \(app)`) or set it up for pushes with `slipway git set \(app) --branch main`, then push again")
        }
        return app
    }

    /// The URL the client pushed to, as it wrote it (recorded with the release).
    func remoteURL(_ request: Request, app: AppName) -> String {
        "\(secure ? "https" : "http")://\(request.head.authority ?? "localhost")/git/\(app.value).git"
    }

    /// git http-backend's answer, streamed. Its headers are known in advance for a request checked
    /// as above; the body is what git writes, as it writes it (the deploy's progress among it).
    private func stream(_ request: Request, app: AppName, service: CGIRequest.Service, contentType: String) -> Response {
        let cgi = CGIRequest(service: service, contentType: request.headers[.contentType],
                             contentLength: request.headers[.contentLength].flatMap(Int.init),
                             contentEncoding: request.headers[.contentEncoding].flatMap { $0 == "gzip" ? $0 : nil },
                             remoteUser: GitHTTPAuth.userName(request.headers[.authorization]), remoteAddress: nil)
        let push = self.push
        let remote = remoteURL(request, app: app)
        let limit = push.repositories.maxPushBytes
        let body = BoundedBody(body: request.body, limit: limit)
        return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache, max-age=0, must-revalidate"],
                        body: ResponseBody { writer in
                            // git's output is small (ref advertisement, status report, progress): queued
                            // here and written by this task, which owns the writer.
                            let (chunks, queue) = AsyncStream.makeStream(of: [UInt8].self)
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                group.addTask {
                                    defer { queue.finish() }
                                    let result = try await push.httpBackend(app: app, remoteURL: remote, request: cgi, input: body) { bytes in
                                        queue.yield(bytes)
                                    }
                                    if !result.succeeded {
                                        push.logger.warning("git http-backend failed", metadata: ["app.name": "\(app)", "status": "\(result.statusDescription)"])
                                    }
                                }
                                for await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
                                try await group.waitForAll()
                            }
                            try await writer.finish(nil)
                        })
    }

    private func answer(_ request: Request, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as SlipwayError {
            return GitHTTPError.response(error, for: request)
        } catch {
            return GitHTTPError.response(.internal("\(error)"), for: request)
        }
    }

    static func tooLarge(_ limit: Int64) -> SlipwayError {
        .payloadTooLarge("the push is larger than the server's limit of \(limit / 1_048_576) MiB (--max-clone-mb); push less history (a shallow clone) or ask the operator to raise the limit")
    }
}

/// The request body as byte arrays, ending the push with an error past the size limit (a
/// chunked body has no length to check in advance).
struct BoundedBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let body: RequestBody
    let limit: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int64
        var received: Int64 = 0

        mutating func next() async throws -> [UInt8]? {
            guard let buffer = try await base.next() else { return nil }
            received += Int64(buffer.readableBytes)
            if received > limit { throw GitController.tooLarge(limit) }
            return Array(buffer.readableBytesView)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator(), limit: limit) }
}
