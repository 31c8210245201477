import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayServer
import SlipwayTestSupport
import Testing

/// What the API's routes answer beyond their statuses (OpenAPIContractTests has those): the bodies
/// a user reads, and that a refused request changes nothing.
@Suite("API routes")
struct APIRouteTests {
    @Test("an unknown endpoint answers a JSON 404 that points at the API description")
    func unknownEndpoint() async throws {
        try await InProcessServer.with { server in
            let answer = try await server.get("/v1/nothing-here")
            #expect(answer.status == 404)
            #expect(answer.errorCode == "not_found")
            #expect(answer.errorMessage?.contains("/openapi.yaml") == true)
            #expect(answer.headers[.contentType] == "application/json")
        }
    }

    @Test("with a token, calls without it are refused (401) and change nothing; /healthz stays open")
    func token() async throws {
        try await InProcessServer.with(configure: { $0.token = APIProvocations.token }) { server in
            _ = try await server.deploy("demo")
            let anonymous: HTTPFields = [.authorization: ""]
            #expect(try await server.get("/healthz", headers: anonymous).status == 200)
            for (method, path) in [(HTTPRequest.Method.delete, "/v1/apps/demo"), (.post, "/v1/apps/demo/rollback"), (.get, "/v1/apps/demo/config")] {
                let answer = try await server.request(method, path, headers: [.authorization: "Bearer \(APIProvocations.token)x"])
                #expect(answer.status == 401 && answer.errorCode == "unauthorized", "\(method) \(path): \(answer.status)")
            }
            #expect(try await server.get("/v1/apps/demo").decode(AppView.self).currentRelease == 1)
            #expect(await server.engine.calls.filter { $0.hasPrefix("destroy") }.isEmpty)
        }
    }

    @Test("an app's deploys: 404 for an app nobody deployed, like its other routes; a first deploy is listed before the app exists")
    func deploysOfUnknownApp() async throws {
        try await InProcessServer.with { server in
            let unknown = try await server.get("/v1/apps/nobody/deploys")
            #expect(unknown.status == 404 && unknown.errorCode == "not_found", "\(unknown.status) \(unknown.body)")
            #expect(unknown.errorMessage?.contains("no app named nobody") == true)
            // A source with nothing to build fails before any release: there is no app, only its deploy.
            let failed = try await server.waitForDeploy(try await server.queueDeploy("fresh", files: ["notes.txt": "nothing to run"]))
            #expect(failed.status == .error)
            let listed = try await server.get("/v1/apps/fresh/deploys")
            #expect(listed.status == 200)
            #expect(try listed.decode([String: [DeployView]].self)["deploys"]?.map(\.traceId) == [failed.traceId])
        }
    }

    @Test("destroy removes the app, its replicas and its images; its name is free again")
    func destroy() async throws {
        try await InProcessServer.with { server in
            let deploy = try await server.deploy("demo")
            let answer = try await server.request(.delete, "/v1/apps/demo")
            #expect(answer.status == 200)
            #expect(answer.json?["destroyed"] as? Bool == true)
            #expect(try await server.get("/v1/apps/demo").status == 404)
            #expect(try await server.get("/v1/apps").decode(AppList.self).apps.isEmpty)
            #expect(server.engine.current("demo") == nil)
            #expect(await server.engine.discardedImages.contains { $0.contains(deploy.traceId.prefix(8)) })
            #expect(try await server.deploy("demo").release == 1)
        }
    }

    @Test("run streams the command's output as JSON lines and ends with its exit code")
    func run() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            await server.engine.script("check", output: ["all good", "2 warnings"], exitCode: 4)
            let answer = try await server.request(.post, "/v1/apps/demo/run", body: #"{"command": ["check", "--all"], "stdin": "aGVsbG8="}"#)
            #expect(answer.status == 200)
            #expect(answer.headers[.contentType] == "application/x-ndjson")
            let events = try answer.body.split(separator: "\n").map { try Timestamp.decoder().decode(RunEvent.self, from: Data($0.utf8)) }
            #expect(events.compactMap(\.text) == ["all good", "2 warnings", "hello"])
            #expect(events.last?.exitCode == 4)
            let unknownService = try await server.request(.post, "/v1/apps/demo/run", body: #"{"command": ["ls"], "service": "db"}"#)
            #expect(unknownService.status == 400 && unknownService.errorMessage?.contains("no service db") == true)
        }
    }

