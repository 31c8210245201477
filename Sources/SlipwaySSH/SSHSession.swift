import NIOCore
import NIOSSH

/// Who is on the other end of an SSH session: the listed key that authenticated the connection.
public struct SSHUser: Sendable, Equatable {
    /// The key's name in the server's list (`slipway keys`).
    public let keyName: String
    public let fingerprint: String
    /// The client's address, for logs.
    public let remoteAddress: String
}

/// Whoever decides which keys may connect (the server's list of users' keys).
public protocol SSHKeyring: Sendable {
    /// The listed key's name, nil for a key that is not listed.
    func keyName(for key: AuthorizedKey) async -> String?
}

/// What an accepted git command runs: the server's receive (and deploy) of a push, or a fetch.
public protocol GitCommandRunner: Sendable {
    /// Runs `command` for `user` over the session's `io`; returns the exit status the client gets.
    func run(_ command: GitCommand, for user: SSHUser, io: SSHSessionIO) async -> Int32
}

/// One session's standard streams: what the client sends (`input`, ending when it closes its side)
/// and what it is sent on standard output and standard error. Each write completes once the SSH
/// channel took it (within the client's window), so a slow client slows the writer down.
public struct SSHSessionIO: Sendable {
    public let input: SSHInput
    /// Variables the client sent that the server accepts (only `GIT_PROTOCOL`).
    public let environment: [String: String]
    let channel: any Channel

    public func write(_ bytes: [UInt8]) async throws {
        try await send(bytes, as: .channel)
    }

    public func writeError(_ bytes: [UInt8]) async throws {
        try await send(bytes, as: .stdErr)
    }

    /// A line on the client's standard error (git shows it as `remote: ...` during a push).
    public func writeError(line: String) async throws {
        try await writeError(Array((line + "\n").utf8))
    }

    private func send(_ bytes: [UInt8], as type: SSHChannelData.DataType) async throws {
        guard !bytes.isEmpty else { return }
        let data = SSHChannelData(type: type, data: .byteBuffer(ByteBuffer(bytes: bytes)))
        try await channel.writeAndFlush(data).get()
    }
}

/// The bytes a client sends on a session's standard input, as they arrive (with backpressure: the
/// channel reads on only as they are consumed). Ends when the client closes its side.
public struct SSHInput: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let producer: SessionInputHandler.Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: SessionInputHandler.Producer.AsyncIterator

        public mutating func next() async throws -> [UInt8]? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: producer.makeAsyncIterator()) }
}
