import Crypto
import Foundation
import SlipwayCore
import SlipwaySecrets
import SlipwayStore
import Testing

@Suite("Store")
struct StoreTests {
    let app = try! DNSLabel("shop")
    static let cipher = SecretCipher(masterKey: MasterKey(key: .init(size: .bits256)))

    func release(_ version: Int, trace: String = "t") -> Release {
        Release(app: app, version: version, traceId: trace, createdAt: Date(), source: SourceInfo(kind: .git, url: "file:///r"),
                services: [ReleasedService(name: "web", image: "sha256:x", port: 8080, replicas: 2, env: [:], command: nil)],
                defaultService: "web")
    }

    @Test("the queue hands out one deploy per app at a time, in order, across apps")
    func queueOrder() throws {
        let store = try SlipwayStore.inMemory()
        let other = try DNSLabel("blog")
        try store.enqueueDeploy(traceId: "a1", app: app, source: SourceInfo(kind: .upload), uploadPath: "/u")
        try store.enqueueDeploy(traceId: "a2", app: app, source: SourceInfo(kind: .upload), uploadPath: nil)
        try store.enqueueDeploy(traceId: "b1", app: other, source: SourceInfo(kind: .upload), uploadPath: nil)
        #expect(try store.queueDepth() == 3)
        #expect(try store.claimNextDeploy()?.traceId == "a1")
        // a2 waits for a1: the next claim goes to the other app.
        #expect(try store.claimNextDeploy()?.traceId == "b1")
        #expect(try store.claimNextDeploy() == nil)
        try store.completeDeploy("a1", release: 1)
        #expect(try store.claimNextDeploy()?.traceId == "a2")
    }

    @Test("stages move through the state machine; a failure skips the rest")
    func stages() throws {
        let store = try SlipwayStore.inMemory()
        try store.enqueueDeploy(traceId: "t", app: app, source: SourceInfo(kind: .upload), uploadPath: nil)
        _ = try store.claimNextDeploy()
        try store.startStage("t", .fetch)
        try store.completeStage("t", .fetch, message: "ok")
        #expect(throws: SlipwayError.self) { try store.completeStage("t", .fetch) }
        #expect(throws: SlipwayError.self) { try store.completeStage("t", .build) }
        try store.startStage("t", .config)
        try store.failDeploy("t", reason: "bad manifest")
        let view = try #require(try store.deploy("t"))
        #expect(view.status == .error)
        #expect(view.error == "bad manifest")
        #expect(view.stages.map(\.status) == [.completed, .error, .skipped, .skipped, .skipped, .skipped])
        #expect(view.stages[1].message == "bad manifest")
        #expect(view.stages[0].startedAt != nil && view.stages[0].finishedAt != nil)
    }

    @Test("deploys running when the server died end in ERROR; queued ones stay queued")
    func interrupted() throws {
        let store = try SlipwayStore.inMemory()
        try store.enqueueDeploy(traceId: "running", app: app, source: SourceInfo(kind: .upload), uploadPath: nil)
        try store.enqueueDeploy(traceId: "queued", app: try DNSLabel("other"), source: SourceInfo(kind: .upload), uploadPath: nil)
        _ = try store.claimNextDeploy()
        try store.startStage("running", .fetch)
        #expect(try store.failInterruptedDeploys() == ["running"])
        #expect(try store.deploy("running")?.error == "interrupted by server restart")
        #expect(try store.deploy("queued")?.status == .inProgress)
        #expect(try store.claimNextDeploy()?.traceId == "queued")
    }

    @Test("releases are numbered per app, current only once activated, and a failed one can be discarded")
    func releases() throws {
        let store = try SlipwayStore.inMemory()
        let first = try store.createRelease(app: app) { self.release($0) }
        #expect(first.version == 1)
        #expect(try store.app(app) == nil)
        try store.activate(app: app, version: 1)
        #expect(try store.app(app)?.currentRelease == 1)
        let second = try store.createRelease(app: app) { self.release($0) }
        #expect(second.version == 2)
        #expect(try store.currentRelease(of: app)?.version == 1)
        try store.discardRelease(app: app, version: 2)
        #expect(try store.releases(of: app).map(\.version) == [1])
        // The current release is never discarded.
        try store.discardRelease(app: app, version: 1)
        #expect(try store.releases(of: app).map(\.version) == [1])
        #expect(try store.currentReleases().map(\.version) == [1])
        try store.deleteApp(app)
        #expect(try store.apps().isEmpty)
        #expect(try store.releases(of: app).isEmpty)
    }

    @Test("images referenced by kept releases, across apps")
    func releaseImages() throws {
        let store = try SlipwayStore.inMemory()
        let blog = try DNSLabel("blog")
        for (app, image) in [(app, "sha256:a"), (app, "sha256:b"), (app, "sha256:c"), (blog, "sha256:a")] {
            _ = try store.createRelease(app: app) { version in
                var release = self.release(version)
                release.app = app
                release.services[0].image = image
                return release
            }
        }
        #expect(try store.releaseImages() == ["sha256:a", "sha256:b", "sha256:c"])
        // The newest release of each app: shop v3 (c) and blog v1 (a, shared with shop's pruned v1).
        #expect(try store.releaseImages(newest: 1) == ["sha256:c", "sha256:a"])
        #expect(try store.releaseImages(newest: 2) == ["sha256:a", "sha256:b", "sha256:c"])
    }

    @Test("state survives reopening the database file")
    func durable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try SlipwayStore(path: path, secrets: Self.cipher)
            _ = try store.createRelease(app: app) { self.release($0) }
            try store.activate(app: app, version: 1)
            try store.enqueueDeploy(traceId: "q", app: app, source: SourceInfo(kind: .upload), uploadPath: nil)
        }
        let reopened = try SlipwayStore(path: path, secrets: Self.cipher)
        #expect(try reopened.currentRelease(of: app)?.services.first?.replicas == 2)
        #expect(try reopened.claimNextDeploy()?.traceId == "q")
    }
}

extension StoreTests {
    @Test("finished deploys beyond an app's newest N are listed for log pruning; running and other apps' are not")
    func deployLogRetention() throws {
        let store = try SlipwayStore.inMemory()
        let other = try DNSLabel("blog")
        for index in 1...5 {
            try store.enqueueDeploy(traceId: "d\(index)", app: app, source: SourceInfo(kind: .upload), uploadPath: nil)
            _ = try store.claimNextDeploy()
            if index < 5 { try store.completeDeploy("d\(index)", release: index) }
        }
        try store.enqueueDeploy(traceId: "b1", app: other, source: SourceInfo(kind: .upload), uploadPath: nil)
        #expect(try store.finishedDeploys(of: app, beyondNewest: 2) == ["d2", "d1"])
        #expect(try store.finishedDeploys(of: app, beyondNewest: 10).isEmpty)
        #expect(try store.finishedDeploys(of: other, beyondNewest: 0).isEmpty, "a queued deploy keeps its log")
    }
}
