#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The hook side of `HookFrame`'s channel: what `slipway git-hook` runs. It is a short-lived
/// process of its own (git starts it for one push), so it uses plain blocking I/O: one thread
/// copies standard input to the socket, the calling thread writes the server's frames out.
public enum HookRelay {
    /// Relays until the server closes the connection; returns the exit status for the hook
    /// (non-zero, with the reason on standard error, when the server cannot be reached).
    public static func run(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        guard let path = environment[HookFrame.socketVariable], let ticket = environment[HookFrame.ticketVariable] else {
            report("this hook runs only for pushes that Slipway's server received (\(HookFrame.socketVariable) is not set)")
            return 1
        }
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { report("cannot make a socket: \(String(cString: strerror(errno)))"); return 1 }
        defer { close(socket) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { report("socket path too long: \(path)"); return 1 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            report("the Slipway server is not reachable at \(path) (\(String(cString: strerror(errno)))); is it running?")
            return 1
        }
        guard writeAll(socket, Array((ticket + "\n").utf8)) else { report("the Slipway server closed the connection"); return 1 }
        let copier = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(0, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 || !writeAll(socket, Array(buffer[0..<count])) { break }
            }
            shutdown(socket, Int32(SHUT_WR))
        }
        copier.start()
        var header = [UInt8](repeating: 0, count: 5)
        while readExactly(socket, &header) {
            let length = Int(header[1]) << 24 | Int(header[2]) << 16 | Int(header[3]) << 8 | Int(header[4])
            guard length <= HookFrame.maxLength, let channel = HookFrame.Channel(rawValue: header[0]) else {
                report("the Slipway server sent a malformed frame")
                return 1
            }
            var payload = [UInt8](repeating: 0, count: length)
            guard readExactly(socket, &payload) else { break }
            _ = writeAll(channel == .output ? 1 : 2, payload)
        }
        return 0
    }

    private static func report(_ message: String) {
        _ = writeAll(2, Array("slipway: \(message)\n".utf8))
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func readExactly(_ descriptor: Int32, _ buffer: inout [UInt8]) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = buffer[offset...].withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
}
