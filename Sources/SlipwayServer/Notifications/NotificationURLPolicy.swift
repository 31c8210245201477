import Foundation
import Glibc
import NIOPosix
import SlipwayCore

/// Where notifications may be posted: an http(s) URL with a host, not a cloud metadata service or
/// a link-local address (the checks git sources get, `GitURLSafety`), unless `--allow-notify-host`
/// names the host. The server posts from inside the machine: a URL is a request the server makes
/// on the caller's behalf, so it gets the same suspicion as a clone.
struct NotificationURLPolicy: Sendable {
    var allowedHosts: Set<String> = []

    static let maximumLength = 2048

    func check(_ raw: String) throws -> URL {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard text.count <= Self.maximumLength else {
            throw Self.invalid("the notification URL is \(text.count) characters long; at most \(Self.maximumLength)")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw Self.invalid("the notification URL must be an http:// or https:// URL (got \"\(text.prefix(100))\")")
        }
        guard let host = GitURLSafety.host(of: text), !host.isEmpty, url.host != nil else {
            throw Self.invalid("the notification URL \"\(text.prefix(100))\" names no host")
        }
        guard !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw Self.invalid("the notification URL may not contain spaces or line breaks")
        }
        if !allowedHosts.contains(host), let reason = GitURLSafety.forbiddenHostReason(host) ?? Self.numericIPv4Reason(host) {
            throw SlipwayError(code: "notification_url_not_allowed",
                               message: "notification host refused: \(reason); a request there could read the server's cloud credentials. If this really is your receiver, start the server with --allow-notify-host \(host)",
                               httpStatus: 403)
        }
        return url
    }

    /// IPv4 written as one number, in hex or with fewer dots (`2852039166`, `0xa9fea9fe`,
    /// `169.254.43518`): the resolver takes these as addresses, `inet_pton` does not.
    static func numericIPv4Reason(_ host: String) -> String? {
        var address = in_addr()
        guard inet_aton(host, &address) != 0 else { return nil }
        let value = UInt32(bigEndian: address.s_addr)
        return value >> 16 == 0xA9FE ? "\(host) is a link-local address (169.254.0.0/16) written as a number" : nil
    }

    /// Why a delivery may not go to `host` once it is resolved: an address in 169.254.0.0/16 or
    /// fe80::/10 (a name pointing at the metadata service). Checked before every delivery.
    static func resolvedAddressReason(_ host: String) async -> String? {
        let addresses: [String] = (try? await NIOThreadPool.singleton.runIfActive { Self.resolve(host) }) ?? []
        for address in addresses {
            if let reason = GitURLSafety.forbiddenHostReason(address) { return "\(host) resolves to \(address): \(reason)" }
        }
        return nil
    }

    private static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(cString: buffer))
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    private static func invalid(_ message: String) -> SlipwayError {
        SlipwayError(code: "invalid_notification", message: message, httpStatus: 400)
    }
}
