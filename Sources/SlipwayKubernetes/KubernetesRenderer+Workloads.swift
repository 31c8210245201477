import Foundation
import KubernetesResources
import SlipwayCore

/// Deployments, the release-phase Job and HorizontalPodAutoscalers, and the pod spec they share.
extension KubernetesRenderer {
    static let checksumAnnotation = "checksum/config"

    /// A Deployment per process type. RollingUpdate with the rollout policy's maxSurge and
    /// maxUnavailable; Recreate for a service with volumes that may not surge (a
    /// ReadWriteOnce claim cannot be mounted by two pods on two nodes). With `autoscale` the
    /// HorizontalPodAutoscaler owns `replicas`, so the Deployment leaves it out.
    func deployment(_ service: ReleasedService, _ context: Context) throws -> KubernetesObject {
        let name = KubernetesNames.deployment(app: context.release.app, service: service.name)
        let policy = service.rolloutPolicy
        let strategy: KubernetesValue = if !(service.volumes ?? [:]).isEmpty && policy.maxSurge == 0 {
            ["type": "Recreate"]
        } else {
            ["type": "RollingUpdate",
             "rollingUpdate": ["maxSurge": .int(policy.maxSurge), "maxUnavailable": .int(policy.maxUnavailable)]]
        }
        return KubernetesObject(kind: .deployment, name: name, namespace: context.namespace, body: [
            "apiVersion": .string(KubernetesResource.deployment.apiVersion), "kind": "Deployment",
            "metadata": context.metadata(name: name, component: service.name),
            "spec": .fields([
                "replicas": service.autoscale == nil ? .int(service.replicas) : nil,
                "selector": ["matchLabels": context.selector(component: service.name)],
                "strategy": strategy,
                "template": [
                    "metadata": [
                        "labels": context.labels(component: service.name),
                        "annotations": .map([.init(Self.checksumAnnotation, .string(context.checksum))]),
                    ],
                    "spec": try podSpec(service, context, containerName: service.name, command: service.command,
                                        probes: service.isRouted || service.health != nil),
                ],
            ]),
        ])
    }

    /// The release phase as a Job named after the release (`APP-release-v3`): the release
    /// command, once, from the default service's image, config and volumes (as the local engine
    /// runs it); no retry (`backoffLimit: 0`), removed `releaseJobTTLSeconds` after it ends.
    func releaseJob(_ context: Context) throws -> KubernetesObject? {
        let release = context.release
        guard let command = release.releaseCommand,
              let service = release.services.first(where: { $0.name == release.defaultService })
                ?? release.services.sorted(by: { $0.name < $1.name }).first else { return nil }
        let name = KubernetesNames.releaseJob(app: release.app, version: release.version)
        var pod = try podSpec(service, context, containerName: "release", command: command, probes: false, ports: false)
        if case .map(var fields) = pod {
            fields.insert(.init("restartPolicy", "Never"), at: 0)
            pod = .map(fields)
        }
        return KubernetesObject(kind: .job, name: name, namespace: context.namespace, body: [
            "apiVersion": .string(KubernetesResource.job.apiVersion), "kind": "Job",
            "metadata": context.metadata(name: name, component: "release"),
            "spec": [
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": .int(context.options.releaseJobTTLSeconds),
                "template": [
                    "metadata": [
                        "labels": context.labels(component: "release"),
                        "annotations": .map([.init(Self.checksumAnnotation, .string(context.checksum))]),
                    ],
                    "spec": pod,
                ],
            ],
        ])
    }

    /// autoscaling/v2: replicas between min and max, targeting average CPU utilization.
    func autoscaler(_ service: ReleasedService, _ context: Context) -> KubernetesObject? {
        guard let autoscale = service.autoscale else { return nil }
        let name = KubernetesNames.deployment(app: context.release.app, service: service.name)
        return KubernetesObject(kind: .horizontalPodAutoscaler, name: name, namespace: context.namespace, body: [
            "apiVersion": .string(KubernetesResource.horizontalPodAutoscaler.apiVersion), "kind": "HorizontalPodAutoscaler",
            "metadata": context.metadata(name: name, component: service.name),
            "spec": [
                "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(name)],
                "minReplicas": .int(autoscale.min),
                "maxReplicas": .int(autoscale.max),
                "metrics": [[
                    "type": "Resource",
                    "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(autoscale.cpuPercent)]],
                ]],
            ],
        ])
    }

