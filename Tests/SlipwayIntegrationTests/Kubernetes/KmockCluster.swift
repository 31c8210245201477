import Foundation
import KubernetesAPI
import Logging
import SlipwayTestSupport

/// The kmock stand-in for a Kubernetes API server as the server under test sees it: a
/// kubeconfig naming it (bearer token), and a client of it for the test's own checks.
struct KmockCluster {
    let kubeconfig: URL
    let client: KubernetesClient

    init(_ emulator: KmockEmulator, directory: URL) throws {
        kubeconfig = directory.appendingPathComponent("kubeconfig")
        try """
            apiVersion: v1
            kind: Config
            current-context: kmock
            clusters: [{name: kmock, cluster: {server: "\(emulator.url)"}}]
            users: [{name: tester, user: {token: kmock-token}}]
            contexts: [{name: kmock, context: {cluster: kmock, user: tester}}]
            """.write(to: kubeconfig, atomically: true, encoding: .utf8)
        var logger = Logger(label: "kube-it")
        logger.logLevel = .warning
        client = try KubernetesClient(configuration: try Kubeconfig.load(path: kubeconfig.path).configuration(context: nil), logger: logger)
    }
}
