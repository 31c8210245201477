import NIOCore
import NIOPosix

/// Readiness on the local engine: a replica is ready once its published port accepts a TCP
/// connection. (Podman and Docker publish ports with iptables here, so a connect succeeds only
/// when the app itself listens; a userland proxy would accept early.)
enum PortProbe {
    static func accepts(host: String = "127.0.0.1", port: Int, timeout: TimeAmount = .milliseconds(500)) async -> Bool {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
