import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

// MARK: - The request helper

extension OCIRegistryClient {
    /// Largest error or JSON body read into memory; registries' answers are small.
    static let maxSmallBodyBytes = 4 * 1024 * 1024

    /// Sends a request and returns the response once its head has arrived; the body is left
    /// to the caller. Sends known credentials up front; on a 401 answers the challenge once
    /// (Basic, or a Bearer token for the request's scope) and sends the request again.
    /// Statuses outside 2xx and `accepting` are thrown as `OCIRegistryError`.
    func send(_ request: RegistryRequest, accepting: Set<Int> = []) async throws -> HTTPClientResponse {
        var authorization = await authenticator.authorization(for: request.scope)
        var answeredChallenge = false
        while true {
            let response = try await execute(request, authorization: authorization)
            let status = Int(response.status.code)
            if (200..<300).contains(status) || accepting.contains(status) {
                return response
            }
            let body = try? await response.body.collect(upTo: Self.maxSmallBodyBytes)
            if status == 401, !answeredChallenge,
               let header = response.headers.first(name: "WWW-Authenticate"),
               let challenge = AuthChallenge(header: header),
               let answer = try await authenticator.authorize(after: challenge, scope: request.scope, fetchToken: { try await self.fetchToken(realm: $0, service: $1, scope: $2) })
            {
                logger.debug("answered registry challenge", metadata: ["registry.auth": "\(challenge.scheme)"])
                answeredChallenge = true
                authorization = answer
                continue
            }
            let error = RegistryErrorBody.error(
                status: status, reason: response.status.reasonPhrase, body: body,
                registry: registry, operation: request.operation, hasCredentials: credentials != nil
            )
            logger.debug("registry refused request", metadata: ["registry.status": "\(status)", "error": "\(error)"])
            throw error
        }
    }

    /// Sends a request whose answer carries nothing needed but headers, reading the body to
    /// its end so the connection goes back to the pool.
    @discardableResult
    func sendIgnoringBody(_ request: RegistryRequest, accepting: Set<Int> = []) async throws -> HTTPClientResponse {
        let response = try await send(request, accepting: accepting)
        for try await _ in response.body {}
        return response
    }

    /// Sends a request and decodes its JSON answer.
    func sendForJSON<T: Decodable>(_ request: RegistryRequest, as type: T.Type) async throws -> (T, HTTPClientResponse) {
        let response = try await send(request)
        let body = try await response.body.collect(upTo: Self.maxSmallBodyBytes)
        do {
            return (try JSONDecoder().decode(type, from: body), response)
        } catch {
            throw invalidAnswer(request, "\(error) in \(String(buffer: body).prefix(300))")
        }
    }

    private func execute(_ request: RegistryRequest, authorization: String?) async throws -> HTTPClientResponse {
        var logger = self.logger
        logger[metadataKey: "registry.request"] = "\(request.method.rawValue) \(request.url)"
        logger.trace("sending request to registry")
        let httpRequest = try request.httpRequest(authorization: authorization)
        do {
            return try await httpClient.execute(
                httpRequest, deadline: .now() + (request.timeout ?? configuration.requestTimeout), logger: logger
            )
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if let error = error as? OCIRegistryError { throw error }  // from reading a blob file
            throw OCIRegistryError(
                kind: .unreachable, registry: registry, operation: request.operation, message: "\(error)",
                hint: "is a registry listening at \(baseURL)? A registry without TLS needs an http:// URL (insecure), one with TLS https://"
            )
        }
    }

    /// `GET realm?service=...&scope=...`, with the credentials as Basic auth when given.
    private func fetchToken(realm: String, service: String?, scope: String?) async throws -> RegistryAuthenticator.TokenResponse {
        guard var components = URLComponents(string: realm) else {
            throw OCIRegistryError(kind: .invalidAnswer, registry: registry, operation: "authentication", message: "token realm \(realm) is not a URL")
        }
        var query = components.queryItems ?? []
        if let service { query.append(URLQueryItem(name: "service", value: service)) }
        if let scope { query.append(URLQueryItem(name: "scope", value: scope)) }
        components.queryItems = query.isEmpty ? nil : query
        var request = RegistryRequest(
            method: .GET, url: components.string ?? realm,
            operation: "the token request to \(realm) for \(scope ?? "no scope")"
        )
        if let credentials { request.headers.add(name: "Authorization", value: credentials.basicAuthorization) }
        let response = try await execute(request, authorization: nil)
        let status = Int(response.status.code)
        let body = try await response.body.collect(upTo: Self.maxSmallBodyBytes)
        guard (200..<300).contains(status) else {
            var error = RegistryErrorBody.error(
                status: status, reason: response.status.reasonPhrase, body: body,
                registry: registry, operation: request.operation, hasCredentials: credentials != nil
            )
            if (400..<500).contains(status) {
                error = OCIRegistryError(unauthorizedFrom: error, hasCredentials: credentials != nil)
            }
            throw error
        }
        do {
            return try JSONDecoder().decode(RegistryAuthenticator.TokenResponse.self, from: body)
        } catch {
            throw invalidAnswer(request, "token endpoint answered \(String(buffer: body).prefix(300)) (\(error))")
        }
    }

    func invalidAnswer(_ request: RegistryRequest, _ message: String) -> OCIRegistryError {
        OCIRegistryError(kind: .invalidAnswer, registry: registry, operation: request.operation, message: message)
    }
}

extension OCIRegistryError {
    /// A token endpoint's refusal is an authentication failure whatever its status.
    init(unauthorizedFrom error: OCIRegistryError, hasCredentials: Bool) {
        self.init(
            kind: .unauthorized, registry: error.registry, operation: error.operation, statusCode: error.statusCode,
            errors: error.errors, message: error.message,
            hint: RegistryErrorBody.hint(kind: .unauthorized, status: 401, codes: [], registry: error.registry, hasCredentials: hasCredentials)
        )
    }
}
