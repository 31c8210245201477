import DockerAPI
import Foundation
import SlipwayCore

/// A container that lives for one command (the release phase, `slipway run` with or without
/// `-i`, `slipway addons connect`, a backup tool). `run` owns its whole life: create, prepare,
/// start with the output streamed, wait, and remove — on the command's exit, on an error, and
/// when the caller is cancelled (a client that went away stops the command with it), so none is
/// left behind by a run that ended. What goes in the container is the caller's (`OneOffRunner`).
struct OneOffContainer: Sendable {
    /// How the command's standard streams reach the caller.
    enum Streams: Sendable {
        /// Output followed through the engine's logs once it has started, line by line. Standard
        /// input, if any, is the caller's to copy in as a file in `prepare` (no attach connection,
        /// which the two engines hijack differently).
        case logs(output: @Sendable (RunEvent) async -> Void)
        /// Standard input attached over a hijacked connection, the container started only once
        /// attached so no output is missed; output as (1 stdout or 2 stderr, bytes). With `tty`
        /// the process gets a terminal and its output is one raw stream.
        case attached(tty: Bool, input: AsyncStream<InteractiveInput>, output: @Sendable (Int, Data) async -> Void)
    }

    let docker: DockerClient
    let name: String
    var spec: ContainerSpec

    /// Runs the command to its end and returns its exit code. `prepare` gets the created
    /// container's id before it starts (files to copy in); the container is removed whatever it throws.
    func run(streams: Streams, prepare: (_ id: String) async throws -> Void = { _ in }) async throws -> Int {
        // A container of this name is left over from a run of the same one-off that a server crash interrupted.
        try? await docker.removeContainer(name, force: true)
        let id = try await docker.createContainer(name: name, spec: spec)
        let docker = self.docker
        do {
            let code = try await withTaskCancellationHandler {
                try await prepare(id)
                try await stream(id, streams)
                return try await docker.waitContainer(id)
            } onCancel: {
                // Removing it kills the command, which ends the streams and the wait above. The
                // handler cannot await, and a request made from the cancelled task would be
                // cancelled itself: the removal runs in a task of its own.
                Task { try? await docker.removeContainer(id, force: true) }
            }
            try? await docker.removeContainer(id, force: true)
            return code
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
    }

    private func stream(_ id: String, _ streams: Streams) async throws {
        switch streams {
        case .logs(let output):
            try await docker.startContainer(id)
            for try await line in docker.logs(id, follow: true, tail: nil, timestamps: false) {
                await output(RunEvent(stream: line.stream.rawValue, text: line.text))
            }
        case .attached(let tty, let input, let output):
            let docker = self.docker
            try await docker.attachInteractive(id, tty: tty, input: input.map { AttachInput($0) },
                                               started: { try await docker.startContainer(id) }, output: output)
        }
    }
}

extension AttachInput {
    /// The Docker API's form of the engine's input type (callers of the engine need not know the Docker API).
    init(_ input: InteractiveInput) {
        switch input {
        case .data(let data): self = .data(data)
        case .resize(let columns, let rows): self = .resize(columns: columns, rows: rows)
        case .endOfInput: self = .endOfInput
        }
    }
}
