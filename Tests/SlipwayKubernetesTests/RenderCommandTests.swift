import Foundation
import SlipwayCore
import Testing
import Yams

/// `slipway k8s render` end to end: the built binary on temporary source trees (no server, no
/// cluster, no container engine).
@Suite("slipway k8s render (the built binary)")
struct RenderCommandTests {
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SLIPWAY_BIN"] { return URL(fileURLWithPath: path) }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("slipway")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/slipway")
    }

    static let manifest = """
        name: shop
        release: {command: [./manage.py, migrate]}
        services:
          web:
            port: 8000
            replicas: 2
            env: {GREETING: hello}
            health: {path: /healthz, interval: 5s, startPeriod: 10s}
            resources: {cpu: 250m, memory: 128Mi}
            autoscale: {min: 2, max: 6, cpu: 75}
            nodeSelector: {team: shop}
            tolerations: [{key: team, operator: Equal, value: shop, effect: NoSchedule}]
          worker:
            routed: false
            command: ./worker.sh
          db:
            volumes: {data: {path: /var/lib/data, size: 2Gi}}
            tolerations: [{key: dedicated, operator: Exists}]
        """

    static func sourceTree(_ files: [String: String]) throws -> URL {
        let directory = try ProcessOutput.temporaryDirectory("render-src")
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func render(_ arguments: [String]) async throws -> ProcessOutput {
        let binary = Self.binary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw SlipwayError.internal("the slipway binary is not at \(binary.path); run `swift build` first (or set SLIPWAY_BIN)")
        }
        return try await ProcessOutput.run(binary.path, ["k8s", "render"] + arguments)
    }

    static func documents(_ yaml: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: yaml).map { $0 as? [String: Any] ?? [:] }
    }

    @Test("a slipway.yaml with every feature renders every kind, with --image and placeholders, and validates")
    func fullManifest() async throws {
        let source = try Self.sourceTree(["slipway.yaml": Self.manifest, "Dockerfile": "FROM busybox\nEXPOSE 8000\n"])
        defer { try? FileManager.default.removeItem(at: source) }
        let result = try await Self.render([source.path, "--app", "shop", "--image", "web=registry.example.com/shop/web@sha256:abc",
                                      "--domain", "apps.example.com", "--ingress-class", "nginx", "--cluster-issuer", "letsencrypt"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let documents = try Self.documents(result.stdout)
        let kinds = documents.compactMap { $0["kind"] as? String }
        #expect(kinds == ["Namespace", "NetworkPolicy", "PersistentVolumeClaim", "Job", "Deployment", "Deployment", "Deployment",
                          "Service", "Service", "HorizontalPodAutoscaler", "Ingress"], "db and web are routed, the worker is not")
        #expect(result.stdout.contains("image: registry.example.com/shop/web@sha256:abc"))
        #expect(result.stdout.contains("image: registry.invalid/slipway/shop-worker:unbuilt"))
        #expect(result.stdout.contains("image: registry.invalid/slipway/shop-db:unbuilt"))
        #expect(result.stdout.contains("host: shop.apps.example.com"))
        #expect(result.stdout.contains("cert-manager.io/cluster-issuer: letsencrypt"))
        #expect(result.stdout.contains("storage: 2Gi"))
        #expect(result.stdout.contains("name: shop-release-v1"))
        let webPod = documents.first { $0["kind"] as? String == "Deployment" && ($0["metadata"] as? [String: Any])?["name"] as? String == "shop-web" }
        let podSpec = ((webPod?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        #expect(podSpec?["nodeSelector"] as? [String: String] == ["team": "shop"], "manifest fields reach the release")
        #expect((podSpec?["tolerations"] as? [Any])?.count == 1)
        #expect((webPod?["spec"] as? [String: Any])?["replicas"] == nil, "autoscaled")

        if let missing = KubernetesValidate.missingMessage {
            Issue.record(Comment(rawValue: missing))
            return
        }
        let file = source.appendingPathComponent("rendered.yaml")
        try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        for version in KubernetesValidate.versions {
            let validation = try await KubernetesValidate.run(version: version, files: [file])
            #expect(validation.status == 0, "Kubernetes \(version):\n\(validation.stdout)\n\(validation.stderr)")
        }
    }

    @Test("a Procfile repository without a Dockerfile renders without touching the source directory")
    func procfileWithoutDockerfile() async throws {
        let source = try Self.sourceTree([
            "Procfile": "web: gunicorn app:app\nworker: python worker.py\nrelease: python manage.py migrate\n",
            "requirements.txt": "gunicorn\n",
        ])
        defer { try? FileManager.default.removeItem(at: source) }
        let result = try await Self.render([source.path, "--app", "py-app", "--tls-secret", "wildcard", "--domain", "example.com"])
        #expect(result.status == 0, "\(result.stderr)")
        let kinds = try Self.documents(result.stdout).compactMap { $0["kind"] as? String }
        #expect(kinds == ["Namespace", "NetworkPolicy", "Job", "Deployment", "Deployment", "Service", "Ingress"])
        #expect(result.stdout.contains("namespace: slipway-py-app"))
        #expect(result.stdout.contains("secretName: wildcard"))
        #expect(!FileManager.default.fileExists(atPath: source.appendingPathComponent(".slipway").path),
                "the generated Dockerfile stays out of the user's directory")
    }

    @Test("a git URL is cloned shallowly and rendered")
    func gitSource() async throws {
        let source = try Self.sourceTree(["slipway.yaml": "services: {web: {port: 3000}}\n", "Dockerfile": "FROM busybox\n"])
        defer { try? FileManager.default.removeItem(at: source) }
        for step in [["init", "--quiet", "-b", "main"], ["add", "."],
                     ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "init"]] {
            let git = try await ProcessOutput.run("/usr/bin/git", ["-C", source.path] + step)
            try #require(git.status == 0, "\(git.stderr)")
        }
        let result = try await Self.render(["file://" + source.path, "--app", "gitapp"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("containerPort: 3000"))
        #expect(result.stdout.contains("name: gitapp-web"))
    }

    @Test("errors go to stderr with exit code 1 (usage errors: 64), and nothing to stdout", arguments: [
        (["services: {web: {resources: {cpu: lots}}}"], ["--app", "x"], Int32(1), "`services.web.resources.cpu` must be a positive Kubernetes quantity"),
        (["services: {web: {}}"], ["--app", "x", "--image", "api=r/x:1"], Int32(1), "x has no service api"),
        (["services: {web: {}}"], ["--app", "x", "--domain", "Bad_Domain"], Int32(1), "domain \"Bad_Domain\" is not a DNS name"),
        (["services: {web: {}}"], ["--app", "x", "--tls-secret", "a", "--cluster-issuer", "b"], Int32(64), "not both"),
        (["services: {web: {}}"], ["--app", "x", "--image", "web"], Int32(64), "expected SERVICE=REF"),
        (["services: {web: {}}"], ["--app", "x", "--cluster-issuer", "le"], Int32(64), "--cluster-issuer configures the Ingress, which needs --domain"),
        (["services: {web: {}}"], ["--app", "Bad"], Int32(64), "uppercase"),
    ])
    func errors(manifest: [String], arguments: [String], status: Int32, message: String) async throws {
        let source = try Self.sourceTree(["slipway.yaml": manifest[0], "Dockerfile": "FROM busybox\n"])
        defer { try? FileManager.default.removeItem(at: source) }
        let result = try await Self.render([source.path] + arguments)
        #expect(result.status == status, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a source that is not a directory is an error")
    func missingSource() async throws {
        let result = try await Self.render(["/nonexistent/slipway-render-test", "--app", "x"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: /nonexistent/slipway-render-test is not a directory"), "\(result.stderr)")
    }
}
