import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayKubernetes
import Testing
import Yams

@Suite("Kubernetes renderer: names, enums, YAML")
struct KubernetesNamesAndYAMLTests {
    @Test("names are DNS labels of at most 63 characters, deterministic, and long ones stay apart")
    func longNames() throws {
        let long = String(repeating: "a", count: 60)
        let services = ["web-" + String(repeating: "x", count: 50), "web-" + String(repeating: "x", count: 49) + "y"].map {
            ReleasedService(name: $0, image: "img", port: 8080, replicas: 1, env: [:], command: nil)
        }
        var release = try Fixtures.release(app: long, services: services, defaultService: nil)
        release.releaseCommand = ["true"]
        release.files = ["/etc/" + String(repeating: "deep/", count: 20): ["a": Data("b".utf8)]]
        let renderer = KubernetesRenderer(options: .init(domain: "example.com"))
        let objects = try renderer.render(release)
        for object in objects {
            #expect(DNSLabel.problem(with: object.name) == nil, "\(object.kind) \(object.name)")
            #expect(object.name.count <= 63)
        }
        let deployments = objects.all(.deployment).map(\.name)
        #expect(Set(deployments).count == 2, "\(deployments)")
        #expect(try renderer.render(release) == objects, "deterministic")
        #expect(objects.first?.name.hasPrefix("slipway-aaaa") == true)
    }

    @Test("a Service name starts with a letter even when the app's does not")
    func serviceNameStartsWithLetter() throws {
        let release = try Fixtures.release(app: "1shop", services: [
            ReleasedService(name: "web", image: "img", port: 8080, replicas: 1, env: [:], command: nil),
        ])
        let objects = try KubernetesRenderer().render(release)
        #expect(objects.all(.service).map(\.name) == ["s-1shop-web"])
        #expect(objects.all(.deployment).map(\.name) == ["1shop-web"])
    }

