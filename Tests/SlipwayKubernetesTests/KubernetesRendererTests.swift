import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayKubernetes
import Testing

@Suite("Kubernetes renderer: objects, labels, workloads")
struct KubernetesRendererTests {
    let renderer = KubernetesRenderer(options: Fixtures.options)

    @Test("a minimal app: namespace, policy, deployment, service, ingress, in apply order")
    func minimal() throws {
        let objects = try renderer.render(Fixtures.minimal())
        #expect(objects.map(\.kind.kind) == ["Namespace", "NetworkPolicy", "Deployment", "Service", "Ingress"])
        #expect(objects.map(\.name) == ["slipway-hello", "hello-allow-ingress", "hello-web", "hello-web", "hello"])
        #expect(objects[0].namespace == nil)
        #expect(objects.dropFirst().allSatisfy { $0.namespace == "slipway-hello" })
        #expect(objects[2].path == "/apis/apps/v1/namespaces/slipway-hello/deployments/hello-web")
        #expect(objects[0].path == "/api/v1/namespaces/slipway-hello")
        for object in objects {
            #expect(object.body["apiVersion"]?.string == object.kind.apiVersion)
            #expect(object.body["kind"]?.string == object.kind.kind)
            #expect(object.body["metadata"]?["name"]?.string == object.name)
        }
    }

