/// An error a user sees: a stable machine-readable code, a message that says what was wrong
/// and what to do, and the HTTP status the API answers with.
public struct SlipwayError: Error, Sendable, Equatable, CustomStringConvertible, Codable {
    public var code: String
    public var message: String
    public var httpStatus: Int

    public init(code: String, message: String, httpStatus: Int) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { message }

    public static func invalidName(_ message: String) -> SlipwayError {
        .init(code: "invalid_name", message: message, httpStatus: 400)
    }
    public static func invalidManifest(_ message: String) -> SlipwayError {
        .init(code: "invalid_manifest", message: message, httpStatus: 400)
    }
    public static func invalidSource(_ message: String) -> SlipwayError {
        .init(code: "invalid_source", message: message, httpStatus: 400)
    }
    public static func invalidDomain(_ message: String) -> SlipwayError {
        .init(code: "invalid_domain", message: message, httpStatus: 400)
    }
    public static func invalidRequest(_ message: String) -> SlipwayError {
        .init(code: "invalid_request", message: message, httpStatus: 400)
    }
    public static func notFound(_ message: String) -> SlipwayError {
        .init(code: "not_found", message: message, httpStatus: 404)
    }
    public static func payloadTooLarge(_ message: String) -> SlipwayError {
        .init(code: "payload_too_large", message: message, httpStatus: 413)
    }
    public static func unauthorized(_ message: String) -> SlipwayError {
        .init(code: "unauthorized", message: message, httpStatus: 401)
    }
    public static func conflict(_ message: String) -> SlipwayError {
        .init(code: "conflict", message: message, httpStatus: 409)
    }
    public static func engine(_ message: String) -> SlipwayError {
        .init(code: "engine_error", message: message, httpStatus: 502)
    }
    public static func `internal`(_ message: String) -> SlipwayError {
        .init(code: "internal", message: message, httpStatus: 500)
    }
}

/// The JSON body of every API error: `{"error": {"code", "message"}}`.
public struct ErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public var code: String
        public var message: String
    }
    public var error: Detail
    public init(_ error: SlipwayError) { self.error = .init(code: error.code, message: error.message) }
}
