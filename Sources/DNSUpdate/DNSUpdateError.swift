/// Why a DNS update or query did not succeed, with what to do about it.
public struct DNSUpdateError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// A name, value, key or server address given by the caller is not usable.
        case invalidArgument
        /// The server could not be reached or did not answer in time.
        case unreachable
        /// The answer is not a DNS message this client can read.
        case malformedAnswer
        /// The answer's TSIG signature is missing, wrong or out of time: it may not come from the server.
        case badSignature
        /// The server answered with an error (rcode or TSIG error).
        case refused
    }

    public let kind: Kind
    public let message: String
    /// The answer's RCODE (RFC 1035, RFC 2136) or TSIG error (RFC 8945), when the server sent one.
    public let code: Int?

    public init(kind: Kind, message: String, code: Int? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var description: String { message }

    static func invalidArgument(_ message: String) -> DNSUpdateError { DNSUpdateError(kind: .invalidArgument, message: message) }
    static func malformed(_ message: String) -> DNSUpdateError { DNSUpdateError(kind: .malformedAnswer, message: "malformed DNS answer: " + message) }

    /// The name of an RCODE (RFC 1035 4.1.1, RFC 2136 2.2, RFC 8945 5.3) and what it usually means here.
    static func describe(rcode: Int) -> String {
        switch rcode {
        case 1: "FORMERR (the server could not read the request)"
        case 2: "SERVFAIL (the server failed; look at its log)"
        case 3: "NXDOMAIN (no such name)"
        case 4: "NOTIMP (the server does not support this operation)"
        case 5: "REFUSED (the server's policy refuses it: is the zone configured with allow-update or an update-policy for this key?)"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH (the server is not authoritative for the zone, or the TSIG key is not accepted)"
        case 10: "NOTZONE (the name is not within the zone)"
        case 16: "BADSIG (the TSIG signature did not verify: check the key's secret)"
        case 17: "BADKEY (the server does not know this TSIG key name or algorithm)"
        case 18: "BADTIME (the clocks of this machine and the DNS server differ by more than the fudge)"
        default: "error code \(rcode)"
        }
    }
}
