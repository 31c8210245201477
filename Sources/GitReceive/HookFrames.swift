/// The channel between a git hook process (`slipway git-hook`, run by `git receive-pack`) and the
/// server, over the server's unix socket. The hook is a relay and knows nothing of the protocol it
/// carries: it sends one line naming its push (the ticket the server put in receive-pack's
/// environment), then its standard input as it reads it; the server answers with frames, each a
/// channel byte (1: the hook's standard output, 2: its standard error), a 4-byte big-endian
/// length and that many bytes. The hook exits when the server closes the connection.
public enum HookFrame {
    public enum Channel: UInt8, Sendable { case output = 1, error = 2 }

    /// Frames longer than this are refused by the relay (the server never sends one).
    public static let maxLength = 1 << 20

    public static func encode(_ channel: Channel, _ payload: [UInt8]) -> [UInt8] {
        let count = UInt32(payload.count)
        return [channel.rawValue, UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)] + payload
    }

    /// Environment variables receive-pack passes on to its hooks.
    public static let socketVariable = "SLIPWAY_GIT_HOOK_SOCKET"
    public static let ticketVariable = "SLIPWAY_GIT_PUSH"
    /// The program the hook script runs, as the running server names it at each push: its own
    /// executable through `/proc/PID/exe`, which stays the running binary when the file it was
    /// started from is replaced or removed.
    public static let programVariable = "SLIPWAY_GIT_HOOK_PROGRAM"
}
