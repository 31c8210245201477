import Dispatch
import Foundation
import SlipwayClient

/// The local side of an interactive session: standard input read on a thread of its own (a
/// blocking read has no place on the cooperative pool) into the session's input, the terminal in
/// raw mode while the session lasts (keys go to the remote process as typed), its size sent at
/// start and on every SIGWINCH, the remote output written as it comes.
enum InteractiveTerminal {
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The terminal's size, if standard output is one.
    static func size() -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// Runs `session` with the terminal in raw mode (when `raw` and stdin is a terminal) and the
    /// input stream fed from standard input and window size changes; restores the terminal after.
    static func run(raw: Bool, _ session: (AsyncStream<InteractiveClientInput>) async throws -> Int) async throws -> Int {
        let (input, feed) = AsyncStream.makeStream(of: InteractiveClientInput.self)
        var saved = termios()
        let makeRaw = raw && stdinIsTerminal && tcgetattr(STDIN_FILENO, &saved) == 0
        if makeRaw {
            var rawMode = saved
            cfmakeraw(&rawMode)
            tcsetattr(STDIN_FILENO, TCSANOW, &rawMode)
        }
        defer { if makeRaw { tcsetattr(STDIN_FILENO, TCSANOW, &saved) } }
        signal(SIGWINCH, SIG_IGN)
        let resizes = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        resizes.setEventHandler {
            if let size = size() { feed.yield(.resize(columns: size.columns, rows: size.rows)) }
        }
        resizes.resume()
        defer { resizes.cancel() }
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count <= 0 { break }
                feed.yield(.data(Data(buffer[0..<count])))
            }
            feed.yield(.endOfInput)
        }
        reader.start()
        return try await session(input)
    }

    /// Remote output to our own standard output or error, as it comes.
    static func write(stream: Int, _ data: Data) {
        (stream == 2 ? FileHandle.standardError : FileHandle.standardOutput).write(data)
    }
}
