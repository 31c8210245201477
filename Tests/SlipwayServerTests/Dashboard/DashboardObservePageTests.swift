import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayDashboard
@testable import SlipwayServer
import Testing

/// The logs and metrics pages, the app page's domains and certificates, and the live routes' refusals, in process.
@Suite("Dashboard logs, metrics and domains")
struct DashboardObservePageTests {
    @Test("logs and metrics pages: headings, labelled controls, their own script; streams and data refuse strangers")
    func pagesAndRefusals() async throws {
        try await InProcessServer.with(configure: DashboardPageTests.configure) { server in
            try await server.deploy("demo")
            let stranger = DashboardSession(server)
            for path in ["/apps/demo/logs/stream", "/apps/demo/logs/download", "/apps/demo/metrics/data", "/live", "/apps/demo/live"] {
                let refused = try await stranger.get(path)
                #expect(refused.status == 401, "\(path): \(refused.status)")
                #expect(!refused.body.contains("said"))
            }
            let browser = try await DashboardPageTests.signedIn(server)
            let logs = try await browser.get("/apps/demo/logs")
            #expect(logs.status == 200)
            #expect(logs.body.contains(#"<h1>Logs of <a href="/apps/demo">demo</a></h1>"#))
            for control in ["log-process", "log-since", "log-text"] { #expect(logs.body.contains(#"<label for="\#(control)">"#)) }
            #expect(logs.body.contains(#"<option value="web">web</option>"#))
            #expect(logs.body.contains(#"<script src="/assets/logs.js" defer></script>"#))
            let metrics = try await browser.get("/apps/demo/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.components(separatedBy: "<figcaption").count == 6)
            #expect(metrics.body.contains(#"<label for="metrics-range">"#))
            let data = try await browser.get("/apps/demo/metrics/data?range=day")
            #expect(data.status == 200 && data.body.contains(#""range":"day""#) && data.body.contains(#""step":60"#), "\(data.body.prefix(200))")
            // A time range not on the list is refused before the API is asked.
            #expect(try await browser.get("/apps/demo/logs/download?since=forever").status == 400)
            let download = try await browser.get("/apps/demo/logs/download?since=1h")
            #expect(download.status == 200 && download.headers[.contentDisposition] == #"attachment; filename="demo-logs.txt""#)
            #expect(try await browser.get("/apps/nope/metrics").status == 404)
        }
    }

    @Test("the app page lists custom domains with the certificate served for each")
    func domainsOnTheAppPage() async throws {
        try await InProcessServer.with(configure: DashboardPageTests.configure) { server in
            try await server.deploy("demo")
            #expect(try await server.request(.post, "/v1/apps/demo/domains", body: #"{"host": "shop.example.com"}"#).status == 201)
            let page = try await DashboardPageTests.signedIn(server).get("/apps/demo")
            #expect(page.body.contains(#"<h2 id="domains">Domains and certificates</h2>"#))
            #expect(page.body.contains("shop.example.com</a></th><td>default</td><td>none (plain HTTP)</td>"), "\(page.body)")
            #expect(page.body.contains(#"<th scope="col">CPU</th><th scope="col">Memory</th>"#))
        }
    }

    @Test("a domain's certificate: its own host's, else a wildcard's; expired and unusable ones stand out")
    func certificateForDomain() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let domain = DomainView(host: "a.shop.example.com", app: "demo", service: nil, url: "http://a.shop.example.com/", createdAt: now)
        func certificate(_ host: String, names: [String], notAfter: Date, error: String? = nil) -> CertificateView {
            CertificateView(host: host, source: "acme", issuer: "Pebble", names: names, notBefore: nil, notAfter: notAfter, renewAt: nil, addedAt: nil,
                            error: error)
        }
        let wildcard = certificate("*.shop.example.com", names: ["*.shop.example.com"], notAfter: now.addingTimeInterval(86_400 * 30))
        let row = AppDetail.domainRow(domain, certificates: [certificate("other.example.com", names: ["other.example.com"], notAfter: now), wildcard], now: now)
        #expect(row.certificate == "acme, Pebble · expires 2027-02-14" && !row.certificateProblem, "\(row)")
        let expired = AppDetail.domainRow(domain, certificates: [certificate("a.shop.example.com", names: [], notAfter: now.addingTimeInterval(-1))], now: now)
        #expect(expired.certificateProblem && expired.certificate.contains("expired"))
        let broken = AppDetail.domainRow(domain, certificates: [certificate("a.shop.example.com", names: [], notAfter: now, error: "key does not match")], now: now)
        #expect(broken.certificateProblem && broken.certificate == "unusable: key does not match")
        #expect(!DomainMatch.covers("*.shop.example.com", "x.a.shop.example.com") && !DomainMatch.covers("*.shop.example.com", "shop.example.com"))
    }
}
