import KubernetesResources
import SlipwayCore

/// An add-on on a cluster: its credentials Secret, a headless Service named as the add-on (the
/// host in the app's URL) and a StatefulSet of one replica whose claim template keeps the data.
extension KubernetesRenderer {
    func addonObjects(_ addon: AddonSpec, _ context: Context) -> [KubernetesObject] {
        let component = "addon-\(addon.name)"
        // The add-on reads its password from a file of the Secret (as on the local engine), never
        // from an argument, which every process on the node could read in /proc.
        let file = addon.secretFile
        let fileKey = String(file.path.split(separator: "/").last ?? "credentials")
        let fileDirectory = String(file.path.dropLast(fileKey.count + 1))
        var stringData = ["password": addon.password, "url": addon.connectionURL()]
        if stringData[fileKey] == nil { stringData[fileKey] = file.contents }  // Postgres' file is the password itself
        let secretName = KubernetesNames.label(context.app, "addon", addon.name.value)
        let secret = KubernetesObject(kind: .secret, name: secretName, namespace: context.namespace, body: [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": context.metadata(name: secretName, component: component),
            "type": "Opaque",
            "stringData": .sorted(stringData),
        ])
        let port = KubernetesValue.int(addon.kind.port)
        let service = KubernetesObject(kind: .service, name: addon.host, namespace: context.namespace, body: [
            "apiVersion": "v1", "kind": "Service",
            "metadata": context.metadata(name: addon.host, component: component),
            "spec": [
                // Headless: the name resolves to the one pod, as a StatefulSet's serviceName needs.
                "clusterIP": "None",
                "selector": context.selector(component: component),
                "ports": [["name": .string(addon.kind.rawValue), "protocol": "TCP", "port": port, "targetPort": port]],
            ],
        ])
        var environment: [KubernetesValue] = []
        var arguments: KubernetesValue?
        switch addon.kind {
        case .postgres:
            environment = [
                ["name": "POSTGRES_PASSWORD_FILE", "value": .string(file.path)],
                ["name": "POSTGRES_USER", "value": .string(AddonSpec.user)],
                ["name": "POSTGRES_DB", "value": .string(AddonSpec.user)],
                // A subdirectory: a fresh volume's root may hold lost+found, which initdb refuses.
                ["name": "PGDATA", "value": .string(addon.kind.dataPath + "/pgdata")],
            ]
        case .redis:
            arguments = .list((addon.command ?? []).map { .string($0) })
        }
        // Postgres' entrypoint reads the file as root; redis-server reads its configuration as the
        // redis user, so that file is readable in the pod (its only process is the add-on's).
        let mode = addon.kind == .postgres ? 0o400 : 0o444
        let container: KubernetesValue = .fields([
            "name": .string(addon.kind.rawValue),
            "image": .string(addon.image),
            "args": arguments,
            "env": environment.isEmpty ? nil : .list(environment),
            "ports": [["name": .string(addon.kind.rawValue), "containerPort": port, "protocol": "TCP"]],
            "readinessProbe": ["tcpSocket": ["port": port], "periodSeconds": 5],
            "volumeMounts": [["name": "data", "mountPath": .string(addon.kind.dataPath)],
                             ["name": "credentials", "mountPath": .string(fileDirectory), "readOnly": true]],
            "securityContext": ["allowPrivilegeEscalation": false],
        ])
        let name = KubernetesNames.label(context.app, "addon", addon.name.value)
        var podLabels = context.labels(component: component).stringMap ?? [:]
        podLabels[Labels.version] = nil  // pods keep their labels across releases
        let statefulSet = KubernetesObject(kind: .statefulSet, name: name, namespace: context.namespace, body: [
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": context.metadata(name: name, component: component),
            "spec": [
                "serviceName": .string(addon.host),
                "replicas": 1,
                "selector": ["matchLabels": context.selector(component: component)],
                "template": [
                    "metadata": ["labels": .sorted(podLabels)],
                    "spec": [
                        "enableServiceLinks": false,
                        "automountServiceAccountToken": false,
                        "containers": [container],
                        "volumes": [["name": "credentials", "secret": [
                            "secretName": .string(secretName), "defaultMode": .int(mode),
                            "items": [["key": .string(fileKey), "path": .string(fileKey)]],
                        ]]],
                    ],
                ],
                "volumeClaimTemplates": [[
                    "metadata": ["name": "data"],
                    "spec": .fields([
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": context.options.storageClass.map(KubernetesValue.string),
                        "resources": ["requests": ["storage": .string(context.options.defaultVolumeSize)]],
                    ]),
                ]],
            ],
        ])
        return [secret, service, statefulSet]
    }
}
