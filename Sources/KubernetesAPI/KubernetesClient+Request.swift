import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// One request to the API, as values: built by the operations, sent by `send`.
struct KubernetesRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var query: [(name: String, value: String)] = []
    var contentType: String?
    var body: Data?
    var operation: KubernetesOperation

    /// The path and the percent-encoded query, e.g. `/apis/apps/v1/…?fieldManager=slipway&force=true`.
    var pathAndQuery: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

extension KubernetesClient {
    /// Largest JSON answer read into memory (a list of thousands of objects fits).
    static let maxJSONBodyBytes = 64 * 1024 * 1024
    /// Largest error body read; Status objects are small.
    static let maxErrorBodyBytes = 1024 * 1024

    /// Sends a request; returns once the answer's head has arrived and is 2xx (its body is
    /// then the caller's to read). Error answers become `KubernetesAPIError` with the Status;
    /// transport failures become `.unreachable`, `.tls` or `.timeout`.
    func send(_ request: KubernetesRequest) async throws -> HTTPClientResponse {
        var httpRequest = HTTPClientRequest(url: baseURL + request.pathAndQuery)
        httpRequest.method = request.method
        httpRequest.headers.add(name: "Accept", value: "application/json")
        httpRequest.headers.add(name: "User-Agent", value: "slipway-kubernetes-client")
        if let token = try bearerToken() {
            httpRequest.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body = request.body {
            httpRequest.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        logger.debug(
            "kubernetes request",
            metadata: ["kubernetes.method": "\(request.method.rawValue)", "kubernetes.path": "\(request.pathAndQuery)"])

        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(httpRequest, timeout: configuration.requestTimeout, logger: logger)
        } catch {
            throw transportError(error, operation: request.operation)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: Self.maxErrorBodyBytes)).map { String(buffer: $0) } ?? ""
            let status = (try? JSONValue(jsonData: Data(body.utf8))).flatMap { KubernetesStatus($0) }
            throw KubernetesAPIError.fromResponse(
                statusCode: Int(response.status.code), status: status, body: body.trimmingCharacters(in: .whitespacesAndNewlines),
                operation: request.operation, userName: configuration.userName)
        }
        return response
    }

    /// Sends a request and decodes its JSON answer.
    func sendForJSON(_ request: KubernetesRequest) async throws -> JSONValue {
        let response = try await send(request)
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxJSONBodyBytes)
        } catch {
            throw transportError(error, operation: request.operation)
        }
        do {
            return try JSONValue(jsonData: Array(body.readableBytesView))
        } catch {
            throw KubernetesAPIError.badResponse(request.operation, "the body is not JSON: \(String(buffer: body).prefix(200))")
        }
    }

    /// As `sendForJSON`, with `nil` for a 404 answer.
    func sendForJSONUnlessNotFound(_ request: KubernetesRequest) async throws -> JSONValue? {
        do {
            return try await sendForJSON(request)
        } catch let error as KubernetesAPIError where error.kind == .notFound {
            return nil
        }
    }

    func bearerToken() throws -> String? {
        if let file = configuration.credentials.tokenFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw KubeconfigError(
                    kind: .unreadable, description: "cannot read the tokenFile \(file) of user \"\(configuration.userName)\" in the kubeconfig")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return token }
        }
        return configuration.credentials.bearerToken
    }

    func transportError(_ error: any Error, operation: KubernetesOperation?) -> any Error {
        if error is KubernetesAPIError || error is CancellationError { return error }
        if let error = error as? HTTPClientError, error == .cancelled { return CancellationError() }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return KubernetesAPIError.timeout(server: serverAddress, operation: operation)
        }
        if Self.isTLSFailure(error) {
            return KubernetesAPIError.tls(server: serverAddress, operation: operation, underlying: error)
        }
        return KubernetesAPIError.unreachable(server: serverAddress, operation: operation, underlying: error)
    }

    static func isTLSFailure(_ error: any Error) -> Bool {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return true }
        if let error = error as? HTTPClientError, error == .tlsHandshakeTimeout { return true }
        return false
    }
}
