import KubernetesResources
import SlipwayCore

/// How traffic reaches routed process types: a ClusterIP Service each, and one Ingress.
extension KubernetesRenderer {
    /// Services listen on port 80 and forward to the container's `http` port.
    static let servicePort = 80

    func serviceObject(_ service: ReleasedService, _ context: Context) -> KubernetesObject {
        let name = KubernetesNames.service(app: context.release.app, service: service.name)
        return KubernetesObject(kind: .service, name: name, namespace: context.namespace, body: [
            "apiVersion": "v1", "kind": "Service",
            "metadata": context.metadata(name: name, component: service.name),
            "spec": [
                "type": "ClusterIP",
                "selector": context.selector(component: service.name),
                "ports": [["name": "http", "protocol": "TCP", "port": .int(Self.servicePort), "targetPort": "http"]],
            ],
        ])
    }

    /// The host each routed service is served at: the default service at `APP.DOMAIN`, the
    /// others at `SERVICE.APP.DOMAIN`. Empty without a domain.
    public func hosts(of release: Release) -> [(service: String, host: String)] {
        guard let domain = options.domain else { return [] }
        let routed = release.services.filter(\.isRouted).map(\.name).sorted()
        return routed.map { service in
            (service, service == release.defaultService ? "\(release.app).\(domain)" : "\(service).\(release.app).\(domain)")
        }.sorted { ($0.service == release.defaultService ? 0 : 1, $0.service) < ($1.service == release.defaultService ? 0 : 1, $1.service) }
    }

    func ingress(_ context: Context) -> KubernetesObject? {
        let hosts = hosts(of: context.release)
        guard !hosts.isEmpty else { return nil }
        let app = context.release.app
        let name = KubernetesNames.ingress(app: app)
        var annotations: [String: String] = [:]
        var tlsSecret: String?
        switch context.options.tls {
        case .none: break
        case .secret(let secret): tlsSecret = secret
        case .clusterIssuer(let issuer):
            annotations["cert-manager.io/cluster-issuer"] = issuer
            tlsSecret = KubernetesNames.certificateSecret(app: app)
        }
        let rules: [KubernetesValue] = hosts.map { entry in
            let backend: KubernetesValue = ["service": [
                "name": .string(KubernetesNames.service(app: app, service: entry.service)),
                "port": ["number": .int(Self.servicePort)],
            ]]
            return ["host": .string(entry.host), "http": ["paths": [["path": "/", "pathType": "Prefix", "backend": backend]]]]
        }
        return KubernetesObject(kind: .ingress, name: name, namespace: context.namespace, body: [
            "apiVersion": .string(KubernetesResource.ingress.apiVersion), "kind": "Ingress",
            "metadata": context.metadata(name: name, annotations: annotations),
            "spec": .fields([
                "ingressClassName": context.options.ingressClass.map(KubernetesValue.string),
                "tls": tlsSecret.map { secret in [["hosts": .list(hosts.map { .string($0.host) }), "secretName": .string(secret)]] },
                "rules": .list(rules),
            ]),
        ])
    }
}
