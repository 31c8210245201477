import Foundation
import Hummingbird
import SlipwayCore

extension Dashboard {
    struct DeployPage {
        struct Stage {
            var name: String
            var status: String
            var started: String
            var duration: String
            var message: String
        }

        var signedIn = true
        var csrf: String
        var traceId: String
        var app: String
        var source: String
        var status: String
        var statusClass: String
        var error: String?
        var stages: [Stage]
        var log: String

        init(_ deploy: DeployView, log: String, csrf: String) {
            self.csrf = csrf
            traceId = deploy.traceId
            app = deploy.app
            source = deploy.source.kind == .upload ? "uploaded source" : [deploy.source.url, deploy.source.ref].compactMap { $0 }.joined(separator: " @ ")
            status = deploy.status.rawValue
            statusClass = deploy.status.rawValue.lowercased().replacingOccurrences(of: " ", with: "-")
            error = deploy.error
            stages = deploy.stages.map {
                Stage(name: $0.name, status: $0.status.rawValue, started: TimeText.clock($0.startedAt), duration: TimeText.duration($0),
                      message: $0.message ?? "")
            }
            self.log = log
        }
    }

    /// A deploy's page (`/deploys/TRACE`) and the Server-Sent Events its script follows: `deploy`
    /// (the deploy's JSON, whenever it changed), `log` (text as it is written) and `end`.
    func addDeployRoutes(to router: Router<BasicRequestContext>) {
        page("/deploys/:trace", on: router) { request, context, session in
            let trace = try context.parameters.require("trace")
            let deploy = try await api.get(DeployView.self, "/v1/deploys/\(Self.pathComponent(trace))", as: request, context: context)
            // A finished deploy's log is shown in the page itself; a running one's comes through the events.
            var log = ""
            if deploy.status != .inProgress {
                let response = try await api.respond(.get, "/v1/deploys/\(Self.pathComponent(trace))/log", json: nil, as: request, context: context)
                let (status, body) = try await api.collect(response)
                log = status == 200 ? String(decoding: body, as: UTF8.self) : "(the log of this deploy is no longer kept)"
            }
            return pages.render("deploy", DeployPage(deploy, log: log, csrf: session.csrfToken))
        }
        router.get("/deploys/:trace/events") { request, context in
            let path = "/v1/deploys/\(Self.pathComponent(try context.parameters.require("trace")))"
            return try await liveStream(request, to: "follow deploys") {
                // Answers 404 now, as a page, for a trace id that does not exist.
                _ = try await api.get(DeployView.self, path, as: request, context: context)
                return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                                body: DeployEvents(api: api, path: path, request: request, context: context).body())
            }
        }
    }
}

/// The event stream of one deploy: its view polled through the API, its log read from the API's
/// follow stream, both merged into one `text/event-stream` body that ends after the deploy did.
struct DeployEvents<API: HTTPResponder>: Sendable where API.Context == BasicRequestContext {
    let api: InProcessAPI<API>
    let path: String
    let request: Request
    let context: BasicRequestContext

    func body() -> ResponseBody {
        ResponseBody { writer in
            let (events, output) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(10_000))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { output.finish() }
                    try await withThrowingTaskGroup(of: Void.self) { producers in
                        producers.addTask { try await followStatus(output) }
                        producers.addTask { try await followLog(output) }
                        try await producers.waitForAll()
                    }
                    output.yield(Self.event("end", "{}"))
                }
                // Until the producers end or the browser goes away (a write fails and cancels them).
                for await chunk in events { try await writer.write(chunk) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
    }

    private func followStatus(_ output: AsyncStream<ByteBuffer>.Continuation) async throws {
        var last = Data()
        var quiet = 0
        while true {
            let deploy = try await api.get(DeployView.self, path, as: request, context: context)
            let json = try Timestamp.encoder().encode(deploy)
            if json != last {
                output.yield(Self.event("deploy", String(decoding: json, as: UTF8.self)))
                last = json
                quiet = 0
            } else {
                quiet += 1
                // A comment now and then keeps proxies from closing a quiet stream.
                if quiet % 50 == 0 { output.yield(ByteBuffer(string: ": keep-alive\n\n")) }
            }
            if deploy.status != .inProgress { return }
            try await Task.sleep(for: .milliseconds(300))
        }
    }

    private func followLog(_ output: AsyncStream<ByteBuffer>.Continuation) async throws {
        let response = try await api.respond(.get, path + "/log", json: nil, as: request, context: context)
        guard response.status == .ok else { return }
        let chunker = LogChunker()
        try await response.body.write(ChunkWriter { buffer in
            guard let chunk = chunker.chunk(buffer) else { return }
            output.yield(Self.event("log", String(decoding: try Timestamp.encoder().encode(chunk), as: UTF8.self)))
        })
    }

    /// One event: JSON on a single `data:` line (JSON escapes every newline).
    static func event(_ name: String, _ json: String) -> ByteBuffer {
        ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
    }
}

/// A piece of deploy log, and where it starts in the whole.
struct LogChunk: Encodable {
    var offset: Int
    var text: String
}

/// Log bytes as text chunks with their offsets (UTF-16 units, as the page's script counts): a
/// UTF-8 sequence split between two reads waits for its end instead of becoming U+FFFD.
final class LogChunker: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [UInt8] = []
    private var offset = 0

    func chunk(_ buffer: ByteBuffer) -> LogChunk? {
        lock.withLock {
            pending += buffer.readableBytesView
            let complete = Self.completePrefix(pending)
            guard complete > 0 else { return nil }
            let text = String(decoding: pending[..<complete], as: UTF8.self)
            pending.removeFirst(complete)
            defer { offset += text.utf16.count }
            return LogChunk(offset: offset, text: text)
        }
    }

    /// How many leading bytes end on a sequence boundary: all, unless the last one to three bytes
    /// begin a multi-byte sequence that is not complete yet.
    static func completePrefix(_ bytes: [UInt8]) -> Int {
        var back = 0
        while back < min(3, bytes.count) {
            let byte = bytes[bytes.count - 1 - back]
            if byte & 0b1100_0000 == 0b1000_0000 {
                back += 1
                continue
            }
            if byte >= 0b1100_0000 {
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if back + 1 < length { return bytes.count - 1 - back }
            }
            break
        }
        return bytes.count
    }
}
