import AsyncHTTPClient
import NIOCore

/// Turns a response body into values one at a time, on demand.
///
/// `logs` and `events` hand out an `AsyncThrowingStream(unfolding:)` backed by this actor:
/// the request is sent on the first `next()`, and each later `next()` reads only as much of
/// the body as the next value needs, so nothing is collected whole and no task runs in the
/// background. When the consumer stops iterating, the actor and the body iterator go away
/// and AsyncHTTPClient cancels the request.
actor ResponseStream<Decoder: StreamDecoder> {
    /// Sends the request; returns the response and the decoder suited to it.
    typealias Open = @Sendable () async throws -> (HTTPClientResponse, Decoder)

    private let open: Open
    private var decoder: Decoder?
    private var iterator: HTTPClientResponse.Body.AsyncIterator?
    private var ready: [Decoder.Element] = []
    private var readyIndex = 0
    private var ended = false

    init(open: @escaping Open) {
        self.open = open
    }

    func next() async throws -> Decoder.Element? {
        while true {
            if readyIndex < ready.count {
                defer { readyIndex += 1 }
                return ready[readyIndex]
            }
            if ended { return nil }
            if iterator == nil {
                let (response, decoder) = try await open()
                iterator = response.body.makeAsyncIterator()
                self.decoder = decoder
            }
            readyIndex = 0
            if let buffer = try await readBuffer() {
                ready = try decoder?.consume(buffer) ?? []
            } else {
                ended = true
                iterator = nil
                ready = try decoder?.finish() ?? []
            }
        }
    }

    private func readBuffer() async throws -> ByteBuffer? {
        guard var body = iterator else { return nil }
        defer { iterator = body }
        // next(isolation:) keeps the non-Sendable iterator on this actor; the fallback for
        // older Apple runtimes relies on consumers not calling next() concurrently, which
        // AsyncThrowingStream's single-consumer iteration already assumes.
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, *) {
            return try await body.next(isolation: self)
        } else {
            nonisolated(unsafe) var unsafeBody = body
            defer { body = unsafeBody }
            return try await unsafeBody.next()
        }
    }

    /// An `AsyncThrowingStream` pulling from this reader.
    nonisolated func makeStream() -> AsyncThrowingStream<Decoder.Element, any Error> {
        AsyncThrowingStream(unfolding: { try await self.next() })
    }
}

/// Turns body buffers into values, keeping whatever state spans buffers.
protocol StreamDecoder: Sendable {
    associatedtype Element: Sendable
    mutating func consume(_ buffer: ByteBuffer) throws -> [Element]
    /// Values still pending when the body ends.
    mutating func finish() throws -> [Element]
}

extension LogFrameDecoder: StreamDecoder {}
