import Foundation
import SlipwayCore
import SlipwayKubernetes
import Testing

/// Every rendered kind against the official OpenAPI schemas of Kubernetes 1.30 to 1.33, strict
/// (unknown fields are errors). kubernetes-validate does not check enums or list lengths; the
/// renderer tests do.
@Suite("Kubernetes renderer: kubernetes-validate --strict, Kubernetes 1.30 to 1.33")
struct SchemaValidationTests {
    /// Manifests covering every optional feature, each with the options that change its shape.
    static func cases() throws -> [(name: String, yaml: String)] {
        var noPhase = try Fixtures.full()
        noPhase.releaseCommand = nil
        noPhase.config = nil
        noPhase.files = nil
        var unrouted = try Fixtures.release(app: "jobs", services: [
            ReleasedService(name: "worker", image: "registry.example.com/jobs/worker:2", port: 8080, replicas: 0, env: ["A": "1"],
                            command: ["./work"], routed: false),
        ], defaultService: nil)
        unrouted.config = ["ONLY_SECRET_TOKEN": "t0ken"]
        unrouted.secretKeys = ["ONLY_SECRET_TOKEN"]
        return [
            ("minimal-no-domain", try KubernetesRenderer().renderYAML(Fixtures.minimal())),
            ("minimal-plain-http", try KubernetesRenderer(options: .init(domain: "apps.example.com")).renderYAML(Fixtures.minimal())),
            ("full-tls-secret", try KubernetesRenderer(options: Fixtures.options).renderYAML(Fixtures.full())),
            ("full-cluster-issuer", try KubernetesRenderer(options: .init(domain: "example.org", tls: .clusterIssuer("letsencrypt"),
                                                                          namespace: "team-shop", storageClass: "standard"))
                .renderYAML(Fixtures.full())),
            ("full-without-release-phase-or-config", try KubernetesRenderer(options: Fixtures.options).renderYAML(noPhase)),
            ("worker-only-secret-only", try KubernetesRenderer(options: Fixtures.options).renderYAML(unrouted)),
            ("full-with-addons", try KubernetesRenderer(options: AddonRenderTests.options()).renderYAML(Fixtures.full())),
        ]
    }

    @Test("every manifest is valid for each supported Kubernetes version", arguments: KubernetesValidate.versions)
    func validate(version: String) async throws {
        if let missing = KubernetesValidate.missingMessage {
            Issue.record(Comment(rawValue: missing))
            return
        }
        let directory = try ProcessOutput.temporaryDirectory("k8s-validate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.cases().map { entry in
            let file = directory.appendingPathComponent(entry.name + ".yaml")
            try entry.yaml.write(to: file, atomically: true, encoding: .utf8)
            return file
        }
        let result = try await KubernetesValidate.run(version: version, files: files)
        #expect(result.status == 0, "kubernetes-validate --strict -k \(version) failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("ERROR") && !result.stdout.lowercased().contains("invalid"), "\(result.stdout)")
    }

    @Test("kubernetes-validate catches what the test relies on it for: unknown fields and wrong types")
    func validatorCatchesMistakes() async throws {
        if let missing = KubernetesValidate.missingMessage {
            Issue.record(Comment(rawValue: missing))
            return
        }
        let directory = try ProcessOutput.temporaryDirectory("k8s-validate-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml")
        try """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: bad}
            spec:
              replicas: "two"
              selector: {matchLabels: {a: b}}
              template:
                metadata: {labels: {a: b}}
                spec: {containers: [{name: c, image: i, colour: red}]}
            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await KubernetesValidate.run(version: "1.33.0", files: [file])
        #expect(result.status != 0, "\(result.stdout)")
    }
}