    // MARK: - Pod spec

    /// The pod of a process type (`probes` for routed or health-checked ones), or of the release
    /// phase (no probes, no ports: it serves nothing).
    func podSpec(_ service: ReleasedService, _ context: Context, containerName: String, command: [String]?,
                 probes: Bool, ports: Bool = true) throws -> KubernetesValue {
        let image = context.options.images[service.name] ?? service.image
        guard !image.isEmpty, !image.contains(where: \.isWhitespace) else {
            throw KubernetesRenderError.invalidRelease("service \(service.name) of \(context.release.app) has no image reference to run (\"\(image)\"); pass one per service")
        }
        var mounts: [KubernetesValue] = []
        var volumes: [KubernetesValue] = []
        for (mount, configMap) in context.configNames.files.sorted(by: { $0.key < $1.key }) {
            let volume = KubernetesNames.label("files", String(ContentHash.hex(Array(mount.utf8)).prefix(8)))
            mounts.append(["name": .string(volume), "mountPath": .string(mount), "readOnly": true])
            volumes.append(["name": .string(volume),
                            "configMap": ["name": .string(configMap)]])
        }
        for (volume, path) in (service.volumes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let volumeName = KubernetesNames.label("volume", volume)
            mounts.append(["name": .string(volumeName), "mountPath": .string(path)])
            volumes.append(["name": .string(volumeName),
                            "persistentVolumeClaim": ["claimName": .string(KubernetesNames.claim(app: context.release.app, volume: volume))]])
        }
        var envFrom: [KubernetesValue] = []
        if !context.plainConfig.isEmpty {
            envFrom.append(["configMapRef": ["name": .string(context.configNames.vars)]])
        }
        if !context.secretConfig.isEmpty {
            envFrom.append(["secretRef": ["name": .string(context.configNames.secret)]])
        }
        let container: KubernetesValue = .fields([
            "name": .string(containerName),
            "image": .string(image),
            // `command` in slipway.yaml replaces the image's CMD (as on the local engine), which is
            // Kubernetes' `args`; the image's ENTRYPOINT stays.
            "args": command.map { .list($0.map(KubernetesValue.string)) },
            "ports": ports && service.isRouted ? [["name": "http", "containerPort": .int(service.port), "protocol": "TCP"]] : nil,
            "env": environment(service, context),
            "envFrom": envFrom.isEmpty ? nil : .list(envFrom),
            "resources": resources(service.resources),
            "readinessProbe": probes ? probe(service, liveness: false) : nil,
            "livenessProbe": probes ? probe(service, liveness: true) : nil,
            "volumeMounts": mounts.isEmpty ? nil : .list(mounts),
            "securityContext": containerSecurity(service.securityContext),
        ])
        return .fields([
            "enableServiceLinks": false,
            // Apps do not talk to the Kubernetes API; a mounted token would only help an attacker.
            "automountServiceAccountToken": false,
            "terminationGracePeriodSeconds": .int(service.rolloutPolicy.stopGraceSeconds),
            "nodeSelector": service.nodeSelector.flatMap { $0.isEmpty ? nil : KubernetesValue.sorted($0) },
            "tolerations": service.tolerations.flatMap { $0.isEmpty ? nil : .list($0.map(toleration)) },
            "securityContext": podSecurity(service),
            "containers": [container],
            "volumes": volumes.isEmpty ? nil : .list(volumes),
        ])
    }

