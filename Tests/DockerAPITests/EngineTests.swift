import AsyncHTTPClient
import DockerAPI
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// Against the real engine (see `Engine`). Each test registers what it creates with
/// `Cleanup`, so containers and images go away even when an expectation throws.
@Suite(.serialized) struct EngineTests {
    static let webDockerfile = """
        FROM busybox
        RUN mkdir -p /www && echo "built-step-ran"
        COPY index.html /www/index.html
        EXPOSE 8080
        """

    /// Builds the httpd test image under a unique tag; returns (tag, id, output lines).
    static func buildWebImage(_ client: DockerClient, _ cleanup: Cleanup, page: String) async throws -> (String, String, [String]) {
        let context = try await BuildContext(files: ["Dockerfile": webDockerfile, "index.html": page])
        defer { context.remove() }
        let tag = "\(Engine.uniqueName("web")):v1"
        await cleanup.image(tag)
        let output = OutputCollector()
        let id = try await client.buildImage(contextTar: context.tar, tag: tag, labels: ["slipway.test": "build"]) { line in
            await output.append(line)
        }
        return (tag, id, await output.lines)
    }

    @Test func versionAndPing() async throws {
        try await Engine.run { client, _ in
            let version = try await client.version()
            #expect(!version.version.isEmpty)
            #expect(!version.apiVersion.isEmpty)
            #expect(await client.ping())
            #expect(await DockerClient(socketPath: "/nonexistent/engine.sock", logger: .init(label: "t")).ping() == false)
        }
    }

    @Test func unreachableSocketIsAReadableError() async {
        let client = DockerClient(socketPath: "/nonexistent/engine.sock", logger: .init(label: "t"))
        await #expect(throws: DockerAPIError.self) { try await client.version() }
        do {
            _ = try await client.version()
        } catch let error as DockerAPIError {
            #expect(error.isUnreachable)
            #expect(error.message.contains("/nonexistent/engine.sock"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func buildImageStreamsOutputAndReturnsID() async throws {
        try await Engine.run { client, cleanup in
            let (tag, id, lines) = try await Self.buildWebImage(client, cleanup, page: "hello")
            #expect(lines.contains("built-step-ran"), "build output: \(lines)")
            #expect(id.hasPrefix("sha256:") && id.count == 71, "id: \(id)")

            let image = try #require(try await client.inspectImage(tag))
            #expect(image.id == id)
            #expect(image.exposedPorts == [8080])
            #expect(image.labels["slipway.test"] == "build")
            #expect(image.repoTags.contains { $0 == tag || $0.hasSuffix("/" + tag) }, "tags: \(image.repoTags)")

            try await client.removeImage(tag)
            #expect(try await client.inspectImage(tag) == nil)
            try await client.removeImage(tag)  // already gone: not an error
        }
    }

    @Test func failingBuildStepThrowsTheEngineMessage() async throws {
        try await Engine.run { client, cleanup in
            let context = try await BuildContext(files: ["Dockerfile": "FROM busybox\nRUN echo about-to-fail && exit 7\n"])
            defer { context.remove() }
            let tag = "\(Engine.uniqueName("fail")):v1"
            await cleanup.image(tag)
            let output = OutputCollector()
            do {
                _ = try await client.buildImage(contextTar: context.tar, tag: tag) { await output.append($0) }
                Issue.record("the build should have failed")
            } catch let error as DockerAPIError {
                #expect(error.message.contains("exit 7"), "message: \(error.message)")
                #expect(error.statusCode == nil)
            }
            #expect(await output.lines.contains("about-to-fail"))
            #expect(try await client.inspectImage(tag) == nil)
        }
    }

    @Test func publishedPortAnswersAndContainerLifecycle() async throws {
        try await Engine.run { client, cleanup in
            let (tag, _, _) = try await Self.buildWebImage(client, cleanup, page: "hello from slipway")
            let run = UUID().uuidString
            let name = Engine.uniqueName("httpd")
            let id = try await client.createContainer(name: name, spec: ContainerSpec(
                image: tag, command: ["httpd", "-f", "-p", "8080", "-h", "/www"],
                environment: ["GREETING": "hi"], labels: ["slipway.test.run": run, "slipway.test": "httpd"],
                publishedPorts: [8080], stopTimeoutSeconds: 5
            ))
            await cleanup.container(id)
            try await client.startContainer(id)

            let details = try #require(try await client.inspectContainer(id))
            #expect(details.name == name)
            #expect(details.state.running && details.state.status == "running")
            #expect(details.state.startedAt != nil)
            #expect(details.labels["slipway.test.run"] == run)
            let hostPort = try #require(details.hostPorts[8080], "ports: \(details.hostPorts)")
            #expect(hostPort > 0)

            let body = try await withTimeout(15, "httpd on 127.0.0.1:\(hostPort)") {
                while true {
                    do {
                        let response = try await HTTPClient.shared.execute(
                            HTTPClientRequest(url: "http://127.0.0.1:\(hostPort)/index.html"), timeout: .seconds(2))
                        if response.status == .ok {
                            return String(buffer: try await response.body.collect(upTo: 1 << 20))
                        }
                    } catch {}
                    try await Task.sleep(for: .milliseconds(100))  // poll until httpd listens
                }
            }
            #expect(body.contains("hello from slipway"))

            let listed = try await client.listContainers(labelFilters: ["slipway.test.run=\(run)", "slipway.test"])
            #expect(listed.map(\.id) == [id])
            #expect(listed.first?.names == [name])
            #expect(listed.first?.state == "running")
            #expect(try await client.listContainers(labelFilters: ["slipway.test.run=other-\(run)"]).isEmpty)

            // With an init as PID 1, SIGTERM reaches httpd, so stopping is quick rather than the 5 s timeout.
            let started = ContinuousClock.now
            try await client.stopContainer(id, timeoutSeconds: 5)
            #expect(ContinuousClock.now - started < .seconds(4))
            let stopped = try #require(try await client.inspectContainer(id))
            #expect(!stopped.state.running)
            #expect(stopped.state.finishedAt != nil)
            try await client.stopContainer(id, timeoutSeconds: 1)  // already stopped: not an error

            try await client.removeContainer(id)
            #expect(try await client.inspectContainer(id) == nil)
            try await client.removeContainer(id)  // already gone: not an error
            try await client.stopContainer(id, timeoutSeconds: 1)
        }
    }

    @Test func logsAreDemultiplexedPerStream() async throws {
        try await Engine.run { client, cleanup in
            let id = try await client.createContainer(name: nil, spec: ContainerSpec(
                image: Engine.baseImage, command: ["sh", "-c", "echo first line; echo second line; echo oops >&2"]
            ))
            await cleanup.container(id)
            try await client.startContainer(id)
            #expect(try await client.waitContainer(id) == 0)

            var lines: [LogLine] = []
            for try await line in client.logs(id, follow: false, tail: nil, timestamps: false) {
                lines.append(line)
            }
            #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["first line", "second line"])
            #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["oops"])
            #expect(lines.allSatisfy { $0.timestamp == nil })

            // follow on an exited container ends after the stored output; timestamps are split off.
            let followed = try await withTimeout(15, "followed logs to end") {
                var collected: [LogLine] = []
                for try await line in client.logs(id, follow: true, tail: 1, timestamps: true) {
                    collected.append(line)
                }
                return collected
            }
            #expect(followed.count == 1)
            #expect(followed.allSatisfy { $0.timestamp != nil && !$0.text.hasPrefix("20") })

            await #expect(throws: DockerAPIError.self) {
                for try await _ in client.logs("slipway-no-such-container", follow: false, tail: nil, timestamps: false) {}
            }
        }
    }

