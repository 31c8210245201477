import Atomics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The HTTP-01 answers the router gives itself (RFC 8555 section 8.3): token -> key
/// authorization, filled by the server while an ACME order waits for validation.
///
/// `GET /.well-known/acme-challenge/TOKEN` is answered from here for any Host, before routing:
/// the CA asks for a host that may not be routed yet (a domain just added) or whose app is
/// down, and a token is unguessable and only in here while its order needs it.
public final class ACMEChallengeTokens: Sendable {
    static let pathPrefix = "/.well-known/acme-challenge/"
    private let tokens = NIOLockedValueBox<[String: String]>([:])
    /// Read without the lock on every request: the common case is no order in flight.
    private let count = ManagedAtomic(0)

    public init() {}

    public func set(token: String, keyAuthorization: String) {
        self.tokens.withLockedValue { tokens in
            tokens[token] = keyAuthorization
            self.count.store(tokens.count, ordering: .relaxed)
        }
    }

    public func remove(token: String) {
        self.tokens.withLockedValue { tokens in
            tokens.removeValue(forKey: token)
            self.count.store(tokens.count, ordering: .relaxed)
        }
    }

    public func keyAuthorization(token: String) -> String? {
        self.tokens.withLockedValue { $0[token] }
    }

    public var isEmpty: Bool { self.count.load(ordering: .relaxed) == 0 }

    public var tokenCount: Int { self.count.load(ordering: .relaxed) }

    /// The key authorization for a GET of a challenge path, nil for any other request.
    func answer(to head: ClientRequestHead) -> String? {
        guard !self.isEmpty, head.method == .GET, let target = head.requestTarget, target.hasPrefix(Self.pathPrefix) else { return nil }
        return self.keyAuthorization(token: String(target.dropFirst(Self.pathPrefix.count)))
    }
}

extension ClientRequestHead {
    /// The request line's target (`/path?query`), read from the raw head; nil if it is not there.
    var requestTarget: Substring? {
        let line = self.raw.readableBytesView.prefix { $0 != UInt8(ascii: "\r") }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return String(decoding: parts[1], as: UTF8.self)[...]
    }
}