    @Test("enums are the API's: toleration operators and effects, HPA metric and target types")
    func enums() throws {
        #expect(Toleration.Operator.allCases.map(\.rawValue) == ["Exists", "Equal"])
        #expect(Toleration.Effect.allCases.map(\.rawValue) == ["NoSchedule", "PreferNoSchedule", "NoExecute"])
        let objects = try KubernetesRenderer(options: Fixtures.options).render(Fixtures.full())
        let tolerations = objects.first(.deployment, "shop-web")?.body["spec"]?["template"]?["spec"]?["tolerations"]?.list ?? []
        #expect(!tolerations.isEmpty)
        for toleration in tolerations {
            #expect(["Exists", "Equal"].contains(toleration["operator"]?.string ?? ""))
            if let effect = toleration["effect"]?.string { #expect(["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect)) }
        }
        let metric = objects.first(.horizontalPodAutoscaler, "shop-web")?.body["spec"]?["metrics"]?[0]
        #expect(metric?["type"]?.string == "Resource")
        #expect(metric?["resource"]?["target"]?["type"]?.string == "Utilization")
        #expect(objects.first(.service, "shop-web")?.body["spec"]?["type"]?.string == "ClusterIP")
        #expect(objects.first(.ingress, "shop")?.body["spec"]?["rules"]?[0]?["http"]?["paths"]?[0]?["pathType"]?.string == "Prefix")
        #expect(objects.first(.deployment, "shop-db")?.body["spec"]?["strategy"]?["type"]?.string == "Recreate")
        #expect(objects.first(.persistentVolumeClaim, "shop-volume-data")?.body["spec"]?["accessModes"] == ["ReadWriteOnce"])
    }

    @Test("bad options and missing images are errors that say what to do")
    func errors() throws {
        let cases: [(KubernetesRenderOptions, String)] = [
            (.init(domain: "Apps.Example.com"), "domain \"Apps.Example.com\" is not a DNS name"),
            (.init(namespace: "Team_A"), "namespace \"Team_A\""),
            (.init(ingressClass: "my class"), "ingress class"),
            (.init(tls: .secret("Bad Secret")), "TLS secret"),
            (.init(tls: .clusterIssuer("")), "cluster issuer"),
        ]
        for (options, message) in cases {
            let error = #expect(throws: KubernetesRenderError.self) { try KubernetesRenderer(options: options).render(Fixtures.minimal()) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
        let imageless = try Fixtures.release(app: "x", services: [
            ReleasedService(name: "web", image: "", port: 1, replicas: 1, env: [:], command: nil),
        ])
        let error = #expect(throws: KubernetesRenderError.self) { try KubernetesRenderer().render(imageless) }
        #expect(error?.message.contains("has no image reference") == true)
        let fixed = try KubernetesRenderer(options: .init(images: ["web": "registry.example.com/x/web@sha256:abc"])).render(imageless)
        #expect(fixed.first(.deployment, "x-web")?.body["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.string
                == "registry.example.com/x/web@sha256:abc")
    }

    @Test("YAML: documents separated by ---, keys in order, strings that look like numbers or booleans quoted")
    func yaml() throws {
        var release = try Fixtures.minimal()
        release.config = ["FLAG": "true", "COUNT": "8080", "EMPTY": "", "NULLISH": "null", "MULTI": "a\nb: c"]
        let text = try KubernetesRenderer(options: Fixtures.options).renderYAML(release)
        #expect(text.hasPrefix("---\napiVersion: v1\nkind: Namespace\nmetadata:\n"))
        let documents = try Yams.load_all(yaml: text).map { $0 as? [String: Any] }
        let objects = try KubernetesRenderer(options: Fixtures.options).render(release)
        #expect(Array(documents).count == objects.count)
        let configMap = try #require(Array(documents).compactMap { $0 }.first { $0["kind"] as? String == "ConfigMap" })
        let data = try #require(configMap["data"] as? [String: Any])
        #expect(data["FLAG"] as? String == "true")
        #expect(data["COUNT"] as? String == "8080")
        #expect(data["EMPTY"] as? String == "")
        #expect(data["NULLISH"] as? String == "null")
        #expect(data["MULTI"] as? String == "a\nb: c")
        let deployment = try #require(Array(documents).compactMap { $0 }.first { $0["kind"] as? String == "Deployment" })
        #expect((deployment["spec"] as? [String: Any])?["replicas"] as? Int == 2)
    }

    @Test("kinds: API versions, paths, and what a prune may delete")
    func kinds() {
        #expect(KubernetesResource.rendered.map(\.apiVersion) == ["v1", "networking.k8s.io/v1", "v1", "v1", "v1", "batch/v1", "batch/v1", "apps/v1", "v1",
                                                        "autoscaling/v2", "networking.k8s.io/v1"])
        #expect(KubernetesResource.ingress.collectionPath(namespace: "ns") == "/apis/networking.k8s.io/v1/namespaces/ns/ingresses")
        #expect(KubernetesResource.configMap.objectPath(name: "c", namespace: "ns") == "/api/v1/namespaces/ns/configmaps/c")
        #expect(KubernetesResource.namespace.objectPath(name: "ns", namespace: "ignored") == "/api/v1/namespaces/ns")
        #expect(!KubernetesResource.prunable.contains(.persistentVolumeClaim) && !KubernetesResource.prunable.contains(.namespace))
        #expect(KubernetesResource.prunable.count == KubernetesResource.rendered.count - 2)
    }

    @Test("JSON keeps key order and escapes")
    func json() {
        let value: KubernetesValue = ["b": 1, "a": ["x\"y\n", true], "c": ["k": "v"]]
        #expect(value.json() == #"{"b":1,"a":["x\"y\n",true],"c":{"k":"v"}}"#)
    }
}

@Suite("SHA-256 of the checksum annotation")
struct SHA256Tests {
    @Test("FIPS 180-4 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func vectors(input: String, digest: String) {
        #expect(ContentHash.hex(Array(input.utf8)) == digest)
    }
}
