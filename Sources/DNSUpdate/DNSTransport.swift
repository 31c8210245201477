import NIOCore
import NIOExtras
import NIOPosix

/// One request and its answer over TCP (RFC 1035 4.2.2: each message after a two-byte length).
/// TCP rather than UDP: an answer is never truncated and needs no retransmission logic; every
/// authoritative server accepts updates and queries over it (RFC 7766).
struct DNSTransport: Sendable {
    let host: String
    let port: Int
    let timeout: Duration

    func exchange(_ request: [UInt8]) async throws -> [UInt8] {
        let (host, port) = (self.host, self.port)
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.seconds(10))
                    .connect(host: host, port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldBitLength: .twoBytes)))
                            try channel.pipeline.syncOperations.addHandler(LengthFieldPrepender(lengthFieldBitLength: .twoBytes))
                            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                return try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: request))
                    for try await frame in inbound { return Array(frame.readableBytesView) }
                    return nil
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DNSUpdateError(kind: .unreachable, message: "the DNS server at \(host):\(port) did not answer within \(timeout)")
            }
            defer { group.cancelAll() }
            do {
                guard let answer = try await group.next() ?? nil else {
                    throw DNSUpdateError(kind: .unreachable, message: "the DNS server at \(host):\(port) closed the connection without an answer")
                }
                return answer
            } catch let error as DNSUpdateError {
                throw error
            } catch {
                throw DNSUpdateError(kind: .unreachable, message: "cannot reach the DNS server at \(host):\(port) over TCP: \(error)")
            }
        }
    }
}
