import Foundation
import KubernetesResources
import SlipwayCore
import SlipwayKubernetes
import Testing

/// Add-ons rendered for a cluster: the credentials Secret, a headless Service named as the add-on
/// (the host in the app's URL), a StatefulSet of one replica keeping its data in a claim template.
@Suite("Kubernetes renderer: add-ons")
struct AddonRenderTests {
    static func addon(_ kind: AddonKind, _ name: String, app: String = "shop") throws -> AddonSpec {
        AddonSpec(app: try DNSLabel(app), name: try DNSLabel(name), kind: kind, version: kind.defaultVersion,
                  image: kind.officialImage(version: kind.defaultVersion), password: "0123456789abcdef0123456789abcdef",
                  volumeID: "", configKeys: [kind.defaultConfigKey], createdAt: Date(timeIntervalSince1970: 0))
    }

    static func options() throws -> KubernetesRenderOptions {
        var options = Fixtures.options
        options.addons = [try addon(.postgres, "db"), try addon(.redis, "cache")]
        return options
    }

    @Test("postgres and redis: Secret, headless Service and StatefulSet each, in the app's namespace")
    func objects() throws {
        let objects = try KubernetesRenderer(options: Self.options()).render(Fixtures.full())
        let app = try Fixtures.full().app.value
        let statefulSets = objects.filter { $0.kind == .statefulSet }
        #expect(statefulSets.map(\.name) == ["\(app)-addon-cache", "\(app)-addon-db"])
        let db = try #require(statefulSets.last)
        #expect(db.body["spec"]?["replicas"]?.int == 1)
        #expect(db.body["spec"]?["serviceName"]?.string == "db")
        #expect(db.body["spec"]?["volumeClaimTemplates"]?[0]?["metadata"]?["name"]?.string == "data")
        let container = try #require(db.body["spec"]?["template"]?["spec"]?["containers"]?[0])
        #expect(container["image"]?.string == "postgres:15")
        #expect(container["volumeMounts"]?[0]?["mountPath"]?.string == "/var/lib/postgresql/data")
        // The password comes from the Secret as a file, never inline in the pod spec nor on a command
        // line (which every process on the node reads in /proc).
        let yaml = try KubernetesRenderer(options: Self.options()).renderYAML(Fixtures.full())
        #expect(container["env"]?[0]?["name"]?.string == "POSTGRES_PASSWORD_FILE")
        #expect(container["env"]?[0]?["value"]?.string == "/run/slipway/password")
        #expect(container["volumeMounts"]?[1]?["mountPath"]?.string == "/run/slipway")
        let credentials = db.body["spec"]?["template"]?["spec"]?["volumes"]?[0]?["secret"]
        #expect(credentials?["secretName"]?.string == "\(app)-addon-db" && credentials?["items"]?[0]?["key"]?.string == "password")
        let cache = try #require(statefulSets.first?.body["spec"]?["template"]?["spec"]?["containers"]?[0])
        #expect(cache["args"]?[0]?.string == "redis-server" && cache["args"]?[1]?.string == "/run/slipway/redis.conf" && cache["args"]?[2] == nil)
        let services = objects.filter { $0.kind == .service && ["db", "cache"].contains($0.name) }
        #expect(services.count == 2 && services.allSatisfy { $0.body["spec"]?["clusterIP"]?.string == "None" })
        let secret = try #require(objects.first { $0.kind == .secret && $0.name == "\(app)-addon-db" })
        #expect(secret.body["stringData"]?["url"]?.string == "postgres://slipway:0123456789abcdef0123456789abcdef@db:5432/slipway")
        #expect(yaml.components(separatedBy: "0123456789abcdef0123456789abcdef").count - 1 == 5, "only in the two Secrets (password, url; redis.conf)")
        // Same input, same bytes.
        #expect(try KubernetesRenderer(options: Self.options()).renderYAML(Fixtures.full()) == yaml)
    }
}
