import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration.KubernetesEngineDeployTests {
    /// What the serving release's objects look like in the cluster (metadata and spec of each).
    static func servingObjects(_ client: KubernetesClient) async throws -> [String] {
        var objects: [String] = []
        for (kind, name) in [(KubernetesResource.namespace, "slipway-hello"), (.networkPolicy, "hello-allow-ingress"),
                             (.deployment, "hello-web"), (.service, "hello-web"), (.ingress, "hello")] {
            let object = try await client.get(kind, name: name, namespace: kind == .namespace ? nil : "slipway-hello")
            objects.append("\(kind.kind)/\(name) \(object?["metadata"]?.jsonString ?? "missing") \(object?["spec"]?.jsonString ?? "")")
        }
        return objects
    }

    @Test("an apply the cluster refuses (403, 422): the apply stage is the ERROR with the reason, the previous release serves unchanged")
    func applyRefused() async throws {
        try await KmockDeployEnvironment.with { kmock in
            let (client, emulator) = (kmock.client, kmock.emulator)
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "v1"))
            defer { repo.remove() }
            try await TestServer.with(arguments: kmock.serverArguments) { server in
                let first = try await server.deploy("hello", source: repo.url)
                #expect(first.status == .completed, "\(first.error ?? "")")
                let serving = try await Self.servingObjects(client)

                let refusals: [(code: Int, reason: String, message: String, shown: [String])] = [
                    (403, "Forbidden",
                     #"deployments.apps "hello-web" is forbidden: User "tester" cannot patch resource "deployments" in API group "apps" in the namespace "slipway-hello""#,
                     [#"patch on deployments.apps "hello-web" in namespace slipway-hello"#, #"cannot patch resource "deployments""#]),
                    (422, "Invalid",
                     #"admission webhook "images.policy.example.com" denied the request: images must come from registry.example.com"#,
                     [#"admission webhook "images.policy.example.com" denied the request: images must come from registry.example.com"#]),
                ]
                for (index, refusal) in refusals.enumerated() {
                    try emulator.refuse(["/deployments/hello-web": (refusal.code, refusal.reason, refusal.message)])
                    try await repo.commit(GitRepository.helloFiles(page: "refused \(index)"), message: "refused \(index)")
                    let view = try await server.deploy("hello", source: repo.url)
                    #expect(view.status == .error)
                    let apply = try #require(view.stages.first { $0.name == "apply" })
                    #expect(apply.status == .error, "\(view.stages)")
                    for part in refusal.shown {
                        #expect(apply.message?.contains(part) == true, "\(refusal.code): \(apply.message ?? "")")
                    }
                    #expect(view.stages.filter { ["run", "route"].contains($0.name) }.allSatisfy { $0.status == .skipped }, "\(view.stages)")
                    #expect(try await server.client.app(try DNSLabel("hello")).currentRelease == 1)
                    #expect(try await Self.servingObjects(client) == serving, "\(refusal.code): release 1's objects changed")
                }

                // Once the cluster admits it, the next deploy goes through.
                try emulator.refuse([:])
                let admitted = try await server.deploy("hello", source: repo.url)
                #expect(admitted.status == .completed, "\(admitted.error ?? "")")
                let deployment = try await client.get(.deployment, name: "hello-web", namespace: "slipway-hello")
                #expect(deployment?.labels["app.kubernetes.io/version"] == "v\(admitted.release ?? 0)")
            }
        }
    }
}
