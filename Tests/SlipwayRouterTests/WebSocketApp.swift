import Commands
import Foundation
import TestPorts

/// A real WebSocket app and client (Python's `websockets`, from the venv scripts/setup.sh makes),
/// for the router's upgrade tests. The app (`ws` mode) echoes every message, closes with 4001
/// when sent "close-from-server", and logs each connection's close code; in `http` mode it is a
/// plain HTTP/1.1 keep-alive server that answers 200 to everything, Upgrade or not.
final class WebSocketApp: Sendable {
    static let python = ProcessInfo.processInfo.environment["SLIPWAY_PYTHON"] ?? "/opt/slipway-py/bin/python"

    let port: Int
    private let process: BackgroundCommand
    private let directory: String

    /// The app's log: one line per closed WebSocket (`closed CODE`) or HTTP request (`GET upgrade=...`).
    var log: String { (try? String(contentsOfFile: "\(self.directory)/app.log", encoding: .utf8)) ?? "" }

    /// Fails (does not skip) with what to do when the venv or `websockets` is missing.
    static func start(mode: String = "ws") async throws -> WebSocketApp {
        // It listens on a port from TestPorts, never port 0 (see there why); another process may
        // take that port before the app binds it, so a start that fails is tried with another.
        try await TestPorts.withFreePort { port in try await self.start(mode: mode, port: port) }
    }

    private static func start(mode: String, port: Int) async throws -> WebSocketApp {
        let directory = try Self.workDirectory()
        // The app prints only its errors: its output is the `stderr` file.
        let process = try await BackgroundCommand.start(
            Command(self.python, ["\(directory)/app.py", mode, "\(directory)/port", "\(directory)/app.log", String(port)],
                    workingDirectory: directory),
            log: "\(directory)/stderr")
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: "\(directory)/port", encoding: .utf8), let port = Int(text) {
                return WebSocketApp(port: port, process: process, directory: directory)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await process.kill()
        let stderr = Self.stderr(directory)
        try? FileManager.default.removeItem(atPath: directory)  // a retry on another port makes its own
        // Python says "address already in use" (asyncio) or "Address already in use": TestPorts retries on the latter.
        let taken = stderr.lowercased().contains("address already in use") ? " (Address already in use)" : ""
        throw WebSocketAppError("the Python WebSocket app did not start on port \(port)\(taken): \(stderr)")
    }

    /// Runs the client through `port` with Host `host`; returns what it printed (one JSON object).
    /// With `caFile`, over TLS (wss://), trusting that CA and sending `host` as the server name.
    static func client(port: Int, host: String, mode: String, caFile: String? = nil) async throws -> [String: Any] {
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await Command(self.python, ["\(directory)/client.py", String(port), host, mode] + (caFile.map { [$0] } ?? []),
                                       workingDirectory: directory, timeout: .seconds(120)).run()
        guard result.succeeded,
            let object = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        else { throw WebSocketAppError("the WebSocket client failed: \(result.standardOutput) \(result.standardError)") }
        return object
    }

