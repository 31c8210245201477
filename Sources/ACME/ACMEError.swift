import Foundation

/// A problem document (RFC 7807, RFC 8555 section 6.7): what the ACME server said went wrong.
public struct ACMEProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    /// e.g. `urn:ietf:params:acme:error:badNonce`, `...:unauthorized`, `...:rateLimited`.
    public let type: String
    public let detail: String?
    public let status: Int?
    public let identifier: ACMEIdentifier?
    public let subproblems: [ACMEProblem]?

    public init(type: String, detail: String?, status: Int? = nil, identifier: ACMEIdentifier? = nil, subproblems: [ACMEProblem]? = nil) {
        self.type = type
        self.detail = detail
        self.status = status
        self.identifier = identifier
        self.subproblems = subproblems
    }

    /// The short name after `urn:ietf:params:acme:error:` (`badNonce`), or the whole type.
    public var shortType: String {
        let prefix = "urn:ietf:params:acme:error:"
        return type.hasPrefix(prefix) ? String(type.dropFirst(prefix.count)) : type
    }

    public var description: String {
        var text = shortType + (detail.map { ": " + $0 } ?? "")
        if let identifier { text = "\(identifier.value): " + text }
        if let subproblems, !subproblems.isEmpty {
            text += " (" + subproblems.map(\.description).joined(separator: "; ") + ")"
        }
        return text
    }
}

/// An error of the ACME client: what was being done, what the server said (its problem
/// document when it sent one) and what the user can do.
public struct ACMEError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case unreachable, refused, invalidAnswer, invalidArgument, challengeFailed, timedOut }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No answer from the directory: connection refused, DNS, TLS (an untrusted CA), timeout.
        public static let unreachable = Kind(.unreachable)
        /// The server answered with an error (its problem document is in `problem`).
        public static let refused = Kind(.refused)
        /// An answer missing what RFC 8555 promises (a nonce, a Location, a JSON body).
        public static let invalidAnswer = Kind(.invalidAnswer)
        /// Bad input given to the client (an unreadable CA file, a bad key, no host).
        public static let invalidArgument = Kind(.invalidArgument)
        /// The server could not validate a challenge, or the order became invalid.
        public static let challengeFailed = Kind(.challengeFailed)
        /// An authorization or order stayed pending past the deadline.
        public static let timedOut = Kind(.timedOut)

        public var description: String { value.rawValue }
    }

    public let kind: Kind
    public let message: String
    public let problem: ACMEProblem?
    public let statusCode: Int?

    public init(kind: Kind, message: String, problem: ACMEProblem? = nil, statusCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.problem = problem
        self.statusCode = statusCode
    }

    static func invalidArgument(_ message: String) -> ACMEError {
        ACMEError(kind: .invalidArgument, message: message)
    }

    static func invalidAnswer(_ message: String, statusCode: Int? = nil) -> ACMEError {
        ACMEError(kind: .invalidAnswer, message: message, statusCode: statusCode)
    }

    /// True for the problem the server sends when a nonce was stale or never issued (section 6.5).
    public var isBadNonce: Bool { problem?.type == "urn:ietf:params:acme:error:badNonce" }

    public var description: String {
        var text = message
        if let statusCode { text += " (HTTP \(statusCode))" }
        if let problem { text += ": " + problem.description }
        return text
    }
}
