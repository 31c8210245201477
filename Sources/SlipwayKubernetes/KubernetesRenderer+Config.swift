import Foundation
import KubernetesResources
import SlipwayCore

/// The app's namespace and what its pods read: config vars, secrets, config files, volumes.
extension KubernetesRenderer {
    /// Labelled for Pod Security admission: `baseline` enforced (no privileged pods, host
    /// namespaces or paths, extra capabilities beyond the baseline set), `restricted` warned about.
    func namespaceObject(_ context: Context) -> KubernetesObject {
        let labels = (context.labels().stringMap ?? [:]).merging(Self.podSecurityLabels) { own, _ in own }
        return KubernetesObject(kind: .namespace, name: context.namespace, namespace: nil, body: [
            "apiVersion": .string(KubernetesResource.namespace.apiVersion),
            "kind": "Namespace",
            "metadata": ["name": .string(context.namespace), "labels": .sorted(labels)],
        ])
    }

    static let podSecurityLabels: [String: String] = [
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
    ]

    /// Admits traffic to the app's pods only from its own namespace and the ingress controller's.
    func networkPolicy(_ context: Context) -> KubernetesObject {
        let name = KubernetesNames.networkPolicy(app: context.release.app)
        func from(_ namespace: String) -> KubernetesValue {
            ["namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": .string(namespace)]]]
        }
        var sources = [from(context.namespace)]
        if context.options.ingressControllerNamespace != context.namespace {
            sources.append(from(context.options.ingressControllerNamespace))
        }
        return KubernetesObject(kind: .networkPolicy, name: name, namespace: context.namespace, body: [
            "apiVersion": .string(KubernetesResource.networkPolicy.apiVersion),
            "kind": "NetworkPolicy",
            "metadata": context.metadata(name: name),
            "spec": [
                "podSelector": ["matchLabels": .sorted([Labels.name: context.app, Labels.instance: context.app])],
                "policyTypes": ["Ingress"],
                "ingress": [["from": .list(sources)]],
            ],
        ])
    }

    /// The Secret (secret config vars, base64 `data`), the ConfigMap of plain config vars, and a
    /// ConfigMap per config-files mount (UTF-8 files in `data`, others in `binaryData`). Named
    /// after their content and immutable (see `ConfigNames`): a release's pods read only its own.
    func configObjects(_ context: Context) -> [KubernetesObject] {
        var objects: [KubernetesObject] = []
        if !context.secretConfig.isEmpty {
            let name = context.configNames.secret
            let data = context.secretConfig.mapValues { Data($0.utf8).base64EncodedString() }
            objects.append(KubernetesObject(kind: .secret, name: name, namespace: context.namespace, body: [
                "apiVersion": "v1", "kind": "Secret", "metadata": context.metadata(name: name),
                "immutable": true, "type": "Opaque", "data": .sorted(data),
            ]))
        }
        if !context.plainConfig.isEmpty {
            let name = context.configNames.vars
            objects.append(KubernetesObject(kind: .configMap, name: name, namespace: context.namespace, body: [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": context.metadata(name: name),
                "immutable": true, "data": .sorted(context.plainConfig),
            ]))
        }
        for (mount, name) in context.configNames.files.sorted(by: { $0.key < $1.key }) {
            var text: [String: String] = [:]
            var binary: [String: String] = [:]
            for (file, contents) in context.files[mount] ?? [:] {
                if let decoded = String(data: contents, encoding: .utf8) { text[file] = decoded }
                else { binary[file] = contents.base64EncodedString() }
            }
            objects.append(KubernetesObject(kind: .configMap, name: name, namespace: context.namespace, body: .fields([
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": context.metadata(name: name, annotations: ["slipway.io/mount": mount]),
                "immutable": true,
                "data": text.isEmpty ? nil : .sorted(text),
                "binaryData": binary.isEmpty ? nil : .sorted(binary),
            ])))
        }
        return objects
    }

    /// One ReadWriteOnce claim per volume name of the app (services naming the same volume share it).
    func claims(_ context: Context) -> [KubernetesObject] {
        var sizes: [String: String] = [:]
        for service in context.release.services.sorted(by: { $0.name < $1.name }) {
            for volume in (service.volumes ?? [:]).keys where sizes[volume] == nil {
                sizes[volume] = service.volumeSizes?[volume] ?? context.options.defaultVolumeSize
            }
        }
        return sizes.keys.sorted().map { volume in
            let name = KubernetesNames.claim(app: context.release.app, volume: volume)
            return KubernetesObject(kind: .persistentVolumeClaim, name: name, namespace: context.namespace, body: [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": context.metadata(name: name, annotations: ["slipway.io/volume": volume]),
                "spec": .fields([
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": context.options.storageClass.map(KubernetesValue.string),
                    "resources": ["requests": ["storage": .string(sizes[volume] ?? context.options.defaultVolumeSize)]],
                ]),
            ])
        }
    }
}
