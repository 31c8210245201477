import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSH
import ServiceLifecycle

/// The SSH listener `git push ssh://slipway@HOST:PORT/APP.git` reaches (swift-nio-ssh). It serves
/// one user name, authenticates listed public keys only, opens session channels only (no port
/// forwarding) and runs only the git commands `GitCommand` accepts, through the `runner`; every
/// other request is refused with a message. `start()` binds (so a taken port stops the server's
/// start), `run()` serves until graceful shutdown, which ends the sessions still running.
public final class SSHServer: Service, Sendable {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        /// The only user name accepted (`slipway@HOST`).
        public var userName = "slipway"
        /// A connection that has not authenticated by then is closed.
        public var authenticationTimeout: Duration = .seconds(30)
        /// Authentication attempts per connection.
        public var maxAuthAttempts = 6
        /// Connections held at once; more are closed at accept.
        public var maxConnections = 256

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    private let settings: Settings
    private let hostKey: SSHHostKey
    private let keyring: any SSHKeyring
    private let runner: any GitCommandRunner
    private let logger: Logger
    private let sessions: AsyncStream<PendingSession>
    private let newSession: AsyncStream<PendingSession>.Continuation
    private let connections = ManagedAtomic(0)
    private let listener = BoundListener()

    public init(settings: Settings, hostKey: SSHHostKey, keyring: any SSHKeyring, runner: any GitCommandRunner, logger: Logger) {
        self.settings = settings
        self.hostKey = hostKey
        self.keyring = keyring
        self.runner = runner
        self.logger = logger
        (sessions, newSession) = AsyncStream.makeStream(of: PendingSession.self)
    }

    /// Binds the listener; throws `SSHServerError` naming the address when it cannot.
    public func start() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in accept(channel) }
        do {
            listener.set(try await bootstrap.bind(host: settings.host, port: settings.port).get())
        } catch {
            throw SSHServerError("the SSH listener cannot bind \(settings.host):\(settings.port) (\(error)): choose another --ssh address or stop what holds it")
        }
        logger.info("SSH listener up", metadata: ["ssh.address": "\(settings.host):\(settings.port)", "ssh.host_key": "\(hostKey.publicKey.fingerprint)"])
    }

    /// The port the listener is bound to, once started.
    public var boundPort: Int? { listener.get()?.localAddress?.port }

    public func run() async throws {
        if listener.get() == nil { try await start() }
        // Graceful shutdown cancels the sessions still running (and the git processes they run).
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await session in self.sessions {
                    group.addTask { await self.serve(session) }
                }
            }
        }
        newSession.finish()
        try? await listener.get()?.close()
    }

    // MARK: Connections (on the event loop)

    private func accept(_ channel: any Channel) -> EventLoopFuture<Void> {
        guard connections.loadThenWrappingIncrement(ordering: .relaxed) < settings.maxConnections else {
            connections.wrappingDecrement(ordering: .relaxed)
            logger.warning("SSH connection refused: too many open", metadata: ["ssh.max_connections": "\(settings.maxConnections)"])
            return channel.close()
        }
        let remote = channel.remoteAddress.map { "\($0)" } ?? "unknown"
        let authentication = KeyAuthentication(userName: settings.userName, keyring: keyring, remoteAddress: remote)
        var configuration = SSHServerConfiguration(hostKeys: [hostKey.privateKey], userAuthDelegate: authentication,
                                                   globalRequestDelegate: RefuseGlobalRequests())
        configuration.maxAuthAttempts = settings.maxAuthAttempts
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(settings.authenticationTimeout.components.seconds)) {
            if authentication.user == nil { channel.close(promise: nil) }
        }
        channel.closeFuture.whenComplete { [connections] _ in
            deadline.cancel()
            connections.wrappingDecrement(ordering: .relaxed)
        }
        let (logger, newSession) = (logger, newSession)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                NIOSSHHandler(role: .server(configuration), allocator: channel.allocator,
                              inboundChildChannelInitializer: { child, type in
                                  Self.openSession(child, type, user: authentication.user, newSession: newSession)
                              }),
                ConnectionErrorHandler(logger: logger, remote: remote),
            ])
        }
    }

    /// A channel the client opens: sessions only (direct-tcpip, port forwarding, is refused).
    private static func openSession(_ child: any Channel, _ type: SSHChannelType, user: SSHUser?,
                                    newSession: AsyncStream<PendingSession>.Continuation) -> EventLoopFuture<Void> {
        guard case .session = type, let user else {
            return child.eventLoop.makeFailedFuture(SSHRefusal("slipway: only sessions for git are served; port forwarding is off"))
        }
        let start = child.eventLoop.makePromise(of: SessionStart.self)
        return child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
            let (input, producer) = SessionInputHandler.make(on: child.eventLoop)
            try child.pipeline.syncOperations.addHandlers([SessionRequestHandler(start: start), input])
            newSession.yield(PendingSession(channel: child, input: SSHInput(producer: producer), start: start.futureResult, user: user))
        }
    }

    // MARK: Sessions

    private func serve(_ session: PendingSession) async {
        let channel = session.channel
        guard let start = try? await session.start.get() else {
            try? await channel.close()
            return
        }
        var metadata: Logger.Metadata = ["ssh.key": "\(session.user.keyName)", "ssh.remote": "\(session.user.remoteAddress)"]
        let io = SSHSessionIO(input: session.input, environment: start.environment, channel: channel)
        let status: Int32
        do {
            guard case .exec(let text, _) = start else { throw SSHRefusal.shell }
            metadata["ssh.command"] = "\(SSHRefusal.shown(text))"
            let command = try GitCommand(exec: text)
            status = await runner.run(command, for: session.user, io: io)
        } catch let refusal as SSHRefusal {
            try? await io.writeError(line: refusal.message)
            status = 1
        } catch {
            status = 1
        }
        metadata["ssh.exit_status"] = "\(status)"
        logger.info("SSH session", metadata: metadata)
        // The status, then the channel's close (which says EOF too); the client may have gone already.
        try? await channel.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: Int(status))).get()
        try? await channel.close()
    }
}

/// A session channel waiting for its exec request.
struct PendingSession: Sendable {
    let channel: any Channel
    let input: SSHInput
    let start: EventLoopFuture<SessionStart>
    let user: SSHUser
}

extension SessionStart {
    var environment: [String: String] {
        if case .exec(_, let environment) = self { return environment }
        return [:]
    }
}

/// Closes a connection whose SSH handshake or protocol failed (logged at debug: scanners are many).
final class ConnectionErrorHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let logger: Logger
    let remote: String

    init(logger: Logger, remote: String) {
        self.logger = logger
        self.remote = remote
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("SSH connection closed on error", metadata: ["ssh.remote": "\(remote)", "error": "\(error)"])
        context.close(promise: nil)
    }
}

/// The bound listener, shared between `start()`, `run()` and `boundPort`.
final class BoundListener: Sendable {
    private let box = NIOLockedValueBox<(any Channel)?>(nil)
    func set(_ channel: any Channel) { box.withLockedValue { $0 = channel } }
    func get() -> (any Channel)? { box.withLockedValue { $0 } }
}

public struct SSHServerError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
