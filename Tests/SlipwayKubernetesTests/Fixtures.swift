import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
import SlipwayKubernetes

/// Releases to render: a minimal app and one using every optional feature.
enum Fixtures {
    static func minimal() throws -> Release {
        try release(app: "hello", services: [ReleasedService(name: "web", image: "registry.example.com/hello/web:1", port: 8080,
                                                             replicas: 2, env: [:], command: nil)])
    }

    static func full() throws -> Release {
        var web = ReleasedService(name: "web", image: "sha256:web", port: 8000, replicas: 3, env: ["GREETING": "hi", "MODE": "manifest"],
                                  command: ["gunicorn", "app:app"], health: HealthCheck(path: "/healthz", intervalSeconds: 2.5,
                                                                                        timeoutSeconds: 0.5, threshold: 4, startPeriodSeconds: 20),
                                  rollout: RolloutPolicy(maxSurge: 2, maxUnavailable: 1, stopGraceSeconds: 25), routed: true)
        web.resources = ResourceRequests(cpu: "500m", memory: "256Mi")
        web.autoscale = Autoscale(min: 2, max: 8, cpuPercent: 65)
        web.nodeSelector = ["team": "shop", "kubernetes.io/arch": "amd64"]
        web.tolerations = [Toleration(key: "team", operator: .equal, value: "shop", effect: .noSchedule),
                           Toleration(key: "node.kubernetes.io/unreachable", operator: .exists, effect: .noExecute, tolerationSeconds: 30),
                           Toleration(key: "dedicated", operator: .exists)]
        web.securityContext = SecurityContext(runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true,
                                              addCapabilities: ["NET_BIND_SERVICE"])
        let api = ReleasedService(name: "api", image: "sha256:api", port: 9000, replicas: 1, env: [:], command: nil)
        var worker = ReleasedService(name: "worker", image: "sha256:web", port: 8080, replicas: 2, env: [:],
                                     command: ["/bin/sh", "-c", "python worker.py"], routed: false)
        worker.resources = ResourceRequests(memory: "128Mi")
        var db = ReleasedService(name: "db", image: "sha256:db", port: 5432, replicas: 1, env: [:], command: nil,
                                 rollout: RolloutPolicy(maxSurge: 0, maxUnavailable: 1), routed: false,
                                 volumes: ["data": "/var/lib/postgresql/data", "backups": "/backups"])
        db.volumeSizes = ["data": "10Gi"]
        db.dockerfileUser = "999:999"
        var release = try release(app: "shop", version: 7, services: [web, api, worker, db], defaultService: "web")
        release.config = ["MODE": "config", "LOG_LEVEL": "debug", "DATABASE_PASSWORD": "s3cret", "PORT_OVERRIDE": "8080"]
        release.secretKeys = ["DATABASE_PASSWORD"]
        release.releaseCommand = ["./manage.py", "migrate"]
        release.cronJobs = [
            CronJobSpec(name: "cleanup", schedule: "*/15 * * * *", command: ["/bin/sh", "-c", "./cleanup.sh"], timeout: 600,
                        concurrency: .forbid, timeZone: "Europe/Berlin"),
            CronJobSpec(name: "report", schedule: "@daily", command: ["./report"], timeout: 90.5, concurrency: .replace),
        ]
        release.files = ["/etc/shop": ["app.toml": Data("debug = true\n".utf8), "blob.bin": Data([0xff, 0xfe, 0x00])],
                         "/srv/conf.d": ["extra.conf": Data("x=1".utf8)]]
        return release
    }

    static func release(app: String, version: Int = 3, services: [ReleasedService], defaultService: String? = "web") throws -> Release {
        Release(app: try DNSLabel(app), version: version, traceId: "trace", createdAt: Date(timeIntervalSince1970: 0),
                source: SourceInfo(kind: .upload), services: services, defaultService: defaultService)
    }

    static let options = KubernetesRenderOptions(domain: "apps.example.com", ingressClass: "nginx", tls: .secret("wildcard-tls"))
}

extension Array where Element == KubernetesObject {
    func first(_ kind: KubernetesResource, _ name: String) -> KubernetesObject? {
        first { $0.kind == kind && $0.name == name }
    }
    func all(_ kind: KubernetesResource) -> [KubernetesObject] { filter { $0.kind == kind } }
}
