import Yams

/// One kubeconfig file as written on disk (`apiVersion: v1, kind: Config`); only the fields
/// this library reads. Unknown fields (extensions, preferences, proxy-url) are ignored.
struct KubeconfigFile: Decodable {
    var clusters: [Named<Cluster>]?
    var users: [Named<User>]?
    var contexts: [Named<Context>]?
    var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }

    struct Named<Value: Decodable>: Decodable {
        var name: String
        var value: Value?

        enum CodingKeys: String, CodingKey { case name, cluster, user, context }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            for key in [CodingKeys.cluster, .user, .context] where container.contains(key) {
                if try container.decodeNil(forKey: key) { continue }
                value = try container.decode(Value.self, forKey: key)
            }
        }
    }

    struct Cluster: Decodable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?
        var tlsServerName: String?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
        }
    }

    struct User: Decodable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var exec: Exec?
        var authProvider: AuthProvider?
        var username: String?
        var password: String?

        struct Exec: Decodable { var command: String? }
        struct AuthProvider: Decodable { var name: String? }

        enum CodingKeys: String, CodingKey {
            case token, tokenFile, exec, username, password
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }
    }

    struct Context: Decodable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    static func parse(_ text: String, path: String) throws -> KubeconfigFile {
        do {
            // An empty file is a valid, empty kubeconfig.
            if text.allSatisfy(\.isWhitespace) { return KubeconfigFile() }
            return try YAMLDecoder().decode(KubeconfigFile.self, from: text)
        } catch {
            throw KubeconfigError.malformed(path: path, underlying: error)
        }
    }

    /// Relative `certificate-authority`, `client-certificate`, `client-key` and `tokenFile`
    /// paths resolve against the directory of the file that names them.
    mutating func resolvePaths(relativeTo directory: String) {
        func resolve(_ path: inout String?) {
            guard let value = path, !value.isEmpty, !value.hasPrefix("/") else { return }
            path = directory.hasSuffix("/") ? directory + value : "\(directory)/\(value)"
        }
        clusters = clusters?.map { entry in
            var entry = entry
            if var cluster = entry.value {
                resolve(&cluster.certificateAuthority)
                entry.value = cluster
            }
            return entry
        }
        users = users?.map { entry in
            var entry = entry
            if var user = entry.value {
                resolve(&user.tokenFile)
                resolve(&user.clientCertificate)
                resolve(&user.clientKey)
                entry.value = user
            }
            return entry
        }
    }
}
