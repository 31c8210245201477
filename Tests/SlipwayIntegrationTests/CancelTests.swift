import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// `slipway cancel` on the real engine: a deploy is stopped mid-build, no container of it is
    /// left, the release before keeps serving, and the app deploys again afterwards.
    /// Podman's Docker-compatible `/build` does not stop a build when its request is closed (Docker
    /// does): the server kills the RUN step in the build's cgroup (`BuildCgroup`), so the step
    /// ends and no image is tagged; the test sees both.
    @Suite("Cancel a deploy", .serialized)
    struct CancelTests {
        @Test("slipway cancel ends a deploy mid-build and a queued one; no container changes, the release before keeps serving, the next deploy runs")
        func cancelRunningAndQueued() async throws {
            try await TestServer.with { server in
                let app = "cancel-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "v1", replicas: 1, name: app))
                defer { repo.remove() }
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                let before = Set(try await server.containers(app: app).map(\.id))

                // A build step of 15 s, findable by its marker among the machine's processes.
                let marker = "slipway-cancel-\(UUID().uuidString.prefix(8))"
                try await repo.commit(["Dockerfile": "FROM busybox\nRUN sleep 15 && echo \(marker)\nCOPY www /www\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                                 "www/index.html": "v2"], message: "slow build")
                let running = try await server.client.deploy(app: try DNSLabel(app), source: repo.url).traceId
                let queued = try await server.client.deploy(app: try DNSLabel(app), source: repo.url).traceId
                let deadline = ContinuousClock.now + .seconds(60)
                while processes(mentioning: marker).isEmpty && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                }
                try #require(!processes(mentioning: marker).isEmpty, "the slow build step never started")

                // The queued one first: it leaves the queue without running.
                let queuedCancel = try await runCLI(["cancel", queued, "--json", "--server", server.baseURL])
                #expect(queuedCancel.status == 0, "\(queuedCancel.output)")
                let queuedView = try await server.client.deployStatus(traceId: queued)
                #expect(queuedView.status == .error && (queuedView.error ?? "").hasPrefix("cancelled while queued"), "\(queuedView.error ?? "")")
                #expect(queuedView.stages.allSatisfy { $0.status == .skipped })

                let started = ContinuousClock.now
                let cancel = try await runCLI(["cancel", running, "--json", "--server", server.baseURL])
                let took = ContinuousClock.now - started
                #expect(cancel.status == 0, "\(cancel.output)")
                let view = try Timestamp.decoder().decode(DeployView.self, from: Data(cancel.output.utf8))
                #expect(view.status == .error && (view.error ?? "").hasPrefix("cancelled during build"), "\(view.error ?? "")")
                #expect(view.stages.first { $0.status == .error }?.name == "build")
                #expect(took < .seconds(30), "cancelling took \(took)")
                print("cancel: a running build ended \(took) after slipway cancel")

                try await Task.sleep(for: .seconds(2))
                // Podman's /build ignores the closed request; the server stops the step in the build's cgroup.
                #expect(processes(mentioning: marker).isEmpty, "the build step still runs: \(processes(mentioning: marker))")
                #expect(Set(try await server.containers(app: app).map(\.id)) == before, "the app's containers changed")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "v1")
                let again = try await runCLI(["cancel", running, "--server", server.baseURL])
                #expect(again.status != 0 && again.output.contains("already ended"), "\(again.output)")

                // The app is not stuck: the next deploy runs and serves.
                try await repo.commit(["Dockerfile": GitRepository.helloFiles(page: "v3")["Dockerfile"] ?? "", "www/index.html": "v3"], message: "fast again")
                #expect(try await server.deploy(app, source: repo.url).status == .completed)
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "v3")

                // Once Podman's build of the cancelled deploy has run to its end, its tag shows whether it was left.
                let gone = ContinuousClock.now + .seconds(40)
                while !processes(mentioning: marker).isEmpty && ContinuousClock.now < gone { try await Task.sleep(for: .milliseconds(500)) }
                try await Task.sleep(for: .seconds(3))
                let tag = "localhost/slipway/\(app)-web:\(running.prefix(12))"
                let left = try await TestEngine.docker().inspectImage(tag) != nil
                #expect(!left, "\(tag) was left behind")
                if left { try? await TestEngine.docker().removeImage(tag, force: true) }
            }
        }
    }
}
