import Foundation
import NIOCore
import NIOPosix

/// What an interactive client sends a container: bytes for its standard input, a new terminal
/// size, or the end of its input.
public enum AttachInput: Sendable {
    case data(Data)
    case resize(columns: Int, rows: Int)
    case endOfInput
}

extension DockerClient {
    /// `POST /containers/{id}/attach?stream=1&stdin=1&stdout=1&stderr=1`, hijacked: the HTTP
    /// connection becomes a raw two-way stream (`Upgrade: tcp`, which both engines honour).
    /// AsyncHTTPClient cannot hand a connection over, so this one is NIO's own on the socket.
    /// `started` runs once the connection is attached (start the container there, so no output
    /// is missed); `input` goes to the container's stdin (resizes to `/resize`); the container's
    /// output goes to `output` as (stream, bytes) — stream 1 stdout, 2 stderr; one raw stream with
    /// a TTY (reported as stdout) — until it exits and the engine closes the connection.
    public func attachInteractive<Input: AsyncSequence & Sendable>(
        _ id: String, tty: Bool, input: Input, started: @Sendable () async throws -> Void,
        output: @escaping @Sendable (Int, Data) async -> Void
    ) async throws where Input.Element == AttachInput {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Half-closure: the end of the input shuts the write side only (stdin's EOF), output goes on.
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        let path = "/v1.41/containers/\(DockerRequest.escapePath(id))/attach?stream=1&stdin=1&stdout=1&stderr=1"
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "POST \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"))
            var frames = AttachFrames(raw: tty)
            var iterator = inbound.makeAsyncIterator()
            // The response head, then whatever output came with it.
            var head = Data()
            while true {
                guard let buffer = try await iterator.next() else {
                    throw DockerAPIError(statusCode: nil, message: "the engine closed the attach connection of \(id) before answering")
                }
                head.append(contentsOf: buffer.readableBytesView)
                if let end = head.range(of: Data("\r\n\r\n".utf8)) {
                    let status = String(decoding: head[..<end.lowerBound], as: UTF8.self).split(separator: " ").dropFirst().first.flatMap { Int($0) }
                    guard status == 101 || status == 200 else {
                        throw DockerAPIError(statusCode: status, message: "attach to \(id) refused: \(String(decoding: head.prefix(300), as: UTF8.self))")
                    }
                    for (stream, bytes) in frames.append(Data(head[end.upperBound...])) { await output(stream, bytes) }
                    break
                }
            }
            try await started()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await item in input {
                        switch item {
                        case .data(let data): try await outbound.write(ByteBuffer(bytes: data))
                        case .resize(let columns, let rows): try? await resize(id, rows: rows, columns: columns)
                        case .endOfInput: outbound.finish(); return
                        }
                    }
                }
                while let buffer = try await iterator.next() {
                    for (stream, bytes) in frames.append(Data(buffer.readableBytesView)) { await output(stream, bytes) }
                }
                group.cancelAll()
            }
        }
    }

    /// `POST /containers/{id}/resize`: the terminal's new size.
    public func resize(_ id: String, rows: Int, columns: Int) async throws {
        try await sendIgnoringBody(.resizeContainer(id, rows: rows, columns: columns))
    }
}

/// The attach stream of a container without a TTY: frames of an 8-byte header (stream, 0, 0, 0,
/// big-endian length) and the bytes; with a TTY, raw bytes.
struct AttachFrames {
    let raw: Bool
    private var pending = Data()

    init(raw: Bool) { self.raw = raw }

    mutating func append(_ data: Data) -> [(Int, Data)] {
        if raw { return data.isEmpty ? [] : [(1, data)] }
        pending.append(data)
        var frames: [(Int, Data)] = []
        while pending.count >= 8 {
            let start = pending.startIndex
            let length = pending[(start + 4)..<(start + 8)].reduce(0) { $0 << 8 | Int($1) }
            guard pending.count >= 8 + length else { break }
            frames.append((Int(pending[start]), Data(pending[(start + 8)..<(start + 8 + length)])))
            pending = Data(pending[(start + 8 + length)...])
        }
        return frames
    }
}
