import Foundation

/// The directory (RFC 8555 section 7.1.1): the URLs of the server's operations.
public struct ACMEDirectory: Decodable, Sendable {
    public let newNonce: String
    public let newAccount: String
    public let newOrder: String
    public let revokeCert: String?
    public let keyChange: String?
    public let meta: Meta?

    public struct Meta: Decodable, Sendable {
        public let termsOfService: String?
        public let website: String?
        public let caaIdentities: [String]?
        public let externalAccountRequired: Bool?
    }
}

/// An identifier an order asks a certificate for (section 9.7.7: only "dns" here).
public struct ACMEIdentifier: Codable, Sendable, Hashable {
    public let type: String
    public let value: String

    public static func dns(_ host: String) -> ACMEIdentifier {
        ACMEIdentifier(type: "dns", value: host)
    }
}

/// An order (section 7.1.3) with the URL it lives at.
public struct ACMEOrder: Decodable, Sendable {
    public let status: String
    public let expires: String?
    public let identifiers: [ACMEIdentifier]
    public let authorizations: [String]
    public let finalize: String
    public let certificate: String?
    public let error: ACMEProblem?
    /// The order's own URL (the Location of newOrder), set by the client.
    public internal(set) var url: String = ""

    private enum CodingKeys: String, CodingKey {
        case status, expires, identifiers, authorizations, finalize, certificate, error
    }
}

/// An authorization (section 7.1.4): proof of control over one identifier.
public struct ACMEAuthorization: Decodable, Sendable {
    public let identifier: ACMEIdentifier
    public let status: String
    public let expires: String?
    public let challenges: [ACMEChallenge]
    public let wildcard: Bool?
}

/// A challenge (section 7.1.5 and 8): a way to prove control, answered at its URL.
public struct ACMEChallenge: Decodable, Sendable {
    public let type: String
    public let url: String
    public let status: String
    public let token: String?
    public let error: ACMEProblem?
}

/// The challenge types this client can answer.
public enum ACMEChallengeType: String, Sendable {
    case http01 = "http-01"
    case dns01 = "dns-01"
}
