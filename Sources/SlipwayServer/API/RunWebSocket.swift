import Foundation
import Hummingbird
import HummingbirdWebSocket
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// `/v1/apps/{app}/run/ws`: an interactive one-off (`slipway run -it`, `slipway addons connect`)
/// over a WebSocket. Query: `arg` (repeated: the command and its arguments), `service`, `tty`,
/// `addon` (the add-on's client, from its image, instead of a command), `columns`/`rows`.
/// Client to server: binary messages are standard input; text messages are JSON controls,
/// `{"resize": {"columns", "rows"}}` and `{"eof": true}` (the end of standard input). Server to
/// client: binary messages are output, the first byte naming the stream (1 stdout, 2 stderr);
/// the last message is text, `{"exitCode": N}` or `{"error": {"code", "message"}}`.
struct RunWebSocket: Sendable {
    let store: SlipwayStore
    let engine: any Engine

    /// What one session asks for, checked before the upgrade.
    struct Session: Sendable {
        var release: Release
        var addon: AddonSpec?
        var command: [String]
        var service: String?
        var tty: Bool
        var size: (columns: Int, rows: Int)?
    }

    func session(_ request: Request, app raw: String) throws -> Session {
        let app = try DNSLabel(raw)
        guard let release = try store.currentRelease(of: app) else {
            throw SlipwayError.notFound("no app named \(app) with a release; `slipway apps` lists them, `slipway deploy` creates one")
        }
        let query = request.uri.queryParameters
        let tty = try QueryFlag.value(query.get("tty"), name: "tty")
        var size: (Int, Int)?
        if let columns = query.get("columns"), let rows = query.get("rows") {
            guard let c = Int(columns), let r = Int(rows), (1...1000).contains(c), (1...1000).contains(r) else {
                throw SlipwayError.invalidRequest("columns and rows must be numbers from 1 to 1000")
            }
            size = (c, r)
        }
        var command: [String] = query.getAll("arg")
        var addon: AddonSpec?
        if let name = query.get("addon") {
            let addonName = try DNSLabel(String(name), kind: "add-on name")
            guard let found = try store.addon(app: app, name: addonName) else {
                throw SlipwayError.notFound("\(app) has no add-on named \(addonName); `slipway addons \(app)` lists them")
            }
            guard command.isEmpty else { throw SlipwayError.invalidRequest("give either an add-on or a command, not both") }
            addon = found
            command = found.clientCommand
        }
        guard !command.isEmpty, !command[0].isEmpty else {
            throw SlipwayError.invalidRequest("give the command as ?arg=sh&arg=-l (or ?addon=NAME for an add-on's client)")
        }
        let service: String? = query.get("service")
        if let service, !release.services.contains(where: { $0.name == service }) {
            throw SlipwayError.invalidRequest("\(app) has no service \(service) (it has: \(release.services.map(\.name).joined(separator: ", ")))")
        }
        return Session(release: release, addon: addon, command: command, service: service, tty: tty, size: size)
    }

    func addRoutes(to router: Router<WebSocketUpgradeContext>) {
        router.ws("/v1/apps/:app/run/ws") { request, context in
            // A bad request is not upgraded: the error is the answer (see `RefusedUpgrades`).
            _ = try session(request, app: try context.parameters.require("app"))
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let session = try self.session(context.request, app: try context.requestContext.parameters.require("app"))
            let (input, feed) = AsyncStream.makeStream(of: InteractiveInput.self)
            if let size = session.size { feed.yield(.resize(columns: size.columns, rows: size.rows)) }
            let engine = self.engine
            // Without a terminal the output is a pipe's (a script, a CI log, a recording): secret values
            // are masked there, as in `slipway run` and the logs. A terminal is a person at it, who can
            // read the app's secrets anyway (they run commands in it): its bytes go through unchanged,
            // as masking could cut a terminal's escape sequences. Neither is stored anywhere.
            let masks = OutputMasks(session.tty ? SecretMask([]) : self.mask(for: session.release))
            let send: @Sendable (Int, Data) async -> Void = { stream, bytes in
                guard !bytes.isEmpty else { return }
                var framed = ByteBuffer(integer: UInt8(truncatingIfNeeded: stream))
                framed.writeBytes(bytes)
                try? await outbound.write(.binary(framed))
            }
            // Whichever ends first ends the other: the command (its exit code or error is the last
            // message), or the connection. A WebSocket has no half-close (the end of standard input
            // is an `eof` control message), so a connection that ends is a client gone (Ctrl-C, a
            // closed terminal): the command is cancelled, which removes its container.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            switch message {
                            case .binary(let buffer): feed.yield(.data(Data(buffer.readableBytesView)))
                            case .text(let text): feed.yield(Self.control(text))
                            }
                        }
                    } catch {}
                    feed.finish()
                }
                group.addTask {
                    let ending: String
                    do {
                        let code = try await engine.runInteractive(session.release, service: session.service, addon: session.addon,
                                                                   command: session.command, tty: session.tty, input: input) { stream, bytes in
                            await send(stream, masks.apply(stream, bytes))
                        }
                        for (stream, rest) in masks.finish() { await send(stream, rest) }
                        ending = #"{"exitCode": \#(code)}"#
                    } catch {
                        let failure = (error as? SlipwayError) ?? SlipwayError.engine("\(error)")
                        ending = String(decoding: try JSONResponse.encoder.encode(ErrorBody(failure)), as: UTF8.self)
                    }
                    try await outbound.write(.text(ending))
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// The app's secret config values and its add-ons' passwords.
    func mask(for release: Release) -> SecretMask {
        let passwords = ((try? store.addons(of: release.app)) ?? []).map(\.password)
        return SecretMask(release: release).merging(SecretMask(passwords))
    }

    /// A text message: a resize, or the end of standard input (anything else is ignored).
    static func control(_ text: String) -> InteractiveInput {
        struct Control: Decodable {
            struct Size: Decodable { var columns: Int; var rows: Int }
            var resize: Size?
            var eof: Bool?
        }
        guard let control = try? JSONDecoder().decode(Control.self, from: Data(text.utf8)) else { return .data(Data()) }
        if control.eof == true { return .endOfInput }
        if let size = control.resize, (1...1000).contains(size.columns), (1...1000).contains(size.rows) {
            return .resize(columns: size.columns, rows: size.rows)
        }
        return .data(Data())
    }

    /// The same path on the HTTP router: answers what was not upgraded with the reason.
    func addFallbackRoute(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/run/ws") { request, context -> Response in
            _ = try session(request, app: try context.parameters.require("app"))
            throw SlipwayError.invalidRequest("this endpoint is a WebSocket: connect with a WebSocket client (Upgrade: websocket), as `slipway run -it` does")
        }
    }
}

/// One `StreamMask` per output stream of an interactive session.
final class OutputMasks: @unchecked Sendable {
    private let lock = NSLock()
    private let mask: SecretMask
    private var streams: [Int: StreamMask] = [:]

    init(_ mask: SecretMask) { self.mask = mask }

    func apply(_ stream: Int, _ bytes: Data) -> Data {
        guard !mask.isEmpty else { return bytes }
        return lock.withLock {
            var streamMask = streams[stream] ?? StreamMask(mask)
            defer { streams[stream] = streamMask }
            return streamMask.apply(bytes)
        }
    }

    /// What each stream held back, at the end.
    func finish() -> [(Int, Data)] {
        lock.withLock {
            defer { streams = [:] }
            return streams.sorted { $0.key < $1.key }.map { entry in
                var streamMask = entry.value
                return (entry.key, streamMask.finish())
            }
        }
    }
}
