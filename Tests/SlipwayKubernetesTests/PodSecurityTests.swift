import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayKubernetes
import Testing

/// Issue 14, "a container gets only what it needs", on Kubernetes: every pod drops what it does
/// not need, namespaces enforce Pod Security baseline, and a toleration of every taint needs the
/// operator's consent.
@Suite("Kubernetes renderer: pod security")
struct PodSecurityTests {
    static func pods(_ objects: [KubernetesObject]) -> [(name: String, pod: KubernetesValue)] {
        objects.compactMap { object in
            guard object.kind == .deployment || object.kind == .job,
                  let pod = object.body["spec"]?["template"]?["spec"] else { return nil }
            return ("\(object.kind.kind) \(object.name)", pod)
        }
    }

    @Test("every pod (Deployments and the release Job): no service account token, RuntimeDefault seccomp, no escalation, capabilities dropped")
    func defaultsOnEveryPod() throws {
        let objects = try KubernetesRenderer(options: Fixtures.options).render(Fixtures.full())
        let pods = Self.pods(objects)
        #expect(pods.count == 5, "four Deployments and the Job")
        for (name, pod) in pods {
            #expect(pod["automountServiceAccountToken"]?.bool == false, "\(name)")
            #expect(pod["securityContext"]?["seccompProfile"] == ["type": "RuntimeDefault"], "\(name)")
            let container = try #require(pod["containers"]?[0], "\(name)")
            #expect(container["securityContext"]?["allowPrivilegeEscalation"]?.bool == false, "\(name)")
            #expect(container["securityContext"]?["capabilities"]?["drop"] == ["ALL"], "\(name)")
            #expect(container["securityContext"]?["privileged"] == nil, "\(name)")
        }
    }

    @Test("slipway.yaml's securityContext: the uid, read-only root and added capabilities reach the pod")
    func serviceSettings() throws {
        let objects = try KubernetesRenderer(options: Fixtures.options).render(Fixtures.full())
        let pod = try #require(objects.first(.deployment, "shop-web")?.body["spec"]?["template"]?["spec"])
        #expect(pod["securityContext"] == ["runAsNonRoot": true, "runAsUser": 1000, "runAsGroup": 1000,
                                           "seccompProfile": ["type": "RuntimeDefault"]])
        #expect(pod["containers"]?[0]?["securityContext"] == [
            "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"], "add": ["NET_BIND_SERVICE"]],
            "readOnlyRootFilesystem": true,
        ])
    }

    @Test("runAsNonRoot only where the image's user is known not to be root", arguments: [
        ("1000", nil, true), ("999:999", nil, true), ("0", nil, nil), ("root", nil, nil), ("app", nil, nil),
        (nil, nil, nil), (nil, 1000, true), ("0", 1000, true), ("1000", 0, nil),
    ] as [(String?, Int?, Bool?)])
    func runAsNonRoot(dockerfileUser: String?, runAsUser: Int?, expected: Bool?) throws {
        var web = ReleasedService(name: "web", image: "r/web:1", port: 8080, replicas: 1, env: [:], command: nil)
        web.dockerfileUser = dockerfileUser
        web.securityContext = runAsUser.map { SecurityContext(runAsUser: $0) }
        let release = try Fixtures.release(app: "hello", services: [web])
        let pod = try #require(try KubernetesRenderer().render(release).first(.deployment, "hello-web")?.body["spec"]?["template"]?["spec"])
        #expect(pod["securityContext"]?["runAsNonRoot"]?.bool == expected)
    }

    @Test("the namespace enforces Pod Security baseline and warns about restricted")
    func namespaceLabels() throws {
        let namespace = try #require(try KubernetesRenderer().render(Fixtures.minimal()).first)
        #expect(namespace.kind == .namespace)
        let labels = namespace.labels
        #expect(labels["pod-security.kubernetes.io/enforce"] == "baseline")
        #expect(labels["pod-security.kubernetes.io/warn"] == "restricted")
        #expect(labels["app.kubernetes.io/managed-by"] == "slipway")
    }

    @Test("attack: a release tolerating every taint is refused unless the operator allows it", arguments: [
        Toleration(operator: .exists), Toleration(operator: .exists, effect: .noSchedule),
    ])
    func tolerationOfEveryTaintRefused(toleration: Toleration) throws {
        var web = ReleasedService(name: "web", image: "r/web:1", port: 8080, replicas: 1, env: [:], command: nil)
        web.tolerations = [Toleration(key: "team", operator: .equal, value: "a"), toleration]
        let release = try Fixtures.release(app: "hello", services: [web])
        let error = #expect(throws: KubernetesRenderError.self) { try KubernetesRenderer().render(release) }
        #expect(error?.message.contains("service web of hello tolerates every taint") == true, "\(String(describing: error))")
        #expect(error?.message.contains("--k8s-allow-tolerate-all-taints") == true)
        var allowed = KubernetesRenderOptions()
        allowed.allowTolerateAllTaints = true
        let pod = try KubernetesRenderer(options: allowed).render(release).first(.deployment, "hello-web")?.body["spec"]?["template"]?["spec"]
        #expect(pod?["tolerations"]?.list?.count == 2)
    }
}
