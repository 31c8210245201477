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

    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("/v1/apps/:app/run/ws") { request, context in
            // A bad request is not upgraded: the plain HTTP route of the same path answers it with the error.
            guard let app = context.parameters.get("app"), (try? session(request, app: app)) != nil else { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let session = try self.session(context.request, app: try context.requestContext.parameters.require("app"))
            let (input, feed) = AsyncStream.makeStream(of: InteractiveInput.self)
            if let size = session.size { feed.yield(.resize(columns: size.columns, rows: size.rows)) }
            let engine = self.engine
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        switch message {
                        case .binary(let buffer): feed.yield(.data(Data(buffer.readableBytesView)))
                        case .text(let text): feed.yield(Self.control(text))
                        }
                    }
                    // The client went away: its command ends with it.
                    feed.yield(.endOfInput)
                    feed.finish()
                }
                let ending: String
                do {
                    let code = try await engine.runInteractive(session.release, service: session.service, addon: session.addon,
                                                               command: session.command, tty: session.tty, input: input) { stream, bytes in
                        var framed = ByteBuffer(integer: UInt8(truncatingIfNeeded: stream))
                        framed.writeBytes(bytes)
                        try? await outbound.write(.binary(framed))
                    }
                    ending = #"{"exitCode": \#(code)}"#
                } catch {
                    let failure = (error as? SlipwayError) ?? SlipwayError.engine("\(error)")
                    ending = String(decoding: try JSONResponse.encoder.encode(ErrorBody(failure)), as: UTF8.self)
                }
                try await outbound.write(.text(ending))
                group.cancelAll()
            }
        }
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
