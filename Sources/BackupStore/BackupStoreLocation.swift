import Foundation
import S3Storage

/// `--backup-store`: a directory (default `DATA/backups`) or `s3://BUCKET/PREFIX`, the S3
/// endpoint and keys from the environment (`AWS_ENDPOINT_URL`, default AWS's regional endpoint;
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` default us-east-1).
public enum BackupStoreLocation: Sendable, Equatable {
    case directory(URL)
    case s3(endpoint: URL, bucket: String, prefix: String, region: String)

    public static func parse(_ text: String, environment: [String: String]) throws -> BackupStoreLocation {
        guard text.hasPrefix("s3://") else {
            guard text.hasPrefix("/") else {
                throw BackupStoreError("--backup-store \(text): give an absolute directory or s3://BUCKET/PREFIX")
            }
            return .directory(URL(fileURLWithPath: text, isDirectory: true))
        }
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = String(rest.dropFirst(bucket.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !bucket.isEmpty else { throw BackupStoreError("--backup-store \(text): name a bucket, e.g. s3://my-backups/slipway") }
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let endpointText = environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] ?? "https://s3.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText), endpoint.scheme == "https" || endpoint.scheme == "http", endpoint.host != nil else {
            throw BackupStoreError("AWS_ENDPOINT_URL \(endpointText) is not an http(s) URL")
        }
        return .s3(endpoint: endpoint, bucket: bucket, prefix: prefix, region: region)
    }

    /// The store for this location; S3 needs `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    public func store(environment: [String: String], staging: URL) throws -> any BackupStore {
        switch self {
        case .directory(let url):
            return DirectoryBackupStore(directory: url)
        case .s3(let endpoint, let bucket, let prefix, let region):
            guard let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"], !key.isEmpty, !secret.isEmpty else {
                throw BackupStoreError("an s3:// backup store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the server's environment")
            }
            do {
                let client = try S3Client(configuration: .init(endpoint: endpoint, bucket: bucket, region: region, accessKeyId: key, secretAccessKey: secret))
                return S3BackupStore(client: client, prefix: prefix, staging: staging)
            } catch {
                throw BackupStoreError("--backup-store s3://\(bucket): \(error)")
            }
        }
    }
}
