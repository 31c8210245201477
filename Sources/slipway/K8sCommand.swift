import ArgumentParser
import Foundation
import SlipwayCore
import SlipwayKubernetes

/// `slipway k8s`: Kubernetes without a server.
struct K8s: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Kubernetes tools that need no server or cluster.",
        subcommands: [Render.self])

    /// `slipway k8s render SOURCE --app NAME`: the objects a deploy would apply, as YAML, for GitOps.
    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Kubernetes objects (multi-document YAML) a deploy of SOURCE would apply.",
            discussion: """
            Reads the app's config as a deploy's config stage does (slipway.yaml, config.json, Procfile, Dockerfile, \
            or a detected stack) and renders its release, with no cluster, no server and no build. Services \
            without --image get a placeholder image (registry.invalid/slipway/APP-SERVICE:unbuilt). Config vars \
            and config files live on the server and are not included.
            """)

        @Argument(help: ArgumentHelp("A local directory, or a git URL (cloned shallowly).", valueName: "source"))
        var source: String
        @Option(help: "The app's name (a slipway.yaml `name:` is used when not given).") var app: String?
        @Option(help: ArgumentHelp("Image reference of a service (repeatable), e.g. web=registry.example.com/shop/web@sha256:...",
                                   valueName: "service=ref"))
        var image: [String] = []
        @Option(help: "Git ref (branch, tag or commit) when SOURCE is a git URL.") var ref: String?
        @Option(help: "Serve apps at APP.DOMAIN through an Ingress (none without it).") var domain: String?
        @Option(help: "The Ingress's ingressClassName (default: the cluster's default class).") var ingressClass: String?
        @Option(help: "An existing TLS Secret in the app's namespace for the Ingress.") var tlsSecret: String?
        @Option(help: "A cert-manager ClusterIssuer that issues the Ingress's certificate.") var clusterIssuer: String?
        @Option(help: "Namespace of the app's objects (default: slipway-APP).") var namespace: String?
        @Option(help: "Namespace of the ingress controller, admitted by the NetworkPolicy.") var ingressNamespace = "ingress-nginx"
        @Flag(name: .customLong("allow-tolerate-all-taints"), help: "Render a toleration without key (it tolerates every taint).")
        var allowTolerateAllTaints = false
        @Option(help: ArgumentHelp("An add-on to render beside the app (repeatable): TYPE[:NAME][@VERSION], e.g. postgres:db@15 or redis. "
                                   + "Its password is made now, in its Secret and in the app's secret config (DATABASE_URL...): keep the output out of git or seal it.",
                                   valueName: "type[:name][@version]"))
        var addon: [String] = []
        @Option(name: .customLong("release-version"), help: "Release version the objects are labelled with (vN).") var version = 1

        func validate() throws {
            if let app { do { _ = try DNSLabel(app) } catch { throw ValidationError(Output.message(for: error)) } }
            if tlsSecret != nil && clusterIssuer != nil {
                throw ValidationError("give --tls-secret or --cluster-issuer, not both")
            }
            if domain == nil, let option = [("--tls-secret", tlsSecret), ("--cluster-issuer", clusterIssuer),
                                             ("--ingress-class", ingressClass)].first(where: { $0.1 != nil })?.0 {
                throw ValidationError("\(option) configures the Ingress, which needs --domain (apps are served at APP.DOMAIN)")
            }
            guard version >= 1 else { throw ValidationError("--release-version must be 1 or more") }
            _ = try Self.imageOverrides(image)
            _ = try Self.addonRequests(addon)
        }

        /// `postgres:db@15` as an add-on request; a usage error naming what is wrong otherwise.
        static func addonRequests(_ values: [String]) throws -> [(request: AddonRequest, kind: AddonKind, name: DNSLabel, version: String)] {
            try values.map { value in
                let (head, version) = value.split(separator: "@", maxSplits: 1).map(String.init).splitVersion
                let parts = head.split(separator: ":", maxSplits: 1).map(String.init)
                let request = AddonRequest(type: parts.first ?? "", name: parts.count > 1 ? parts[1] : nil, version: version)
                do {
                    let (kind, name, version) = try request.validated()
                    return (request, kind, name, version)
                } catch {
                    throw ValidationError("--addon \(value): \(Output.message(for: error))")
                }
            }
        }

        func run() async throws {
            var options = KubernetesRenderOptions(
                domain: domain, ingressClass: ingressClass,
                tls: tlsSecret.map { .secret($0) } ?? clusterIssuer.map { .clusterIssuer($0) } ?? .none,
                namespace: namespace, ingressControllerNamespace: ingressNamespace, images: try Self.imageOverrides(image))
            options.allowTolerateAllTaints = allowTolerateAllTaints
            var release = try await K8sSource.release(source: source, ref: ref, app: app.map { try DNSLabel($0) }, version: version)
            var keys: [String] = []
            for (request, kind, name, version) in try Self.addonRequests(addon) {
                if options.addons.contains(where: { $0.name == name }) { throw ValidationError("--addon: two add-ons are named \(name)") }
                var addonKeys = keys.contains(kind.defaultConfigKey) ? [] : [kind.defaultConfigKey]
                if request.name != nil { addonKeys.append(AddonSpec.namedConfigKey(name)) }
                keys += addonKeys
                let spec = AddonSpec(app: release.app, name: name, kind: kind, version: version, image: kind.officialImage(version: version),
                                     password: AddonSpec.makePassword(), volumeID: "", configKeys: addonKeys, createdAt: Date())
                options.addons.append(spec)
                release.config = (release.config ?? [:]).merging(spec.config) { _, new in new }
                release.secretKeys = Array(Set((release.secretKeys ?? []) + addonKeys)).sorted()
            }
            let unknown = Set(options.images.keys).subtracting(release.services.map(\.name))
            if let name = unknown.sorted().first {
                throw SlipwayError.invalidRequest("--image \(name)=...: \(release.app) has no service \(name) (it has: \(release.services.map(\.name).sorted().joined(separator: ", ")))")
            }
            Output.write(try KubernetesRenderer(options: options).renderYAML(release), to: .standardOutput)
        }

        /// `web=REF` pairs as a dictionary; a usage error for anything else.
        static func imageOverrides(_ pairs: [String]) throws -> [String: String] {
            var images: [String: String] = [:]
            for pair in pairs {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, DNSLabel.problem(with: parts[0]) == nil, !parts[1].isEmpty,
                      !parts[1].contains(where: \.isWhitespace) else {
                    throw ValidationError("--image \(pair): expected SERVICE=REF, e.g. web=registry.example.com/shop/web:1.0")
                }
                images[parts[0]] = parts[1]
            }
            return images
        }
    }
}

extension Array where Element == String {
    /// ["postgres:db", "15"] -> ("postgres:db", "15"); ["redis"] -> ("redis", nil).
    fileprivate var splitVersion: (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}
