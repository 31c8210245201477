import Foundation
import SlipwayCore
import Testing
@testable import SlipwayClient

struct ProgressAndReportTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_322_800) // 2026-01-02T03:00:00Z

    static func stage(_ name: String, _ status: StageStatus, start: Double? = nil, end: Double? = nil, message: String? = nil) -> StageView {
        StageView(name: name, status: status, startedAt: start.map { t0 + $0 }, finishedAt: end.map { t0 + $0 }, message: message)
    }

    static func view(_ status: DeployStatus, _ stages: [StageView], error: String? = nil) -> DeployView {
        DeployView(traceId: "t-1", app: "shop", apps: ["shop"], status: status, stages: stages, createdAt: t0,
                   finishedAt: status == .inProgress ? nil : t0 + 12.3, totalSeconds: status == .inProgress ? nil : 12.3,
                   release: status == .completed ? 4 : nil, error: error, source: SourceInfo(kind: .upload))
    }

    @Test func trackerReportsEachStartAndFinishOnce() {
        var tracker = DeployProgressTracker()
        let first = Self.view(.inProgress, [Self.stage("fetch", .inProgress, start: 0), Self.stage("build", .pending)])
        #expect(tracker.update(first) == [.started(stage: "fetch")])
        #expect(tracker.update(first) == [])
        // fetch finished, and build both started and failed, between two polls; run was skipped.
        let second = Self.view(.inProgress, [
            Self.stage("fetch", .completed, start: 0, end: 0.5),
            Self.stage("build", .error, start: 0.5, end: 3.75, message: "exit 1"),
            Self.stage("run", .skipped),
        ])
        #expect(tracker.update(second) == [
            .finished(stage: "fetch", status: .completed, seconds: 0.5, message: nil),
            .started(stage: "build"),
            .finished(stage: "build", status: .error, seconds: 3.25, message: "exit 1"),
        ])
        #expect(tracker.update(second) == [])
        #expect(DeployProgressTracker.running(first)?.name == "fetch")
        #expect(DeployProgressTracker.running(second) == nil)
    }

    @Test func liveLines() {
        #expect(DeployProgressFormatter.startLine(stage: "build") == "-----> build")
        #expect(DeployProgressFormatter.finishLine(stage: "build", status: .completed, seconds: 3.2, message: nil) == "       build done (3.2s)")
        #expect(DeployProgressFormatter.finishLine(stage: "run", status: .error, seconds: 1, message: "exited with 1") == "       run FAILED (1.0s): exited with 1")
        #expect(DeployProgressFormatter.ttyFinishLine(stage: "build", status: .completed, seconds: 3.2, message: nil) == "  ✓ build    3.2s")
        #expect(DeployProgressFormatter.ttyFinishLine(stage: "run", status: .error, seconds: 1, message: "boom") == "  ✗ run      1.0s  boom")
        #expect(DeployProgressFormatter.spinnerLine(stage: "release", elapsed: 61, frame: 11) == "  ⠙ release  1m01s")
    }

    @Test func summaryAndFailure() {
        let done = Self.view(.completed, [Self.stage("fetch", .completed, start: 0, end: 1)])
        #expect(DeployProgressFormatter.summary(done) == "Deployed shop v4 in 12.3s")
        let failed = Self.view(.error, [Self.stage("fetch", .completed, start: 0, end: 1), Self.stage("build", .error, start: 1, end: 2, message: "step 2 failed")])
        #expect(DeployProgressFormatter.failure(failed) == "deploy t-1 failed at stage build: step 2 failed")
        let withReason = Self.view(.error, [Self.stage("build", .error, start: 1, end: 2, message: "x")], error: "build: RUN make exited with 2")
        #expect(DeployProgressFormatter.failure(withReason) == "deploy t-1 failed at stage build: build: RUN make exited with 2")
    }

    @Test func statusReport() {
        let view = Self.view(.error, [
            Self.stage("fetch", .completed, start: 0, end: 0.4),
            Self.stage("build", .error, start: 0.4, end: 3.6, message: "RUN make exited with 2"),
            Self.stage("run", .skipped),
        ], error: "build failed")
        #expect(Reports.status(view, now: Self.t0 + 60, timeZone: .gmt) == """
        deploy t-1 of shop from upload

        STAGE  STATUS     STARTED   DURATION  MESSAGE
        fetch  COMPLETED  03:00:00  0.4s
        build  ERROR      03:00:00  3.2s      RUN make exited with 2
        run    SKIPPED    -         -

        total: ERROR in 12.3s
        error: deploy t-1 failed at stage build: build failed
        """)
    }

    static func app(services: [ServiceView]) -> AppView {
        AppView(name: "shop", url: "http://shop.localhost:7080", createdAt: t0, currentRelease: 4, services: services)
    }

    static let web = ServiceView(name: "web", url: "http://shop.localhost:7080", port: 8080, replicas: 2, readyReplicas: 1, instances: [
        ReplicaView(service: "web", index: 1, release: 4, containerId: "0123456789abcdef0123", state: "running", ready: false, hostPort: nil),
        ReplicaView(service: "web", index: 0, release: 4, containerId: "fedcba9876543210", state: "running", ready: true, hostPort: 49153),
    ])

    @Test func appsReport() {
        #expect(Reports.apps(AppList(apps: [Self.app(services: [Self.web])])) == """
        NAME  RELEASE  SERVICES       URL
        shop  v4       web 1/2 ready  http://shop.localhost:7080
        """)
        #expect(Reports.apps(AppList(apps: [])).hasPrefix("no apps yet"))
    }

    @Test func infoReport() {
        #expect(Reports.info(Self.app(services: [Self.web]), timeZone: .gmt) == """
        app      shop
        url      http://shop.localhost:7080
        release  v4
        created  2026-01-02 03:00

        SERVICE  READY  PORT  URL
        web      1/2    8080  http://shop.localhost:7080

        SERVICE  REPLICA  RELEASE  STATE    READY  HOST PORT  CONTAINER
        web      0        v4       running  yes    49153      fedcba987654
        web      1        v4       running  no     -          0123456789ab
        """)
    }

    @Test func releasesReport() {
        func release(_ version: Int, current: Bool) -> ReleaseView {
            let source = SourceInfo(kind: .git, url: "https://x/shop.git", ref: "main", commit: "abcdef0123")
            let r = Release(app: try! DNSLabel("shop"), version: version, traceId: "trace-\(version)", createdAt: Self.t0,
                            source: source, services: [], defaultService: nil)
            return ReleaseView(release: r, current: current)
        }
        #expect(Reports.releases(ReleaseList(releases: [release(1, current: false), release(2, current: true)]), timeZone: .gmt) == """
        VERSION       CREATED           SOURCE                             TRACE
        v2 (current)  2026-01-02 03:00  https://x/shop.git@main (abcdef0)  trace-2
        v1            2026-01-02 03:00  https://x/shop.git@main (abcdef0)  trace-1
        """)
    }

    @Test func destroyReport() {
        let app = Self.app(services: [Self.web])
        #expect(Reports.destroyed(DestroyResult(app: "shop", destroyed: true), app: app, releases: ReleaseList(releases: []))
            == "destroyed shop: removed 1 service (web), 2 replicas, 0 releases, the route http://shop.localhost:7080")
        #expect(Reports.destroyed(DestroyResult(app: "shop", destroyed: true), app: nil, releases: nil) == "destroyed shop")
    }
}
