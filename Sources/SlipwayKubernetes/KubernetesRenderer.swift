import Foundation
import SlipwayCore

/// Turns a release into the Kubernetes objects that run it, in apply order: Namespace,
/// NetworkPolicy, Secret and ConfigMaps, PersistentVolumeClaims, the release-phase Job, a
/// Deployment per process type, a Service per routed one, HorizontalPodAutoscalers, the Ingress.
/// Pure (no I/O): the same release and options always give the same objects.
///
/// Every object carries `app.kubernetes.io/name` and `instance` (the app), `version` (the
/// release, `v3`) and `managed-by: slipway`; per-process objects add `component` (the type).
public struct KubernetesRenderer: Sendable {
    public var options: KubernetesRenderOptions

    public init(options: KubernetesRenderOptions = .init()) {
        self.options = options
    }

    /// The objects of `release`, in apply order. Throws `KubernetesRenderError` for an unusable
    /// option (a domain that is not a DNS name) or a service without an image.
    public func render(_ release: Release) throws -> [KubernetesObject] {
        let context = try Context(release: release, options: options)
        var objects = [namespaceObject(context), networkPolicy(context)]
        objects += configObjects(context)
        objects += claims(context)
        objects += options.addons.sorted { $0.name < $1.name }.flatMap { addonObjects($0, context) }
        if let job = try releaseJob(context) { objects.append(job) }
        objects += try cronJobs(context)
        for service in release.services.sorted(by: { $0.name < $1.name }) {
            objects.append(try deployment(service, context))
        }
        for service in release.services.sorted(by: { $0.name < $1.name }) where service.isRouted {
            objects.append(serviceObject(service, context))
        }
        for service in release.services.sorted(by: { $0.name < $1.name }) {
            if let autoscaler = autoscaler(service, context) { objects.append(autoscaler) }
        }
        if let ingress = ingress(context) { objects.append(ingress) }
        return objects
    }

    /// `render` written as a multi-document YAML stream.
    public func renderYAML(_ release: Release) throws -> String {
        try KubernetesYAML.stream(render(release))
    }

    /// The namespace `release` renders into: the option, else `slipway-APP`.
    public func namespace(of app: AppName) -> String { options.namespace ?? KubernetesNames.namespace(app: app) }

    /// What every object of one rendering shares.
    struct Context {
        let release: Release
        let options: KubernetesRenderOptions
        let namespace: String
        /// Config vars that are not secrets, and those that are.
        let plainConfig: [String: String]
        let secretConfig: [String: String]
        let files: [String: [String: Data]]
        /// A hash of config vars, secrets and files (keyed when there are secrets and a key): the
        /// pod template annotation that rolls pods.
        let checksum: String
        /// The names of the release's config objects, each ending in a hash of its content.
        let configNames: ConfigNames

        init(release: Release, options: KubernetesRenderOptions) throws {
            self.release = release
            self.options = options
            namespace = options.namespace ?? KubernetesNames.namespace(app: release.app)
            try Self.validate(options)
            try Self.validate(release, options)
            let config = release.config ?? [:]
            let secretKeys = Set(release.secretKeys ?? [])
            plainConfig = config.filter { !secretKeys.contains($0.key) }
            secretConfig = config.filter { secretKeys.contains($0.key) }
            files = release.files ?? [:]
            checksum = Self.checksum(plain: plainConfig, secret: secretConfig, files: files, key: options.secretHashKey)
            configNames = ConfigNames(app: release.app, plain: plainConfig, secret: secretConfig, files: files,
                                      secretHashKey: options.secretHashKey)
        }

        var app: String { release.app.value }

        /// name, instance, version, managed-by (and component for a process type's objects).
        func labels(component: String? = nil) -> KubernetesValue {
            var labels = [
                Labels.name: app, Labels.instance: app, Labels.version: release.label, Labels.managedBy: Labels.managedByValue,
            ]
            if let component { labels[Labels.component] = component }
            return .sorted(labels)
        }

