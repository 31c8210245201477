import Foundation

/// Kubeconfig files, loaded and merged the way `kubectl` does, and the connection settings
/// of one of their contexts.
///
///     let kubeconfig = try Kubeconfig.load(path: options.kubeconfig)      // nil: KUBECONFIG, ~/.kube/config
///     let configuration = try kubeconfig.configuration(context: options.context)  // nil: current-context
///     let client = try KubernetesClient(configuration: configuration, logger: logger)
public struct Kubeconfig: Sendable {
    /// The files read, in precedence order.
    public private(set) var paths: [String] = []
    public private(set) var currentContext: String?
    var clusters: [String: Cluster] = [:]
    var users: [String: User] = [:]
    var contexts: [String: Context] = [:]

    struct Cluster: Sendable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool
        var tlsServerName: String?
    }

    struct User: Sendable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var execCommand: String??
        var authProvider: String??
        var hasBasicAuth: Bool
    }

    struct Context: Sendable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    /// The context names, sorted.
    public var contextNames: [String] { contexts.keys.sorted() }

    /// Loads the kubeconfig: `path` if given (it must exist); else every file of `KUBECONFIG`
    /// (colon-separated; missing files skipped; the first file to define a cluster, user or
    /// context name, or a current-context, wins); else `~/.kube/config`.
    public static func load(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Kubeconfig {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func expand(_ path: String) -> String {
            path == "~" ? home : path.hasPrefix("~/") ? home + path.dropFirst(1) : path
        }
        if let path, !path.isEmpty {
            return try load(files: [expand(path)], required: true)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let files = list.split(separator: ":").map { expand(String($0)) }
            let kubeconfig = try load(files: files, required: false)
            guard !kubeconfig.paths.isEmpty else {
                throw KubeconfigError(
                    kind: .fileNotFound,
                    description: "none of the files in KUBECONFIG (\(list)) exists; fix KUBECONFIG or pass --kubeconfig PATH"
                )
            }
            return kubeconfig
        }
        return try load(files: ["\(home)/.kube/config"], required: true)
    }

    /// Parses kubeconfig text as if read from `path` (relative paths resolve against its directory).
    public static func parse(_ text: String, path: String) throws -> Kubeconfig {
        var kubeconfig = Kubeconfig()
        try kubeconfig.merge(text: text, path: path)
        return kubeconfig
    }

    private static func load(files: [String], required: Bool) throws -> Kubeconfig {
        var kubeconfig = Kubeconfig()
        var seen = Set<String>()
        for file in files where seen.insert(file).inserted {
            guard let data = FileManager.default.contents(atPath: file) else {
                if required || FileManager.default.fileExists(atPath: file) {
                    let exists = FileManager.default.fileExists(atPath: file)
                    throw KubeconfigError(
                        kind: exists ? .unreadable : .fileNotFound,
                        description: exists
                            ? "cannot read the kubeconfig \(file); check its permissions"
                            : "no kubeconfig at \(file); pass --kubeconfig PATH, set KUBECONFIG, or create ~/.kube/config"
                    )
                }
                continue
            }
            try kubeconfig.merge(text: String(decoding: data, as: UTF8.self), path: file)
        }
        return kubeconfig
    }

    private mutating func merge(text: String, path: String) throws {
        var file = try KubeconfigFile.parse(text, path: path)
        let directory = (path as NSString).deletingLastPathComponent
        file.resolvePaths(relativeTo: directory.isEmpty ? "." : directory)
        paths.append(path)
        if currentContext == nil, let current = file.currentContext, !current.isEmpty {
            currentContext = current
        }
        for entry in file.clusters ?? [] where clusters[entry.name] == nil {
            let cluster = entry.value
            clusters[entry.name] = Cluster(
                server: cluster?.server, certificateAuthority: cluster?.certificateAuthority,
                certificateAuthorityData: cluster?.certificateAuthorityData,
                insecureSkipTLSVerify: cluster?.insecureSkipTLSVerify ?? false, tlsServerName: cluster?.tlsServerName
            )
        }
        for entry in file.users ?? [] where users[entry.name] == nil {
            let user = entry.value
            users[entry.name] = User(
                token: user?.token, tokenFile: user?.tokenFile,
                clientCertificate: user?.clientCertificate, clientCertificateData: user?.clientCertificateData,
                clientKey: user?.clientKey, clientKeyData: user?.clientKeyData,
                execCommand: user?.exec.map { $0.command }, authProvider: user?.authProvider.map { $0.name },
                hasBasicAuth: !(user?.username ?? "").isEmpty || !(user?.password ?? "").isEmpty
            )
        }
        for entry in file.contexts ?? [] where contexts[entry.name] == nil {
            contexts[entry.name] = Context(cluster: entry.value?.cluster, user: entry.value?.user, namespace: entry.value?.namespace)
        }
    }
}
