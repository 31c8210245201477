import AsyncHTTPClient
import Foundation
import KubernetesAPI
import KubernetesResources
import Logging
import NIOCore
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// `slipway server --engine kubernetes` end to end, with no real cluster: a git repository is
    /// built by Podman, pushed to a real `docker-registry`, and applied to the kmock API emulator
    /// (the test plays the Deployment controller).
    @Suite("Kubernetes engine", .serialized)
    struct KubernetesEngineDeployTests {
        @Test("deploy: built, pushed by digest, applied and watched until available")
        func deployToKmock() async throws {
            try await KmockDeployEnvironment.with { kmock in
                let (client, controller, registry) = (kmock.client, kmock.controller, kmock.registry)
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "on kubernetes"))
                defer { repo.remove() }
                try await TestServer.with(arguments: kmock.serverArguments + ["--ingress-class", "nginx"]) { server in
                    let view = try await server.deploy("hello", source: repo.url)
                    #expect(view.status == .completed, "\(view.error ?? "")")
                    #expect(view.release == 1)
                    // The deploy's status shows the Kubernetes stages, push and apply among them, each timed.
                    #expect(view.stages.map(\.name) == ["fetch", "config", "build", "push", "release", "apply", "run", "route"])
                    #expect(view.stages.allSatisfy { $0.status == .completed && $0.startedAt != nil && $0.finishedAt != nil }, "\(view.stages)")
                    #expect(view.stages.first { $0.name == "push" }?.message == "1 image pushed")
                    #expect(view.stages.first { $0.name == "apply" }?.message?.contains("objects of v1 applied to namespace slipway-hello") == true)
                    let log = try await server.get("/v1/deploys/\(view.traceId)/log")
                    #expect(log.body.contains("Pushed \(registry.host)/slipway/hello-web@sha256:"), "\(log.body.suffix(3000))")
                    #expect(log.body.contains("Deployment hello-web rolled out"), "\(log.body.suffix(3000))")

                    let deployment = try #require(try await client.get(.deployment, name: "hello-web", namespace: "slipway-hello"))
                    let image = try #require(deployment[path: "spec", "template", "spec", "containers"]?[0]?["image"]?.stringValue)
                    #expect(image.hasPrefix("\(registry.host)/slipway/hello-web@sha256:"))
                    #expect(deployment[path: "spec", "replicas"]?.intValue == 2)
                    let ingress = try await client.get(.ingress, name: "hello", namespace: "slipway-hello")
                    #expect(ingress?[path: "spec", "rules"]?[0]?["host"]?.stringValue == "hello.apps.test")

                    // The registry holds the manifest the Deployment names.
                    let digest = String(image.split(separator: "@")[1])
                    var request = HTTPClientRequest(url: "http://\(registry.host)/v2/slipway/hello-web/manifests/\(digest)")
                    request.method = .HEAD
                    request.headers.add(name: "Accept", value: "application/vnd.oci.image.manifest.v1+json")
                    let answer = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                    #expect(answer.status.code == 200)

                    // A rollout that exceeds its progress deadline ends the deploy in ERROR with the
                    // condition's message, and release 1 stays current with its objects.
                    await controller.setStuck(true)
                    let stuckDeadline = ContinuousClock.now + .seconds(10)
                    while ContinuousClock.now < stuckDeadline {
                        let status = try await client.get(.deployment, name: "hello-web", namespace: "slipway-hello")?["status"]
                        if status?["conditions"]?[0]?["reason"]?.stringValue == "ProgressDeadlineExceeded" { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    try await repo.commit(GitRepository.helloFiles(page: "stuck"), message: "stuck")
                    let failed = try await server.deploy("hello", source: repo.url)
                    #expect(failed.status == .error)
                    #expect(failed.error?.contains("ProgressDeadlineExceeded") == true, "\(failed.error ?? "")")
                    #expect(failed.stages.first { $0.name == "apply" }?.status == .completed)
                    #expect(failed.stages.first { $0.name == "run" }?.status == .error)
                    #expect(try await server.client.app(try DNSLabel("hello")).currentRelease == 1)
                    let after = try await client.get(.deployment, name: "hello-web", namespace: "slipway-hello")
                    #expect(after?.labels["app.kubernetes.io/version"] == "v1")
                    await controller.setStuck(false)

                    // destroy deletes the namespace.
                    _ = try await server.client.destroy(app: try DNSLabel("hello"))
                    #expect(try await client.get(.namespace, name: "slipway-hello") == nil)
                }
            }
        }

        @Test("a registry that refuses the push: the push stage is the ERROR, nothing is applied")
        func pushRefused() async throws {
            let emulator = try await KmockEmulator.start()
            defer { emulator.stop() }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-it-kube-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            // htpasswd auth, and the server has no credentials for it: every push gets 401.
            let line = try await Tools.run(try Tools.require("htpasswd", package: "apache2-utils"), ["-Bbn", "ci", "secret"])
            try line.write(to: directory.appendingPathComponent("htpasswd"), atomically: true, encoding: .utf8)
            let registry = try await DockerRegistry.start(authSection: """
                auth:
                  htpasswd:
                    realm: slipway-test
                    path: \(directory.path)/htpasswd
                """)
            defer { registry.stop() }
            let cluster = try KmockCluster(emulator, directory: directory)
            defer { Task { try? await cluster.client.shutdown() } }
            let kubeconfig = cluster.kubeconfig
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "refused"))
            defer { repo.remove() }
            try await TestServer.with(arguments: ["--engine", "kubernetes", "--kubeconfig", kubeconfig.path,
                                                  "--registry", "\(registry.host)/slipway", "--domain", "apps.test"]) { server in
                let view = try await server.deploy("hello", source: repo.url)
                #expect(view.status == .error)
                let push = try #require(view.stages.first { $0.name == "push" })
                #expect(push.status == .error, "\(view.stages)")
                #expect(push.message?.contains("pushing the images of hello to \(registry.host)/slipway") == true, "\(push.message ?? "")")
                #expect(view.stages.first { $0.name == "build" }?.status == .completed)
                #expect(view.stages.filter { ["release", "apply", "run", "route"].contains($0.name) }.allSatisfy { $0.status == .skipped })
            }
        }
    }
}
