import NIOCore
import NIOHTTP1

// What the listener's role adds to an exchange (TLS/ListenerRole.swift): the 308 from plain HTTP
// to HTTPS for hosts that have a certificate, and the HTTPS listener's extra response headers.
extension ProxyServerHandler {
    /// The HTTPS URL for this request if its host has a certificate and plain HTTP must go there.
    func httpsRedirectLocation(for head: ClientRequestHead) -> String? {
        guard let redirect = self.role.redirect, let hostBytes = head.host else { return nil }
        let generation = redirect.certificates.generation
        let covered: Bool
        if let cached = self.cachedRedirect, cached.generation == generation, cached.host == hostBytes {
            covered = cached.covered
        } else {
            covered = redirect.certificates.covers(host: RouteTable.normalize(head.hostString))
            self.cachedRedirect = (generation, hostBytes.detached(), covered)
        }
        guard covered else { return nil }
        // The host has a certificate, so it is a valid name: safe to put in a header as it is.
        let host = RouteTable.normalize(head.hostString)
        let port = redirect.port == 443 ? "" : ":\(redirect.port)"
        let uri = head.parsed.uri
        // An absolute-form target (http://host/path) keeps its path only.
        var path = uri
        if !uri.hasPrefix("/") {
            let afterScheme = uri.firstRange(of: "://").map { uri[$0.upperBound...] } ?? Substring(uri)
            path = afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? "/"
        }
        return "https://\(host)\(port)\(path)"
    }

    /// A serialized response head with the role's extra header lines, or the head as it was.
    func withRoleHeaders(_ head: ByteBuffer) -> ByteBuffer {
        guard let lines = self.role.responseHeaderLines, head.readableBytes >= 2 else { return head }
        var out = ByteBuffer()
        out.reserveCapacity(head.readableBytes + lines.readableBytes)
        out.writeImmutableBuffer(head.getSlice(at: head.readerIndex, length: head.readableBytes - 2)!)
        out.writeImmutableBuffer(lines)
        out.writeStaticString("\r\n")
        return out
    }
}
