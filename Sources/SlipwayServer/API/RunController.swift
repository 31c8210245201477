import Foundation
import Hummingbird
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// `POST /v1/apps/{app}/run`: a one-off command in a container from the current release, its
/// output streamed back as newline-delimited JSON `RunEvent`s, the last one carrying the exit
/// code. A client that disconnects stops the command.
struct RunController: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    /// Standard input is sent inside the JSON body, so it is bounded.
    static let maxStdinBytes = 8 << 20

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/apps/:app/run") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let body = try await JSONResponse.decode(RunRequest.self, from: request, limit: Self.maxStdinBytes * 4 / 3 + (1 << 16))
            guard !body.command.isEmpty, !body.command[0].isEmpty else {
                throw SlipwayError.invalidRequest("give a command to run, e.g. {\"command\": [\"sh\", \"-c\", \"env\"]}")
            }
            guard let release = try store.currentRelease(of: app) else {
                throw SlipwayError.notFound("no app named \(app) with a release; `slipway apps` lists them, `slipway deploy` creates one")
            }
            if let service = body.service, !release.services.contains(where: { $0.name == service }) {
                throw SlipwayError.invalidRequest("\(app) has no service \(service) (it has: \(release.services.map(\.name).joined(separator: ", ")))")
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: stream(release, body))
        }
    }

    private func stream(_ release: Release, _ request: RunRequest) -> ResponseBody {
        let engine = self.engine
        let mask = SecretMask(release: release)
        return ResponseBody { writer in
            let (events, continuation) = AsyncStream.makeStream(of: RunEvent.self, bufferingPolicy: .bufferingNewest(10_000))
            // The command runs in a child task: when writing to a client that went away fails,
            // leaving the group cancels it, which removes the container.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        let code = try await engine.runOneOff(release, service: request.service, command: request.command,
                                                              stdin: request.stdin, purpose: .run) { event in
                            var masked = event
                            masked.text = event.text.map(mask.apply)
                            continuation.yield(masked)
                        }
                        continuation.yield(RunEvent(exitCode: code))
                    } catch {
                        continuation.yield(RunEvent(error: (error as? SlipwayError)?.message ?? "\(error)"))
                    }
                    continuation.finish()
                }
                for await event in events {
                    var line = try JSONResponse.encoder.encode(event)
                    line.append(UInt8(ascii: "\n"))
                    try await writer.write(ByteBuffer(bytes: line))
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
    }
}