    @Test("every kind, with every optional feature")
    func everyKind() throws {
        let objects = try renderer.render(Fixtures.full())
        let kinds = Set(objects.map(\.kind))
        #expect(kinds == Set(KubernetesResource.rendered), "\(kinds)")
        #expect(objects.map(\.kind.kind) == [
            "Namespace", "NetworkPolicy", "Secret", "ConfigMap", "ConfigMap", "ConfigMap", "PersistentVolumeClaim",
            "PersistentVolumeClaim", "Job", "CronJob", "CronJob", "Deployment", "Deployment", "Deployment", "Deployment", "Service", "Service",
            "HorizontalPodAutoscaler", "Ingress",
        ])
        #expect(objects.all(.service).map(\.name) == ["shop-api", "shop-web"], "workers and db are not routed")
    }

    @Test("labels on every object; component on per-process objects; selectors without the version")
    func labels() throws {
        let objects = try renderer.render(Fixtures.full())
        for object in objects {
            let labels = object.labels
            #expect(labels["app.kubernetes.io/name"] == "shop", "\(object.kind) \(object.name)")
            #expect(labels["app.kubernetes.io/instance"] == "shop")
            #expect(labels["app.kubernetes.io/version"] == "v7")
            #expect(labels["app.kubernetes.io/managed-by"] == "slipway")
        }
        let web = try #require(objects.first(.deployment, "shop-web"))
        #expect(web.labels["app.kubernetes.io/component"] == "web")
        #expect(web.body["spec"]?["selector"]?["matchLabels"]?.stringMap == [
            "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop", "app.kubernetes.io/component": "web",
        ])
        #expect(web.body["spec"]?["template"]?["metadata"]?["labels"]?.stringMap?["app.kubernetes.io/version"] == "v7")
        let service = try #require(objects.first(.service, "shop-web"))
        #expect(service.body["spec"]?["selector"] == web.body["spec"]?["selector"]?["matchLabels"])
        #expect(objects.first(.job, "shop-release-v7")?.labels["app.kubernetes.io/component"] == "release")
    }

    @Test("deployment: probes from health, strategy, resources, placement, grace, args")
    func deployment() throws {
        let objects = try renderer.render(Fixtures.full())
        let web = try #require(objects.first(.deployment, "shop-web"))
        let spec = try #require(web.body["spec"])
        #expect(spec["replicas"] == nil, "the autoscaler owns replicas")
        #expect(spec["strategy"] == ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 2, "maxUnavailable": 1]])
        let pod = try #require(spec["template"]?["spec"])
        #expect(pod["terminationGracePeriodSeconds"]?.int == 25)
        #expect(pod["nodeSelector"]?.stringMap == ["team": "shop", "kubernetes.io/arch": "amd64"])
        #expect(pod["tolerations"] == [
            ["key": "team", "operator": "Equal", "value": "shop", "effect": "NoSchedule"],
            ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30],
            ["key": "dedicated", "operator": "Exists"],
        ])
        let container = try #require(pod["containers"]?[0])
        #expect(container["name"]?.string == "web")
        #expect(container["image"]?.string == "sha256:web")
        #expect(container["args"] == ["gunicorn", "app:app"])
        #expect(container["command"] == nil, "the image's ENTRYPOINT stays, as on the local engine")
        #expect(container["ports"] == [["name": "http", "containerPort": 8000, "protocol": "TCP"]])
        #expect(container["resources"] == ["requests": ["cpu": "500m", "memory": "256Mi"], "limits": ["memory": "256Mi"]])
        #expect(container["readinessProbe"] == ["httpGet": ["path": "/healthz", "port": 8000], "periodSeconds": 3,
                                                "timeoutSeconds": 1, "failureThreshold": 4])
        #expect(container["livenessProbe"] == ["httpGet": ["path": "/healthz", "port": 8000], "periodSeconds": 3,
                                               "timeoutSeconds": 1, "failureThreshold": 4, "initialDelaySeconds": 20])

        let api = try #require(objects.first(.deployment, "shop-api")?.body["spec"])
        #expect(api["replicas"]?.int == 1)
        #expect(api["strategy"] == ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0]])
        #expect(api["template"]?["spec"]?["containers"]?[0]?["readinessProbe"]?["tcpSocket"] == ["port": 9000])

        let worker = try #require(objects.first(.deployment, "shop-worker")?.body["spec"]?["template"]?["spec"]?["containers"]?[0])
        #expect(worker["ports"] == nil && worker["readinessProbe"] == nil && worker["livenessProbe"] == nil,
                "an unrouted worker is ready once running")
        #expect(worker["resources"] == ["requests": ["memory": "128Mi"], "limits": ["memory": "128Mi"]])

        let db = try #require(objects.first(.deployment, "shop-db")?.body["spec"])
        #expect(db["strategy"] == ["type": "Recreate"], "a volume that may not surge: stop, then start")
        let volumes: KubernetesValue = [
            ["name": "volume-backups", "persistentVolumeClaim": ["claimName": "shop-volume-backups"]],
            ["name": "volume-data", "persistentVolumeClaim": ["claimName": "shop-volume-data"]],
        ]
        #expect(db["template"]?["spec"]?["volumes"]?.list?.filter { $0["persistentVolumeClaim"] != nil } == volumes.list)
    }

    @Test("env: manifest env under config vars, PORT and SLIPWAY_*; config through envFrom")
    func environment() throws {
        let objects = try renderer.render(Fixtures.full())
        let container = try #require(objects.first(.deployment, "shop-web")?.body["spec"]?["template"]?["spec"]?["containers"]?[0])
        let env = try #require(container["env"]?.list)
        let names = env.compactMap { $0["name"]?.string }
        #expect(names == ["GREETING", "PORT", "SLIPWAY_APP", "SLIPWAY_RELEASE", "SLIPWAY_REPLICA"],
                "MODE is a config var too: the config var (envFrom) wins")
        #expect(env[1] == ["name": "PORT", "value": "8000"])
        #expect(env[3] == ["name": "SLIPWAY_RELEASE", "value": "v7"])
        #expect(env[4] == ["name": "SLIPWAY_REPLICA", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]])
        let config = try #require(objects.first { $0.kind == .configMap && $0.name.hasPrefix("shop-config-") })
        let secret = try #require(objects.first { $0.kind == .secret })
        #expect(container["envFrom"] == [["configMapRef": ["name": .string(config.name)]], ["secretRef": ["name": .string(secret.name)]]])
    }

    @Test("config objects: Secret with base64 data, ConfigMap of plain vars, a ConfigMap per files mount mounted read-only")
    func configObjects() throws {
        let objects = try renderer.render(Fixtures.full())
        let secret = try #require(objects.first { $0.kind == .secret && $0.name.hasPrefix("shop-secrets-") })
        #expect(secret.body["type"]?.string == "Opaque")
        #expect(secret.body["data"]?.stringMap == ["DATABASE_PASSWORD": Data("s3cret".utf8).base64EncodedString()])
        #expect(secret.body["stringData"] == nil)
        let config = try #require(objects.first { $0.kind == .configMap && $0.name.hasPrefix("shop-config-") })
        #expect(config.body["data"]?.stringMap == ["MODE": "config", "LOG_LEVEL": "debug", "PORT_OVERRIDE": "8080"])
        #expect(config.body["data"]?.stringMap?["DATABASE_PASSWORD"] == nil)

        let filesMaps = objects.all(.configMap).filter { $0.name.hasPrefix("shop-files-") }
        #expect(filesMaps.count == 2)
        let etc = try #require(filesMaps.first { $0.body["metadata"]?["annotations"]?["slipway.io/mount"]?.string == "/etc/shop" })
        #expect(etc.name.hasPrefix("shop-files-etc-shop-"))
        #expect(etc.body["data"]?.stringMap == ["app.toml": "debug = true\n"])
        #expect(etc.body["binaryData"]?.stringMap == ["blob.bin": Data([0xff, 0xfe, 0x00]).base64EncodedString()])

        let pod = try #require(objects.first(.deployment, "shop-worker")?.body["spec"]?["template"]?["spec"])
        let mounts = try #require(pod["containers"]?[0]?["volumeMounts"]?.list)
        let etcMount = try #require(mounts.first { $0["mountPath"]?.string == "/etc/shop" })
        #expect(etcMount["readOnly"]?.bool == true)
        let volume = try #require(pod["volumes"]?.list?.first { $0["name"] == etcMount["name"] })
        #expect(volume["configMap"]?["name"]?.string == etc.name)
    }

    @Test("volumes: one ReadWriteOnce claim each, sized, mounted where the service says")
    func volumes() throws {
        let objects = try renderer.render(Fixtures.full())
        let data = try #require(objects.first(.persistentVolumeClaim, "shop-volume-data"))
        #expect(data.body["spec"] == ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "10Gi"]]])
        let backups = try #require(objects.first(.persistentVolumeClaim, "shop-volume-backups"))
        #expect(backups.body["spec"]?["resources"]?["requests"]?["storage"]?.string == "1Gi", "the default size")
        let pod = try #require(objects.first(.deployment, "shop-db")?.body["spec"]?["template"]?["spec"])
        let mounts = try #require(pod["containers"]?[0]?["volumeMounts"]?.list)
        #expect(mounts.contains(["name": "volume-data", "mountPath": "/var/lib/postgresql/data"]))
        #expect(pod["volumes"]?.list?.contains(["name": "volume-data", "persistentVolumeClaim": ["claimName": "shop-volume-data"]]) == true)
        let classed = KubernetesRenderer(options: .init(storageClass: "fast-ssd"))
        #expect(try classed.render(Fixtures.full()).first(.persistentVolumeClaim, "shop-volume-data")?
            .body["spec"]?["storageClassName"]?.string == "fast-ssd")
    }

    @Test("the release phase is a Job named after the release, run once, never restarted")
    func releaseJob() throws {
        let objects = try renderer.render(Fixtures.full())
        let job = try #require(objects.first(.job, "shop-release-v7"))
        let spec = try #require(job.body["spec"])
        #expect(spec["backoffLimit"]?.int == 0)
        #expect(spec["ttlSecondsAfterFinished"]?.int == 86_400)
        let pod = try #require(spec["template"]?["spec"])
        #expect(pod["restartPolicy"]?.string == "Never")
        let container = try #require(pod["containers"]?[0])
        #expect(container["name"]?.string == "release")
        #expect(container["image"]?.string == "sha256:web", "the default service's image")
        #expect(container["args"] == ["./manage.py", "migrate"])
        #expect(container["readinessProbe"] == nil && container["livenessProbe"] == nil && container["ports"] == nil)
        #expect(container["envFrom"]?.list?.count == 2)
        #expect(pod["tolerations"]?.list?.count == 3, "placed like the service it is made from")
        #expect(try renderer.render(Fixtures.minimal()).all(.job).isEmpty, "no release command, no Job")
    }

    @Test("autoscale: an autoscaling/v2 HPA on CPU utilization")
    func autoscaler() throws {
        let hpa = try #require(try renderer.render(Fixtures.full()).first(.horizontalPodAutoscaler, "shop-web"))
        #expect(hpa.body["apiVersion"]?.string == "autoscaling/v2")
        #expect(hpa.body["spec"] == [
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "shop-web"],
            "minReplicas": 2, "maxReplicas": 8,
            "metrics": [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 65]]]],
        ])
    }

    @Test("config objects are the release's own: named by content, immutable, referenced by its pods and Job")
    func configObjectsPerRelease() throws {
        func configNames(_ release: Release) throws -> [String] {
            try renderer.render(release).filter { $0.kind == .configMap || $0.kind == .secret }.map(\.name)
        }
        let base = try Fixtures.full()
        let objects = try renderer.render(base)
        let config = objects.filter { $0.kind == .configMap || $0.kind == .secret }
        #expect(config.count == 4)
        #expect(config.allSatisfy { $0.body["immutable"]?.bool == true })
        #expect(config.allSatisfy { $0.name.count <= 63 && DNSLabel.problem(with: $0.name) == nil }, "\(config.map(\.name))")

        var next = base
        next.version = 8
        next.services[0].replicas = 5
        #expect(try configNames(next) == config.map(\.name), "the same content keeps its names")
        var changedVar = base
        changedVar.config?["LOG_LEVEL"] = "info"
        let changed = try configNames(changedVar)
        #expect(Set(changed).subtracting(config.map(\.name)).count == 1, "only the ConfigMap of plain vars is new")
        #expect(!changed.contains { $0 == objects.first { $0.kind == .configMap && $0.name.hasPrefix("shop-config-") }?.name })

        // Every ConfigMap and Secret a pod template refers to is one the release renders.
        let names = Set(config.map(\.name))
        for workload in objects where workload.kind == .deployment || workload.kind == .job {
            let pod = try #require(workload.body["spec"]?["template"]?["spec"])
            let container = try #require(pod["containers"]?[0])
            let referenced = (container["envFrom"]?.list ?? []).compactMap { $0["configMapRef"]?["name"]?.string ?? $0["secretRef"]?["name"]?.string }
                + (pod["volumes"]?.list ?? []).compactMap { $0["configMap"]?["name"]?.string }
            #expect(!referenced.isEmpty && Set(referenced).isSubset(of: names), "\(workload.name): \(referenced)")
        }
    }

    @Test("the checksum annotation changes with config vars, secrets and files, and not otherwise")
    func checksum() throws {
        func annotation(_ release: Release) throws -> String? {
            try renderer.render(release).first(.deployment, "shop-web")?
                .body["spec"]?["template"]?["metadata"]?["annotations"]?["checksum/config"]?.string
        }
        let base = try Fixtures.full()
        let original = try #require(try annotation(base))
        #expect(original.count == 64 && original.allSatisfy(\.isHexDigit))
        #expect(try annotation(base) == original, "deterministic")
        var scaled = base
        scaled.version = 8
        scaled.services[0].replicas = 5
        #expect(try annotation(scaled) == original, "a scale or a new version alone does not change it")
        var changedConfig = base
        changedConfig.config?["LOG_LEVEL"] = "info"
        var changedSecret = base
        changedSecret.config?["DATABASE_PASSWORD"] = "other"
        var madeSecret = base
        madeSecret.secretKeys = ["DATABASE_PASSWORD", "LOG_LEVEL"]
        var changedFile = base
        changedFile.files?["/etc/shop"]?["app.toml"] = Data("debug = false\n".utf8)
        let changed = try [changedConfig, changedSecret, madeSecret, changedFile].map(annotation)
        #expect(changed.allSatisfy { $0 != nil && $0 != original })
        #expect(Set(changed.compactMap { $0 }).count == 4)
    }

    /// Deployments are readable by more people than Secrets: what they show of the secrets (the
    /// Secret's name, the checksum annotation) must not let anyone test a guess of a secret value.
    @Test("hashes that cover secret values are keyed, and nothing shows a plain hash of a secret")
    func secretHashesAreKeyed() throws {
        func secretNameAndChecksum(key: [UInt8]?) throws -> (String, String) {
            var options = renderer.options
            options.secretHashKey = key
            let objects = try KubernetesRenderer(options: options).render(try Fixtures.full())
            let secret = try #require(objects.first { $0.kind == .secret })
            let checksum = try #require(objects.first(.deployment, "shop-web")?
                .body["spec"]?["template"]?["metadata"]?["annotations"]?["checksum/config"]?.string)
            return (secret.name, checksum)
        }
        let unkeyed = try secretNameAndChecksum(key: nil)
        let keyA = try secretNameAndChecksum(key: Array(repeating: 1, count: 32))
        let keyB = try secretNameAndChecksum(key: Array(repeating: 2, count: 32))
        #expect(keyA.0 != unkeyed.0 && keyA.1 != unkeyed.1, "the key changes both")
        #expect(keyA.0 != keyB.0 && keyA.1 != keyB.1, "another key gives other hashes")
        #expect(try secretNameAndChecksum(key: Array(repeating: 1, count: 32)) == keyA, "the same key gives the same names")

        // The plain sha256 of the Secret's entries (what an unkeyed name would be made of) is nowhere.
        var options = renderer.options
        options.secretHashKey = Array(repeating: 1, count: 32)
        let yaml = try KubernetesRenderer(options: options).renderYAML(try Fixtures.full())
        let plain = ContentHash.hex(Array("DATABASE_PASSWORD".utf8) + [0] + Array("s3cret".utf8) + [0])
        #expect(!yaml.contains(String(plain.prefix(10))))
        #expect(!yaml.contains("s3cret"))
        // A release without secrets: the key changes nothing (its objects are the same for `k8s render`).
        var plainRelease = try Fixtures.full()
        plainRelease.secretKeys = []
        #expect(try KubernetesRenderer(options: options).renderYAML(plainRelease) == renderer.renderYAML(plainRelease))
    }

    @Test("ingress: hosts, class, TLS secret or cert-manager issuer")
    func ingress() throws {
        let ingress = try #require(try renderer.render(Fixtures.full()).first(.ingress, "shop"))
        let spec = try #require(ingress.body["spec"])
        #expect(spec["ingressClassName"]?.string == "nginx")
        #expect(spec["tls"] == [["hosts": ["shop.apps.example.com", "api.shop.apps.example.com"], "secretName": "wildcard-tls"]])
        let rules = try #require(spec["rules"]?.list)
        #expect(rules.map { $0["host"]?.string } == ["shop.apps.example.com", "api.shop.apps.example.com"])
        #expect(rules[0]["http"] == ["paths": [["path": "/", "pathType": "Prefix",
                                                "backend": ["service": ["name": "shop-web", "port": ["number": 80]]]]]])
        #expect(ingress.body["metadata"]?["annotations"] == nil)

        let issued = try KubernetesRenderer(options: .init(domain: "example.org", tls: .clusterIssuer("letsencrypt")))
            .render(Fixtures.full()).first(.ingress, "shop")
        #expect(issued?.body["metadata"]?["annotations"]?.stringMap == ["cert-manager.io/cluster-issuer": "letsencrypt"])
        #expect(issued?.body["spec"]?["tls"]?[0]?["secretName"]?.string == "shop-tls")
        #expect(issued?.body["spec"]?["ingressClassName"] == nil)

        let plain = try KubernetesRenderer(options: .init(domain: "example.org")).render(Fixtures.minimal()).first(.ingress, "hello")
        #expect(plain?.body["spec"]?["tls"] == nil)
        #expect(try KubernetesRenderer(options: .init()).render(Fixtures.minimal()).all(.ingress).isEmpty, "no domain, no Ingress")
    }

    @Test("network policy admits the app's namespace and the ingress controller's")
    func networkPolicy() throws {
        let policy = try #require(try KubernetesRenderer(options: .init(ingressControllerNamespace: "traefik"))
            .render(Fixtures.minimal()).first(.networkPolicy, "hello-allow-ingress"))
        #expect(policy.body["spec"] == [
            "podSelector": ["matchLabels": ["app.kubernetes.io/instance": "hello", "app.kubernetes.io/name": "hello"]],
            "policyTypes": ["Ingress"],
            "ingress": [["from": [
                ["namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "slipway-hello"]]],
                ["namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "traefik"]]],
            ]]],
        ])
    }
}

