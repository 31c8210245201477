import Foundation
import SlipwayCore
import Testing
@testable import SlipwayClient

struct ResponseDecodingTests {
    let request = APIRequest.apps()

    @Test func errorBodyBecomesSlipwayError() {
        let body = Data(#"{"error": {"code": "not_found", "message": "app \"x\" does not exist; see `slipway apps`"}}"#.utf8)
        let error = APIResponse.error(status: 404, body: body, request: request)
        #expect(error == SlipwayError(code: "not_found", message: "app \"x\" does not exist; see `slipway apps`", httpStatus: 404))
    }

    @Test func decodeThrowsTheServersError() {
        let body = Data(#"{"error": {"code": "invalid_source", "message": "bad ref"}}"#.utf8)
        let error = #expect(throws: SlipwayError.self) {
            try APIResponse.decode(AppList.self, status: 400, body: body, request: request)
        }
        #expect(error?.code == "invalid_source")
        #expect(error?.httpStatus == 400)
        #expect(error?.message == "bad ref")
    }

    @Test func nonJSONErrorSaysWhatAnswered() {
        let error = APIResponse.error(status: 404, body: Data("<html>\nNot Found</html>".utf8), request: request)
        #expect(error.code == "http_404")
        #expect(error.message == "the server answered GET /v1/apps with HTTP 404: <html> Not Found</html>; is --server (or SLIPWAY_SERVER) pointing at a Slipway server?")
        let unauthorized = APIResponse.error(status: 401, body: Data(), request: request)
        #expect(unauthorized.message.contains("SLIPWAY_TOKEN"))
    }

    @Test func deployViewWithRFC3339Dates() throws {
        let json = """
        {"traceId": "t1", "app": "web", "apps": ["web"], "status": "IN PROGRESS",
         "stages": [{"name": "fetch", "status": "COMPLETED", "startedAt": "2026-01-02T03:04:05.250Z", "finishedAt": "2026-01-02T03:04:05.750Z"},
                    {"name": "build", "status": "IN PROGRESS", "startedAt": "2026-01-02T03:04:06Z"},
                    {"name": "run", "status": "PENDING"}],
         "createdAt": "2026-01-02T03:04:05.000Z", "source": {"kind": "upload"}}
        """
        let view = try APIResponse.decode(DeployView.self, status: 200, body: Data(json.utf8), request: .deployStatus(traceId: "t1"))
        #expect(view.status == .inProgress)
        #expect(view.stages.map(\.status) == [.completed, .inProgress, .pending])
        let fetch = view.stages[0]
        #expect(abs((fetch.finishedAt?.timeIntervalSince(fetch.startedAt ?? .distantPast) ?? 0) - 0.5) < 0.001)
        #expect(view.release == nil)
    }

    @Test func unreadableSuccessIsABadResponse() {
        let error = #expect(throws: SlipwayError.self) {
            try APIResponse.decode(AppList.self, status: 200, body: Data(#"{"apps": [{"name": 1}]}"#.utf8), request: request)
        }
        #expect(error?.code == "bad_response")
        #expect(error?.message.contains("GET /v1/apps") == true)
        #expect(error?.message.contains(".apps[0].name") == true)
    }

    @Test(arguments: [
        (#"{"app": "shop", "destroyed": true}"#, "shop", true),
        (#"{"destroyed": true, "extra": {"containers": 3}}"#, "web", true),
        ("", "web", true),
        ("not json", "web", true),
        (#"{"app": "web", "destroyed": false}"#, "web", false),
    ])
    func destroyIsLenient(_ body: String, _ app: String, _ destroyed: Bool) throws {
        let result = try APIResponse.destroyResult(status: 200, body: Data(body.utf8), app: try DNSLabel("web"),
                                                   request: .destroy(app: try DNSLabel("web")))
        #expect(result == DestroyResult(app: app, destroyed: destroyed))
    }

    @Test func destroyOfUnknownAppThrows() throws {
        let body = Data(#"{"error": {"code": "not_found", "message": "no app web"}}"#.utf8)
        #expect(throws: SlipwayError.notFound("no app web")) {
            try APIResponse.destroyResult(status: 404, body: body, app: try DNSLabel("web"), request: .destroy(app: try DNSLabel("web")))
        }
    }

    @Test func lineSplitterAcrossChunks() {
        var splitter = LineSplitter()
        #expect(splitter.append(Array("Step 1/3 : FR".utf8)) == [])
        #expect(splitter.append(Array("OM busybox\r\nStep 2/3\n\nlast".utf8)) == ["Step 1/3 : FROM busybox", "Step 2/3", ""])
        #expect(splitter.finish() == "last")
        #expect(splitter.finish() == nil)
    }
}
