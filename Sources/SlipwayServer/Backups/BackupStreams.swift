import Foundation
import SlipwayEngines

/// A file as a container's standard input, read a chunk at a time as the container takes it
/// (`AsyncStream(unfolding:)` pulls), so a large backup is never held in memory. Calls come
/// one at a time from the stream's consumer.
final class FileFeed: @unchecked Sendable {
    private let handle: FileHandle
    private var ended = false
    static let chunkSize = 1 << 20

    init(_ file: URL) throws {
        handle = try FileHandle(forReadingFrom: file)
    }

    deinit { try? handle.close() }

    func next() -> InteractiveInput? {
        guard !ended else { return nil }
        if let data = try? handle.read(upToCount: Self.chunkSize), !data.isEmpty { return .data(data) }
        ended = true
        return .endOfInput
    }
}

/// A tool's output kept as text, each stream bounded (the last 64 KiB).
final class TextSink: @unchecked Sendable {
    private let lock = NSLock()
    private var streams: [Int: Data] = [:]
    static let limit = 64 << 10

    func append(_ stream: Int, _ data: Data) {
        lock.withLock {
            var buffer = streams[stream, default: Data()]
            buffer.append(data)
            if buffer.count > Self.limit { buffer = Data(buffer.suffix(Self.limit)) }
            streams[stream] = buffer
        }
    }

    func text(_ stream: Int) -> String {
        lock.withLock { String(decoding: streams[stream] ?? Data(), as: UTF8.self) }
    }
}

/// A dump's standard output written to its staging file as it comes; its standard error kept
/// for the error message. `take` answers the byte count when progress is due (twice a second).
final class DumpWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle
    private var bytes: Int64 = 0
    private var failure: String?
    private var lastReport = ContinuousClock.now
    private let errors = TextSink()

    init(_ file: URL) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        handle = try FileHandle(forWritingTo: file)
    }

    func take(_ stream: Int, _ data: Data) -> Int64? {
        guard stream == 1 else {
            errors.append(stream, data)
            return nil
        }
        return lock.withLock {
            guard failure == nil else { return nil }
            do {
                try handle.write(contentsOf: data)
            } catch {
                failure = "\(error)"
                return nil
            }
            bytes += Int64(data.count)
            guard ContinuousClock.now - lastReport >= .milliseconds(500) else { return nil }
            lastReport = ContinuousClock.now
            return bytes
        }
    }

    /// Closes the file (synced to disk); the bytes written, a write failure, the tool's stderr.
    func finish() -> (Int64, String?, String) {
        lock.withLock {
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                if failure == nil { failure = "\(error)" }
            }
            return (bytes, failure, errors.text(2))
        }
    }
}
