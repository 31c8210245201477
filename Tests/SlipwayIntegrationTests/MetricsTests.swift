import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    @Suite("Metrics", .serialized)
    struct MetricsTests {
        /// Parses Prometheus text with the reference parser (prometheus-client, from the test venv)
        /// and returns every sample as `name{label="value",...} value`, labels sorted.
        static func parse(_ text: String) async throws -> [String: Double] {
            let python = "/opt/slipway-py/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TestFailure("\(python) is missing; run `bash scripts/setup.sh` (it installs prometheus-client in /opt/slipway-py)")
            }
            let script = """
                import sys, json
                from prometheus_client.parser import text_string_to_metric_families
                out = {}
                for family in text_string_to_metric_families(sys.stdin.read()):
                    for s in family.samples:
                        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                        out[f"{s.name}{{{labels}}}"] = s.value
                print(json.dumps(out))
                """
            let result = try await runProcess(URL(fileURLWithPath: python), ["-c", script], stdin: Data(text.utf8))
            guard result.status == 0 else { throw TestFailure("not valid Prometheus text: \(result.output)\n\(text.prefix(3000))") }
            return try JSONDecoder().decode([String: Double].self, from: Data(result.output.utf8))
        }

        /// Twice: the router in the server's process (`--in-process-router`), and the router as its
        /// own process (the default), whose counters the server reads over the control socket: the
        /// same names and labels either way.
        @Test("GET /metrics parses as Prometheus text and counts deploys, stages, replicas and the requests the test made",
              arguments: [false, true])
        func scrape(standaloneRouter: Bool) async throws {
            let app = "metered-\(UUID().uuidString.prefix(6).lowercased())"
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "metered", replicas: 2))
            defer { repo.remove() }
            try await TestServer.with(arguments: standaloneRouter ? [] : ["--in-process-router"]) { server in
                #expect((server.routerProcessID != nil) == standaloneRouter)
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                for _ in 0..<7 { #expect(try await server.viaRouter(host: "\(app).localhost").status == 200) }
                _ = try await server.viaRouter(host: "\(app).localhost", path: "/missing")
                let answer = try await server.get("/metrics")
                #expect(answer.status == 200)
                #expect(answer.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
                let samples = try await Self.parse(answer.body)
                #expect(samples[#"slipway_deploys_total{app="\#(app)",result="completed"}"#] == 1, "\(samples.keys.sorted())")
                #expect(samples[#"slipway_replicas{app="\#(app)",service="web",state="ready"}"#] == 2)
                #expect(samples[#"slipway_deploy_queue_depth{}"#] == 0)
                #expect((samples[#"slipway_stage_duration_seconds_count{result="ok",stage="build"}"#] ?? 0) >= 1)
                #expect(samples[#"slipway_router_requests_total{app="\#(app)",service="web",status="2xx"}"#] == 7, "\(samples.keys.sorted())")
                #expect(samples[#"slipway_router_requests_total{app="\#(app)",service="web",status="4xx"}"#] == 1)
                #expect((samples[#"slipway_router_request_duration_seconds_count{app="\#(app)",service="web"}"#] ?? 0) == 8)
                // The dashboard's Metrics page reads the history (every 10 s): the same requests,
                // whichever process routed them.
                let history = try await Self.historyWithRequests(server, app: app)
                let rates = history.requestsPerSecond.mapValues { $0.reduce(0, +) * Double(history.step) }
                #expect(rates["2xx"].map { abs($0 - 7) < 0.01 } == true, "\(history.requestsPerSecond)")
                #expect(rates["4xx"].map { abs($0 - 1) < 0.01 } == true, "\(history.requestsPerSecond)")
                #expect(history.latencySeconds.p50.contains { $0 != nil })
            }
        }

        /// `GET /v1/apps/APP/metrics` once the intervals with the test's `count` requests have been
        /// recorded (intervals end on the wall clock's tens: at most about 20 s).
        static func historyWithRequests(_ server: TestServer, app: String, count: Double = 8) async throws -> AppMetricsView {
            let deadline = ContinuousClock.now + .seconds(30)
            var last = ""
            while ContinuousClock.now < deadline {
                let answer = try await server.get("/v1/apps/\(app)/metrics?range=hour")
                last = answer.body
                if answer.status == 200 {
                    let view = try JSONDecoder().decode(AppMetricsView.self, from: Data(answer.body.utf8))
                    let seen = view.requestsPerSecond.values.reduce(0) { $0 + $1.reduce(0, +) } * Double(view.step)
                    if seen >= count - 0.01 { return view }
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            throw TestFailure("the metrics history of \(app) showed no requests within 30 s: \(last.prefix(2000))")
        }
    }
}
