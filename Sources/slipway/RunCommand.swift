import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a one-off command in a new container from the app's current release.",
        discussion: """
        The container has the release's image, config vars and volumes; it is removed when the command ends. \
        Output is streamed; slipway exits with the command's exit code. Standard input, when it is not a \
        terminal, is read to its end and given to the command (up to 8 MiB), e.g. `slipway run APP -- sh < script.sh`.
        Example: slipway run myapp -- ./manage.py migrate
        """)

    @OptionGroup var target: AppArgument
    @Option(help: "Run from this service's image and settings (default: the app's routed service).")
    var service: String?
    @Flag(name: .customShort("i"), help: "Keep standard input attached while the command runs (interactive; no 8 MiB limit).")
    var interactive = false
    @Flag(name: .customShort("t"), help: "Give the command a terminal (with -i: a shell, psql...); keys go to it as typed.")
    var tty = false
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "COMMAND"))
    var command: [String] = []
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if command.isEmpty {
            throw ValidationError("give the command to run after --, e.g. slipway run APP -- ls -l")
        }
    }

    func run() async throws {
        let name = try target.name
        if interactive || tty {
            let code = try await Self.interactive(global, app: name, InteractiveRequest(command: command, service: service, tty: tty))
            if code != 0 { throw ExitCode(Int32(truncatingIfNeeded: code)) }
            return
        }
        let stdin = try Self.readStandardInput()
        let request = RunRequest(command: command, stdin: stdin, service: service)
        let code: Int32 = try await global.withClient { client in
            var exitCode: Int32 = 1
            for try await event in try await client.run(app: name, request) {
                if global.json { try Output.jsonLine(event); continue }
                if let text = event.text {
                    if event.stream == "stderr" { Output.error(text) } else { Output.line(text) }
                }
                if let error = event.error { throw SlipwayError.engine(error) }
                if let code = event.exitCode { exitCode = Int32(truncatingIfNeeded: code) }
            }
            return exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// A session over the API's WebSocket: the terminal raw while it lasts (with -t), its size sent.
    static func interactive(_ global: GlobalOptions, app: AppName, _ request: InteractiveRequest) async throws -> Int {
        var request = request
        if request.tty, let size = InteractiveTerminal.size() {
            request.columns = size.columns
            request.rows = size.rows
        }
        return try await global.withClient { client in
            try await InteractiveTerminal.run(raw: request.tty) { input in
                try await client.runInteractive(app: app, request, input: input) { stream, data in
                    InteractiveTerminal.write(stream: stream, data)
                }
            }
        }
    }

    /// All of standard input when it is a pipe or a file; nil on a terminal (nothing to forward).
    static func readStandardInput() throws -> Data? {
        guard isatty(FileHandle.standardInput.fileDescriptor) == 0 else { return nil }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        if data.count > 8 << 20 {
            throw SlipwayError.invalidRequest("standard input is \(data.count) bytes; `slipway run` forwards at most 8 MiB")
        }
        return data.isEmpty ? nil : data
    }
}