    /// The manifest's env, then PORT, SLIPWAY_APP, SLIPWAY_RELEASE and SLIPWAY_REPLICA (the pod's
    /// name). Config vars come through `envFrom` and win over the manifest's env, as on the local
    /// engine: `env` entries would win over `envFrom`, so those keys are left out of `env`.
    func environment(_ service: ReleasedService, _ context: Context) -> KubernetesValue {
        var plain = service.env.filter { context.plainConfig[$0.key] == nil && context.secretConfig[$0.key] == nil }
        plain["PORT"] = String(service.port)
        plain["SLIPWAY_APP"] = context.app
        plain["SLIPWAY_RELEASE"] = context.release.label
        plain["SLIPWAY_REPLICA"] = nil
        var entries: [KubernetesValue] = plain.keys.sorted().map { ["name": .string($0), "value": .string(plain[$0] ?? "")] }
        entries.append(["name": "SLIPWAY_REPLICA", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]])
        return .list(entries)
    }

    /// Requests as given; the memory request is also the limit (a replica over it is OOM-killed
    /// rather than starving its node). No CPU limit: CPU is throttled by requests' shares.
    func resources(_ requests: ResourceRequests?) -> KubernetesValue? {
        guard let requests, requests.cpu != nil || requests.memory != nil else { return nil }
        return .fields([
            "requests": .fields(["cpu": requests.cpu.map(KubernetesValue.string), "memory": requests.memory.map(KubernetesValue.string)]),
            "limits": requests.memory.map { ["memory": .string($0)] },
        ])
    }

    /// Readiness (traffic) and liveness (restart) from `health`: HTTP GET on its path, else a
    /// TCP connect to the port; interval, timeout and threshold as given (whole seconds, at
    /// least 1). `startPeriod` delays the liveness probe only, so a slow starter is not
    /// restarted while readiness still admits a fast one at once.
    func probe(_ service: ReleasedService, liveness: Bool) -> KubernetesValue {
        let check = service.healthCheck
        let action: (String, KubernetesValue) = if let path = check.path {
            ("httpGet", ["path": .string(path), "port": .int(service.port)])
        } else {
            ("tcpSocket", ["port": .int(service.port)])
        }
        let delay = Int(check.startPeriodSeconds.rounded(.up))
        return .map([
            .init(action.0, action.1),
            .init("periodSeconds", .int(max(1, Int(check.intervalSeconds.rounded(.up))))),
            .init("timeoutSeconds", .int(max(1, Int(check.timeoutSeconds.rounded(.up))))),
            .init("failureThreshold", .int(max(1, check.threshold))),
        ] + (liveness && delay > 0 ? [.init("initialDelaySeconds", .int(delay))] : []))
    }

    /// The pod's runtime's default seccomp profile, and `runAsNonRoot` where the user it runs as
    /// is known not to be root (see `SecurityContext.resolvedRunAsNonRoot`).
    func podSecurity(_ service: ReleasedService) -> KubernetesValue {
        let settings = service.securityContext ?? SecurityContext()
        return .fields([
            "runAsNonRoot": settings.resolvedRunAsNonRoot(imageUser: service.dockerfileUser).map(KubernetesValue.bool),
            "runAsUser": settings.runAsUser.map(KubernetesValue.int),
            "runAsGroup": settings.runAsGroup.map(KubernetesValue.int),
            "seccompProfile": ["type": "RuntimeDefault"],
        ])
    }

    /// No privilege escalation (setuid binaries), every capability dropped but those the service adds.
    func containerSecurity(_ settings: SecurityContext?) -> KubernetesValue {
        let added = (settings?.addCapabilities ?? []).sorted()
        return .fields([
            "allowPrivilegeEscalation": false,
            "capabilities": .fields(["drop": ["ALL"], "add": added.isEmpty ? nil : .list(added.map(KubernetesValue.string))]),
            "readOnlyRootFilesystem": settings?.readOnlyRootFilesystem.map(KubernetesValue.bool),
        ])
    }

    func toleration(_ toleration: Toleration) -> KubernetesValue {
        .fields([
            "key": toleration.key.map(KubernetesValue.string),
            "operator": .string(toleration.operator.rawValue),
            "value": toleration.value.map(KubernetesValue.string),
            "effect": toleration.effect.map { .string($0.rawValue) },
            "tolerationSeconds": toleration.tolerationSeconds.map(KubernetesValue.int),
        ])
    }
}
