import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// Deploy endpoints: queue a deploy (git source or uploaded archive), read its status, follow its log, cancel it.
struct DeployController: Sendable {
    let store: SlipwayStore
    let logs: DeployLogs
    let configuration: ServerConfiguration
    let workers: DeployWorkers
    /// The app event log (a cancelled queued deploy is reported there).
    var report: @Sendable (AppEvent) -> Void = { _ in }
    /// `--max-queued-per-app` / `--max-queued`: checked before a deploy's body is read.
    var queueLimit: DeployQueueLimit?

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/apps/:app/deploys") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let traceId = try await enqueue(request, app: app)
            return try JSONResponse.make(TraceResponse(traceId: traceId), status: .accepted)
        }
        router.get("/v1/deploys/:trace") { _, context in
            try JSONResponse.make(try deployView(context.parameters.require("trace")))
        }
        addCancelRoute(to: router)
        router.get("/v1/deploys/:trace/log") { _, context in
            let traceId = try context.parameters.require("trace")
            let view = try deployView(traceId)
            if view.status != .inProgress && !logs.exists(traceId) {
                throw SlipwayError.notFound("the log of deploy \(traceId) is no longer kept: only the last 100 deploys of each app keep theirs")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: followLog(traceId))
        }
        router.get("/v1/apps/:app/deploys") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let deploys = try store.deploys(app: app)
            // An app's first deploy is listed while it is queued, before the app exists.
            if deploys.isEmpty, try store.app(app) == nil {
                throw SlipwayError.notFound("no app named \(app); `slipway apps` lists them, `slipway deploy` creates one")
            }
            return try JSONResponse.make(["deploys": deploys])
        }
    }

    /// Queues a deploy from the request: a JSON `{source, ref}` or a gzip-compressed tarball body.
    func enqueue(_ request: Request, app: AppName) async throws -> String {
        let traceId = UUID().uuidString.lowercased()
        try queueLimit?.check(app)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("application/gzip") || contentType.hasPrefix("application/x-gzip")
            || contentType.hasPrefix("application/x-tar+gzip") {
            let upload = try await UploadReceiver.receive(request.body, traceId: traceId,
                                                          directory: configuration.uploadsDirectory,
                                                          limit: configuration.maxUploadBytes)
            try store.enqueueDeploy(traceId: traceId, app: app, source: SourceInfo(kind: .upload), uploadPath: upload.path,
                                    requestedBy: Self.requester(request))
        } else {
            // Anything else must be JSON and say so (415 otherwise): see `JSONResponse.requireJSONContentType`.
            let body = try await JSONResponse.decode(DeployRequest.self, from: request)
            let source = try GitSourceRequest(body.source, configuration: configuration)
            if let ref = body.ref { try GitRef.validate(ref) }
            try store.enqueueDeploy(traceId: traceId, app: app,
                                    source: SourceInfo(kind: .git, url: source.shownURL, ref: body.ref), uploadPath: nil,
                                    requestedBy: Self.requester(request))
            try source.storeCredentials(traceId, in: store)
        }
        workers.wake()
        return traceId
    }

    /// Who asked: the CLI sends the local user's name; scripts may too.
    static func requester(_ request: Request) -> String? {
        let name = request.headers.first { $0.name.canonicalName == "x-slipway-user" }?.value ?? ""
        return name.isEmpty || name.count > 64 ? nil : name
    }

    func deployView(_ traceId: String) throws -> DeployView {
        guard let view = try store.deploy(traceId) else {
            throw SlipwayError.notFound("no deploy with trace id \(traceId)")
        }
        return view
    }

    /// Streams the deploy log as it grows and ends once the deploy has ended and all of it was sent.
    func followLog(_ traceId: String) -> ResponseBody {
        ResponseBody { writer in
            var offset: UInt64 = 0
            while true {
                // Read the status before the file, so nothing written just before the end is missed.
                let finished = (try? store.deploy(traceId))?.status != .inProgress
                let data = logs.read(traceId, from: offset)
                if !data.isEmpty {
                    offset += UInt64(data.count)
                    try await writer.write(ByteBuffer(bytes: data))
                }
                if finished && data.isEmpty { break }
                if data.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            try await writer.finish(nil)
        }
    }
}

/// Writes an uploaded archive to disk as it arrives, refusing bodies over the limit or not gzip.
enum UploadReceiver {
    static func receive(_ body: RequestBody, traceId: String, directory: URL, limit: Int) async throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("\(traceId).tar.gz")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw SlipwayError.internal("cannot write uploads under \(directory.path)")
        }
        var received = 0
        var checkedMagic = false
        do {
            defer { try? handle.close() }
            for try await buffer in body {
                received += buffer.readableBytes
                if received > limit {
                    throw SlipwayError.payloadTooLarge(
                        "the upload is larger than the server's limit of \(limit / (1024 * 1024)) MiB; add large files to .dockerignore or raise --max-upload-mb")
                }
                if !checkedMagic, buffer.readableBytes >= 2 {
                    let magic = buffer.getBytes(at: buffer.readerIndex, length: 2) ?? []
                    guard magic == [0x1f, 0x8b] else {
                        throw SlipwayError.invalidRequest("the body is not a gzip-compressed tar archive (.tar.gz)")
                    }
                    checkedMagic = true
                }
                handle.write(Data(buffer.readableBytesView))
            }
            guard received > 0 else { throw SlipwayError.invalidRequest("the uploaded archive is empty") }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return url
    }
}
