import AsyncHTTPClient
import NIOCore

/// Splits a streamed body into lines (without "\n" or "\r\n"); a last line without a
/// newline is returned at the end. Lines longer than `maxLineBytes` fail rather than grow
/// without bound.
///
/// `@unchecked Sendable`: used only from one `AsyncThrowingStream(unfolding:)`, which never
/// calls `nextLine()` concurrently.
final class LineReader: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending: [UInt8] = []
    private var scanned = 0
    private var finished = false
    let maxLineBytes: Int

    init(body: HTTPClientResponse.Body, maxLineBytes: Int) {
        self.iterator = body.makeAsyncIterator()
        self.maxLineBytes = maxLineBytes
    }

    func nextLine() async throws -> [UInt8]? {
        while true {
            if let newline = pending[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                scanned = 0
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            scanned = pending.count
            if finished {
                guard !pending.isEmpty else { return nil }
                defer { pending = []; scanned = 0 }
                return pending
            }
            guard pending.count <= maxLineBytes else {
                throw KubernetesAPIError.badResponse(nil, "a streamed line is longer than \(maxLineBytes) bytes")
            }
            if let chunk = try await iterator.next() {
                pending.append(contentsOf: chunk.readableBytesView)
            } else {
                finished = true
            }
        }
    }
}
