import Foundation
import KubernetesAPI
import Testing

@Suite struct KubeconfigTests {
    let caPEM = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"

    @Test func everySupportedFieldWithRelativePaths() async throws {
        try await withTemporaryDirectory { dir in
            try write(caPEM, to: "\(dir)/kube/certs/ca.crt")
            try write("CERT", to: "\(dir)/kube/certs/alice.crt")
            try write("KEY", to: "\(dir)/kube/certs/alice.key")
            try write("file-token\n", to: "\(dir)/kube/token")
            try write("""
                apiVersion: v1
                kind: Config
                current-context: prod
                preferences: {}
                clusters:
                - name: prod-cluster
                  cluster:
                    server: https://10.0.0.1:6443
                    certificate-authority: certs/ca.crt
                    tls-server-name: kubernetes.default
                - name: lab
                  cluster:
                    server: https://lab.example:6443/
                    insecure-skip-tls-verify: true
                users:
                - name: alice
                  user:
                    client-certificate: certs/alice.crt
                    client-key: certs/alice.key
                - name: robot
                  user:
                    tokenFile: token
                - name: inline
                  user:
                    token: inline-token
                contexts:
                - name: prod
                  context: {cluster: prod-cluster, user: alice, namespace: shop}
                - name: lab
                  context: {cluster: lab, user: robot}
                - name: inline
                  context: {cluster: lab, user: inline}
                """, to: "\(dir)/kube/config")

            let kubeconfig = try Kubeconfig.load(path: "\(dir)/kube/config", environment: [:])
            #expect(kubeconfig.contextNames == ["inline", "lab", "prod"])
            let prod = try kubeconfig.configuration()
            #expect(prod.contextName == "prod")
            #expect(prod.server == "https://10.0.0.1:6443")
            #expect(prod.certificateAuthorityPEM == Array(caPEM.utf8))
            #expect(prod.tlsServerName == "kubernetes.default")
            #expect(prod.insecureSkipTLSVerify == false)
            #expect(prod.credentials.clientCertificatePEM == Array("CERT".utf8))
            #expect(prod.credentials.clientKeyPEM == Array("KEY".utf8))
            #expect(prod.credentials.bearerToken == nil)
            #expect(prod.namespace == "shop")
            #expect(prod.userName == "alice")

            let lab = try kubeconfig.configuration(context: "lab")
            #expect(lab.server == "https://lab.example:6443")
            #expect(lab.insecureSkipTLSVerify)
            #expect(lab.credentials.tokenFile == "\(dir)/kube/token")
            #expect(lab.namespace == "default")
            #expect(try kubeconfig.configuration(context: "inline").credentials.bearerToken == "inline-token")
        }
    }

