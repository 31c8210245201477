import GitReceive
import Logging
import SlipwayCore

/// One push's conversation with receive-pack through its `proc-receive` hook (githooks(5),
/// protocol version 1): receive-pack sends its version and the refs the push changes (their objects
/// are already in the repository, out of quarantine); the server answers `ok` or `ng REASON` per
/// ref after deploying, writing progress on the hook's standard error, which git relays to the
/// pusher as `remote:` lines. receive-pack does not touch these refs itself: the server moves them.
struct PushSession: Sendable {
    let app: AppName
    let remoteURL: String
    let deployer: PushDeployer
    let logger: Logger

    func converse(_ hook: HookConnection) async {
        var lines = PktLineReader(hook: hook)
        do {
            // Version negotiation: `version=1\0CAPABILITIES`, flush; we answer version 1 without capabilities.
            guard let version = try await lines.next()?.text, version.hasPrefix("version=1") else {
                throw PktLineError("receive-pack speaks another proc-receive version")
            }
            while try await lines.next() != .flush {}
            try await hook.send(.output, PktLine.encode("version=1\0") + PktLine.flushBytes)
            var updates: [RefUpdate] = []
            while let line = try await lines.next(), line != .flush {
                guard let text = line.text, let update = RefUpdate(line: text) else {
                    throw PktLineError("not a ref update: \(line.text ?? "")")
                }
                updates.append(update)
            }
            let send = hook.send
            let progress: PushDeployer.Progress = { text in
                // The pusher may be gone (Ctrl-C): the deploy and the branch go on regardless.
                try? await send(.error, Array((text + "\n").utf8))
            }
            var answer: [UInt8] = []
            for update in updates {
                let result = await deployer.handle(update, app: app, remoteURL: remoteURL, progress: progress)
                answer += PktLine.encode(result.line(for: update.ref))
            }
            try await hook.send(.output, answer + PktLine.flushBytes)
        } catch {
            logger.warning("a push's hook conversation failed", metadata: ["app.name": "\(app)", "error": "\(error)"])
            try? await hook.send(.error, Array("slipway: the push could not be handled: \(error)\n".utf8))
        }
    }
}

/// pkt-lines from the hook's input as they arrive.
struct PktLineReader {
    let hook: HookConnection
    private var decoder = PktLineDecoder()

    init(hook: HookConnection) { self.hook = hook }

    /// The next line; nil when the input ended.
    mutating func next() async throws -> PktLine? {
        while true {
            if let line = try decoder.next() { return line }
            guard let bytes = await hook.read() else { return nil }
            decoder.append(bytes)
        }
    }
}
