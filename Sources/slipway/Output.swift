import Foundation
import SlipwayClient
import SlipwayCore
import SourceArchive

/// Writing to the terminal. Everything goes through FileHandle, unbuffered, so live progress
/// lines appear when they happen even when stdout is a pipe, and stdout and stderr stay in order.
enum Output {
    static func line(_ text: String) {
        write(text + "\n", to: .standardOutput)
    }

    static func error(_ text: String) {
        write(text + "\n", to: .standardError)
    }

    static func write(_ text: String, to handle: FileHandle) {
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            // The reader went away (`slipway logs -f | head`): stop quietly, as other tools do.
            Foundation.exit(0)
        }
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// `--json` output: the API's shapes, RFC 3339 timestamps, stable key order.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = Timestamp.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        line(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `--json` for streams (follow modes): one compact JSON object per line (NDJSON).
    static func jsonLine<T: Encodable>(_ value: T) throws {
        line(String(decoding: try Timestamp.encoder().encode(value), as: UTF8.self))
    }

    /// The user-facing text of an error: our errors' messages, else Swift's description.
    static func message(for error: any Error) -> String {
        switch error {
        case let error as SlipwayError: error.message
        case let error as SourceArchiveError: error.message
        case let error as any CustomStringConvertible: error.description
        default: String(describing: error)
        }
    }
}