    @Test func dataFieldsAreBase64AndWinOverFiles() throws {
        let kubeconfig = try Kubeconfig.parse("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:6443", certificate-authority: /nonexistent, certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())}}]
            users: [{name: u, user: {client-certificate-data: \(Data("CERT".utf8).base64EncodedString()), client-key-data: \(Data("KEY".utf8).base64EncodedString())}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """, path: "/etc/kube/config")
        let configuration = try kubeconfig.configuration()
        #expect(configuration.certificateAuthorityPEM == Array(caPEM.utf8))
        #expect(configuration.credentials.clientCertificatePEM == Array("CERT".utf8))
        #expect(configuration.credentials.clientKeyPEM == Array("KEY".utf8))
    }

    @Test func kubeconfigListMergesFirstFileWinsAndSkipsMissingFiles() async throws {
        try await withTemporaryDirectory { dir in
            try write("""
                current-context: first
                clusters: [{name: shared, cluster: {server: "https://first:6443"}}]
                users: [{name: shared, user: {token: first-token}}]
                contexts: [{name: first, context: {cluster: shared, user: shared}}]
                """, to: "\(dir)/a/config")
            try write("""
                current-context: second
                clusters:
                - {name: shared, cluster: {server: "https://second:6443"}}
                - {name: only-second, cluster: {server: "https://only-second:6443", certificate-authority: ca.pem}}
                users: [{name: shared, user: {token: second-token}}]
                contexts:
                - {name: first, context: {cluster: only-second, user: shared}}
                - {name: second, context: {cluster: only-second, user: shared, namespace: two}}
                """, to: "\(dir)/b/config")
            try write(caPEM, to: "\(dir)/b/ca.pem")
            let kubeconfig = try Kubeconfig.load(
                environment: ["KUBECONFIG": "\(dir)/missing:\(dir)/a/config:\(dir)/b/config", "HOME": dir])
            #expect(kubeconfig.paths == ["\(dir)/a/config", "\(dir)/b/config"])
            #expect(kubeconfig.currentContext == "first")
            let first = try kubeconfig.configuration()
            #expect(first.server == "https://first:6443")
            #expect(first.credentials.bearerToken == "first-token")
            let second = try kubeconfig.configuration(context: "second")
            #expect(second.server == "https://only-second:6443")
            // Relative to the directory of the file that named it.
            #expect(second.certificateAuthorityPEM == Array(caPEM.utf8))
            #expect(second.credentials.bearerToken == "first-token")
            #expect(second.namespace == "two")
        }
    }

    @Test func defaultsToDotKubeConfigUnderHome() async throws {
        try await withTemporaryDirectory { dir in
            try write("""
                current-context: c
                clusters: [{name: k, cluster: {server: "http://127.0.0.1:8080"}}]
                contexts: [{name: c, context: {cluster: k}}]
                """, to: "\(dir)/.kube/config")
            let configuration = try Kubeconfig.load(environment: ["HOME": dir]).configuration()
            #expect(configuration.server == "http://127.0.0.1:8080")
            #expect(configuration.credentials == KubernetesClient.Credentials())

            let missing = #expect(throws: KubeconfigError.self) { try Kubeconfig.load(environment: ["HOME": "\(dir)/nowhere"]) }
            #expect(missing?.kind == .fileNotFound)
            #expect(missing?.description.contains("\(dir)/nowhere/.kube/config") == true)
            let explicit = #expect(throws: KubeconfigError.self) { try Kubeconfig.load(path: "\(dir)/absent", environment: ["HOME": dir]) }
            #expect(explicit?.kind == .fileNotFound)
        }
    }

    @Test(arguments: [
        ("{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}}", "an exec plugin (command \"aws\")"),
        ("{auth-provider: {name: gcp, config: {}}}", "an auth-provider (\"gcp\")"),
        ("{username: admin, password: hunter2}", "a username and password"),
    ])
    func unsupportedAuthenticationIsAClearError(user: String, method: String) throws {
        let text = """
            current-context: eks
            clusters: [{name: eks, cluster: {server: "https://eks.example"}}]
            users:
            - name: arn:aws:eks:eu-west-1:1:cluster/prod
              user: \(user)
            contexts: [{name: eks, context: {cluster: eks, user: "arn:aws:eks:eu-west-1:1:cluster/prod"}}]
            """
        let kubeconfig = try Kubeconfig.parse(text, path: "/tmp/config")
        let error = #expect(throws: KubeconfigError.self) { try kubeconfig.configuration() }
        #expect(error?.kind == .unsupportedAuth)
        #expect(error?.description.contains(#"user "arn:aws:eks:eu-west-1:1:cluster/prod" in the kubeconfig authenticates with \#(method)"#) == true)
        #expect(error?.description.contains("use a service-account token") == true)
    }

    @Test func missingContextClusterOrUserAreNamed() throws {
        let kubeconfig = try Kubeconfig.parse("""
            clusters: [{name: k, cluster: {server: "https://k"}}]
            contexts:
            - {name: a, context: {cluster: k, user: ghost}}
            - {name: b, context: {cluster: nowhere}}
            """, path: "/tmp/config")
        let noCurrent = #expect(throws: KubeconfigError.self) { try kubeconfig.configuration() }
        #expect(noCurrent?.kind == .contextNotFound)
        #expect(noCurrent?.description.contains("pass --context NAME (it has: a, b)") == true)
        #expect(throws: KubeconfigError.self) { try kubeconfig.configuration(context: "zzz") }
        let ghost = #expect(throws: KubeconfigError.self) { try kubeconfig.configuration(context: "a") }
        #expect(ghost?.description.contains(#"names user "ghost""#) == true)
        let nowhere = #expect(throws: KubeconfigError.self) { try kubeconfig.configuration(context: "b") }
        #expect(nowhere?.kind == .incomplete)
        let malformed = #expect(throws: KubeconfigError.self) { try Kubeconfig.parse("clusters: {oops", path: "/tmp/bad") }
        #expect(malformed?.kind == .malformed)
    }
}