    func stop() async {
        await self.process.kill()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    private init(port: Int, process: BackgroundCommand, directory: String) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    private static func workDirectory() throws -> String {
        guard FileManager.default.isExecutableFile(atPath: self.python) else {
            throw WebSocketAppError("no Python venv at \(self.python); run `bash scripts/setup.sh` (it installs websockets there)")
        }
        let directory = NSTemporaryDirectory() + "ws-app-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(Self.appScript.utf8).write(to: URL(fileURLWithPath: "\(directory)/app.py"))
        try Data(Self.clientScript.utf8).write(to: URL(fileURLWithPath: "\(directory)/client.py"))
        return directory
    }

    private static func stderr(_ directory: String) -> String {
        (try? String(contentsOfFile: "\(directory)/stderr", encoding: .utf8)) ?? ""
    }

    private static let appScript = #"""
        import asyncio, os, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        mode, port_file, log_path, listen_port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        log = open(log_path, "a", buffering=1)

        def announce(port):
            with open(port_file + ".tmp", "w") as f:
                f.write(str(port))
            os.rename(port_file + ".tmp", port_file)

        if mode == "http":
            class Handler(BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_GET(self):
                    body = f"upgrade={self.headers.get('Upgrade')} connection={self.headers.get('Connection')}".encode()
                    log.write(f"GET {body.decode()}\n")
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = ThreadingHTTPServer(("127.0.0.1", listen_port), Handler)
            announce(server.server_address[1])
            server.serve_forever()
        else:
            from websockets.asyncio.server import serve
            from websockets.exceptions import ConnectionClosed
            async def echo(ws):
                try:
                    async for message in ws:
                        if message == "close-from-server":
                            await ws.close(4001, "server says bye")
                            break
                        await ws.send(message)
                except ConnectionClosed:
                    pass
                await ws.wait_closed()
                log.write(f"closed {ws.close_code}\n")
            def page(connection, request):
                # `page` mode: a plain GET gets a page that opens a WebSocket back to where it came
                # from and shows the echo; each handshake is logged with its Upgrade field's name
                # as it arrived (HTTP/1.1 clients write `Upgrade`, the router's HTTP/2 bridge `upgrade`).
                names = [name for name, _ in request.headers.raw_items() if name.lower() == "upgrade"]
                if not names:
                    response = connection.respond(200, PAGE)
                    response.headers["Content-Type"] = "text/html; charset=utf-8"
                    return response
                log.write(f"handshake {names[0]}\n")
            PAGE = """<!doctype html><title>echo</title><p id=result>waiting</p><script>
            const socket = new WebSocket(`wss://${location.host}/echo`);
            socket.onopen = () => socket.send("hello from the page");
            socket.onmessage = (event) => { document.getElementById("result").textContent = "echo: " + event.data; socket.close(1000); };
            socket.onclose = (event) => { document.title = "closed " + event.code; };
            </script>"""
            async def main():
                hook = page if mode == "page" else None
                async with serve(echo, "127.0.0.1", listen_port, max_size=None, process_request=hook) as server:
                    announce(server.sockets[0].getsockname()[1])
                    await asyncio.Future()
            asyncio.run(main())
        """#

    private static let clientScript = #"""
        import asyncio, json, os, ssl, sys, time
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed
        port, host, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        ca = sys.argv[4] if len(sys.argv) > 4 else None
        tls = {"ssl": ssl.create_default_context(cafile=ca), "server_hostname": host} if ca else {}

        async def main():
            out = {}
            async with connect(f"{'wss' if ca else 'ws'}://{host}/echo", host="127.0.0.1", port=port, max_size=None,
                               open_timeout=10, ping_interval=None, **tls) as ws:
                out["status"] = ws.response.status_code
                if mode == "idle":
                    start = time.monotonic()
                    try:
                        await asyncio.wait_for(ws.recv(), timeout=10)
                    except ConnectionClosed:
                        out["closed_after"] = time.monotonic() - start
                    print(json.dumps(out))
                    return
                await ws.send("hello")
                out["text"] = await ws.recv()
                big = os.urandom(4 << 20)  # more than the sockets' buffers: backpressure both ways
                await ws.send(big)
                out["binary_echoed"] = (await ws.recv()) == big
                samples = []
                for _ in range(200):
                    start = time.perf_counter()
                    await ws.send("x")
                    await ws.recv()
                    samples.append(time.perf_counter() - start)
                samples.sort()
                out["p50_ms"] = samples[len(samples) // 2] * 1000
                if mode == "server-close":
                    await ws.send("close-from-server")
                    try:
                        await ws.recv()
                    except ConnectionClosed as e:
                        out["closed_by_server"] = [e.rcvd.code, e.rcvd.reason]
                else:
                    await ws.close(1000, "client done")
                    out["close_code"] = ws.close_code
            print(json.dumps(out))

        asyncio.run(main())
        """#
}

struct WebSocketAppError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
