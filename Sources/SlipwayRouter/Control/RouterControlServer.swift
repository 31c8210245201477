import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

/// The control socket of a router process (see `RouterControl`): the server hands it route tables
/// and HTTP-01 answers, asks it to drain backends and reads its metrics. Only its owner can connect: the socket file is 0700, in a 0700
/// directory.
public final class RouterControlServer: Sendable {
    let router: Router
    let stateFile: RouteStateFile
    let logger: Logger
    /// The process's metrics in the Prometheus text format, for `GET /metrics`.
    let metrics: @Sendable () -> String
    /// Requests per app since the last call, as JSON, for `GET /traffic` (the server's metrics history).
    let traffic: @Sendable () -> Data
    private let channel: NIOLockedValueBox<(any Channel)?> = NIOLockedValueBox(nil)

    public init(router: Router, stateFile: RouteStateFile, metrics: @escaping @Sendable () -> String = { "" },
                traffic: @escaping @Sendable () -> Data = { Data("{}".utf8) }, logger: Logger) {
        self.router = router
        self.stateFile = stateFile
        self.metrics = metrics
        self.traffic = traffic
        self.logger = logger
    }

    public func start(socketPath: String) async throws {
        let handler = { @Sendable (channel: any Channel) -> EventLoopFuture<Void> in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: 64 << 20))
                try channel.pipeline.syncOperations.addHandler(RouterControlHandler(server: self))
            }
        }
        // The socket file is created for its owner only (0700). umask is process-wide: a file made
        // elsewhere in this moment is only more private.
        let previous = umask(0o077)
        defer { umask(previous) }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer(handler)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true).get()
        self.channel.withLockedValue { $0 = channel }
    }

    public func stop() async {
        try? await self.channel.withLockedValue { $0 }?.close()
    }

    /// Answers one control request: (status, JSON body).
    func handle(_ request: NIOHTTPServerRequestFull) async -> (HTTPResponseStatus, Data) {
        let path = request.head.uri.split(separator: "?").first.map(String.init) ?? request.head.uri
        let body = request.body.map { Data($0.readableBytesView) } ?? Data()
        do {
            switch (request.head.method, path) {
            case (.GET, "/status"):
                let routes = self.router.routes
                let status = RouterProcessStatus(
                    pid: getpid(), http: "\(self.router.host):\(self.router.boundPort ?? self.router.requestedPort)",
                    domain: routes.domain, https: self.router.tls.map { "\($0.host):\(self.router.boundHTTPSPort ?? $0.port)" },
                    apps: routes.apps.count)
                return (.ok, try JSONEncoder().encode(status))
            case (.PUT, "/routes"):
                let routes = try JSONDecoder().decode(RouteTable.Routes.self, from: body)
                self.router.routes.replaceRoutes(routes)
                try self.stateFile.write(routes)
                return (.noContent, Data())
            case (.GET, "/metrics"):
                return (.ok, Data(self.metrics().utf8))
            case (.GET, "/traffic"):
                return (.ok, self.traffic())
            case (.PUT, _) where path.hasPrefix(Self.challengesPrefix):
                return try self.putChallenge(token: String(path.dropFirst(Self.challengesPrefix.count)), body: body)
            case (.DELETE, _) where path.hasPrefix(Self.challengesPrefix):
                self.router.challengeTokens.remove(token: String(path.dropFirst(Self.challengesPrefix.count)))
                return (.noContent, Data())
            case (.POST, "/drain"):
                let drain = try JSONDecoder().decode(DrainRequest.self, from: body)
                let drained = await self.router.waitUntilDrained(drain.backends, timeout: .milliseconds(drain.timeoutMilliseconds))
                return (.ok, try JSONEncoder().encode(DrainResponse(drained: drained)))
            default:
                return (.notFound, Data(#"{"error": "unknown control request"}"#.utf8))
            }
        } catch let error as ChallengeAnswerError {
            return (.badRequest, Self.errorBody(error.description))
        } catch {
            self.logger.warning("router control request failed", metadata: ["error": "\(error)"])
            return (.badRequest, Data(#"{"error": "bad control request"}"#.utf8))
        }
    }

    static let challengesPrefix = "/challenges/"

    /// `PUT /challenges/TOKEN` with a `ChallengeAnswer`: answered on `--http` from now on.
    private func putChallenge(token: String, body: Data) throws -> (HTTPResponseStatus, Data) {
        let answer = try JSONDecoder().decode(ChallengeAnswer.self, from: body)
        try ChallengeAnswer.validate(token: token, keyAuthorization: answer.keyAuthorization)
        let tokens = self.router.challengeTokens
        guard tokens.keyAuthorization(token: token) != nil || tokens.tokenCount < ChallengeAnswer.maximumTokens else {
            return (.conflict, Self.errorBody("\(ChallengeAnswer.maximumTokens) challenge tokens are kept already; remove some first"))
        }
        tokens.set(token: token, keyAuthorization: answer.keyAuthorization)
        return (.noContent, Data())
    }

    private static func errorBody(_ message: String) -> Data {
        (try? JSONEncoder().encode(["error": message])) ?? Data()
    }
}

private final class RouterControlHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    let server: RouterControlServer

    init(server: RouterControlServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = Self.unwrapInboundIn(data)
        let channel = context.channel
        let server = self.server
        // Drains take up to their timeout: answered off the event loop.
        channel.eventLoop.makeFutureWithTask { await server.handle(request) }.whenSuccess { status, body in
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.count))
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        }
    }
}