    @Test func eventsReportDieWithExitCode() async throws {
        try await Engine.run { client, cleanup in
            let run = UUID().uuidString
            let events = client.events(filters: ["label": ["slipway.test.run=\(run)"], "type": ["container"]])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let die = try await withTimeout(20, "a die event") { () -> DockerEvent? in
                        for try await event in events where event.action == "die" {
                            return event
                        }
                        return nil
                    }
                    let event = try #require(die)
                    #expect(event.type == "container")
                    #expect(event.attributes["slipway.test.run"] == run)
                    #expect(event.exitCode == 3)
                }
                // The container sleeps first, so the event subscription is in place before it dies.
                let id = try await client.createContainer(name: nil, spec: ContainerSpec(
                    image: Engine.baseImage, command: ["sh", "-c", "sleep 1; exit 3"], labels: ["slipway.test.run": run]
                ))
                await cleanup.container(id)
                try await client.startContainer(id)
                #expect(try await client.waitContainer(id) == 3)
                try await group.waitForAll()
            }
        }
    }

    @Test func killEndsTheContainerAndMissingContainersAreNotFound() async throws {
        try await Engine.run { client, cleanup in
            let id = try await client.createContainer(name: nil, spec: ContainerSpec(image: Engine.baseImage, command: ["sleep", "60"]))
            await cleanup.container(id)
            try await client.startContainer(id)
            try await client.killContainer(id)
            #expect(try await client.waitContainer(id) == 137)
            let details = try #require(try await client.inspectContainer(id))
            #expect(details.state.exitCode == 137 && !details.state.running)
            do {
                try await client.killContainer(id)
                Issue.record("killing an exited container should throw")
            } catch let error as DockerAPIError {
                #expect(error.isNotRunning, "\(error)")
            }

            #expect(try await client.inspectContainer("slipway-no-such-container") == nil)
            do {
                try await client.startContainer("slipway-no-such-container")
                Issue.record("starting a missing container should throw")
            } catch let error as DockerAPIError {
                #expect(error.isNotFound, "\(error)")
                #expect(!error.message.isEmpty)
            }
        }
    }

    /// A container that exits as soon as it starts (a release command's `echo`) gives its exit
    /// code to the wait that follows the start, every time: Podman 4.3 fails that wait now and then
    /// when the process is gone before it reads its cgroup, and `waitContainer` asks again.
    @Test func waitRightAfterStartOfAnInstantContainerGivesItsExitCode() async throws {
        try await Engine.run { client, cleanup in
            for round in 0..<10 {
                let id = try await client.createContainer(name: nil, spec: ContainerSpec(
                    image: Engine.baseImage, command: ["sh", "-c", "exit \(round % 7)"]
                ))
                await cleanup.container(id)
                try await client.startContainer(id)
                #expect(try await client.waitContainer(id) == round % 7, "round \(round)")
                try await client.removeContainer(id)
            }
        }
    }

    @Test func nameConflictIsReported() async throws {
        try await Engine.run { client, cleanup in
            let name = Engine.uniqueName("dup")
            let id = try await client.createContainer(name: name, spec: ContainerSpec(image: Engine.baseImage, command: ["true"]))
            await cleanup.container(id)
            do {
                let second = try await client.createContainer(name: name, spec: ContainerSpec(image: Engine.baseImage, command: ["true"]))
                await cleanup.container(second)
                Issue.record("a second container with the same name should be refused")
            } catch let error as DockerAPIError {
                #expect(error.isNameInUse, "\(error)")
                #expect(error.message.contains(name), "\(error)")
            }
        }
    }
}
