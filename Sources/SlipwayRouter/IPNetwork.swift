#if canImport(CNIOLinux)
import CNIOLinux  // declares sockaddr_in's members as NIOCore sees them (MemberImportVisibility)
#endif
import NIOCore

/// An IPv4 or IPv6 address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is a
/// range of one): which peers the router trusts to tell it the client's address.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network's address bytes (4 or 16), host bits cleared.
    private let bytes: [UInt8]
    public let prefixLength: Int

    /// Parses `ADDRESS[/PREFIX]`; nil (with no partial result) if either part is malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = try? SocketAddress(ipAddress: String(parts[0]), port: 0),
            let bytes = address.ipBytes
        else { return nil }
        let bits = bytes.count * 8
        var prefixLength = bits
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length), parts[1].allSatisfy(\.isASCII) else { return nil }
            prefixLength = length
        }
        self.prefixLength = prefixLength
        self.bytes = Self.masked(bytes, prefixLength: prefixLength)
    }

    /// Whether `address` (an IPv4-mapped IPv6 address counts as its IPv4 one) is in this range.
    public func contains(_ address: SocketAddress) -> Bool {
        guard var candidate = address.ipBytes else { return false }
        if candidate.count == 16, self.bytes.count == 4, candidate[0..<10].allSatisfy({ $0 == 0 }),
            candidate[10] == 0xFF, candidate[11] == 0xFF {
            candidate = Array(candidate[12...])
        }
        guard candidate.count == self.bytes.count else { return false }
        return Self.masked(candidate, prefixLength: self.prefixLength) == self.bytes
    }

    public var description: String {
        let address: String
        if self.bytes.count == 4 {
            address = self.bytes.map(String.init).joined(separator: ".")
        } else {
            address = stride(from: 0, to: 16, by: 2)
                .map { String(UInt16(self.bytes[$0]) << 8 | UInt16(self.bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
        return "\(address)/\(self.prefixLength)"
    }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsKept = min(max(prefixLength - index * 8, 0), 8)
            return bitsKept == 8 ? byte : byte & ~(0xFF >> bitsKept)
        }
    }
}

extension SocketAddress {
    /// The address's bytes in network order: 4 for IPv4, 16 for IPv6, nil for a Unix socket.
    var ipBytes: [UInt8]? {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .v6(let address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