        /// The labels a Deployment selects its pods by (not the version: selectors are immutable).
        func selector(component: String) -> KubernetesValue {
            .sorted([Labels.name: app, Labels.instance: app, Labels.component: component])
        }

        func metadata(name: String, component: String? = nil, annotations: [String: String] = [:],
                      namespaced: Bool = true) -> KubernetesValue {
            .fields([
                "name": .string(name),
                "namespace": namespaced ? .string(namespace) : nil,
                "labels": labels(component: component),
                "annotations": annotations.isEmpty ? nil : .sorted(annotations),
            ])
        }

        static func checksum(plain: [String: String], secret: [String: String], files: [String: [String: Data]], key: [UInt8]?) -> String {
            var bytes: [UInt8] = []
            func add(_ text: String) { bytes += Array(text.utf8) + [0] }
            for (section, values) in [("config", plain), ("secret", secret)] {
                for key in values.keys.sorted() { add(section); add(key); add(values[key] ?? "") }
            }
            for mount in files.keys.sorted() {
                let contents = files[mount] ?? [:]
                for name in contents.keys.sorted() {
                    add("file"); add(mount); add(name)
                    bytes += Array(contents[name] ?? Data()) + [0]
                }
            }
            return ContentHash.hex(bytes, key: secret.isEmpty ? nil : key)
        }

        static func validate(_ options: KubernetesRenderOptions) throws {
            if let namespace = options.namespace, let problem = DNSLabel.problem(with: namespace) {
                throw KubernetesRenderError.invalidOption("namespace \"\(namespace)\" \(problem); a namespace is a DNS label like slipway-shop")
            }
            if let problem = DNSLabel.problem(with: options.ingressControllerNamespace) {
                throw KubernetesRenderError.invalidOption("ingress controller namespace \"\(options.ingressControllerNamespace)\" \(problem)")
            }
            if let domain = options.domain, !isSubdomain(domain) {
                throw KubernetesRenderError.invalidOption("domain \"\(domain)\" is not a DNS name; use lowercase letters, digits, '-' and '.', e.g. apps.example.com")
            }
            if let ingressClass = options.ingressClass, !isSubdomain(ingressClass) {
                throw KubernetesRenderError.invalidOption("ingress class \"\(ingressClass)\" is not a valid IngressClass name (lowercase DNS name, e.g. nginx)")
            }
            switch options.tls {
            case .none: break
            case .secret(let name) where !isSubdomain(name):
                throw KubernetesRenderError.invalidOption("TLS secret \"\(name)\" is not a valid Secret name (lowercase DNS name, e.g. wildcard-tls)")
            case .clusterIssuer(let issuer) where issuer.isEmpty || issuer.contains(where: \.isWhitespace):
                throw KubernetesRenderError.invalidOption("cluster issuer \"\(issuer)\" must be a ClusterIssuer name, e.g. letsencrypt")
            default: break
            }
            guard KubernetesQuantity.isPositive(options.defaultVolumeSize) else {
                throw KubernetesRenderError.invalidOption("default volume size \"\(options.defaultVolumeSize)\" is not a Kubernetes quantity like 1Gi")
            }
        }

        /// What the operator must allow before a release may have it.
        static func validate(_ release: Release, _ options: KubernetesRenderOptions) throws {
            for service in release.services.sorted(by: { $0.name < $1.name }) where !options.allowTolerateAllTaints {
                if (service.tolerations ?? []).contains(where: \.toleratesEveryTaint) {
                    throw KubernetesRenderError.invalidRelease("service \(service.name) of \(release.app) tolerates every taint (a toleration without `key` and operator Exists), which would let its pods onto control-plane and quarantined nodes; name the taint's key, or ask the operator to start the server with --k8s-allow-tolerate-all-taints")
                }
            }
        }

        static func isSubdomain(_ text: String) -> Bool {
            !text.isEmpty && text.utf8.count <= 253
                && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { DNSLabel.problem(with: String($0)) == nil }
        }
    }
}
