import Commands
import Foundation
import Testing

/// A stand-in for the Slipway server, in Python's http.server (python3 is on every dev and CI
/// machine), speaking the API's shapes just enough to exercise the client over real HTTP:
/// streamed uploads, chunked log streaming, error bodies, auth. It picks a free port and prints it.
final class FakeServer {
    let process: BackgroundCommand
    let port: Int
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static let script = #"""
import hashlib, json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VIEW = {"traceId": "t1", "app": "web", "apps": ["web"], "status": "COMPLETED", "release": 3,
        "stages": [{"name": "fetch", "status": "COMPLETED", "startedAt": "2026-01-02T03:04:05Z",
                    "finishedAt": "2026-01-02T03:04:06.5Z"}],
        "createdAt": "2026-01-02T03:04:05Z", "finishedAt": "2026-01-02T03:04:07Z", "totalSeconds": 2.0,
        "source": {"kind": "upload"}}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass

    def send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.send(status, {"error": {"code": code, "message": message}})

    def do_GET(self):
        if self.path == "/healthz":
            return self.send(200, b"ok", "text/plain")
        if self.path == "/v1/apps":
            if self.headers.get("Authorization") != "Bearer s3cret":
                return self.error(401, "unauthorized", "missing or wrong API token")
            return self.send(200, {"apps": []})
        if self.path == "/v1/apps/missing":
            return self.error(404, "not_found", "app \"missing\" does not exist")
        if self.path == "/v1/deploys/t1":
            return self.send(200, VIEW)
        if self.path == "/v1/deploys/t1/log":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in [b"Step 1/2 : FROM bu", b"sybox\nStep 2/2 : RUN true\n", b"Successfully built\n", b"no newline"]:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/v1/deploys/unknown/log":
            return self.error(404, "not_found", "no deploy unknown")
        self.send(404, b"nothing here", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/v1/apps/web/deploys" and self.headers.get("Content-Type") == "application/gzip":
            return self.send(202, {"traceId": "upload-%d-%s" % (len(body), hashlib.sha256(body).hexdigest())})
        if self.path == "/v1/apps/web/deploys" and self.headers.get("Content-Type") == "application/json":
            request = json.loads(body)
            return self.send(202, {"traceId": "git-%s-%s" % (request["source"], request.get("ref"))})
        self.error(400, "invalid_request", "unexpected POST %s" % self.path)

    def do_DELETE(self):
        if self.path == "/v1/apps/web":
            return self.send(200, {"app": "web", "destroyed": True})
        self.error(404, "not_found", "no app")

# Exit when the test process goes away: its parent changes (it crashed), checked every second.
import os, threading
parent = os.getppid()
def watch():
    while os.getppid() == parent: time.sleep(1)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
"""#

    private init(process: BackgroundCommand, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the script and waits (up to 30 s) for the port it writes once its socket listens.
    static func start() async throws -> FakeServer {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("fake-server-\(UUID().uuidString).port").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let process = try await BackgroundCommand.start(Command("python3", ["-c", script, portFile]))
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && process.isRunning {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                return FakeServer(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        await process.kill()
        throw FakeServerError.didNotStart
    }

    enum FakeServerError: Error { case didNotStart }
}

/// A localhost port with nothing listening: bound, then closed again.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    #expect(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}