@Suite("Kubernetes renderer: scheduled jobs as CronJobs")
struct CronJobRenderTests {
    @Test("each job is a batch/v1 CronJob with the manifest's schedule, zone, concurrency and timeout")
    func cronJobs() throws {
        let objects = try KubernetesRenderer(options: Fixtures.options).render(Fixtures.full())
        let jobs = objects.filter { $0.kind == .cronJob }
        #expect(jobs.map(\.name) == ["shop-cron-cleanup", "shop-cron-report"])
        let cleanup = try #require(jobs.first)
        let spec = try #require(cleanup.body["spec"])
        #expect(spec["schedule"]?.string == "*/15 * * * *")
        #expect(spec["timeZone"]?.string == "Europe/Berlin")
        #expect(spec["concurrencyPolicy"]?.string == "Forbid")
        #expect(jobs[1].body["spec"]?["concurrencyPolicy"]?.string == "Replace")
        #expect(jobs[1].body["spec"]?["timeZone"] == nil, "no zone: the cluster's")
        #expect(jobs[1].body["spec"]?["jobTemplate"]?["spec"]?["activeDeadlineSeconds"] == .int(91))
        let pod = try #require(spec["jobTemplate"]?["spec"]?["template"]?["spec"])
        #expect(pod["restartPolicy"]?.string == "Never")
        let yaml = try KubernetesYAML.stream([cleanup])
        #expect(yaml.contains("./cleanup.sh") && yaml.contains("kind: CronJob"), "\(yaml)")
        #expect(yaml.contains("activeDeadlineSeconds: 600"))
    }

    @Test("a long app and job name stays within the 52 characters Kubernetes allows a CronJob")
    func longNames() throws {
        var release = try Fixtures.release(app: String(repeating: "a", count: 40), services: [
            ReleasedService(name: "web", image: "registry.example.com/a/web:1", port: 8080, replicas: 1, env: [:], command: nil),
        ])
        release.cronJobs = [CronJobSpec(name: String(repeating: "j", count: 30), schedule: "@hourly", command: ["true"])]
        let job = try #require(try KubernetesRenderer(options: Fixtures.options).render(release).first { $0.kind == .cronJob })
        #expect(job.name.count <= 52, "\(job.name)")
    }
}
