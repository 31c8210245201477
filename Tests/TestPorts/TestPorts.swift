import Foundation
import Glibc

/// Loopback ports for the servers tests start, from 20000-32767: below the kernel's ephemeral
/// range (32768-60999), which is where port 0 binds land and where Podman publishes replicas.
/// A published port is a NAT rule, not a listening socket, and netavark leaves stale rules behind
/// when a container's teardown is cut short: a listener the kernel hands such a port is bound
/// fine, yet every connection to it goes to the (gone) container, "connection refused". Tests
/// never bind port 0; they ask here. A port is never handed out twice in one test process, so
/// suites running side by side cannot be given the same just-checked port.
package enum TestPorts {
    /// One port nobody listens on right now.
    package static func next() throws -> Int {
        try Picker.shared.next()
    }

    /// `count` distinct ports nobody listens on right now.
    package static func next(_ count: Int) throws -> [Int] {
        try (0..<count).map { _ in try Picker.shared.next() }
    }

    package static let range = 20000...32767
}

private final class Picker: @unchecked Sendable {
    static let shared = Picker()
    private let lock = NSLock()
    private var handedOut = Set<Int>()  // guarded by lock

    func next() throws -> Int {
        for _ in 0..<1000 {
            let port = Int.random(in: TestPorts.range)
            guard lock.withLock({ handedOut.insert(port).inserted }) else { continue }
            if Self.canBind(port) { return port }
        }
        throw PortsExhausted()
    }

    private static func canBind(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

private struct PortsExhausted: Error, CustomStringConvertible {
    var description: String { "no free loopback port found in \(TestPorts.range) after 1000 tries" }
}

extension TestPorts {
    /// Runs `bind` with fresh ports until one is not taken (at most 5 tries): another process on
    /// the machine (a program a test started, a developer's parallel run) may bind a port between
    /// its check here and the test's own bind.
    package static func withFreePort<T>(_ bind: (Int) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await bind(try next())
            } catch where attempt < 5 && String(describing: error).contains("Address already in use") {
                continue
            }
        }
    }
}