    @Test("RAD's /trigger names the app after the repository; /status answers RAD's text lines")
    func radEndpoints() async throws {
        try await InProcessServer.with { server in
            let trigger = try await server.request(.post, "/trigger", body: #"{"gitrepo": "https://127.0.0.1:1/nobody/My-Service.git"}"#)
            #expect(trigger.status == 202)
            let traceId = trigger.body.trimmingCharacters(in: .whitespacesAndNewlines)
            let deploy = try await server.waitForDeploy(traceId)
            #expect(deploy.app == "my-service")
            #expect(deploy.status == .error)
            let status = try await server.get("/status?TRACE_ID=\(traceId)")
            #expect(status.body.contains("status: ERROR"))
            #expect(status.body.contains("[ERROR]: clone git repository"))
            let json = try await server.get("/status?traceId=\(traceId)", headers: [.accept: "application/json"])
            #expect(try json.decode(DeployView.self).traceId == traceId)
        }
    }

    @Test("app logs come from every replica, with secret config values masked")
    func logsMaskSecrets() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            _ = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"set": {"API_KEY": "hunter2-very-secret"}, "secret": ["API_KEY"]}"#)
            await server.engine.emit(app: "demo", "connecting with hunter2-very-secret")
            await server.engine.emit(app: "demo", process: "web.2", "ready")
            try await server.eventually("both lines are stored") {
                try await server.get("/v1/apps/demo/logs").decode(AppLogList.self).lines.count == 2
            }
            let lines = try await server.get("/v1/apps/demo/logs").decode(AppLogList.self).lines
            #expect(lines.map(\.process) == ["web.1", "web.2"])
            #expect(!lines[0].text.contains("hunter2"), "a secret reached the logs: \(lines[0].text)")
            let only = try await server.get("/v1/apps/demo/logs?process=web.2").decode(AppLogList.self).lines
            #expect(only.map(\.text) == ["ready"])
        }
    }

    @Test("the event log tells what happened: deploys started and completed, releases, config changes")
    func events() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            _ = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"set": {"A": "1"}}"#)
            try await server.eventually("the config change is recorded") {
                try await server.get("/v1/apps/demo/events").decode(EventList.self).events.contains { $0.kind == .configChanged }
            }
            let kinds = try await server.get("/v1/apps/demo/events").decode(EventList.self).events.map(\.kind)
            #expect(kinds.filter { $0 == .deployStarted }.count == 2)
            #expect(kinds.filter { $0 == .deployCompleted }.count >= 1)
            #expect(kinds.filter { $0 == .releaseCreated }.count == 2)
            #expect(try await server.get("/v1/apps/demo/events?tail=1").decode(EventList.self).events.count == 1)
        }
    }

    @Test("an upload that is not a .tar.gz is refused (400) and queues nothing")
    func badUpload() async throws {
        try await InProcessServer.with { server in
            let answer = try await server.request(.post, "/v1/apps/demo/deploys", bytes: ByteBuffer(string: "PK\u{3}\u{4} a zip file"),
                                                  headers: [.contentType: "application/gzip"])
            #expect(answer.status == 400)
            #expect(answer.errorMessage?.contains("gzip") == true)
            #expect(try await server.get("/v1/apps").decode(AppList.self).apps.isEmpty)
            let uploads = try FileManager.default.contentsOfDirectory(atPath: server.configuration.uploadsDirectory.path)
            #expect(uploads.isEmpty, "\(uploads)")
        }
    }
}
