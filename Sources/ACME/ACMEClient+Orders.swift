import Foundation
import Logging
import NIOHTTP1

extension ACMEClient {
    /// Creates the account, or finds the one this key already has (section 7.3), agreeing to
    /// the terms of service. Later requests are signed with the account URL.
    @discardableResult
    public func registerAccount() async throws -> String {
        if let accountURL { return accountURL }
        var payload: [String: AnyEncodable] = ["termsOfServiceAgreed": AnyEncodable(true)]
        if let email = configuration.contactEmail {
            guard Self.isPlausibleEmail(email) else {
                throw ACMEError.invalidArgument("the ACME contact email \"\(email)\" is not an address like admin@example.com")
            }
            payload["contact"] = AnyEncodable(["mailto:" + email])
        }
        let response = try await post(
            try await directory().newAccount, payload: try JSONEncoder().encode(payload), operation: "creating the account")
        guard let location = response.location else {
            throw ACMEError.invalidAnswer("the newAccount answer carried no Location (the account URL)", statusCode: response.status)
        }
        accountURL = location
        logger.info("ACME account ready", metadata: ["acme.account": .string(location)])
        return location
    }

    /// Asks for a certificate for `hosts` (section 7.4).
    public func newOrder(hosts: [String]) async throws -> ACMEOrder {
        guard !hosts.isEmpty else { throw ACMEError.invalidArgument("an order needs at least one host name") }
        try await registerAccount()
        let payload = try JSONEncoder().encode(["identifiers": hosts.map(ACMEIdentifier.dns)])
        let operation = "the order for \(hosts.joined(separator: ", "))"
        let response = try await post(try await directory().newOrder, payload: payload, operation: operation)
        var order: ACMEOrder = try response.decode(operation: operation)
        guard let location = response.location else {
            throw ACMEError.invalidAnswer("the newOrder answer carried no Location (the order URL)", statusCode: response.status)
        }
        order.url = location
        return order
    }

    public func authorization(at url: String) async throws -> ACMEAuthorization {
        try await post(url, payload: nil, operation: "reading an authorization").decode(operation: "reading an authorization")
    }

    public func order(at url: String) async throws -> ACMEOrder {
        var order: ACMEOrder = try await post(url, payload: nil, operation: "reading the order").decode(operation: "reading the order")
        order.url = url
        return order
    }

    /// Tells the server the challenge is ready to be checked (section 7.5.1): an empty JSON object.
    public func respond(to challenge: ACMEChallenge) async throws {
        _ = try await post(challenge.url, payload: Data("{}".utf8), operation: "answering the \(challenge.type) challenge")
    }

    /// Polls the authorization until it is no longer pending, waiting as its Retry-After asks.
    public func waitForAuthorization(at url: String) async throws -> ACMEAuthorization {
        try await poll(url: url, what: "authorization", isDone: { (authorization: ACMEAuthorization) in authorization.status != "pending" })
    }

    /// Sends the CSR (DER) to the order's finalize URL (section 7.4) and waits until the
    /// certificate is issued or the order fails.
    public func finalize(_ order: ACMEOrder, csrDER: [UInt8]) async throws -> ACMEOrder {
        let payload = try JSONEncoder().encode(["csr": Base64URL.encode(csrDER)])
        _ = try await post(order.finalize, payload: payload, operation: "finalizing the order")
        var finished: ACMEOrder = try await poll(
            url: order.url, what: "order", isDone: { (order: ACMEOrder) in order.status != "processing" && order.status != "ready" })
        finished.url = order.url
        return finished
    }

    /// The certificate chain as PEM, leaf first (section 7.4.2).
    public func downloadCertificate(at url: String) async throws -> String {
        let response = try await post(url, payload: nil, operation: "downloading the certificate", accept: "application/pem-certificate-chain")
        let pem = String(decoding: response.body, as: UTF8.self)
        guard pem.contains("-----BEGIN CERTIFICATE-----") else {
            throw ACMEError.invalidAnswer("the certificate download is not a PEM chain", statusCode: response.status)
        }
        return pem
    }

    func poll<Resource: Decodable>(url: String, what: String, isDone: (Resource) -> Bool) async throws -> Resource {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.pollTimeout)
        while true {
            let response = try await post(url, payload: nil, operation: "reading the \(what)")
            let resource: Resource = try response.decode(operation: "reading the \(what)")
            if isDone(resource) { return resource }
            let wait = RetryAfter.delay(
                header: response.headers.first(name: "Retry-After"), now: Date(),
                minimum: configuration.minPollInterval, maximum: configuration.maxPollInterval)
            guard clock.now.advanced(by: wait) < deadline else {
                throw ACMEError(kind: .timedOut, message: "the \(what) at \(url) was still pending after \(configuration.pollTimeout)")
            }
            try await Task.sleep(for: wait)
        }
    }

    /// Whether `email` looks like one address (user@domain.tld), as an account contact must.
    public static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !email.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
    }
}

/// Lets a payload mix values of different types.
struct AnyEncodable: Encodable {
    private let encodeValue: (any Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
