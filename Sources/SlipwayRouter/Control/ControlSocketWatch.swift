import Foundation
import Logging
import ServiceLifecycle

/// Ends a router process that nobody can reach any more: its control socket is how a server finds
/// it, takes it over and stops it, so once that file is gone (the data directory removed) or is
/// another's (a second router bound the path), no server ever will, and the process would serve a
/// stale table forever, holding its ports. Checked every second by the socket file's identity;
/// returning ends the router's service group gracefully.
struct ControlSocketWatch: Service {
    let socketPath: String
    let logger: Logger
    var interval: Duration = .seconds(1)

    /// The socket file's (device, inode) now, nil when there is none.
    static func identity(of path: String) -> (UInt64, UInt64)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let device = (attributes[.systemNumber] as? NSNumber)?.uint64Value,
              let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value else { return nil }
        return (device, inode)
    }

    func run() async throws {
        guard let bound = Self.identity(of: socketPath) else {
            logger.error("the router's control socket is gone right after binding; stopping", metadata: ["router.socket": "\(socketPath)"])
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            guard let now = Self.identity(of: socketPath) else {
                logger.warning("the router's control socket was removed (its data directory with it?): no server can reach this router; stopping",
                               metadata: ["router.socket": "\(socketPath)"])
                return
            }
            guard now == bound else {
                logger.warning("another router process took over the control socket; stopping this one", metadata: ["router.socket": "\(socketPath)"])
                return
            }
        }
    }
}
