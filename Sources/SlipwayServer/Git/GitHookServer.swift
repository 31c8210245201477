import Foundation
import GitReceive
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// One hook's connection, as the push it belongs to sees it: what receive-pack writes to the
/// hook's standard input, and a way to write to its standard output and error. Read by one task.
final class HookConnection {
    private var input: AsyncStream<[UInt8]>.AsyncIterator
    private var pending: [UInt8]
    let send: @Sendable (HookFrame.Channel, [UInt8]) async throws -> Void

    init(input: AsyncStream<[UInt8]>.AsyncIterator, pending: [UInt8], send: @escaping @Sendable (HookFrame.Channel, [UInt8]) async throws -> Void) {
        self.input = input
        self.pending = pending
        self.send = send
    }

    /// The next bytes the hook read from receive-pack; nil once its input has ended.
    func read() async -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        return await input.next()
    }
}

/// The pushes in progress, by the ticket their receive-pack was started with. A ticket is used
/// once: a second connection with it (or one with no known ticket) is closed at once.
actor HookTickets {
    typealias Handler = @Sendable (HookConnection) async -> Void
    private var handlers: [String: Handler] = [:]

    func register(_ handler: @escaping Handler) -> String {
        var generator = SystemRandomNumberGenerator()
        let ticket = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        handlers[ticket] = handler
        return ticket
    }

    func take(_ ticket: String) -> Handler? { handlers.removeValue(forKey: ticket) }

    func remove(_ ticket: String) { handlers[ticket] = nil }
}

/// The unix socket (`DATA/git/hook.sock`, 0600 in a 0700 directory) the `proc-receive` hook of
/// every push connects to (`slipway git-hook`, `HookRelay`): the hook names its push by ticket,
/// and the push's `PushSession` talks through it to receive-pack.
struct GitHookServer: Service {
    let socketPath: String
    let tickets: HookTickets
    let logger: Logger

    func run() async throws {
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            // DATA/git is 0700, so no other user reaches the socket even before its own mode is set.
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            _ = chmod(socketPath, 0o600)
        } catch {
            // The rest of the server works without it (a unix socket path has at most 107 bytes, a
            // long data directory may not fit): pushes then fail, saying the server is unreachable.
            logger.error("git pushes cannot deploy: the hook socket could not be opened", metadata: ["socket": "\(socketPath)", "error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                let (input, continuation) = AsyncStream.makeStream(of: [UInt8].self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { continuation.finish() }
                        for try await buffer in inbound { continuation.yield(Array(buffer.readableBytesView)) }
                    }
                    defer { group.cancelAll() }
                    // The first line names the push; what follows it is the hook's standard input.
                    var iterator = input.makeAsyncIterator()
                    var pending: [UInt8] = []
                    while !pending.contains(UInt8(ascii: "\n")) {
                        guard pending.count < 256, let bytes = await iterator.next() else { return }
                        pending += bytes
                    }
                    let newline = pending.firstIndex(of: UInt8(ascii: "\n"))!
                    let ticket = String(decoding: pending[..<newline], as: UTF8.self)
                    guard let handler = await tickets.take(ticket) else {
                        logger.notice("a git hook connected with an unknown ticket")
                        return
                    }
                    let hook = HookConnection(input: iterator, pending: Array(pending[(newline + 1)...])) { channel, bytes in
                        try await outbound.write(ByteBuffer(bytes: HookFrame.encode(channel, bytes)))
                    }
                    await handler(hook)
                }
            }
        } catch {
            logger.info("a git hook connection ended", metadata: ["error": "\(error)"])
        }
    }
}
