import Foundation
import SlipwayCore
import Testing
@testable import SlipwayClient

struct RequestBuildingTests {
    let base = URL(string: "http://127.0.0.1:7070")!

    func header(_ request: APIRequest, _ name: String, token: String? = nil) -> String? {
        request.headers(token: token).first { $0.name == name }?.value
    }

    @Test func gitDeploy() throws {
        let request = try APIRequest.deploy(app: try DNSLabel("my-app"), source: "https://example.com/x.git", ref: "main")
        #expect(request.method == .post)
        #expect(request.url(baseURL: base) == "http://127.0.0.1:7070/v1/apps/my-app/deploys")
        #expect(header(request, "Content-Type") == "application/json")
        #expect(header(request, "Accept") == "application/json")
        guard case .json(let body) = request.body else { Issue.record("expected a JSON body"); return }
        let decoded = try JSONDecoder().decode(DeployRequest.self, from: body)
        #expect(decoded.source == "https://example.com/x.git")
        #expect(decoded.ref == "main")
    }

    @Test func gitDeployWithoutRefOmitsIt() throws {
        let request = try APIRequest.deploy(app: try DNSLabel("a"), source: "file:///srv/repo", ref: nil)
        guard case .json(let body) = request.body else { Issue.record("expected a JSON body"); return }
        #expect(String(decoding: body, as: UTF8.self) == #"{"source":"file:///srv/repo"}"#)
    }

    @Test func uploadStreamsAGzipFile() throws {
        let file = URL(fileURLWithPath: "/tmp/x.tar.gz")
        let request = APIRequest.upload(app: try DNSLabel("web"), archive: file)
        #expect(request.method == .post)
        #expect(request.path == "/v1/apps/web/deploys")
        #expect(request.body == .file(file, contentType: "application/gzip"))
        #expect(header(request, "Content-Type") == "application/gzip")
    }

    @Test func readEndpoints() throws {
        let app = try DNSLabel("shop")
        #expect(APIRequest.apps().summary == "GET /v1/apps")
        #expect(APIRequest.app(app).summary == "GET /v1/apps/shop")
        #expect(APIRequest.releases(app: app).summary == "GET /v1/apps/shop/releases")
        #expect(APIRequest.destroy(app: app).summary == "DELETE /v1/apps/shop")
        #expect(APIRequest.health().summary == "GET /healthz")
        #expect(APIRequest.deployStatus(traceId: "3F2504E0-4F89-11D3-9A0C-0305E82C3301").path
            == "/v1/deploys/3F2504E0-4F89-11D3-9A0C-0305E82C3301")
        let log = APIRequest.deployLog(traceId: "abc")
        #expect(log.path == "/v1/deploys/abc/log")
        #expect(header(log, "Accept") == "text/plain")
        #expect(header(APIRequest.apps(), "Content-Type") == nil)
    }

    @Test(arguments: [
        ("../../v1/apps", "%2E%2E%2F%2E%2E%2Fv1%2Fapps"),
        ("a b?c#d", "a%20b%3Fc%23d"),
        ("..", "%2E%2E"),
        ("é", "%C3%A9"),
        ("ok-id_1~", "ok-id_1~"),
    ])
    func traceIdsArePercentEncoded(_ raw: String, _ encoded: String) {
        #expect(APIRequest.segment(raw) == encoded)
        #expect(APIRequest.deployStatus(traceId: raw).path == "/v1/deploys/\(encoded)")
    }

    @Test func baseURLWithPathPrefixAndTrailingSlash() {
        let prefixed = URL(string: "https://deploy.example.com/slipway/")!
        #expect(APIRequest.apps().url(baseURL: prefixed) == "https://deploy.example.com/slipway/v1/apps")
    }

    @Test func bearerTokenOnlyWhenGiven() {
        let request = APIRequest.apps()
        #expect(header(request, "Authorization", token: "s3cret") == "Bearer s3cret")
        #expect(header(request, "Authorization", token: nil) == nil)
        #expect(header(request, "Authorization", token: "") == nil)
    }

    @Test(arguments: ["127.0.0.1:7070", "ftp://host", "http://", "not a url", ""])
    func serverURLMustBeHTTP(_ server: String) {
        let error = #expect(throws: SlipwayError.self) { try SlipwayClient.Configuration(server: server) }
        #expect(error?.message.contains("is not an http:// or https:// URL") == true)
    }

    @Test func serverURLAccepted() throws {
        let configuration = try SlipwayClient.Configuration(server: "https://deploy.example.com:8443", token: "t")
        #expect(configuration.baseURL.absoluteString == "https://deploy.example.com:8443")
        #expect(configuration.token == "t")
    }
}
