import Foundation
import Hummingbird
import SlipwayCore

/// `text/event-stream` responses (Server-Sent Events): one `data:` JSON object per event, with
/// an `id:` a browser's EventSource sends back as Last-Event-ID when it reconnects. Comment
/// lines every 15 s keep proxies from closing an idle stream.
enum ServerSentEvents {
    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]

    static func event<T: Encodable>(_ value: T, id: String? = nil) throws -> ByteBuffer {
        var text = ""
        if let id { text += "id: \(id)\n" }
        text += "data: " + String(decoding: try JSONResponse.encoder.encode(value), as: UTF8.self) + "\n\n"
        return ByteBuffer(string: text)
    }

    /// Writes what `produce` yields until it ends or the client goes away, with keep-alive comments between.
    /// `onEnd` runs once the stream has ended, however it ended.
    static func stream(onEnd: @escaping @Sendable () -> Void = {},
                       _ produce: @escaping @Sendable (AsyncStream<ByteBuffer>.Continuation) async throws -> Void) -> ResponseBody {
        ResponseBody { writer in
            defer { onEnd() }
            let (chunks, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(50_000))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { continuation.finish() }
                    try await produce(continuation)
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(15))
                        continuation.yield(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                // Until the producer ends (then the keep-alive task is cancelled) or a write fails.
                for await chunk in chunks { try await writer.write(chunk) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
    }
}
